"""Class statistics over a folder of real reports: the reference, the stubs, a known mistake
(cross_entropy_delta without the 1/n, handed in by two students) and a file that does not parse,
each graded once for the module and written the way ``nnkata grade DIR --out OUT`` writes them."""

import copy
import hashlib
import json
import os
import re
import statistics

import pytest

from conftest import REFERENCE, STEP_NAMES, grade, replace_function
from grader import paths
from grader.views import class_report
from grader.errors import HarnessError

EVIL = "<script>alert(1)</script>"
NO_MEAN = """
    def cross_entropy_delta(probs, targets):
        return probs - targets
    """


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{source name: report dict} for the class, each graded once."""
    assert os.environ["NNKATA_HIDDEN_SEED"] == "7"  # reproducible hidden inputs
    src = tmp_path_factory.mktemp("class")
    buggy = src / "buggy.py"
    buggy.write_text(replace_function(REFERENCE.read_text(), "cross_entropy_delta", NO_MEAN))
    broken = src / "broken.py"
    broken.write_text("def sigmoid(z:\n    return z\n")
    files = {"reference": REFERENCE, "stubs": paths.exercise_file(), "buggy": buggy, "broken": broken}
    reports = {name: grade(path).to_dict() for name, path in files.items()}
    return {"alice.py": reports["reference"], "bob.py": reports["stubs"], "carol.py": reports["buggy"],
            "dave.py": reports["buggy"], f"{EVIL}.py": reports["broken"]}


def write_out(folder, graded):
    folder.mkdir(exist_ok=True)
    for source, report in graded.items():
        doc = {**copy.deepcopy(report), "source": source,
               "key": {k: hashlib.sha256(f"{k}{source}".encode()).hexdigest()
                       for k in ("content", "grader", "checks")}}
        if source.startswith("<"):
            doc["submission"] = f"/class/{source}"
        stem = source[:-3] if not source.startswith("<") else "evil"
        (folder / f"{stem}.json").write_text(json.dumps(doc))
    (folder / "grades.csv").write_text("submission,score,max_score\nalice,100,100\n")
    (folder / "report.html").write_text("<html></html>")
    (folder / ".alice.json.123.tmp").write_text("{")
    (folder / ".partial.json").write_text("{")
    return folder


@pytest.fixture(scope="module")
def out(graded, tmp_path_factory):
    return write_out(tmp_path_factory.mktemp("out"), graded)


@pytest.fixture(scope="module")
def summary(out):
    return class_report.summarise(class_report.load(out))


def test_load_reads_the_reports_and_passes_over_other_files(out):
    reports = class_report.load(out)
    assert sorted(r["source"] for r in reports) == sorted(
        ["alice.py", "bob.py", "carol.py", "dave.py", f"{EVIL}.py"])
    assert [r["_file"] for r in reports] == sorted(r["_file"] for r in reports)
    assert reports.warnings == []  # grades.csv, report.html and hidden files are not reports


def test_a_malformed_or_foreign_json_file_is_skipped_with_a_warning(graded, tmp_path):
    folder = write_out(tmp_path / "out", graded)
    (folder / "truncated.json").write_text('{"score": 10, "steps": [')
    (folder / "config.json").write_text('{"jobs": 4}')
    bad_step = {**graded["alice.py"], "steps": [{"name": "sigmoid"}]}
    (folder / "badstep.json").write_text(json.dumps(bad_step))
    reports = class_report.load(folder)
    assert len(reports) == 5
    assert [w.split()[0] for w in reports.warnings] == ["badstep.json", "config.json", "truncated.json"]
    assert "not readable JSON" in reports.warnings[2] and "not a grader report" in reports.warnings[1]
    summary = class_report.summarise(reports)
    assert summary["count"] == 5 and summary["warnings"] == reports.warnings
    assert "warning: truncated.json skipped" in class_report.table(summary)
    assert "warning: truncated.json skipped" in class_report.html(summary)


def test_an_empty_missing_or_reportless_folder_is_a_harness_error(tmp_path):
    with pytest.raises(HarnessError, match="no grader reports in"):
        class_report.load(tmp_path)
    with pytest.raises(HarnessError, match="is not a folder of reports"):
        class_report.load(tmp_path / "nowhere")
    (tmp_path / "junk.json").write_text("nope")
    with pytest.raises(HarnessError, match=r"1 JSON files skipped: junk\.json skipped"):
        class_report.load(tmp_path)
    with pytest.raises(HarnessError):
        class_report.summarise([])


def test_count_scores_and_histogram_come_from_the_reports(summary, graded):
    scores = [r["score"] for r in graded.values()]
    assert summary["count"] == 5 and summary["max_score"] == 100
    assert graded["alice.py"]["score"] == 100 and graded["bob.py"]["score"] == 0
    assert 0 < graded["carol.py"]["score"] < 100
    assert summary["score"] == pytest.approx({
        "mean": statistics.fmean(scores), "median": statistics.median(scores), "min": 0, "max": 100,
        "stdev": statistics.pstdev(scores)})
    bins = summary["histogram"]
    assert [b["label"] for b in bins] == [f"{i}–{i + 10}" for i in range(0, 100, 10)]
    expected = [0] * 10
    for s in scores:
        expected[min(int(s // 10), 9)] += 1
    assert [b["count"] for b in bins] == expected
    assert bins[9]["count"] == 1 and bins[0]["count"] == 2  # 100 is in the last bin


def test_histogram_edges(graded):
    def report(score):
        return {**graded["alice.py"], "score": score, "source": f"s{score}"}
    bins = class_report.summarise([report(s) for s in (0, 9.99, 10, 79, 80, 99.5, 100)])["histogram"]
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 0, 0, 1, 1, 2]
    halves = class_report.summarise([{**report(10), "max_score": 20}])  # percentages: 50 %
    assert halves["histogram"][5]["count"] == 1


def test_steps_in_registry_order_with_their_pass_rates(summary, graded):
    assert [s["name"] for s in summary["steps"]] == STEP_NAMES
    for step in summary["steps"]:
        rows = [next(s for s in r["steps"] if s["name"] == step["name"]) for r in graded.values()]
        assert step["pass_rate"] == sum(s["status"] == "passed" for s in rows) / 5
        assert step["mean_score"] == pytest.approx(statistics.fmean(s["score"] for s in rows))
        assert (step["pending"], step["error"]) == (1, 1)  # the stubs, the file that does not parse
        buggy = step["name"] in ("cross_entropy_delta", "train")
        assert (step["passed"], step["failed"]) == ((1, 2) if buggy else (3, 0))


def test_the_stubs_pass_nothing_and_the_reference_everything(graded):
    stubs = class_report.summarise([graded["bob.py"]])
    assert [(s["pass_rate"], s["pending"], s["mean_score"]) for s in stubs["steps"]] == [(0, 1, 0)] * 10
    assert stubs["failing_checks"] == [] and stubs["diagnoses"] == []  # not written is not wrong
    ref = class_report.summarise([graded["alice.py"]])
    assert [s["pass_rate"] for s in ref["steps"]] == [1.0] * 10
    assert [s["mean_score"] for s in ref["steps"]] == [s["max_score"] for s in ref["steps"]]


def test_the_buggy_step_tops_the_failing_checks(summary, graded):
    top = summary["failing_checks"]
    failed = [c["name"] for s in graded["carol.py"]["steps"] if s["name"] == "cross_entropy_delta"
              for c in s["checks"] if c["status"] == "failed"]
    assert len(failed) >= 2
    assert [(f["step"], f["check"]) for f in top[:len(failed)]] == [("cross_entropy_delta", c) for c in failed]
    assert all(f["count"] == 2 and f["share"] == 0.4 for f in top[:len(failed)])
    assert {f["step"] for f in top} <= {"cross_entropy_delta", "train"}  # no stub, no broken file
    assert summary["ungradable"] == [f"{EVIL}.py"]


def test_a_timeout_counts_once_not_for_every_check_it_stopped(graded):
    report = copy.deepcopy(graded["alice.py"])
    step = next(s for s in report["steps"] if s["name"] == "backprop")
    step["status"] = "error"
    for i, c in enumerate(step["checks"]):
        c["status"], c["score"] = "error", 0.0
        c["message"] = ("" if i == 0 else "not run: ") + "timed out while calling backprop: no answer"
    top = class_report.summarise([report])["failing_checks"]
    assert [(f["step"], f["check"]) for f in top] == [("backprop", step["checks"][0]["name"])]


def test_the_missing_one_over_n_is_the_top_diagnosis(summary):
    first = summary["diagnoses"][0]
    assert first["step"] == "cross_entropy_delta" and first["count"] == 2 and first["share"] == 0.4
    assert first["diagnosis"].startswith("it is exactly n = N times too large: did you forget to divide")
    assert first["diagnosis"].endswith("?")  # the grader's "?." is tidied
    assert re.search(r"n = \d+ times too large", first["example"])
    assert len([d for d in summary["diagnoses"] if d["step"] == "cross_entropy_delta"]) == 1  # n = 7, 22


def test_cause_groups_one_mistake_and_finds_questions():
    a = "x for a batch of n = 7 is wrong at row 0: expected 0.1, got 0.7. Named mistake (times-n): it is exactly " \
        "n = 7 times too large: did you forget to divide by n (the batch size)?."
    b = a.replace("7", "22").replace("0.1", "1e-05")
    assert class_report.cause(a) == class_report.cause(b) == \
        "it is exactly n = N times too large: did you forget to divide by n (the batch size)?"
    assert class_report.cause("softmax(z) has shape (7, 10); expected (10, 7). It is the transpose "
                              "of the expected shape: are the operands of @ swapped? More.") == \
        "It is the transpose of the expected shape: are the operands of @ swapped?"
    assert class_report.cause("sigmoid is not written yet (line 30 raises NotImplementedError)") is None


def test_slowest_submissions_sorted(summary, graded):
    slow = summary["slowest"]
    assert len(slow) == 5
    assert [s["seconds"] for s in slow] == sorted((r["seconds"] for r in graded.values()), reverse=True)
    # the reference and the buggy file train for real; the stubs and the syntax error return at once
    assert slow[0]["name"] in ("alice.py", "carol.py", "dave.py")
    assert slow[-1]["name"] in ("bob.py", f"{EVIL}.py")
    assert class_report.summarise([{**graded["bob.py"], "source": f"s{i}", "seconds": i}
                                   for i in range(8)])["slowest"] == \
        [{"name": f"s{i}", "seconds": i} for i in (7, 6, 5, 4, 3)]


def test_table_lists_every_step_the_bars_and_the_diagnosis(summary):
    text = class_report.table(summary)
    for name in STEP_NAMES:
        assert re.search(rf"^  {name} +\d", text, re.M), name
    assert re.search(r"^ +0–10 +2  █{30}$", text, re.M)
    assert re.search(r"^ +90–100 +1  █{15}$", text, re.M)
    assert re.search(r"^ +10–20 +0$", text, re.M)
    assert "n = N times too large" in text and f"{EVIL}.py" in text


def test_table_strips_terminal_control_characters(graded):
    text = class_report.table(class_report.summarise([{**graded["bob.py"], "source": "x\x1b[2Jy"}]))
    assert "\x1b" not in text and "x\\x1b[2Jy" in text  # shown as an escape, as everywhere


def test_html_is_self_contained_and_escapes_names(summary):
    page = class_report.html(summary)
    assert EVIL not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.py" in page
    assert not re.search(r"""(src|href)=|<link|@import|url\(""", page)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    bars = re.findall(r'<rect class="bar"[^>]*height="([\d.]+)"', svg)
    assert len(bars) == 10
    heights = [float(h) for h in bars]
    assert heights[0] == 2 * heights[9] > 0 and heights[1] == 0
    for name in STEP_NAMES:
        assert f"<td>{name}</td>" in page


def test_html_escapes_messages_and_check_names(graded):
    report = copy.deepcopy(graded["carol.py"])
    step = next(s for s in report["steps"] if s["name"] == "cross_entropy_delta")
    step["checks"][1]["name"] = "<b>check</b>"
    step["checks"][1]["message"] = "bad. Named mistake (x): <img src=x onerror=alert(1)> did it."
    page = class_report.html(class_report.summarise([report]))
    assert "<img" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=alert(N)&gt; did it." in page and "&lt;b&gt;check&lt;/b&gt;" in page


def test_write_html_replaces_the_file_whole(summary, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    class_report.write_html(summary, target)
    assert target.read_text(encoding="utf-8") == class_report.html(summary)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left
    with pytest.raises(HarnessError, match="cannot write the class report"):
        class_report.write_html(summary, tmp_path / "missing" / "report.html")
