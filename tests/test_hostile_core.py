"""Hostile submissions: each earns nothing it did not honestly compute, the grader survives
it, nothing outlives the grade, and the honest steps of the same file are still graded."""

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import full, grade
from grader import paths
from grader.sandbox import tiers

STRONG = "bwrap"


@pytest.fixture
def strong(monkeypatch):
    if not tiers.usable(STRONG):
        pytest.skip(f"{STRONG} is not usable on this machine")
    monkeypatch.setenv("NNKATA_ISOLATION", STRONG)


def honest_rest(report, but):
    return {s.name: s.score for s in report.steps if s.name not in but and s.score != full(s.name)}


def grade_json(path, *args):
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--format", "json", *args],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


FORGED = '{"score": 100.0, "max_score": 100.0, "steps": []}'


@pytest.mark.parametrize("where", ["import", "atexit", "os._exit at import"])
def test_a_forged_report_never_reaches_stdout(submission, where):
    text = paths.exercise_file().read_text()
    hack = {"import": f"print('{FORGED}')\n",
            "atexit": f"import atexit\natexit.register(lambda: print('{FORGED}'))\n",
            "os._exit at import": f"import os\nprint('{FORGED}', flush=True)\nos._exit(0)\n"}[where]
    out = grade_json(submission(text=text + hack), "--step", "sigmoid", "--step", "softmax")
    doc = json.loads(out)  # exactly one document
    assert doc["score"] == 0 and len(doc["steps"]) == 2 and "100.0" not in out


def test_exit_at_import_errors_every_step_cleanly(submission):
    report = grade(submission(text="import sys\nsys.exit(0)\n"), steps=["sigmoid", "train"])
    assert [s.status for s in report.steps] == ["error", "error"] and report.score == 0
    assert "could not be imported: SystemExit" in report.steps[0].feedback


LIAR = '''
class Liar(np.ndarray):
    def __eq__(self, other): return True
    def __array_function__(self, *a, **k): return True
class Always:
    def __eq__(self, other): return True
    shape = (7, 3)
'''


@pytest.mark.parametrize("body", [
    "return np.zeros_like(z).view(Liar)",
    "return np.ma.masked_all(np.shape(z))",
    "return Always()",
    "np.allclose = lambda *a, **k: True\n    np.testing.assert_allclose = lambda *a, **k: None\n    return np.zeros_like(z)",
], ids=["lying-subclass", "masked", "eq-always-true", "monkeypatch-allclose"])
def test_lying_values_earn_nothing(submission, body):
    text = paths.reference_file().read_text() + LIAR
    from conftest import replace_function
    text = replace_function(text, "sigmoid", f"def sigmoid(z):\n    {body}\n") + LIAR
    report = grade(submission(text=text), steps=["sigmoid", "softmax", "feedforward"])
    earned = [c.name for c in report.steps[0].checks if c.status == "passed"]
    assert earned in ([], ["shape"])  # zeros of the right shape are honestly of the right shape
    assert honest_rest(report, {"sigmoid"}) == {}


STEAL = '''
FOUND = None


def softmax(z):
    global FOUND
    if FOUND is None:
        FOUND = search()
    if FOUND:
        raise RuntimeError("stole: " + repr(FOUND))
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def search():  # once: the checks call softmax many times
    import gc, glob, inspect
    found = []
    for frame in inspect.stack():
        found += [k for k in frame.frame.f_globals if k == "nnkata_reference"]
    found += [o for o in gc.get_objects() if getattr(o, "__name__", "") == "nnkata_reference"]
    for depth in range(1, 6):  # the reference's folder, anywhere near the root
        found += glob.glob("/" + "*/" * depth + "solutions/network.py")[:1]
    for path in ["%s", "/proc/1/environ", "/proc/%d/environ"]:
        try:
            data = open(path, "rb").read()
            if b"def softmax" in data or b"NNKATA_HIDDEN_SEED" in data:
                found.append(path)
        except OSError:
            pass
    if "NNKATA_HIDDEN_SEED" in os.environ:
        found.append("env")
    return found
'''


def test_nothing_secret_is_reachable_from_the_child(strong, submission):
    from conftest import replace_function
    code = STEAL % (paths.reference_file(), os.getpid())
    text = "import os\n" + replace_function(paths.reference_file().read_text(), "softmax", code)
    report = grade(submission(text=text), steps=["softmax"])
    assert report.steps[0].score == full("softmax"), report.steps[0].feedback  # found nothing


def test_the_same_search_finds_the_reference_without_a_sandbox(monkeypatch, submission):
    # the search above can succeed: without isolation, the reference is readable (and the
    # report says NOT ISOLATED), so the test above is not passing for want of trying
    monkeypatch.setenv("NNKATA_ISOLATION", "none")
    from conftest import replace_function
    code = STEAL % (paths.reference_file(), os.getpid())
    text = "import os\n" + replace_function(paths.reference_file().read_text(), "softmax", code)
    report = grade(submission(text=text), steps=["softmax"])
    assert "stole" in report.steps[0].feedback and not report.isolation["isolated"]


def test_numpy_py_beside_the_submission_is_not_imported(submission):
    path = submission()
    (path.parent / "numpy.py").write_text("raise SystemExit('the shadow numpy was imported')\n")
    assert grade(path, steps=["sigmoid"]).score == full("sigmoid")


def test_sleep_at_import_costs_one_wait(submission):
    started = time.monotonic()
    report = grade(submission(text="import time\ntime.sleep(60)\n"), steps=["sigmoid", "softmax", "train"])
    assert time.monotonic() - started < 25
    assert all(s.status == "error" and "did not finish importing" in s.feedback for s in report.steps)


TOKEN = "nnkata-daemon-token-4711"


def no_survivors(token):
    for _ in range(20):
        alive = []
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and token.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                    alive.append(pid)
            except OSError:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("tier", ["bwrap", "unshare"])
def test_no_process_outlives_the_grade(monkeypatch, submission, tier):
    if not tiers.usable(tier):
        pytest.skip(f"{tier} is not usable on this machine")
    monkeypatch.setenv("NNKATA_ISOLATION", tier)
    from conftest import replace_function
    code = f'''
def sigmoid(z):
    import os, subprocess
    for _ in range(20):  # a bounded fork storm
        subprocess.Popen(["sleep", "30", "{TOKEN}"], start_new_session=True)
    if os.fork() == 0:  # a setsid daemon
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "60", "{TOKEN}"])
        os._exit(0)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''
    report = grade(submission(text=replace_function(paths.reference_file().read_text(), "sigmoid", code)),
                   steps=["sigmoid", "softmax"])
    assert report.steps[1].score == full("softmax")
    assert no_survivors(TOKEN)


def test_memory_bomb_is_bounded(submission):
    from conftest import replace_function
    code = '''
def softmax(z):
    hoard = []
    for _ in range(12):  # up to 6 GiB of address space, past the 4 GiB limit
        hoard.append(np.empty(2**26))
    return hoard[0][:1]
'''
    report = grade(submission(text=replace_function(paths.reference_file().read_text(), "softmax", code)),
                   steps=["sigmoid", "softmax", "cross_entropy"])
    assert report.steps[1].score == 0 and "MemoryError" in report.steps[1].feedback
    assert honest_rest(report, {"softmax"}) == {}


def test_output_flood_is_capped(submission):
    from conftest import replace_function
    code = '''
def softmax(z):
    import sys
    chunk = "x" * 2**20
    for _ in range(200):  # 200 MiB, past the 16 MiB file-size limit
        sys.stdout.write(chunk)
    return z
'''
    report = grade(submission(text=replace_function(paths.reference_file().read_text(), "softmax", code)),
                   steps=["sigmoid", "softmax", "cross_entropy"])
    assert report.steps[1].score < full("softmax")
    assert honest_rest(report, {"softmax"}) == {}
