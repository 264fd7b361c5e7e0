"""Real `nbgrader autograde` of a course written by `nnkata nbgrader init`: no submitted notebook
is executed, so the cheats that beat a kernel-executing autograde earn nothing, read nothing and
leave nothing running; nbgrader's gradebook, export and feedback carry nnkata's grades."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

import pytest

from conftest import REFERENCE, replace_function
from grader import paths
from grader.build import notebook
from grader.deploy import nbgrader_autograde, pool
from grader.kata import curriculum
from test_nbgrader import NBGRADER, SOFTMAX_AXIS0, course, run  # noqa: F401 - course: a fixture of this module too

SEED = "987654321"  # the hidden seed of this autograde: it must reach no student
REFERENCE_MARK = "np.where(z >= 0"  # in the reference's sigmoid only
TOKEN = "nnk" + uuid.uuid4().hex[:10]  # the daemon's name (/proc/PID/comm)

# Each beat real nbgrader 0.9.6 with a kernel-executing autograde (an untouched stub notebook
# earned 100/100 with any one of them in a solution cell).
CHEATS = {
    "interactivity": "get_ipython().ast_node_interactivity = 'none'",
    "formatter": "get_ipython().display_formatter.formatters['text/plain'].for_type("
                 "float, lambda value, printer, cycle: printer.text('full marks'))",
    "check": "import grader.study.notebook\ngrader.study.notebook.check = lambda *args, **kwargs: 100.0",
    "check_negative": "import grader.study.notebook\ngrader.study.notebook.check = lambda *args, **kwargs: -1",
    "subprocess": "import subprocess\nsubprocess.run = lambda *args, **kwargs: None",
    "json": "import json\njson.loads = lambda *args, **kwargs: {'steps': [{'score': 100.0, "
            "'max_score': 100.0, 'status': 'passed', 'checks': []}]}",
    "float": "import builtins\nbuiltins.float = lambda *args: 100.0",
    "modules": "import sys, types\nsys.modules['grader.kata.notebook'] = types.SimpleNamespace("
               "check=lambda *args, **kwargs: 100.0)",
    "reference": "from grader import paths\nexec(open(paths.reference_file()).read())",
}
READER = '''
import os as _os
_found = []
for _path in @PATHS@:
    try:
        with open(_path, "rb") as _f:
            _found.append(_f.read()[:4000].decode("latin-1"))
    except OSError as _exc:
        _found.append(type(_exc).__name__)
_found.append(_os.environ.get("NNKATA_HIDDEN_SEED", "no seed here"))


def sigmoid(z):
    raise RuntimeError("FOUND " + repr(_found))
'''
DAEMON = '''
import os as _os, time as _time
if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        with open("/proc/self/comm", "w") as _f:
            _f.write(@TOKEN@)
        _time.sleep(120)
    _os._exit(0)
'''


def with_cell(release, step, code):
    """The release with the solution cell of ``step`` replaced by ``code``."""
    nb = json.loads(json.dumps(release))
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == step)
    cell["source"] = code
    return nb


def prepended(release, step, line):
    nb = json.loads(json.dumps(release))
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == step)
    cell["source"] = line + "\n" + "".join(cell["source"])
    return nb


def living(token):
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() == token:
                    found.append(int(entry))
        except (OSError, ValueError):
            pass
    return found


@pytest.fixture(scope="module")
def autograded(course):
    release = json.loads((course / "release" / "nn_kata" / "nn_kata.ipynb").read_text())
    secrets = [str(course / "source" / "nn_kata" / "nn_kata.ipynb"), str(course / "gradebook.db"),
               str(paths.reference_file())]
    axis0 = replace_function(REFERENCE.read_text(), "softmax", SOFTMAX_AXIS0)
    students = {
        "solved": json.loads((course / "source" / "nn_kata" / "nn_kata.ipynb").read_text()),
        "untouched": release,
        "reader": with_cell(release, "sigmoid", READER.replace("@PATHS@", repr(secrets))),
        "daemon": prepended(release, "sigmoid", DAEMON.replace("@TOKEN@", repr(TOKEN))),
        "softmax_axis0": notebook.answered(release, axis0),
        **{f"cheat_{name}": prepended(release, "sigmoid", line) for name, line in CHEATS.items()},
    }
    for student, nb in students.items():
        folder = course / "submitted" / student / "nn_kata"
        folder.mkdir(parents=True)
        (folder / "nn_kata.ipynb").write_text(json.dumps(nb))
    db_before = (course / "gradebook.db").read_bytes()
    env = {"NNKATA_HIDDEN_SEED": SEED}
    started = time.monotonic()
    done = run(NBGRADER + ["autograde", "nn_kata", "--create", "--GradeInSandbox.jobs=2"], course, env)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    survivors = living(TOKEN)
    for pid in survivors:  # cleanup only: the assertion is in its own test
        os.kill(pid, 9)
    exported = run(NBGRADER + ["export", "--to", str(course / "grades.csv")], course)
    assert exported.returncode == 0, exported.stderr[-3000:]
    feedback = run(NBGRADER + ["generate_feedback", "nn_kata"], course)
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    print(f"nbgrader autograde with nnkata's preprocessor: {seconds:.1f} s for {len(students)} submissions")
    return {"students": students, "log": done.stderr, "survivors": survivors, "db_before": db_before,
            "seconds": seconds}


def scores(course):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: {g.name: (g.score, g.max_score) for g in s.notebooks[0].grades}
                for s in gradebook.find_assignment("nn_kata").submissions}


def exported(course):
    import csv
    with open(course / "grades.csv") as f:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}


def autograded_text(course, student):
    return (course / "autograded" / student / "nn_kata" / "nn_kata.ipynb").read_text()


def feedback_html(course, student):
    return (course / "feedback" / student / "nn_kata" / "nn_kata.html").read_text()


def test_no_kernel_ran_and_nnkata_graded_in_parallel(course, autograded):
    assert "nnkata grades this run's notebooks in its sandbox, 2 at a time" in autograded["log"]
    for student in autograded["students"]:
        nb = json.loads(autograded_text(course, student))
        counts = {c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"}
        assert counts <= {None, 1}  # nothing ran: a kernel numbers the cells it runs 1, 2, 3, ...
        solutions = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
        assert solutions and all(c["outputs"] == [] for c in solutions)


def test_the_solved_notebook_earns_every_point_and_the_release_none(course, autograded):
    marks = exported(course)
    assert marks["solved"] == curriculum.TOTAL and marks["untouched"] == 0


def test_partial_credit_is_nnkatas_per_step(course, autograded):
    steps = scores(course)["softmax_axis0"]
    lost = {name for name, (got, top) in steps.items() if got != top}
    assert "softmax_tests" in lost and lost <= {"softmax_tests", "train_tests"}
    got, top = steps["softmax_tests"]
    assert 0 < got < top  # partial credit: some of softmax's checks pass


@pytest.mark.parametrize("cheat", CHEATS)
def test_every_cheat_of_a_kernel_earns_nothing(course, autograded, cheat):
    assert exported(course)[f"cheat_{cheat}"] == 0
    assert all(got == 0 for got, _ in scores(course)[f"cheat_{cheat}"].values())


def test_no_secret_reaches_the_student(course, autograded):
    notebook_text, html = autograded_text(course, "reader"), feedback_html(course, "reader")
    found = re.search(r"FOUND \[(.*?)\]", html)
    assert found, "the reader's probe did not run"  # it ran, and said what it found
    for text in (notebook_text, html):
        assert SEED not in text and REFERENCE_MARK not in text and "SQLite format 3" not in text
        assert "no seed here" in text
    # the database holds nothing of it beyond what it held before (the source notebook's cells)
    db = (course / "gradebook.db").read_bytes()
    assert db.count(SEED.encode()) == 0
    assert db.count(REFERENCE_MARK.encode()) == autograded["db_before"].count(REFERENCE_MARK.encode())


def test_nothing_started_by_a_solution_cell_outlives_autograde(autograded):
    assert autograded["survivors"] == []


def test_feedback_shows_public_diagnoses_and_hidden_checks_as_pass_or_fail(course, autograded, tmp_path,
                                                                            monkeypatch):
    html = feedback_html(course, "softmax_axis0")
    assert "normalise over axis 0" in html  # a public check's diagnosis, in the student's terms
    assert "the details of hidden checks stay hidden" in html
    # what the hidden checks found, graded directly with the same seed, is nowhere in it
    path = tmp_path / "axis0.ipynb"
    path.write_text(json.dumps(autograded["students"]["softmax_axis0"]))
    monkeypatch.setenv("NNKATA_HIDDEN_SEED", SEED)
    from grader.grade import grade
    report = grade(path, steps=["softmax"])
    hidden = [c for c in report.steps[0].checks if c.hidden and c.status != "passed"]
    assert hidden, "the hidden checks of softmax should fail too"
    for check in hidden:
        detail = check.message.splitlines()[0][:60]
        assert detail and detail not in html


def test_the_course_config_replaces_execute_and_nothing_else():
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute
    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    ours = nbgrader_autograde.autograde_preprocessors()
    assert Execute not in ours and ours[0] is nbgrader_autograde.GradeInSandbox
    assert ours[1:] == default[1:]


def test_a_misconfigured_course_fails_closed(tmp_path):
    """If nbgrader_config.py did not load the preprocessor, autograde executes the notebook: the
    grade cells then refuse (an error output: no credit), never grade inside the kernel."""
    code = ("import os\nos.environ['NBGRADER_EXECUTION'] = 'autograde'\n"
            "from grader.study.notebook import check\ncheck('sigmoid', {}, hidden=True)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0 and "did not load nnkata's preprocessor" in done.stderr


def test_the_run_grades_jobs_submissions_at_once(monkeypatch):
    running, most, lock = [0], [0], threading.Lock()

    def fake(self, job):  # a worker's grade: the pool's threads, no process
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
        return job.file, ""

    prepared = []
    monkeypatch.setattr(pool.Pool, "_grade", fake)
    monkeypatch.setattr(pool.Pool, "prepare", lambda self, seed, steps=None: prepared.append(seed) or {})
    graded = nbgrader_autograde._Run(2, 7)
    futures = [graded.start(f"/class/{i}.ipynb") for i in range(6)]
    assert [f.result()[0] for f in futures] == [f"/class/{i}.ipynb" for i in range(6)]
    assert most[0] == 2
    assert graded.start("/class/0.ipynb") is futures[0]  # each submission graded once
    assert prepared == [7]  # what the run's grades share: computed once
