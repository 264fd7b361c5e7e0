"""Every format from the one report, validated against schemas written from each format's
documentation (tests/fixtures/schemas, see SOURCES.md there)."""

import copy
import csv
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from conftest import REFERENCE, grade, replace_function
from grader import paths
from grader.grade import not_graded
from grader.views import formats, junit, table

SCHEMAS = Path(__file__).parents[1] / "fixtures" / "schemas"
SOFTMAX_AXIS0 = """
def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
"""


def schema(name):
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


JUNIT = xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formats")
    buggy, broken = tmp / "buggy.py", tmp / "broken.py"
    buggy.write_text(replace_function(REFERENCE.read_text(), "softmax", SOFTMAX_AXIS0))
    broken.write_text("def sigmoid(z:\n")
    return {"reference": grade(REFERENCE), "stubs": grade(paths.exercise_file()),
            "buggy": grade(buggy), "broken": grade(broken),
            "no file": not_graded("hal", "no .py or .ipynb file was found in hal/")}


KINDS = ("reference", "stubs", "buggy", "broken", "no file")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", table.SINGLE_FORMATS)
def test_json_formats_follow_their_schema(reports, fmt, kind):
    text = table.render(reports[kind], fmt)
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    errors = sorted(schema(fmt).iter_errors(doc), key=str)
    assert not errors, "\n".join(e.message for e in errors)


@pytest.mark.parametrize("kind", KINDS)
def test_junit_follows_its_schema(reports, kind):
    JUNIT.validate(table.render(reports[kind], "junit"))


def test_junit_of_a_class_counts_every_check(reports):
    text = junit.junit([reports[k] for k in KINDS])
    JUNIT.validate(text)
    doc = JUNIT.to_dict(text)
    checks = sum(len(s.checks) for k in KINDS for s in reports[k].steps)
    assert int(doc["@tests"]) == checks
    failing = sum(c.status in ("failed", "pending") for k in KINDS for s in reports[k].steps for c in s.checks)
    assert int(doc["@failures"]) == failing > 0


def test_scores_are_the_reports(reports):
    for kind in KINDS:
        r = reports[kind]
        gs = formats.gradescope(r)
        assert gs["score"] == pytest.approx(r.score)
        scored = [t for t in gs["tests"] if t["max_score"] > 0]
        assert [t["name"] for t in scored] == [s.name for s in r.steps]
        assert [t["number"] for t in scored] == [str(i) for i in range(1, len(r.steps) + 1)]
        assert sum(t["score"] for t in scored) == pytest.approx(r.score)
        ex = formats.exercism(r)
        assert not any("task_id" in t for t in ex["tests"])  # nnkata ships no instructions.md with tasks
        cl = formats.classroom(r)
        assert cl["earned"]["max_score"] + cl["lost"]["max_score"] == 100.0
    assert formats.exercism(reports["reference"])["status"] == "pass"
    assert formats.exercism(reports["buggy"])["status"] == "fail"
    broken = formats.exercism(reports["broken"])
    assert broken["status"] == "error" and "SyntaxError" in broken["message"]


def test_buggy_softmax_fails_only_softmax_and_train_in_every_format(reports):
    r = reports["buggy"]
    gs = {t["name"]: t for t in formats.gradescope(r)["tests"]}
    ex = {t["name"]: t for t in formats.exercism(r)["tests"]}
    cl = {t["name"].split(":")[0]: t for t in formats.classroom(r)["lost"]["tests"]}
    for s in r.steps:
        failing = s.name in ("softmax", "train")
        assert (gs[s.name]["status"] == "failed") == failing
        assert (ex[s.name]["status"] != "pass") == failing
        assert (s.name in cl) == failing
    assert "axis 0" in ex["softmax"]["message"] and "axis 0" in cl["softmax"]["message"]


def _with_hidden_failure(report, secret):
    r = copy.deepcopy(report)
    check = next(c for c in r.steps[2].checks if c.hidden)
    check.status, check.score, check.message = "failed", 0.0, secret
    return r


def test_gradescope_shows_the_total_at_once_and_a_hidden_check_as_pass_or_fail(reports):
    """Gradescope hides the total while any test is hidden: every test is visible; a failed
    check on hidden inputs says so in its step's test, and why only to the staff."""
    secret = "row 4 of your softmax is 0.37 where 0.12 was expected"
    report = _with_hidden_failure(reports["reference"], secret)
    doc = formats.gradescope(report)
    assert {t["visibility"] for t in doc["tests"]} == {"visible"} and doc["visibility"] == "visible"
    assert [t["name"] for t in doc["tests"]] == [s.name for s in report.steps]  # one test per step, no more
    assert secret not in json.dumps(doc)
    softmax = doc["tests"][2]
    assert "✗ values on hidden inputs  0/2" in softmax["output"] and "inputs you cannot see" in softmax["output"]
    assert softmax["score"] == report.steps[2].score and doc["score"] == report.score
    assert secret in formats.staff_notes(report) and formats.staff_notes(reports["reference"]) == ""
    assert schema("gradescope").is_valid(doc)


def test_scores_are_clamped_and_never_nan(reports):
    r = copy.deepcopy(reports["reference"])
    r.steps[0].checks[0].score = float("nan")
    r.steps[1].checks[0].score = 1e9
    r.steps[2].checks[0].score = -5.0
    for fmt in table.SINGLE_FORMATS:
        doc = json.loads(table.render(r, fmt), parse_constant=lambda c: pytest.fail(f"{c} in {fmt}"))
        assert schema(fmt).is_valid(doc)
    gs = formats.gradescope(r)["tests"]
    assert 0 <= gs[0]["score"] <= gs[0]["max_score"] and gs[1]["score"] == gs[1]["max_score"]
    assert gs[2]["score"] >= 0


def test_long_and_binary_messages_are_cut_and_cleaned(reports):
    r = copy.deepcopy(reports["stubs"])
    for s in r.steps:
        for c in s.checks:
            c.status, c.message = "failed", "x\x00\x1b[31m" + "y" * 100_000
    gs = formats.gradescope(r)
    assert max(len(t["output"]) for t in gs["tests"]) <= formats.LIMITS["gradescope"]
    assert "more characters cut" in gs["tests"][0]["output"]
    cl = formats.classroom(r)
    assert max(len(t["message"]) for t in cl["lost"]["tests"]) <= formats.LIMITS["classroom"]
    assert len(table.render(r, "classroom")) < 128 * 1024  # it travels in an environment variable
    text = junit.junit([r])
    JUNIT.validate(text)
    assert "\x00" not in text and "\x1b" not in text


def test_classroom_points_line_is_the_sum_the_reporter_makes(reports):
    r = copy.deepcopy(reports["reference"])
    r.steps[0].checks[0].score = 0.1  # partial credit that does not add up exactly in binary
    r.steps[1].checks[0].score = 0.2
    doc = formats.classroom(r)
    total = 0.0
    for runner in doc.values():  # JavaScript's left-to-right float sum, as in notify-classroom.js
        for t in runner["tests"]:
            total += t["score"]
    assert repr(total).rstrip("0").rstrip(".") == formats.classroom_points(r).split()[1].split("/")[0]
    assert total == round(r.score, 2)


def test_csv_is_the_contract_and_safe_in_a_spreadsheet(reports):
    rows = list(csv.reader(formats.csv_text([("=HYPERLINK(1)", reports["buggy"]),
                                             ("ada", reports["reference"])]).splitlines()))
    assert rows[0][:3] == ["submission", "score", "max_score"] and len(rows[0]) == 13
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[2][:3] == ["ada", "100", "100"]
    assert float(rows[1][1]) == pytest.approx(reports["buggy"].score, abs=1e-4)


def test_the_command_line_offers_every_format(tmp_path):
    for fmt in table.FORMATS:
        run = subprocess.run([sys.executable, "-m", "grader", "grade", str(REFERENCE), "--step",
                              "sigmoid", "--format", fmt], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (fmt, run.stderr)
        if fmt in table.SINGLE_FORMATS:
            assert schema(fmt).is_valid(json.loads(run.stdout))
        if fmt == "classroom":
            assert run.stderr.rstrip().endswith("\nPoints 8/8") and "sigmoid" in run.stderr
        elif fmt == "junit":
            JUNIT.validate(run.stdout)


# -- any Unicode, in every format --------------------------------------------------------------
HOSTILE = "bad\ud800 \x1b[2J\nnext\x00 line\x85"
RAW = ("\x1b", "\x00", "\x85")


def parsed(fmt, text):
    """``text`` read back as format ``fmt``'s own reader would; fails if it is not valid."""
    text.encode("utf-8")  # no lone surrogate: any UTF-8 writer takes it
    if fmt in ("json", *table.SINGLE_FORMATS):
        return json.loads(text)
    if fmt == "csv":
        return list(csv.reader(text.splitlines()))
    if fmt == "junit":
        JUNIT.validate(text)
        return text
    return text


def _hostile(report):
    r = copy.deepcopy(report)
    r.submission = f"/class/na{HOSTILE}me.py"
    for s in r.steps:
        for c in s.checks:
            c.status, c.score, c.message = "failed", 0.0, HOSTILE
    return r


@pytest.mark.parametrize("fmt", table.FORMATS)
def test_every_format_writes_any_unicode_and_no_raw_control_character(reports, fmt):
    text = table.render(_hostile(reports["reference"]), fmt)
    parsed(fmt, text)
    assert not any(raw in text for raw in RAW)
    if fmt != "csv":  # the gradebook has no messages
        assert "\\x1b[2J" in text and "\ufffd" in text


@pytest.mark.parametrize("fmt", table.CLASS_FORMATS)
def test_every_class_format_writes_any_unicode(reports, fmt):
    from grader.deploy import batch
    outcomes = {f"n{HOSTILE}": batch.Outcome(f"n{HOSTILE}", _hostile(reports["reference"])),
                "x\x1b]0;title\x07": batch.Outcome("x\x1b]0;title\x07", None, error=HOSTILE)}
    text = table.render_class(outcomes, fmt)
    parsed(fmt, text)
    assert not any(raw in text for raw in RAW) and "\x07" not in text


def test_the_command_line_writes_any_unicode_in_every_format(tmp_path):
    path = tmp_path / "na\x1b[2J\nme.py"
    path.write_text(REFERENCE.read_text().replace(
        "def sigmoid(z):", 'def sigmoid(z):\n    raise ValueError("bad\\ud800\\x1b[2J\\nnext\\x00 line")\n', 1))
    for fmt in table.FORMATS:
        run = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--step", "sigmoid",
                              "--format", fmt], capture_output=True, timeout=120)
        assert run.returncode == 0, (fmt, run.stderr)
        text = run.stdout.decode("utf-8")
        parsed(fmt, text)
        assert not any(raw in text for raw in RAW) and "\x1b" not in run.stderr.decode(), fmt
        if fmt != "csv":
            assert "\\x1b[2J" in text, fmt


PRINTING = """
def sigmoid(z):
    print("sigmoid got", z.shape)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
"""


def test_exercism_attaches_what_each_step_printed_as_the_python_runner_does(submission):
    """output: what the student's code printed while its step was graded, stripped and cut to
    500 characters with the Python runner's note (exercism/python-test-runner, runner/data.py
    at 83c3277); test_code: the call being checked, as code."""
    report = grade(submission(sigmoid=PRINTING), steps=["sigmoid", "softmax", "feedforward"], seed=11)
    tests = {t["name"]: t for t in formats.exercism(report)["tests"]}
    out = tests["sigmoid"]["output"]
    assert out.startswith("sigmoid got (7, 3)\nsigmoid got (3,)") and len(out) == 500
    assert out.endswith(" [Output was truncated. Please limit to 500 chars]")
    assert tests["softmax"]["output"] is None  # it printed nothing
    assert tests["feedforward"]["output"] is None  # it calls the reference's sigmoid while graded
    assert tests["sigmoid"]["test_code"].startswith("result = sigmoid(z)\n# shape\n")
    assert tests["feedforward"]["test_code"].startswith("a1, a2, a3 = feedforward(params, x)\n")
    assert schema("exercism").is_valid(formats.exercism(report))
    assert formats.exercism_output("  hi\n ") == "hi" and formats.exercism_output("") is None
    assert len(formats.exercism_output("x" * 499)) == 499


def test_train_s_test_code_is_the_call_with_its_defaults():
    from grader.judge.result import StepResult
    code = formats._test_code(StepResult("train", 16))
    assert code.startswith("params = train(x, y, epochs=50, batch_size=64, lr=0.5, seed=0)\n")
