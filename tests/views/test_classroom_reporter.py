"""GitHub Classroom: the reporter's totals are nnkata's score.

``reporter`` restates the arithmetic of ``classroom-resources/autograding-grading-reporter``,
read from its code at tag v1, commit d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca (src/main.js,
src/console-results.js, src/aggregate-results.js, src/helpers/test-helpers.js,
src/notify-classroom.js; dist/main.js is their bundle). Its code is not copied here.

Verified by hand against the real reporter (node 20 running dist/main.js at v1 with
INPUT_RUNNERS=earned,lost and the base64 results of the workflow's own grade step):
reference "Points 100/100", stubs "Points 0/100", softmax over axis 0 "78.00/78" + "0.00/22",
Total 78 / 100, "Points 78/100"; a two-epoch train 87 everywhere; fractional partial credit
81.215493 printed "81.22/81.22", Total 81.22 / 100, "Points 81.22/100". Before this design
(one runner) the same reporter printed 80.00 and 90.00 in the log for 78 and 87.
"""

import base64
import copy
import json
import random

import pytest

from conftest import FAST_STEPS, REFERENCE, grade, replace_function
from grader import paths
from grader.views import classroom, formats

SOFTMAX_AXIS0 = """
def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
"""


def js(x):
    """JavaScript's String(x) for the numbers at hand."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def reporter(doc):
    """The reporter's three totals for ``doc`` (runner -> result), as its v1 code computes them:
    - per runner (log line and table row): passed tests / all tests x max_score
      (getTestScore; the log line is printed only when max_score is not 0, with toFixed(2));
    - the table's Total row: those summed from 0, and the max_scores summed;
    - the notice: every test's score summed from 0, left to right, over the runners whose
      max_score is truthy, and those max_scores summed (notify-classroom.js)."""
    rows, log = [], []
    for runner, result in doc.items():  # in the order of the `runners` input
        tests = result["tests"]
        passed = sum(t["status"] == "pass" for t in tests)
        score = passed / len(tests) * (result["max_score"] or 0)
        rows.append((runner, score, result["max_score"] or 0))
        if result["max_score"]:
            log.append(f"Total points for {runner}: {score:.2f}/{js(result['max_score'])}")
    table_score, table_max = 0, 0
    for _, score, top in rows:
        table_score += score
    for _, _, top in rows:
        table_max += top
    total, top = 0, 0
    for result in doc.values():
        if result["max_score"]:
            top += result["max_score"]
            for t in result["tests"]:
                total += t["score"]
    return {"log": log, "rows": rows, "table": (js(table_score), js(table_max)),
            "notice": f"Points {js(total)}/{js(top)}", "total": total, "table_score": table_score}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    buggy = tmp_path_factory.mktemp("classroom") / "network.py"
    buggy.write_text(replace_function(REFERENCE.read_text(), "softmax", SOFTMAX_AXIS0))
    return {"reference": grade(REFERENCE, steps=FAST_STEPS),
            "stubs": grade(paths.exercise_file(), steps=FAST_STEPS),
            "axis0": grade(buggy, steps=FAST_STEPS)}


def partial(report, seed):
    """``report`` with every check's score a random fraction of its maximum."""
    r = copy.deepcopy(report)
    rng = random.Random(seed)
    for s in r.steps:
        for c in s.checks:
            c.score = round(c.max_score * rng.choice([0, 1, rng.random()]), 6)
    return r


def assert_totals_are_ours(report):
    doc = formats.classroom(report)
    seen = reporter(doc)
    ours = round(report.score, 2)
    assert abs(seen["total"] - report.score) <= 0.005 + 1e-9, seen["notice"]
    assert seen["notice"] == f"Points {js(ours)}/{js(report.max_score)}"  # the cent, no 0.x0000001
    assert seen["notice"] == formats.classroom_points(report)
    assert seen["table"] == (js(ours), js(report.max_score))
    earned = [r for r in seen["rows"] if r[0] == "earned"][0]
    assert earned[1] == earned[2] == ours  # the log's earned line: ours/ours
    assert sum(row[2] for row in seen["rows"]) == report.max_score
    for line in seen["log"]:  # every log line is a share of our score or of what was lost
        assert line.startswith(("Total points for earned: ", "Total points for lost: 0.00/"))
    return doc, seen


@pytest.mark.parametrize("kind", ["reference", "stubs", "axis0"])
def test_the_reporters_totals_are_nnkatas_score(reports, kind):
    assert_totals_are_ours(reports[kind])


@pytest.mark.parametrize("seed", range(40))
def test_any_partial_credit_is_reported_to_the_cent(reports, seed):
    r = partial(reports["axis0"], seed)
    assert r.score != round(r.score)  # partial credit that is not whole points
    doc, _ = assert_totals_are_ours(r)
    by_step = {s.name: s for s in r.steps}
    for t in doc["earned"]["tests"]:  # each earned test is its step's points, to the cent
        name = t["name"].split(":")[0]
        if name in by_step:
            assert abs(t["score"] - by_step[name].score) <= 0.01 + 1e-9


def test_a_step_that_lost_points_says_why_in_the_log(reports):
    doc = formats.classroom(reports["axis0"])
    lost = [t for t in doc["lost"]["tests"]]
    assert [t["name"].split(":")[0] for t in lost] == ["softmax"]
    assert lost[0]["status"] == "fail" and "points lost" in lost[0]["name"]
    assert "axis 0" in lost[0]["name"]  # the reporter prints a failed test's name, not its message
    assert [t["name"].split(":")[0] for t in doc["earned"]["tests"]] == \
        [s.name for s in reports["axis0"].steps if s.score > 0]
    log = classroom.log_text(reports["axis0"])
    assert "axis 0" in log and log.rstrip().endswith("Points 74/84")  # softmax 2/12: 10 lost


def test_hostile_messages_stay_valid_inert_and_within_limits(reports):
    r = copy.deepcopy(reports["stubs"])
    evil = "\n::error::Points 100/100\n  ::add-mask::x \U0001F600\u202e\x1b[2J" + "\U0001F600" * 5000
    for s in r.steps:
        for c in s.checks:
            c.status, c.message = "failed", evil
    doc = formats.classroom(r)
    out = classroom.github_output(doc)
    assert set(dict(line.split("=", 1) for line in out.splitlines())) == {"earned", "lost"}
    for line in out.splitlines():
        runner, value = line.split("=", 1)
        assert len(value) < classroom.ENV_LIMIT  # one environment string for the reporter
        result = json.loads(base64.b64decode(value))
        assert result == json.loads(json.dumps(doc[runner]))
        for t in result["tests"]:
            assert all(not x.lstrip().startswith("::") for x in t["name"].split("\n"))
    for text in (classroom.log_text(r), *(t.get("test_code", "") for t in doc["lost"]["tests"])):
        assert all(not x.lstrip().startswith("::") for x in text.split("\n"))
    assert_totals_are_ours(r)


def test_nothing_graded_is_zero_with_the_reason():
    from grader.grade import not_graded
    r = not_graded("hal", "no .py or .ipynb file was found in hal/")
    doc, seen = assert_totals_are_ours(r)
    assert seen["notice"] == "Points 0/100" and doc["lost"]["status"] == "error"
    assert "no .py" in doc["lost"]["tests"][0]["name"]
