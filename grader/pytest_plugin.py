"""nnkata as a pytest plugin: every check of every step becomes a pytest item.

    pytest --nnkata                        # grades ./exercises/network.py
    pytest --nnkata my_network.py          # or any .py module or .ipynb notebook
    pytest --nnkata -m softmax             # one step (each item is marked with its step)
    pytest --nnkata -k "backprop and numeric"
    pytest --nnkata "exercises/network.py::softmax::values on hidden inputs"
    pytest --nnkata -n 2                   # pytest-xdist: the kata graded once, items spread

Items are named ``<file>::<step>::<check>``. With ``--nnkata`` only the kata's items are
collected, whatever other paths are given, and no conftest of the project's tests/ is
loaded. Nothing is graded at collection: when the first item runs, the steps that still have
selected items are graded by one ``grade.grade`` call (in its sandboxed child, as ``nnkata
check`` does). A passed check passes; a failed or pending one fails with the grader's
feedback; one that could not run the submission at all (status ``error``: a syntax error, a
crash, a timeout) is an error in the item's setup, so pytest's junitxml writes ``<error>``
for it as ``nnkata grade --format junit`` does (``grader/views/junit.py`` has the one
mapping); one that waits on a failed check is skipped. The per-step table closes the run.
Without ``--nnkata`` the plugin does nothing. Registered through the ``pytest11`` entry point
``nnkata``.

Under pytest-xdist the kata is still graded once per session, on one hidden draw: the
controller grades it when the first worker has collected (``pytest_xdist_node_collection_
finished`` gives the selected node ids, before any item is sent), writes the report's JSON to
a file in a temporary folder whose path every worker got in ``workerinput``, and workers only
look their checks up in it. Grading in each worker would repeat the whole grade per worker
(slower than serial) and, without ``NNKATA_HIDDEN_SEED``, draw different hidden inputs in
each; a seed passed down would fix the second but not the first. The controller, which holds
the report, prints the table.
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from grader import one_blas_thread, paths
from grader.errors import HarnessError

KATA = pytest.StashKey()
SHARED = "nnkata_report"  # workerinput's key: the file the controller writes the one report to


def _steps():
    """The curriculum, imported only under --nnkata: a pytest session without it loads no
    numpy through this plugin (its BLAS threads are the session's to set)."""
    from grader.kata import curriculum
    return curriculum.STEPS


class Kata:
    """The submission under test and, once graded, its one report. ``shared``: under xdist,
    the file the controller writes that report to and the workers read it from."""

    def __init__(self, path, shared=None):
        self.path = path
        self.report = None
        self.shared = shared
        text = path.read_text(errors="replace") if path.suffix == ".py" else ""
        self.lines = {s.name: text[:m.start()].count("\n") for s in _steps()
                      if (m := re.search(rf"^def {s.name}\(", text, re.M))}

    def grade(self, wanted):
        """Grades the steps named in ``wanted`` (in curriculum order), once."""
        from grader import grade
        try:
            self.report = grade.grade(self.path, steps=[s.name for s in _steps() if s.name in wanted])
        except HarnessError as exc:
            pytest.exit(f"nnkata: error: {exc}")
        return self.report

    def result(self, item):
        if self.report is None:
            if self.shared is not None:  # an xdist worker: the controller graded
                from grader.judge.result import Report
                self.report = Report.from_dict(json.loads(self.shared.read_text()))
            else:
                self.grade({i.spec.name for i in item.session.items if isinstance(i, KataCheck)})
        step = next(s for s in self.report.steps if s.name == item.spec.name)
        return next(c for c in step.checks if c.name == item.check.name)


def pytest_addoption(parser):
    parser.getgroup("nnkata").addoption(
        "--nnkata", nargs="?", const="", default=None, metavar="PATH",
        help="grade the kata: each check of each step is a test (PATH: a .py or .ipynb, "
             "default exercises/network.py)")


def _target(value):
    """The file ``--nnkata`` names, and the ``::step::check`` after it (a node id)."""
    file, sep, rest = value.partition("::")
    return (Path(file) if file else paths.default_submission()), sep + rest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config):
    """With --nnkata the early conftests are the submission's, not those of ./tests."""
    options = early_config.known_args_namespace
    if getattr(options, "nnkata", None) is not None:
        try:
            options.file_or_dir = [str(_target(options.nnkata)[0])]
        except HarnessError:
            pass  # pytest_configure reports it


def pytest_configure(config):
    value = config.getoption("nnkata", None)
    if value is None:
        return
    try:
        path, node = _target(value)
    except HarnessError as exc:
        raise pytest.UsageError(f"nnkata: {exc}") from None
    if not path.is_file():
        raise pytest.UsageError(f"nnkata: no such file: {path} "
                                "(usage: pytest --nnkata [PATH], PATH a .py or .ipynb)")
    if path.suffix not in (".py", ".ipynb"):
        raise pytest.UsageError(f"nnkata: {path} is neither a .py module nor a .ipynb notebook")
    one_blas_thread()  # the grade's bits as nnkata check's, if numpy is not loaded yet
    shared = getattr(config, "workerinput", {}).get(SHARED)  # set in an xdist worker
    config.stash[KATA] = Kata(Path(os.path.abspath(path)), shared and Path(shared))
    config.args = [f"{path}{node}"]  # the kata alone, not the project's own tests
    for step in _steps():
        config.addinivalue_line("markers", f"{step.name}: the checks of the kata's {step.name} "
                                f"step ({step.points:g} points)")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's controller, for each worker it starts: where the one report will be."""
    kata = node.config.stash.get(KATA, None)
    if kata is None:
        return
    if kata.shared is None:
        kata.shared = Path(tempfile.mkdtemp(prefix="nnkata-xdist-")) / "report.json"
    node.workerinput[SHARED] = str(kata.shared)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """xdist's controller, when a worker has collected: the first time, grade the steps of the
    selected items (``ids``, after -m, -k and node ids) and write the report for every worker.
    xdist sends no item before every worker has collected, so each finds the file written."""
    kata = node.config.stash.get(KATA, None)
    if kata is None or kata.report is not None:
        return
    report = kata.grade({i.split("::")[1] for i in ids if i.count("::") >= 2})
    from grader import atomic
    atomic.write_text(kata.shared, json.dumps(report.to_dict()))


def pytest_unconfigure(config):
    kata = config.stash.get(KATA, None)
    if kata is not None and kata.shared is not None and not hasattr(config, "workerinput"):
        shutil.rmtree(kata.shared.parent, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    collected = yield
    kata = parent.config.stash.get(KATA, None)
    if kata is None or Path(os.path.abspath(file_path)) != kata.path:
        return collected
    return [KataFile.from_parent(parent, path=file_path)]  # instead of importing it as tests


class KataFile(pytest.File):
    def collect(self):
        for spec in _steps():
            yield KataStep.from_parent(self, name=spec.name, spec=spec)


class KataStep(pytest.Collector):
    def __init__(self, *, spec, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.add_marker(spec.name)

    def collect(self):
        for check in self.spec.checks:
            yield KataCheck.from_parent(self, name=check.name, spec=self.spec, check=check)


class CheckFailed(Exception):
    """A check that did not pass; its text is the grader's feedback, nothing else."""


class KataCheck(pytest.Item):
    def __init__(self, *, spec, check, **kwargs):
        super().__init__(**kwargs)
        self.spec, self.check = spec, check

    def setup(self):
        """A check that could not run the submission (status ``error``) fails here, in setup:
        pytest calls that an error, and junitxml writes ``<error>``, as ``ELEMENT`` in
        ``grader/views/junit.py`` says. ``pytrace=False``: the feedback alone, no traceback."""
        result = self.config.stash[KATA].result(self)
        if result.status == "error":
            pytest.fail(feedback(self.spec, result), pytrace=False)

    def runtest(self):
        result = self.config.stash[KATA].result(self)
        if result.status == "skipped":  # located at the step's def, not in this plugin
            raise pytest.skip.Exception(result.message, _use_item_location=True)
        if result.status != "passed":
            raise CheckFailed(feedback(self.spec, result))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        line = self.config.stash[KATA].lines.get(self.spec.name, 0)
        return self.path, line, f"{self.spec.name}::{self.check.name}"


def feedback(spec, result):
    """What ``nnkata check`` says about one check: its message, then the step and the hint."""
    message = result.message or result.status
    if result.status == "pending":
        message += f". Write it: {spec.goal}."
    hidden = ", on hidden inputs" if result.hidden else ""
    return (f"{message}\n\n{spec.name}  ({spec.signature}): {result.status}, "
            f"{result.score:g}/{result.max_score:g} points{hidden}\n"
            f"Stuck? `nnkata hint {spec.name}`. Every check: `nnkata check {spec.name}`.")


def pytest_terminal_summary(terminalreporter, config):
    kata = config.stash.get(KATA, None)
    if kata is None or kata.report is None:
        return
    from grader.views import table
    terminalreporter.write_sep("=", "nnkata")
    terminalreporter.write(table.table(kata.report,
                                       colour=config.get_terminal_writer().hasmarkup))
