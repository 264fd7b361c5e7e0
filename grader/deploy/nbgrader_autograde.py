"""nbgrader's autograde without a kernel: nnkata grades, nbgrader keeps its gradebook.

nbgrader's ``Autograde`` runs a list of preprocessors on each submitted notebook, and the first,
``Execute``, runs every cell in a kernel: the student's cells first, then the locked grade
cells, in a process the student's code controls (it can rewrite what a grade cell computes or
shows, read the instructor's files, and outlive the grade). No grade cell can be made safe
there. The course ``nnkata nbgrader init`` writes replaces ``Execute`` with ``GradeInSandbox``:

- the notebook is never executed: its solution cells are taken out by ``grade_id`` and graded
  like a ``.py`` file (``grade.grade`` on the submitted notebook, by a worker of a pool started
  once for the run, whose student code runs in nnkata's sandbox, as ``nnkata grade`` does);
- each grade cell (``<step>_tests``) receives what a kernel would have left there: the step's
  feedback on stdout (a hidden check says pass or fail, never its inputs or values), then the
  step's score as the cell's result, a plain float in [0, points];
- so nbgrader's own ``SaveAutoGrades``, late penalties, gradebook, formgrader, feedback and
  export work unchanged, with nnkata's partial credit per step;
- a grade cell nnkata did not grade gets an error output (nbgrader gives a cell with no output
  full marks: never here);
- the class is graded in parallel: on the first notebook of a run, every submission that run
  will autograde is started, ``GradeInSandbox.jobs`` at a time (nbgrader itself grades one
  after another); each notebook then takes its own report when its turn comes.
"""

import os
import tempfile
import threading
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from grader.deploy import batch, pool
from grader.sandbox import isolation
from grader.views.cell import feedback
from grader.errors import HarnessError

TESTS = "_tests"  # a grade cell's grade_id: the step's name and this


def autograde_preprocessors():
    """nbgrader's own autograde list, with ``Execute`` replaced by ``GradeInSandbox``."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute
    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    if Execute not in default:
        raise HarnessError("this nbgrader's autograde does not start with Execute: nnkata cannot "
                           "replace it safely; please report the nbgrader version")
    return [GradeInSandbox if pp is Execute else pp for pp in default]


class _Run:
    """The grades of one ``nbgrader autograde`` run: a future report per submitted notebook, from
    a pool of workers started once for the run, sharing what every grade of it shares."""

    def __init__(self, jobs, seed):
        self.pool = pool.Pool(jobs)
        self.seed, self.futures, self.lock, self.shared = seed, {}, threading.Lock(), None

    def start(self, path):
        path = os.path.abspath(path)
        with self.lock:
            if path not in self.futures:
                if self.shared is None:  # the first notebook: once for the whole run
                    self.shared = self.pool.prepare(self.seed)
                self.futures[path] = self.pool.submit(pool.Job(path, self.seed, bonus=False,
                                                               shared=self.shared))
            return self.futures[path]


_RUNS = {}  # id of the converter (one autograde run) -> its _Run
_RUNS_LOCK = threading.Lock()


class GradeInSandbox(NbGraderPreprocessor):
    """Fills each grade cell with nnkata's feedback and score; executes nothing."""

    jobs = Integer(max(1, (os.cpu_count() or 2) // 2), help="Submissions graded at once (each "
                   "grade trains beside its other checks, so half the cores by default).").tag(config=True)

    def preprocess(self, nb, resources):
        report = self._report(nb, resources)
        steps = {s.name: s for s in report.steps}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            cell.outputs, cell.execution_count = [], None  # nothing ran
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade") or meta.get("solution"):
                continue
            grade_id = str(meta.get("grade_id", ""))
            step = steps.get(grade_id.removesuffix(TESTS)) if grade_id.endswith(TESTS) else None
            cell.outputs = _outputs(step, grade_id, float(meta.get("points", 0)))
        return nb, resources

    # -- where the report comes from --------------------------------------------------------
    def _report(self, nb, resources):
        converter = getattr(getattr(self, "parent", None), "parent", None)
        ids = resources.get("nbgrader", {})
        submitted = _submitted(converter, ids)
        if submitted is None or not submitted.is_file():  # no course around it: grade this one
            return self._graded_here(nb)
        run = self._run(converter)
        for path in _class(converter):  # the whole run, started once, jobs at a time
            run.start(path)
        report, error = run.start(submitted).result()
        if report is None:
            raise HarnessError(f"nnkata could not grade {submitted}: {error}")
        return report

    def _run(self, converter):
        with _RUNS_LOCK:
            if id(converter) not in _RUNS:
                isolation.require("nbgrader autograde")
                root = Path(getattr(getattr(converter, "coursedir", None), "root", ".") or ".")
                seed = batch.shared_seed(root)
                self.log.info("nnkata grades this run's notebooks in its sandbox, %d at a time",
                              self.jobs)
                _RUNS[id(converter)] = _Run(self.jobs, seed)
            return _RUNS[id(converter)]

    def _graded_here(self, nb):
        import nbformat
        isolation.require("nbgrader autograde")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "submission.ipynb"
            nbformat.write(nb, str(path))
            with pool.Pool(1) as one:
                report, error = one.submit(pool.Job(str(path), batch.shared_seed(Path.cwd()),
                                                    bonus=False)).result()
        if report is None:
            raise HarnessError(f"nnkata could not grade this notebook: {error}")
        return report


def _submitted(converter, ids):
    """The submitted notebook nbgrader is autograding now, as the student handed it in."""
    coursedir = getattr(converter, "coursedir", None)
    if coursedir is None or not all(ids.get(k) for k in ("student", "assignment", "notebook")):
        return None
    folder = coursedir.format_path(coursedir.submitted_directory, ids["student"], ids["assignment"])
    return Path(folder, f"{ids['notebook']}.ipynb")


def _class(converter):
    """The submitted notebooks this run will autograde (nbgrader skips one whose autograded copy
    is there and newer, unless --force: those are not started ahead)."""
    force = bool(getattr(converter, "force", False))
    coursedir = converter.coursedir
    for assignment, notebooks in sorted(getattr(converter, "assignments", {}).items()):
        rel = os.path.relpath(assignment, coursedir.format_path(coursedir.submitted_directory, ".", "."))
        graded = Path(coursedir.format_path(coursedir.autograded_directory, ".", "."), rel)
        if force or not graded.exists():
            yield from sorted(notebooks)


def _outputs(step, grade_id, points):
    """What a kernel would have left in the grade cell: feedback on stdout, then the score."""
    if step is None:  # never empty: nbgrader gives a grade cell with no output full marks
        return [new_output("error", ename="NotGraded", evalue=f"{grade_id} is not a step nnkata grades",
                           traceback=[f"{grade_id}: not graded by nnkata, so no credit"])]
    score, text = feedback(step.name, step.to_dict(), hidden=True, points=points)
    return [new_output("stream", name="stdout", text=text + "\n"),
            new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=1)]

