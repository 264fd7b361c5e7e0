"""The pytest plugin (grader/pytest_plugin.py), loaded as pytest loads it: by its pytest11
entry point ``nnkata``, in an inner pytest run (pytester) in a scratch directory."""

import re

import hypothesis.extra.numpy  # noqa: F401  (grading needs it: imported once, not per inner run)
import pytest

from conftest import REFERENCE, replace_function
from grader import paths
from grader.kata import curriculum

pytest_plugins = ["pytester"]

ALL = {f"{s.name}::{c.name}" for s in curriculum.STEPS for c in s.checks}
SOFTMAX_AXIS0 = replace_function(REFERENCE.read_text(), "softmax", """
    def softmax(z):
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)
    """)


@pytest.fixture
def run(pytester, monkeypatch):
    """run(*args, network=TEXT): pytest in the scratch dir, with exercises/network.py = TEXT."""
    monkeypatch.setenv("NNKATA_HIDDEN_SEED", "7")
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)  # the entry point loads

    def go(*args, network=None):
        if network is not None:
            (pytester.path / "exercises").mkdir(exist_ok=True)
            (pytester.path / "exercises" / "network.py").write_text(network)
        return pytester.runpytest("--strict-markers", *args)

    return go


def outcomes(result):
    """{"step::check": "passed" | "failed" | "skipped"} of the items that ran."""
    passed, skipped, failed = result.reprec.listoutcomes()
    return {r.nodeid.split("::", 1)[1]: r.outcome for r in (*passed, *skipped, *failed)}


def table_rows(result):
    """The step names in the closing score table, in order."""
    return re.findall(r"^ [✓✗!·] (\w+) ", result.stdout.str(), re.M)


def failure(result, key):
    (report,) = [r for r in result.reprec.listoutcomes()[2] if r.nodeid.endswith("::" + key)]
    return report.longreprtext


def test_reference_passes_every_check_and_only_the_kata_is_collected(run, pytester):
    (pytester.path / "tests").mkdir()  # the project's own tests: neither collected nor loaded
    (pytester.path / "tests" / "conftest.py").write_text("raise RuntimeError('loaded')\n")
    (pytester.path / "tests" / "test_project.py").write_text("def test_x():\n    assert False\n")
    result = run("--nnkata", network=REFERENCE.read_text())  # PATH defaults to ./exercises/network.py
    assert result.ret == 0
    assert outcomes(result) == dict.fromkeys(ALL, "passed")
    assert len(ALL) == sum(len(s.checks) for s in curriculum.STEPS)  # every check of every step, an item
    result.stdout.fnmatch_lines(["*= nnkata =*", "nnkata · */exercises/network.py",
                                 "*10/10 steps passed, 100/100 points"])
    assert table_rows(result) == [s.name for s in curriculum.STEPS]


def test_stubs_fail_with_the_pending_message(run, pytester):
    stubs = pytester.path / "stubs.py"
    stubs.write_text(paths.exercise_file().read_text())
    result = run("--nnkata", "stubs.py")
    assert outcomes(result) == dict.fromkeys(ALL, "failed")
    assert result.ret == 1
    text = failure(result, "softmax::values on hidden inputs")
    assert re.match(r"softmax is not written yet \(line \d+ raises NotImplementedError\)\. "
                    r"Write it: row-wise softmax", text)
    assert "nnkata hint softmax" in text and "Traceback" not in text
    out = result.stdout.str()
    assert "pytest_plugin.py" not in out and "Traceback" not in out
    assert "0/10 steps passed, 0/100 points" in out


def test_a_bug_fails_its_own_step_and_train_with_the_diagnosis(run):
    result = run("--nnkata", network=SOFTMAX_AXIS0)
    got = outcomes(result)
    assert got.keys() == ALL
    failed = {k for k, v in got.items() if v == "failed"}
    assert {"softmax::values on public inputs", "softmax::values on hidden inputs",
            "train::validation accuracy on a hidden task"} <= failed
    assert all(k.startswith(("softmax::", "train::")) for k in failed)
    assert got["softmax::shape"] == got["softmax::input unchanged"] == "passed"
    text = failure(result, "softmax::values on public inputs")
    assert text.startswith("softmax(z) is wrong at row")
    assert "Did you normalise over axis 0?" in text
    assert "softmax  (softmax(z) -> ndarray): failed, 0/2 points" in text
    assert "pytest_plugin.py" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*✗ softmax * 2/12 *failed*", "*✗ train *failed*",
                                 "*8/10 steps passed*"])


def test_a_check_waiting_on_a_failed_one_is_skipped_at_the_step(run):
    broken = replace_function(REFERENCE.read_text(), "sigmoid", """
        def sigmoid(z):
            return np.zeros(3)
        """)
    result = run("--nnkata", "-m", "sigmoid", "-rs", network=broken)
    got = outcomes(result)
    assert got.pop("sigmoid::shape") == "failed"
    checks = curriculum.step("sigmoid").checks
    assert set(got.values()) == {"skipped"} and len(got) == len(checks) - 1
    line = broken[:broken.index("def sigmoid(")].count("\n") + 1
    waiting = sum(c.needs == ("shape",) for c in checks)
    result.stdout.fnmatch_lines([f"SKIPPED [[]{waiting}] exercises/network.py:{line}: not run: needs the "
                                 "shape check to pass first"])


def test_markers_keywords_and_node_ids_select_and_only_those_steps_are_graded(run):
    result = run("--nnkata", "-m", "softmax", network=REFERENCE.read_text())
    assert outcomes(result) == {k: "passed" for k in ALL if k.startswith("softmax::")}
    assert table_rows(result) == ["softmax"]

    result = run("--nnkata", "-k", "backprop")
    assert outcomes(result) == {k: "passed" for k in ALL if "backprop" in k}  # update's too
    assert table_rows(result) == ["backprop", "update"]

    result = run("--nnkata", "exercises/network.py::sigmoid::values on hidden inputs")
    assert outcomes(result) == {"sigmoid::values on hidden inputs": "passed"}
    assert table_rows(result) == ["sigmoid"]


def test_a_notebook_is_graded_too(run, pytester):
    (pytester.path / "kata.ipynb").write_bytes(paths.notebook_file().read_bytes())
    result = run("--nnkata", "kata.ipynb", "-m", "sigmoid_derivative")
    assert outcomes(result) == {k: "passed" for k in ALL if k.startswith("sigmoid_derivative::")}
    result.stdout.fnmatch_lines(["nnkata · */kata.ipynb"])


def test_without_the_option_the_plugin_does_nothing(run, pytester):
    pytester.makepyfile(test_trivial="""
        def test_plugin_is_loaded(request):
            assert request.config.pluginmanager.has_plugin("nnkata")
        """)
    result = run(network=REFERENCE.read_text())
    assert result.ret == 0
    assert outcomes(result) == {"test_plugin_is_loaded": "passed"}
    header, _, rest = result.stdout.str().partition("collected 1 item")
    assert "plugins: nnkata-" in header  # the header's plugin list: the only trace of it
    assert "nnkata" not in rest + result.stderr.str()
    assert "mark.softmax" not in run("--markers").stdout.str()
    assert "@pytest.mark.softmax: the checks of the kata's softmax step (12 points)" \
        in run("--nnkata", "--markers").stdout.str()


def test_a_missing_file_is_a_usage_error(run):
    result = run("--nnkata", "nowhere.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "nnkata: no such file: nowhere.py" in result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_harness_error_while_grading_stops_the_run_cleanly(run, monkeypatch):
    monkeypatch.setenv("NNKATA_HIDDEN_SEED", "seven")
    result = run("--nnkata", network=REFERENCE.read_text())
    assert result.ret == pytest.ExitCode.INTERRUPTED
    out = result.stdout.str()
    assert "nnkata: error: NNKATA_HIDDEN_SEED must be an integer, not 'seven'" in out
    assert "Traceback" not in out and "= nnkata =" not in out


def test_loading_the_plugin_loads_no_numpy():
    """pytest loads the plugin before any conftest: were numpy imported then, a session's
    BLAS threads (OPENBLAS_NUM_THREADS set by its conftest) would already be fixed."""
    import subprocess
    import sys
    code = "import sys, grader.pytest_plugin; print(sorted(m for m in sys.modules if m == 'numpy'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_check_names_are_plain_pytest_node_names():
    """A check's name is the last part of its node id: pytest reads ``::`` as a separator and
    ``[`` as the start of parameters (9.x's junitxml then appends a ``]``), so neither may
    appear in one, or pytest's names and the grader's part."""
    for spec in (*curriculum.STEPS, *curriculum.BONUS):
        for check in spec.checks:
            assert not any(c in check.name for c in ("::", "[", "]")), (spec.name, check.name)


COUNT_GRADES = """
import os
from grader import grade

_grade = grade.grade


def counted(*args, **kwargs):
    with open(os.environ["NNKATA_GRADE_LOG"], "a") as log:
        log.write(f"{os.getpid()}\\n")
    return _grade(*args, **kwargs)


grade.grade = counted
"""


def test_under_xdist_the_kata_is_graded_once_and_the_controller_prints_the_table(pytester, monkeypatch):
    """``-n 2``: one grade in the whole session (the controller's), its one hidden draw (no
    NNKATA_HIDDEN_SEED here), the items spread over the workers, the table printed once. A
    subprocess: the counting plugin patches grade.grade in every process it is loaded in."""
    pytest.importorskip("xdist")
    monkeypatch.delenv("NNKATA_HIDDEN_SEED", raising=False)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    log = pytester.path / "grades.log"
    monkeypatch.setenv("NNKATA_GRADE_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))  # the workers import count_grades too
    (pytester.path / "count_grades.py").write_text(COUNT_GRADES)
    (pytester.path / "network.py").write_text(SOFTMAX_AXIS0)

    result = pytester.runpytest_subprocess("-p", "count_grades", "--nnkata", "network.py", "-n", "2",
                                           "-p", "no:cacheprovider", "-v")
    assert result.ret == 1
    assert len(log.read_text().split()) == 1  # one grade, whichever process and however many workers
    out = result.stdout.str()
    assert out.count("= nnkata =") == 1
    result.stdout.fnmatch_lines(["*= nnkata =*", "*✗ softmax * 2/12 *failed*", "*✗ train *failed*",
                                 "*8/10 steps passed*"])
    assert table_rows(result) == [s.name for s in curriculum.STEPS]
    ran = re.findall(r"^\[(gw\d)\] \[ *\d+%\] (PASSED|FAILED) network\.py::(.+)$", out, re.M)
    assert {w for w, _, _ in ran} == {"gw0", "gw1"}  # the items spread over both workers
    got = {key.strip(): outcome.lower() for _, outcome, key in ran}
    assert got.keys() == ALL
    failed = {k for k, v in got.items() if v == "failed"}
    assert {"softmax::values on public inputs", "train::validation accuracy on a hidden task"} <= failed
    assert all(k.startswith(("softmax::", "train::")) for k in failed)

    log.unlink()
    result = pytester.runpytest_subprocess("-p", "count_grades", "--nnkata", "network.py", "-n", "2",
                                           "-p", "no:cacheprovider", "-m", "sigmoid")
    assert result.ret == 0 and len(log.read_text().split()) == 1
    assert table_rows(result) == ["sigmoid"]  # the controller graded the selected step alone
