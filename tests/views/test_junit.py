"""One JUnit from two writers: ``nnkata grade --format junit`` (grader/views/junit.py) and
``pytest --nnkata --junitxml`` (pytest's junitxml fed by grader/pytest_plugin.py) give the same
counts and the same (classname, name, element) for every check of the same file, and both
follow the schema written from pytest's own junit-10.xsd rules (tests/fixtures/schemas/junit.xsd)."""

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from conftest import REFERENCE, replace_function
from grader.judge.result import CheckResult, Report, StepResult
from grader.kata import curriculum
from grader.views import junit

JUNIT = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "fixtures" / "schemas" / "junit.xsd"))
CHECKS = sum(len(s.checks) for s in curriculum.STEPS)
SOFTMAX_AXIS0 = replace_function(REFERENCE.read_text(), "softmax", """
    def softmax(z):
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)
    """)
SUBMISSIONS = {"syntax": "def sigmoid(z:\n", "softmax_axis0": SOFTMAX_AXIS0}


def cases(text):
    """{(classname, name): element or None} and the first suite's counts, from JUnit text."""
    root = ET.fromstring(text)
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    found = {}
    for case in suite.iter("testcase"):
        outcome = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        assert len(outcome) <= 1, ET.tostring(case)
        found[case.get("classname"), case.get("name")] = outcome[0] if outcome else None
    counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
    return found, counts


def run(cwd, *args):
    env = {**os.environ, "NNKATA_HIDDEN_SEED": "7"}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)  # pytest must load the plugin's entry point
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """For each submission, in one folder: (grade's JUnit, pytest's JUnit) of subs/KIND.py."""
    cwd = tmp_path_factory.mktemp("junit")
    (cwd / "subs").mkdir()
    out = {}
    for kind, text in SUBMISSIONS.items():
        (cwd / "subs" / f"{kind}.py").write_text(text)
        graded = run(cwd, "-m", "grader", "grade", f"subs/{kind}.py", "--format", "junit")
        assert graded.returncode == 0, graded.stderr
        tested = run(cwd, "-m", "pytest", "--nnkata", f"subs/{kind}.py", "-p", "no:cacheprovider",
                     "--junitxml", f"{kind}.xml")
        assert tested.returncode == 1, tested.stdout[-3000:]
        out[kind] = graded.stdout, (cwd / f"{kind}.xml").read_text()
    return out


@pytest.mark.parametrize("kind", SUBMISSIONS)
def test_both_writers_follow_the_schema(outputs, kind):
    for text in outputs[kind]:
        JUNIT.validate(text)


@pytest.mark.parametrize("kind", SUBMISSIONS)
def test_both_writers_give_the_same_cases_and_counts(outputs, kind):
    (ours, our_counts), (pytests, pytest_counts) = (cases(t) for t in outputs[kind])
    assert ours == pytests
    assert our_counts == pytest_counts
    assert our_counts["tests"] == CHECKS


def test_a_syntax_error_is_an_error_in_every_check(outputs):
    ours, counts = cases(outputs["syntax"][0])
    assert counts == {"tests": CHECKS, "failures": 0, "errors": CHECKS, "skipped": 0}
    assert ("subs.syntax.sigmoid", "shape") in ours  # pytest's classname: the path, then the step


def test_a_wrong_softmax_fails_in_softmax_and_train_only(outputs):
    ours, counts = cases(outputs["softmax_axis0"][0])
    bad = {key for key, element in ours.items() if element == "failure"}
    assert ("subs.softmax_axis0.softmax", "values on hidden inputs") in bad
    assert {c.rsplit(".", 1)[1] for c, _ in bad} == {"softmax", "train"}
    assert counts["errors"] == 0 and counts["failures"] == len(bad)


def _report(statuses, submission="subs/ada.py"):
    checks = [CheckResult(f"check {i}", 1.0, float(s == "passed"), s, f"{s}\nmore") for i, s in
              enumerate(statuses)]
    return Report(submission, [StepResult("sigmoid", len(checks), checks, 1.0)], "0", "instructor seed", 1.5)


def test_one_element_per_status_and_no_skipped_on_testsuites():
    statuses = ["passed", "failed", "pending", "error", "skipped"]
    assert set(junit.ELEMENT) == set(statuses)
    text = junit.junit([_report(statuses), _report(["skipped"], "subs/bob.py")])
    JUNIT.validate(text)
    root = ET.fromstring(text)
    assert set(root.attrib) <= {"name", "time", "tests", "failures", "errors"}
    assert root.get("tests") == "6" and root.get("failures") == "2" and root.get("errors") == "1"
    found, counts = cases(text)
    assert [found["subs.ada.sigmoid", f"check {i}"] for i in range(5)] == \
        [None, "failure", "failure", "error", "skipped"]
    assert counts == {"tests": 5, "failures": 2, "errors": 1, "skipped": 1}


def test_the_classname_is_pytests():
    here = Path.cwd()
    assert junit.classname("exercises/network.py", "softmax") == "exercises.network.softmax"
    assert junit.classname(here / "subs" / "ada.py", "train", cwd=here) == "subs.ada.train"
    assert junit.classname("kata.ipynb", "sigmoid") == "kata.ipynb.sigmoid"  # only .py is dropped
    assert junit.classname("hal", "sigmoid") == "hal.sigmoid"  # a submission with no file


def test_the_schema_refuses_what_junit_10_refuses():
    good = '<testsuites name="x"><testsuite name="s" tests="1" failures="0" errors="0">' \
           '<testcase name="c" classname="a.b" time="0.001"/></testsuite></testsuites>'
    JUNIT.validate(good)
    for bad in (good.replace('name="x"', 'name="x" skipped="0"'),  # not on testsuites
                good.replace(' errors="0">', '>'),  # a suite's errors are required
                good.replace('time="0.001"', 'time="0.0001"'),  # three decimals at most
                good.replace('<testcase name="c"', '<testcase file="f.py" name="c"')):
        assert not JUNIT.is_valid(bad), bad
