"""Hostile submissions: each earns nothing it did not compute, the grader survives it, and the
honest steps of the same file are still graded.

Every submission here is the reference with one function (or a few lines at import) made
hostile; the other functions stay honest, so their steps must keep full marks. A hostile
function that *finds* something (the reference, a secret) uses it to earn points, so a leak
fails the score assertions; when it finds nothing it raises ``RuntimeError("PROBE ...")``
with what it tried, which reaches the report as feedback: that proves the attempt really ran.

Tests whose outcome depends on the sandbox are parametrized over the tiers (forced with
``NNKATA_ISOLATION``); a tier this machine cannot provide is skipped with the reason. A
known gap is ``xfail(strict=True)`` with the reason, never a weakened assertion.

Every bomb is bounded: at most 50 forks, one daemon, 6 GiB of address space asked for (the
child's RLIMIT_AS is 4 GiB), 400 MB of output attempted (read and dropped past the cap).
"""

import ast
import glob
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from importlib import _bootstrap_external, util

import pytest

from conftest import FAST_STEPS, REFERENCE, full, grade, replace_function, scores
from grader import paths
from grader.kata import curriculum
from grader.sandbox import budget, tiers
from grader.views import table

REFERENCE_TEXT = REFERENCE.read_text()
REPO = REFERENCE.parents[1]
GIT_DIR = REPO / ".git"
MIB = 2**20


# -- helpers ---------------------------------------------------------------------------------
def why_unusable(name):
    """Words for why a tier does not work here (tiers.usable only says that it does not)."""
    if name == "bwrap":
        return "bwrap is not installed" if not shutil.which("bwrap") else \
            "bwrap is installed but cannot create its namespaces here (its probe failed)"
    if name == "unshare":
        if not (shutil.which("unshare") and shutil.which("setpriv")):
            return "util-linux's unshare or setpriv is not installed"
        return "unshare cannot create PID, network and mount namespaces here (its probe failed)"
    if name == "user":
        if os.geteuid() != 0:
            return "it needs root, to drop to the dedicated user"
        try:
            import pwd
            pwd.getpwnam(tiers.USER)
        except KeyError:
            return f"there is no user {tiers.USER!r} (.ci/run creates it)"
        return f"the user {tiers.USER!r} cannot run this interpreter and import numpy"
    return "unknown tier"


def use_tier(monkeypatch, name):
    if not tiers.usable(name):
        pytest.skip(f"{name} is not usable here: {why_unusable(name)}")
    monkeypatch.setenv("NNKATA_ISOLATION", name)


def tier_params(*names, xfail=None):
    """pytest params for tiers; ``xfail`` maps a tier to the reason of its known gap."""
    xfail = xfail or {}
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=xfail[n])) if n in xfail
            else n for n in names]


def fill(template, **values):
    """The template with every @NAME@ replaced by repr(value): code without brace escaping."""
    for name, value in values.items():
        template = template.replace(f"@{name}@", repr(value))
    assert not re.search(r"@[A-Z_]+@", template), "a placeholder was left unfilled"
    return template


def reference_with(extra="", **functions):
    """The reference, some functions replaced, ``extra`` appended (it may rebind names)."""
    text = REFERENCE_TEXT
    for name, new in functions.items():
        text = replace_function(text, name, new)
    return text + "\n\n" + extra


def others_full(report, but):
    """The steps other than ``but`` that did not keep full marks (name -> score)."""
    return {n: s for n, s in scores(report).items() if n not in but and s != full(n)}


def step(report, name):
    return next(s for s in report.steps if s.name == name)


def probe(report, name, pattern=r"PROBE (.*)"):
    """What the hostile function ``name`` said it tried, from its feedback."""
    found = re.search(pattern, step(report, name).feedback)
    assert found, f"{name} did not report its probe: {step(report, name).feedback!r}"
    return found


def token():
    """A unique name, short enough for /proc/PID/comm (15 characters)."""
    return "nnk" + uuid.uuid4().hex[:10]


def living(name):
    """PIDs of live (not zombie) processes whose comm or command line contains ``name``."""
    pids, needle = [], name.encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        comm, state = stat[stat.index(b"(") + 1:stat.rindex(b")")], stat[stat.rindex(b")") + 2:][:1]
        if state not in (b"Z", b"X") and (needle in comm or needle in cmdline):
            pids.append(int(entry.name))
    return pids


def survivors(name, within=3.0):
    """The processes still alive after up to ``within`` seconds of waiting for them to go."""
    deadline = time.monotonic() + within
    while (pids := living(name)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids


def kill_leftovers(name):
    """Our own hostile processes, found by their unique token, killed by PID (cleanup only)."""
    for pid in living(name):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Watch:
    """Polls /proc while a grade runs: the most processes named ``name`` seen at once.

    Without it, "no process is left" could hold only because the processes never started,
    or because this test cannot see processes inside the sandbox's PID namespace.
    """

    def __init__(self, name):
        self.name, self.most, self._stop = name, 0, threading.Event()

    def __enter__(self):
        def poll():
            while not self._stop.is_set():
                self.most = max(self.most, len(living(self.name)))
                time.sleep(0.02)
        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def nnkata_json(path, steps, tier, cwd):
    """``python -m grader grade PATH --format json`` as a subprocess: (returncode, stdout, stderr)."""
    argv = [sys.executable, "-m", "grader", "grade", str(path), "--format", "json"]
    for name in steps:
        argv += ["--step", name]
    env = {**os.environ, "NNKATA_ISOLATION": tier, "NNKATA_HIDDEN_SEED": "7"}
    run = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    return run.returncode, run.stdout, run.stderr


# -- the tier is recorded -----------------------------------------------------------------
def test_the_report_records_bwrap_when_it_is_usable(monkeypatch, submission):
    if not tiers.usable("bwrap"):
        pytest.skip(f"bwrap is not usable here: {why_unusable('bwrap')}")
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    report = grade(submission(), steps=["sigmoid"])
    assert {k: report.isolation[k] for k in ("tier", "isolated", "note")} == \
        {"tier": "bwrap", "isolated": True, "note": tiers.NOTES["bwrap"].note}
    assert report.to_dict()["isolation"]["tier"] == "bwrap"
    assert "NOT ISOLATED" not in table.table(report)
    assert report.score == full("sigmoid")


# -- exits ------------------------------------------------------------------------------------
@pytest.mark.parametrize("statement, words", [
    ("os._exit(0)", "exited (code 0) while importing your file"),
    ("sys.exit(0)", "could not be imported: SystemExit"),
    ("os.kill(os.getpid(), signal.SIGKILL)", "exited (code"),
], ids=["os._exit", "sys.exit", "SIGKILL"])
def test_exit_at_import_errors_every_step_once(submission, statement, words):
    text = reference_with(f"import os, signal, sys\n{statement}\n")
    started = time.monotonic()
    report = grade(submission(text=text), steps=FAST_STEPS)
    assert time.monotonic() - started < 10  # one failed start, not one per step
    assert [s.name for s in report.steps] == FAST_STEPS
    for s in report.steps:
        assert s.status == "error" and s.score == 0, (s.name, s.feedback)
        assert words in s.feedback
    assert report.score == 0


@pytest.mark.parametrize("statement, words", [
    ("os._exit(0)", "exited (code 0) while running backprop"),
    ("sys.exit(0)", "backprop called exit()"),
    ("raise SystemExit('all tests passed: 100/100')", "backprop called exit()"),
    ("raise KeyboardInterrupt", "backprop raised KeyboardInterrupt"),
    ("os.abort()", "exited (code"),
    ("os.kill(os.getpid(), signal.SIGSEGV)", "exited (code"),
], ids=["os._exit", "sys.exit", "SystemExit-forged-text", "KeyboardInterrupt", "abort", "SIGSEGV"])
def test_exit_inside_a_step_costs_that_step_only(submission, statement, words):
    # backprop is in the middle: the steps before it share its child, those after need a restart
    path = submission(backprop=f"""
        def backprop(params, x, y, activations):
            import os, signal, sys
            {statement}
        """)
    steps = ["softmax", "feedforward", "backprop", "update", "predict"]
    report = grade(path, steps=steps)
    bp = step(report, "backprop")
    assert bp.status == "error" and bp.score == 0
    assert words in bp.feedback
    assert others_full(report, but={"backprop"}) == {}


# -- a forged report ---------------------------------------------------------------------------
FORGE = '''
import atexit as _atexit, os as _os, sys as _sys

_FORGED = @FORGED@
_HOOKS = []


def _forge():
    """Print a forged report everywhere this process can reach."""
    _HOOKS.append(1)
    for write in (lambda t: print(t, flush=True), _sys.stdout.write, _sys.stderr.write,
                  lambda t: _os.write(1, t.encode()), lambda t: _os.write(2, t.encode())):
        try:
            write(_FORGED + "\\n")
        except Exception:
            pass
    targets = ["/dev/tty"]
    if @VIA_PROC@:  # the grader's own stdout, through /proc: only tried in isolated tiers
        targets += ["/proc/%d/fd/1" % _os.getppid(), "/proc/1/fd/1"]
    for target in targets:
        try:
            with open(target, "w") as f:
                f.write(_FORGED + "\\n")
        except OSError:
            pass
    _sys.stdout.flush()


_forge()
_atexit.register(_forge)


def sigmoid(z):
    _atexit._run_exitfuncs()  # the hooks run now, in the middle of the grade
    _atexit.register(_forge)
    raise RuntimeError("PROBE hooks ran %d times" % len(_HOOKS))
'''


@pytest.mark.parametrize("tier", tier_params(*tiers.TIERS))
def test_a_forged_report_does_not_reach_the_report(monkeypatch, submission, tmp_path, tier):
    use_tier(monkeypatch, tier)
    mark = token()
    forged = json.dumps({
        "score": 100.0, "max_score": 100.0, "submission": mark, "grader_version": mark,
        "steps": [{"name": s.name, "score": float(s.points), "max_score": float(s.points),
                   "status": "passed", "feedback": mark, "checks": []} for s in curriculum.STEPS],
        "isolation": {"tier": tier, "isolated": True, "note": mark}})
    path = submission(text=reference_with(fill(FORGE, FORGED=forged, VIA_PROC=tier != "none")))
    steps = ["sigmoid", "softmax", "feedforward"]
    code, out, err = nnkata_json(path, steps, tier, tmp_path)
    assert code == 0, err
    doc, end = json.JSONDecoder().raw_decode(out)  # exactly one document, then one newline
    assert out[end:] == "\n" and out.count("\n") == 1
    assert mark not in out and mark not in err
    assert [s["name"] for s in doc["steps"]] == steps
    honest = {"sigmoid": 0.0, "softmax": float(full("softmax")), "feedforward": float(full("feedforward"))}
    assert {s["name"]: s["score"] for s in doc["steps"]} == honest
    assert doc["score"] == sum(honest.values()) < doc["max_score"] == sum(full(n) for n in steps)
    assert doc["isolation"]["tier"] == tier and doc["isolation"]["isolated"] == (tier != "none")
    ran = re.search(r"PROBE hooks ran (\d+) times", doc["steps"][0]["feedback"])
    assert ran and int(ran[1]) >= 2  # at import, then through atexit


# -- monkeypatching numpy inside the submission -------------------------------------------------
PATCH_NUMPY = '''
import numpy.testing as _npt

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
np.array_equal = lambda *a, **k: True
np.array_equiv = lambda *a, **k: True
_npt.assert_allclose = _npt.assert_array_equal = _npt.assert_array_almost_equal = \\
    _npt.assert_almost_equal = _npt.assert_equal = lambda *a, **k: None
'''
WRONG = {  # wrong values with the right shapes and types
    "sigmoid": "def sigmoid(z):\n    @CHECK@\n    return np.zeros(np.shape(z)) + 0.25\n",
    "softmax": "def softmax(z):\n    @CHECK@\n    return np.exp(z - np.max(z, axis=1, keepdims=True))\n",
    "backprop": "def backprop(params, x, y, activations):\n    @CHECK@\n"
                "    return {k: np.full(v.shape, 1e-3) for k, v in params.items()}\n",
}


def test_monkeypatching_numpy_in_the_child_does_not_help(submission):
    def make(patched):
        check = ("if not np.allclose(1, 2):\n        raise RuntimeError('the patch is not in effect')"
                 if patched else "pass")
        functions = {k: v.replace("@CHECK@", check) for k, v in WRONG.items()}
        return submission(text=reference_with(PATCH_NUMPY if patched else "", **functions))

    steps = ["sigmoid", "softmax", "feedforward", "backprop", "update"]
    hostile, control = grade(make(True), steps=steps), grade(make(False), steps=steps)
    for name in WRONG:
        got, expected = step(hostile, name), step(control, name)
        assert "the patch is not in effect" not in got.feedback
        assert expected.score < full(name)  # the wrong function really is wrong
        # the judging happens in the parent: patched or not, the same checks pass and fail
        assert [(c.name, c.status, c.score) for c in got.checks] == \
            [(c.name, c.status, c.score) for c in expected.checks]
    assert others_full(hostile, but=set(WRONG)) == {}


# -- searching memory for the reference ----------------------------------------------------------
SEARCH_MEMORY = '''
def backprop(params, x, y, activations):
    import gc, inspect, sys, types

    own = __file__

    def reference_like(obj):
        if isinstance(obj, types.ModuleType):
            where = getattr(obj, "__file__", None) or ""
            return (obj.__name__ in ("nnkata_reference", "grader", "grader.judge.reference")
                    or where.endswith(("solutions/network.py", "grader/reference.py")))
        if isinstance(obj, types.FunctionType) and obj.__name__ == "backprop":
            where = obj.__code__.co_filename
            # the child's proxies (grader/sandbox/child/main.py) ask the parent: tested in test_callbacks_*
            return where != own and not where.endswith("/main.py")
        return False

    found, frames = [], 0
    frame = sys._getframe()
    while frame is not None:
        frames += 1
        found += [v for v in [*frame.f_globals.values(), *frame.f_locals.values()] if reference_like(v)]
        frame = frame.f_back
    stack = inspect.stack()
    for info in stack:
        found += [v for v in [*info.frame.f_globals.values(), *info.frame.f_locals.values()]
                  if reference_like(v)]
    objects = gc.get_objects()
    found += [o for o in objects if reference_like(o)]
    found += [m for m in list(sys.modules.values()) if reference_like(m)]
    for thing in found:
        stolen = thing if isinstance(thing, types.FunctionType) else getattr(thing, "backprop", None)
        if callable(stolen):
            return stolen(params, x, y, activations)
    raise RuntimeError("PROBE frames=%d stack=%d objects=%d modules=%d found=%d"
                       % (frames, len(stack), len(objects), len(sys.modules), len(found)))
'''


@pytest.mark.parametrize("tier", tier_params(*tiers.TIERS))
def test_frames_and_gc_do_not_hold_the_reference(monkeypatch, submission, tier):
    use_tier(monkeypatch, tier)
    path = submission(text=reference_with(SEARCH_MEMORY))
    report = grade(path, steps=["feedforward", "backprop", "update"])
    bp = step(report, "backprop")
    assert bp.score == 0 and bp.status == "error"
    seen = probe(report, "backprop", r"PROBE frames=(\d+) stack=(\d+) objects=(\d+) modules=(\d+) found=(\d+)")
    frames, stack, objects, modules, found = map(int, seen.groups())
    assert frames >= 3 and stack >= 3 and objects > 1000 and modules > 10  # it really looked
    assert found == 0
    assert others_full(report, but={"backprop"}) == {}


# -- reading the reference and the hidden seed from disk, the environment and /proc ----------------
STEAL_FROM_DISK = '''
import glob as _glob, os as _os, subprocess as _sp, time as _time, zlib as _zlib

_PROBED = []


def _reference_in(data):
    return b"### BEGIN SOLUTION" in data and b"def backprop" in data


def _probe():
    found, tried, text = [], {}, None
    own = _os.path.realpath(__file__)
    # 1. where the grader keeps the reference and its notebook
    for path in @PATHS@:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            tried[path] = type(exc).__name__
            continue
        found.append(path)
        if path.endswith(".py") and _reference_in(data):
            text = data
    # 2. any copy of it anywhere: a walk of the whole tree, bounded in time, /usr last
    # Iterative and bounded in depth: whatever this machine's tree holds (a folder nested
    # thousands deep, loops of links), the walk neither recurses nor follows a link.
    deadline, walked = _time.monotonic() + @WALK_SECONDS@, 0
    top = sorted((d for d in _os.listdir("/") if d not in ("proc", "sys", "dev")), key=lambda d: d == "usr")
    todo = [("/" + d, 1) for d in reversed(top)]
    while todo and _time.monotonic() < deadline:
        root, depth = todo.pop()
        try:
            with _os.scandir(root) as it:
                entries = list(it)
        except OSError:
            continue
        files = []
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if depth < 40:
                        todo.append((e.path, depth + 1))
                elif e.is_file(follow_symlinks=False):
                    files.append(e.name)
            except OSError:
                pass
        walked += len(files)
        for name in files:
            path = _os.path.join(root, name)
            if name in ("network.py", "nn_kata.ipynb") and _os.path.realpath(path) != own:
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if _reference_in(data):
                    found.append(path)
                    text = text or (data if name.endswith(".py") else None)
    tried["files walked"] = walked
    for depth in range(1, 5):  # and the obvious globs, a few levels deep
        for path in _glob.glob("/*" * depth + "/solutions/network.py"):
            if _os.path.realpath(path) != own and path not in found:
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                found.append(path)
                text = text or (data if _reference_in(data) else None)
    # 3. the checkout's history: loose git objects, and git itself (packs too)
    loose = _glob.glob(@GIT_DIR@ + "/objects/??/*")
    tried["git objects"] = len(loose)
    for path in loose:
        try:
            with open(path, "rb") as f:
                data = _zlib.decompress(f.read())
        except Exception:
            continue
        if _reference_in(data):
            found.append("git object " + path)
            text = text or data.split(b"\\0", 1)[1]
            break
    try:
        shown = _sp.run(["git", "--git-dir=" + @GIT_DIR@, "-c", "safe.directory=*", "show",
                         "HEAD:solutions/network.py"], capture_output=True, timeout=10)
        tried["git show"] = shown.returncode
        if shown.returncode == 0 and _reference_in(shown.stdout):
            found.append("git show")
            text = text or shown.stdout
    except (OSError, _sp.SubprocessError) as exc:
        tried["git show"] = type(exc).__name__
    # 4. the hidden seed: this environment, and every visible process's environ and cmdline
    if "NNKATA_HIDDEN_SEED" in _os.environ:
        found.append("os.environ")
    procs = _glob.glob("/proc/[0-9]*")
    tried["processes"] = len(procs)
    for proc in procs + ["/proc/%d" % _os.getppid()]:
        for leaf in ("environ", "cmdline"):
            try:
                with open(proc + "/" + leaf, "rb") as f:
                    if b"NNKATA_HIDDEN_SEED" in f.read():
                        found.append(proc + "/" + leaf)
            except OSError:
                pass
    return found, tried, text


def sigmoid(z):
    if not _PROBED:
        _PROBED.append(_probe())
    found, tried, text = _PROBED[0]
    if text is not None and @STEAL@:
        stolen = {}
        exec(compile(text, "stolen", "exec"), stolen)
        return stolen["sigmoid"](z)
    raise RuntimeError("PROBE tried %r; found %d: %r" % (tried, len(found), found[:8]))
'''
LEAKS = {
    "unshare": "sandbox gap: under unshare only the reference's own folder is hidden; the checkout's "
               ".git (objects and `git show HEAD:solutions/network.py`) and any copy elsewhere "
               "(e.g. under /tmp) are readable",
    "user": "sandbox gap (predicted from tiers.Sandbox, not run on this machine): the user tier hides "
            "nothing but what its user may not read; a world-readable reference and the checkout's "
            ".git are readable by it",
}


@pytest.mark.parametrize("tier", tier_params(*tiers.TIERS, xfail=LEAKS))
def test_the_reference_and_hidden_seed_cannot_be_read(monkeypatch, submission, tier):
    use_tier(monkeypatch, tier)
    reference_path, notebook = str(paths.reference_file()), str(paths.notebook_file())
    text = reference_with(fill(STEAL_FROM_DISK, PATHS=[reference_path, notebook], WALK_SECONDS=1.0,
                               GIT_DIR=str(GIT_DIR), STEAL=tier != "none"))
    report = grade(submission(text=text), steps=["sigmoid", "softmax"])
    if tier != "none":
        assert step(report, "sigmoid").score == 0  # what it stole would have earned full marks
    seen = probe(report, "sigmoid", r"PROBE tried (\{.*?\}); found (\d+): (\[.*?\])")
    tried, found = ast.literal_eval(seen[1]), int(seen[2])
    assert tried["files walked"] > 100 and tried["processes"] >= 1  # it really looked
    if tier == "none":
        # Not isolated by design: the report says so loudly, and this probe (which only reports,
        # it does not run what it reads) does find the reference: the control for the other tiers.
        assert report.isolation["isolated"] is False and "NOT ISOLATED" in report.isolation["note"]
        assert "NOT ISOLATED" in table.table(report)
        assert reference_path in ast.literal_eval(seen[3])
    else:
        assert {k: report.isolation[k] for k in ("tier", "isolated", "note")} == \
            {"tier": tier, "isolated": True, "note": tiers.NOTES[tier].note}
        assert found == 0, seen[3]
        assert tried[reference_path] in ("FileNotFoundError", "PermissionError")
    assert others_full(report, but={"sigmoid"}) == {}


# -- values that lie -------------------------------------------------------------------------------
LIARS = '''
class Liar(np.ndarray):
    """An array that equals everything and answers every numpy function with True."""
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        return True


class AlwaysEqual:
    shape, dtype, ndim = (), np.dtype(np.float64), 0
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __array__(self, dtype=None, copy=None):
        return np.zeros(())


class LyingFloat(np.float64):
    def __eq__(self, other):
        return True
'''


@pytest.mark.parametrize("fn, body, words", [
    ("sigmoid", "return np.zeros(np.shape(z)).view(Liar)", "network.Liar"),
    ("sigmoid", "return np.ma.masked_all(np.shape(z))", "MaskedArray"),
    ("sigmoid", "e = np.exp(-np.abs(z))\n    return np.ma.masked_array("
                "np.where(z >= 0, 1 / (1 + e), e / (1 + e)), mask=True)", "MaskedArray"),
    ("sigmoid", "return AlwaysEqual()", "network.AlwaysEqual"),
    ("sigmoid", "return np.full(np.shape(z), AlwaysEqual(), dtype=object)", "dtype object"),
    ("cross_entropy", "return LyingFloat(0.0)", None),
    ("backprop", "return {k: np.zeros(v.shape).view(Liar) for k, v in params.items()}", "network.Liar"),
    ("predict", "return np.ma.masked_all(len(x), dtype=np.int64)", "MaskedArray"),
], ids=["ndarray-subclass", "masked_all", "masked-honest-values", "always-equal", "object-array",
        "float64-subclass", "dict-of-liars", "masked-labels"])
def test_values_that_lie_earn_nothing(submission, fn, body, words):
    signature = {"sigmoid": "z", "cross_entropy": "probs, targets",
                 "backprop": "params, x, y, activations", "predict": "params, x"}[fn]
    path = submission(text=reference_with(LIARS, **{fn: f"def {fn}({signature}):\n    {body}\n"}))
    steps = [fn, "softmax"]
    report = grade(path, steps=steps)
    got = step(report, fn)
    if words is None:
        # a numpy scalar crosses as the plain float64 it holds (0.0): judged like a plain 0.0
        control = grade(submission(cross_entropy="def cross_entropy(probs, targets):\n    return 0.0\n"),
                        steps=[fn])
        assert [(c.name, c.score) for c in got.checks] == [(c.name, c.score) for c in control.steps[0].checks]
        assert got.score < full(fn)
        assert not [c for c in got.checks if c.name.startswith("values") and c.status == "passed"]
    else:
        assert got.score == 0 and got.status in ("failed", "error"), got.feedback
        assert words in got.feedback
    assert others_full(report, but={fn}) == {}


# -- callbacks: the child may ask the parent to run the reference's helpers ------------------------
def test_callbacks_cannot_ask_for_the_function_under_test(submission):
    path = submission(backprop="""
        def backprop(params, x, y, activations):
            import sys
            return sys.modules["__main__"].make_proxy("backprop")(params, x, y, activations)
        """)
    report = grade(path, steps=["backprop", "update"])
    bp = step(report, "backprop")
    assert bp.score == 0 and bp.status == "error"
    assert "the reference backprop could not run" in bp.feedback  # the parent refused
    assert others_full(report, but={"backprop"}) == {}


def test_a_reference_helper_does_not_compute_the_step_for_it(submission):
    # Were feedforward the reference's while sigmoid is graded, identity weights would give
    # sigmoid(z) exactly. It is the student's own (sigmoid needs no helper), so this recurses.
    path = submission(sigmoid="""
        def sigmoid(z):
            z = np.asarray(z, dtype=np.float64)
            rows = z.reshape(-1, z.shape[-1]) if z.ndim else z.reshape(1, 1)
            eye, zero = np.eye(rows.shape[1]), np.zeros((1, rows.shape[1]))
            params = {"w1": eye, "b1": zero, "w2": eye, "b2": zero, "w3": eye, "b3": zero}
            return feedforward(params, rows)[0].reshape(z.shape)
        """)
    report = grade(path, steps=["sigmoid", "softmax"])
    sig = step(report, "sigmoid")
    assert sig.score == 0 and sig.status == "error"
    assert others_full(report, but={"sigmoid"}) == {}


# -- what the child says about a call: arguments modified, warnings raised ----------------------------
MUTATING_SOFTMAX = """
def softmax(z):
    @FORGE@
    z -= np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)
"""
NAIVE_SIGMOID = """
def sigmoid(z):
    @FORGE@
    return 1 / (1 + np.exp(-z))
"""
HIDE_MUTATION = 'import sys; sys.modules["__main__"].changed = lambda snapshots: []'
HIDE_WARNINGS = ('import sys; child = sys.modules["__main__"]; '
                 'child.send = getattr(child.send, "forged", None) or forged_send(child.send)')
FORGED_SEND = """
def forged_send(real):
    def send(message, values=None):
        if message.get("op") == "result":
            message["warnings"] = []
        return real(message, values)
    send.forged = send
    return send
"""
SELF_REPORTS = {  # kind: (function, its code, the check that catches the bug, the forgery)
    "mutated": ("softmax", MUTATING_SOFTMAX, "input unchanged", HIDE_MUTATION),
    "warnings": ("sigmoid", NAIVE_SIGMOID, "stable at |z| up to 1000", HIDE_WARNINGS),
}


@pytest.mark.xfail(strict=True, reason="sandbox gap: `mutated` and `warnings` are reported by the child, "
                   "which runs the student's code, and the parent grades them as facts")
@pytest.mark.parametrize("kind", SELF_REPORTS)
def test_the_child_cannot_forge_what_it_observed(submission, kind):
    fn, code, check, forge = SELF_REPORTS[kind]
    control = grade(submission(text=reference_with(FORGED_SEND, **{fn: code.replace("@FORGE@", "pass")})),
                    steps=[fn])
    hostile = grade(submission(text=reference_with(FORGED_SEND, **{fn: code.replace("@FORGE@", forge)})),
                    steps=[fn])
    status = {c.name: c.status for c in control.steps[0].checks}
    assert status[check] == "failed"  # the bug is real, and only that check sees it
    assert {c.name: c.status for c in hostile.steps[0].checks} == status


# -- speaking the protocol ----------------------------------------------------------------------------
PROTOCOL = {  # what sigmoid writes on the reply pipe before it answers, and what the report must say
    "huge-frame": ('os.write(child.REPLIES, struct.pack("!QQ", 2**40, 0))', "larger than allowed", None),
    "garbage": ('os.write(child.REPLIES, struct.pack("!QQ", 5, 0) + b"{{{{{")', "not plain data", None),
    "closed-pipe": ("os.close(child.REPLIES)\n    time.sleep(60)", "exited", None),
    "half-a-frame": ('os.write(child.REPLIES, struct.pack("!QQ", 100, 0) + b"{")\n    time.sleep(60)',
                     "timed out", None),
    "unexpected-op": ('child.send({"op": "ready", "functions": ["sigmoid"]})', "sent something unexpected",
                      None),
}


def grade_or_hang(path, name, limit, **options):
    """(report, hung): grade() in a thread; after ``limit`` seconds, the child (renamed ``name``)
    is killed so the grade can end, and hung is True."""
    box = {}

    def run():
        try:
            box["report"] = grade(path, **options)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    hung = thread.is_alive()
    if hung:
        kill_leftovers(name)
        thread.join(30)
    if "error" in box:
        raise box["error"]
    return box.get("report"), hung


@pytest.mark.parametrize("kind", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=gap))
                                  if gap else k for k, (_, _, gap) in PROTOCOL.items()])
def test_a_forged_frame_on_the_reply_pipe_costs_that_step(submission, kind):
    statement, words, _ = PROTOCOL[kind]
    name = token()
    path = submission(sigmoid=f"""
def sigmoid(z):
    import os, struct, sys, time
    open("/proc/self/comm", "w").write({name!r})
    child = sys.modules["__main__"]
    {statement}
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
""")
    try:
        # 1 s per step: a grade that has not ended after 5 s has hung
        report, hung = grade_or_hang(path, name, 5, steps=["sigmoid", "softmax"], time_scale=0.1)
        assert not hung, "the grade hung: its child had to be killed from outside"
        sig = step(report, "sigmoid")
        assert sig.score == 0 and sig.status == "error" and words in sig.feedback
        assert others_full(report, but={"sigmoid"}) == {}
    finally:
        kill_leftovers(name)


# -- infinite loops, sleeps at import ---------------------------------------------------------------
def test_a_loop_in_c_that_ignores_signals_costs_one_step(submission):
    path = submission(backprop="""
        def backprop(params, x, y, activations):
            import re, signal
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            re.match(r"(a+)+$", "a" * 64 + "b")  # catastrophic backtracking, inside C
        """)
    steps = ["softmax", "feedforward", "backprop", "update", "predict"]
    started = time.monotonic()
    report = grade(path, steps=steps, time_scale=0.1)
    assert time.monotonic() - started < 15
    bp = step(report, "backprop")
    assert bp.status == "error" and bp.score == 0 and "timed out" in bp.feedback
    assert others_full(report, but={"backprop"}) == {}


@pytest.mark.parametrize("statement", ["time.sleep(60)", "while True:\n    pass"],
                         ids=["sleep", "busy-loop"])
def test_a_hang_at_import_ends_the_grade_and_says_why(submission, statement):
    name = token()
    text = reference_with(f"import time\nopen('/proc/self/comm', 'w').write({name!r})\n{statement}\n")
    started = time.monotonic()
    try:
        with Watch(name) as watch:
            report = grade(submission(text=text), steps=FAST_STEPS, time_scale=0.1)
        elapsed = time.monotonic() - started
        # the import's timeout is the first step's budget (1 s here): waited once, not per step
        assert elapsed < 5 < len(FAST_STEPS)
        for s in report.steps:
            assert s.status == "error" and s.score == 0
            assert "did not finish importing within the time limit" in s.feedback
            assert "top level" in s.feedback
        assert watch.most >= 1  # the hanging child was seen...
        assert survivors(name) == []  # ...and is gone
    finally:
        kill_leftovers(name)


# -- processes that try to outlive the grade --------------------------------------------------------
FORK_STORM = '''
import os as _os, time as _time

_FORKED = []


def sigmoid_derivative(a):
    if not _FORKED:
        for _ in range(50):
            pid = _os.fork()
            if pid == 0:
                try:
                    with open("/proc/self/comm", "w") as f:
                        f.write(@NAME@)
                    _time.sleep(60)
                finally:
                    _os._exit(0)
            _FORKED.append(pid)
    raise RuntimeError("PROBE forked %d" % len(_FORKED))
'''


@pytest.mark.parametrize("tier", tier_params(*tiers.TIERS))
def test_a_fork_storm_does_not_outlive_the_grade(monkeypatch, submission, tier):
    use_tier(monkeypatch, tier)
    name = token()
    path = submission(text=reference_with(fill(FORK_STORM, NAME=name)))
    try:
        with Watch(name) as watch:
            report = grade(path, steps=["sigmoid", "sigmoid_derivative", "softmax", "feedforward"])
        assert probe(report, "sigmoid_derivative", r"PROBE forked (\d+)")[1] == "50"
        assert watch.most >= 25  # they ran (and this test can see them)
        assert survivors(name) == []
        assert step(report, "sigmoid_derivative").score == 0
        assert others_full(report, but={"sigmoid_derivative"}) == {}
    finally:
        kill_leftovers(name)


DAEMON = '''
import os as _os

_STARTED = []
# /bin/sh, not sys.executable: under unshare the child may not reach the interpreter's path
# (it only runs because setpriv resolved it). $0 is the token, $1 the folder for the markers.
_SLEEPER = 'i=0; while [ $i -lt 300 ]; do touch "$1/alive-$$-$i" 2>/dev/null; i=$((i+1)); sleep 0.2; done'


def _daemon():
    if _os.fork() == 0:  # first fork, then a new session, then the second fork
        try:
            _os.setsid()
            if _os.fork() == 0:
                _os.execv("/bin/sh", ["/bin/sh", "-c", _SLEEPER, @NAME@, @DROP@])
        finally:
            _os._exit(0)


_honest_sigmoid = sigmoid


def sigmoid(z):
    if not _STARTED:
        _STARTED.append(1)
        _daemon()
    return _honest_sigmoid(z)
'''

@pytest.mark.parametrize("tier", tier_params(*tiers.TIERS))
def test_a_setsid_daemon_does_not_outlive_the_grade(monkeypatch, submission, tier):
    if tier == "none" and not budget.place():
        pytest.skip("none is not isolated, and no cgroup can be made here to hold its tree (a setsid "
                    "daemon leaves the process group and would run on for 60 s)")
    use_tier(monkeypatch, tier)
    name = token()
    # Where the daemon leaves markers: under /tmp, not tmp_path, whose parents are 0700 (the
    # sandbox's unprivileged user could not reach it). bwrap's child has a private /tmp anyway.
    drop = tempfile.mkdtemp(prefix="nnkata-drop-")
    os.chmod(drop, 0o777)
    path = submission(text=reference_with(fill(DAEMON, NAME=name, DROP=drop)))
    try:
        with Watch(name) as watch:
            report = grade(path, steps=["sigmoid", "softmax", "cross_entropy", "feedforward"])
        assert scores(report) == {n: full(n) for n in ["sigmoid", "softmax", "cross_entropy", "feedforward"]}
        assert watch.most >= 1  # the daemon ran, and this test can see it
        assert survivors(name) == []
        before = sorted(os.listdir(drop))
        time.sleep(0.5)  # a live daemon would leave two or three more markers meanwhile
        assert sorted(os.listdir(drop)) == before
    finally:
        kill_leftovers(name)
        shutil.rmtree(drop, ignore_errors=True)


KILLER = '''
def sigmoid(z):
    import os, signal
    if os.getpid() > 3:  # safety: only inside a fresh PID namespace, where -1 means "the sandbox"
        raise RuntimeError("PROBE refused: pid %d is not in a fresh PID namespace" % os.getpid())
    os.kill(@TARGET@, signal.SIGKILL)
    raise RuntimeError("PROBE survived")
'''


@pytest.mark.parametrize("target", ["os.getppid()", "-1", "1"], ids=["parent", "everyone", "init"])
@pytest.mark.parametrize("tier", tier_params("bwrap", "unshare"))
def test_killing_the_grader_from_the_sandbox_fails(monkeypatch, submission, tier, target):
    use_tier(monkeypatch, tier)
    path = submission(text=reference_with(KILLER.replace("@TARGET@", target)))
    report = grade(path, steps=["sigmoid", "softmax", "feedforward"])  # this process survived it
    sig = step(report, "sigmoid")
    assert sig.score == 0 and sig.status == "error" and "refused" not in sig.feedback
    assert others_full(report, but={"sigmoid"}) == {}


# -- memory and output -------------------------------------------------------------------------------
MEMORY_BOMB = '''
_HELD = []


def sigmoid_derivative(a):
    if not _HELD:
        held, error = [], "nothing"
        try:
            for i in range(24):  # 24 x 256 MiB = 6 GiB of address space at most
                held.append(np.empty(2**25))
                if i == 0:
                    held[0].fill(1.0)  # and the first 256 MiB really resident
        except MemoryError as exc:
            error = type(exc).__name__
        _HELD.append((len(held) * 256, error))
        del held
    raise RuntimeError("PROBE held %d MiB, then %s" % _HELD[0])
'''


@pytest.mark.parametrize("kind", ["chunks", "one-block"])
def test_a_memory_bomb_fails_inside_the_child(submission, kind):
    if kind == "chunks":
        text = reference_with(MEMORY_BOMB)
    else:
        text = reference_with(sigmoid_derivative="def sigmoid_derivative(a):\n"
                              "    return np.ones(6 * 2**30, dtype=np.uint8)\n")
    ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    report = grade(submission(text=text), steps=["sigmoid", "sigmoid_derivative", "softmax"])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - ours < 512 * 1024  # not here
    bomb = step(report, "sigmoid_derivative")
    assert bomb.score == 0 and bomb.status == "error"
    if kind == "chunks":
        held = probe(report, "sigmoid_derivative", r"PROBE held (\d+) MiB, then (\w+)")
        assert held[2] == "MemoryError" and 256 <= int(held[1]) < 4096
    else:
        assert "sigmoid_derivative raised MemoryError" in bomb.feedback
    assert others_full(report, but={"sigmoid_derivative"}) == {}


FLOOD = '''
import os as _os, sys as _sys

_FLOOD = {"bytes": 0, "errors": 0}


def _flood(megabytes=100):
    line = "x" * (MIB - 1)
    for _ in range(megabytes):  # 100 MB on stdout, 100 MB on stderr
        for write in (lambda: print(line), lambda: _os.write(2, line.encode() + b"\\n")):
            try:
                write()
                _FLOOD["bytes"] += MIB
            except OSError:
                _FLOOD["errors"] += 1


MIB = 2**20
_flood()
_honest_sigmoid = sigmoid


def sigmoid(z):
    if not _FLOOD.get("in a step"):  # once more, inside a step
        _FLOOD["in a step"] = True
        _flood()
    return _honest_sigmoid(z)


def sigmoid_derivative(a):
    raise RuntimeError("PROBE wrote %d bytes, %d writes failed" % (_FLOOD["bytes"], _FLOOD["errors"]))
'''


def test_output_flooding_is_capped_and_honest_steps_score(submission, capfd):
    started = time.monotonic()
    report = grade(submission(text=reference_with(FLOOD)), steps=["sigmoid", "sigmoid_derivative",
                                                                  "softmax", "feedforward"])
    assert time.monotonic() - started < 30
    wrote = probe(report, "sigmoid_derivative", r"PROBE wrote (\d+) bytes, (\d+) writes failed")
    # every write succeeded (past the cap, output is read and dropped: no error inside the
    # student's code), 200 MiB at import and 200 MiB more in sigmoid (the child that ran it)
    assert int(wrote[2]) == 0 and int(wrote[1]) >= 200 * MIB
    out, err = capfd.readouterr()
    assert len(out) + len(err) < MIB  # none of it reached the grader's own output
    assert others_full(report, but={"sigmoid_derivative"}) == {}  # sigmoid flooded and still scores
    assert len(report.notes) == 1 and "MB beyond the first" in report.notes[0]  # and the report says so
    assert "dropped unread (nothing printed is graded)" in table.table(report)


# -- source files that are not quite Python --------------------------------------------------------
def test_an_empty_file_names_every_missing_function(submission):
    report = grade(submission(text=b""), steps=FAST_STEPS)
    for s in report.steps:
        assert s.status == "error" and s.score == 0
        assert f"your file has no function named {s.name}" in s.feedback


@pytest.mark.parametrize("data, words", [
    (REFERENCE_TEXT.encode() + b'\nCAFE = "caf\xe9"\n', "could not be imported: SyntaxError"),
    (REFERENCE_TEXT.encode() + b"\nx = 1\x00\n", "null bytes"),
    (REFERENCE_TEXT.encode() + b"\nx = " + b"(" * 300 + b")" * 300 + b"\n", "too many nested parentheses"),
], ids=["latin-1-byte", "null-byte", "nesting"])
def test_a_file_python_cannot_compile_errors_every_step(submission, data, words):
    report = grade(submission(text=data), steps=["sigmoid", "softmax"])
    for s in report.steps:
        assert s.status == "error" and s.score == 0
        assert words in s.feedback


@pytest.mark.parametrize("data", [
    b"# -*- coding: latin-1 -*-\n" + REFERENCE_TEXT.encode() + b'\nCAFE = "caf\xe9"\n',
    b"\xef\xbb\xbf" + REFERENCE_TEXT.encode(),
], ids=["coding-cookie", "utf-8-bom"])
def test_valid_python_in_another_encoding_is_graded(submission, data):
    report = grade(submission(text=data), steps=["sigmoid", "softmax"])
    assert scores(report) == {"sigmoid": full("sigmoid"), "softmax": full("softmax")}


# -- files shipped beside the submission -------------------------------------------------------------
FAKE_NUMPY = '''
import os, sys
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "imported-numpy"), "w").close()
here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
del sys.modules["numpy"]
import numpy as real
sys.modules["numpy"] = real


def nnkata_answer(z):
    e = real.exp(-real.abs(z))
    return real.where(z >= 0, 1 / (1 + e), e / (1 + e))


real.nnkata_answer = nnkata_answer
'''
MARKING = 'import os\nopen(os.path.join(os.path.dirname(os.path.abspath(__file__)), "imported-{}"), "w").close()\n'


@pytest.mark.parametrize("tier", tier_params(*tiers.TIERS))
def test_files_beside_the_submission_are_not_used(monkeypatch, submission, tier):
    use_tier(monkeypatch, tier)
    path = submission(sigmoid="def sigmoid(z):\n    return np.nnkata_answer(z)\n",
                      softmax="def softmax(z):\n    raise NotImplementedError\n")
    folder = path.parent
    (folder / "numpy.py").write_text(FAKE_NUMPY)
    for name in ("wire", "sitecustomize", "usercustomize"):
        (folder / f"{name}.py").write_text(MARKING.format(name))
    # bytecode compiled from the reference, stamped with network.py's own mtime and size
    stat = path.stat()
    pyc = util.cache_from_source(str(path))
    os.makedirs(os.path.dirname(pyc))
    code = compile(REFERENCE_TEXT, str(path), "exec")
    with open(pyc, "wb") as f:
        f.write(_bootstrap_external._code_to_timestamp_pyc(code, int(stat.st_mtime), stat.st_size))
    # control: imported where it lies, the forged bytecode is what Python runs
    spec = util.spec_from_file_location("control", path)
    control = util.module_from_spec(spec)
    spec.loader.exec_module(control)
    assert control.softmax(control.np.zeros((1, 2))).tolist() == [[0.5, 0.5]]

    report = grade(path, steps=["sigmoid", "softmax", "feedforward"])
    sig, soft = step(report, "sigmoid"), step(report, "softmax")
    assert sig.score == 0 and "AttributeError" in sig.feedback and "nnkata_answer" in sig.feedback
    assert soft.score == 0 and soft.status == "pending"  # the source was run, not the .pyc
    assert others_full(report, but={"sigmoid", "softmax"}) == {}
    assert not glob.glob(str(folder / "imported-*"))


# -- one budget per child's tree: a bomb costs its own step (and train, which calls it) -------------
FORKING_SOFTMAX = '''
def softmax(z):
    import os, time
    if not _BOMB:
        open("/proc/self/comm", "w").write(@NAME@)
        for _ in range(200):  # as many sleeping children as the budget lets it have
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError:
                break
            _BOMB.append(1)
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=1, keepdims=True)
'''


def test_a_fork_bomb_in_softmax_costs_no_other_step(submission):
    """Measured before issue 11: a bomb in softmax, which train calls, ran through train's
    budget and starved the other steps' children (14/100 for a file that honestly earns 88)."""
    name = token()
    bomb = reference_with("_BOMB = []\n", softmax=FORKING_SOFTMAX.replace("@NAME@", repr(name)))
    try:
        report = grade(submission(text=bomb))
        assert survivors(name) == []  # nothing of either child's tree outlived the grade
    finally:
        kill_leftovers(name)
    if budget.place() is not None:  # a group held the tree: at most 64 processes at once
        assert "64 processes" in report.isolation["budget"]
    assert others_full(report, but={"softmax", "train"}) == {}


SKLEARN_TRAIN = '''
def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
    from sklearn.utils import shuffle
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate([(64, 128), (128, 128), (128, 10)], start=1):
        params[f"w{i}"] = rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = np.zeros((1, fan_out))
    for epoch in range(epochs):
        xs, ys = shuffle(x, y, random_state=int(rng.integers(2**31)))
        for start in range(0, len(xs), batch_size):
            xb, yb = xs[start:start + batch_size], ys[start:start + batch_size]
            params = update(params, backprop(params, xb, yb, feedforward(params, xb)), lr)
    return params
'''


def test_correct_code_that_imports_scikit_learn_earns_full_marks(submission):
    text = "from sklearn.datasets import load_digits\nimport scipy.special\n" + reference_with(
        train=SKLEARN_TRAIN)
    report = grade(submission(text=text))
    assert report.score == report.max_score, {s.name: s.feedback for s in report.steps if s.status != "passed"}


def test_a_package_outside_the_list_is_the_students_error_in_plain_words(submission):
    report = grade(submission(text="import matplotlib.pyplot as plt\n" + REFERENCE_TEXT),
                   steps=["sigmoid", "softmax"])
    for s in report.steps:
        assert s.score == 0 and "matplotlib is not available to graded code" in s.feedback
        assert "numpy, scipy and scikit-learn" in s.feedback


# -- the learning curve (--plot): the child's snapshots reach the reference only in the contract's shapes
SNAPSHOT_BOMB = '''
def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate([(64, 128), (128, 128), (128, 10)], start=1):
        params[f"w{i}"] = rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = np.zeros((1, fan_out))
    # (1, 20000) + (64, 1) broadcasts to 10 MB per digit in the reference's feedforward
    wide = {"w1": np.ones((64, 1)), "b1": np.ones((1, 20000)), "w2": np.ones((128, 128)),
            "b2": np.ones((1, 128)), "w3": np.ones((128, 10)), "b3": np.ones((1, 10))}
    huge = {**params, "w3": np.full((128, 10), 1e308)}  # a NaN loss in a JSON report
    for _ in range(30):
        for fake in (@FAKES@):
            update(fake, {k: np.zeros_like(v) for k, v in fake.items()}, 0.0)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            params = update(params, backprop(params, x[rows], y[rows], feedforward(params, x[rows])), lr)
    return params
'''


@pytest.mark.parametrize("fakes", ["wide,", "huge,"])
def test_training_snapshots_outside_the_contract_never_reach_the_reference(submission, fakes):
    path = submission(text=reference_with(train=SNAPSHOT_BOMB.replace("@FAKES@", fakes)))
    probe = ("import json, sys; from grader.grade import grade; from grader.views import table; "
             "r = grade(sys.argv[1], steps=['train'], curves=True); table.to_json(r); "
             "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')); "
             "lr = next(c.message for c in r.steps[0].checks if c.name == 'the given lr'); "
             "print(json.dumps({'score': r.score, 'curve': r.steps[0].data['curve'], 'peak': peak, 'lr': lr}))")
    run = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "NNKATA_HIDDEN_SEED": "7"})
    assert run.returncode == 0, run.stderr[-2000:]  # the JSON report was written: no NaN in it
    doc = json.loads(run.stdout)
    # the training itself is honest, but for the fake updates' lr of 0, which the loop's audit sees
    assert doc["score"] == full("train") - 1 and doc["lr"].startswith("during train(x, y, epochs=3")
    assert "update received lr = 0 while train was called with lr = 0.25" in doc["lr"]
    assert doc["curve"]["train_loss"] == []  # the curve stops at the first snapshot out of contract
    assert doc["peak"] < 300 * 1024  # KiB: the wide one alone would take the grader past 1 GB
