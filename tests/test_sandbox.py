"""Isolation tiers: chosen at run time, recorded, forced by NNKATA_ISOLATION, and the limits
each child runs under."""

import numpy as np
import pytest

from grader import reference, sandbox
from grader.errors import HarnessError
from grader.grade import grade
from grader.runner import Submission

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
    if not sandbox.usable(name):
        pytest.skip(f"the {name} tier is not usable on this machine (its probe failed)")
    return sandbox.NOTES[name]


@pytest.mark.parametrize("name", sandbox.TIERS)
def test_every_tier_runs_the_child_under_its_limits(submission, name):
    tier = tier_or_skip(name)
    with Submission(submission(text=PROBE), reference.functions(), tier) as sub:
        got = sub.call("sigmoid", [np.zeros(1)]).value
    assert got["limits"] == {k: sandbox.LIMITS[getattr(sandbox.resource, k)] for k in got["limits"]}
    assert set(got["env"]) <= ALLOWED_ENV  # nothing of the grader's: no hidden seed
    if name in ("bwrap", "unshare", "user"):
        assert got["uid"] != 0
    if name == "bwrap":
        assert got["work"] is False  # an empty root: the machine's folders are not there


def test_the_strongest_usable_tier_is_chosen_and_recorded(monkeypatch, submission):
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    best = next(t for t in sandbox.TIERS if sandbox.usable(t))
    report = grade(submission(), steps=["sigmoid"])
    assert report.isolation["tier"] == best and report.isolation["isolated"] == (best != "none")
    assert report.to_dict()["isolation"]["tier"] == best


def test_none_is_loud(monkeypatch, submission, capsys):
    from grader import render
    monkeypatch.setenv("NNKATA_ISOLATION", "none")
    report = grade(submission(), steps=["sigmoid"])
    assert report.isolation == {"tier": "none", "isolated": False, "note": sandbox.NOTES["none"].note}
    assert "NOT ISOLATED" in render.table(report)


@pytest.mark.parametrize("value, words", [("chroot", "must be auto or one of"),
                                          ("user", "not available")])
def test_a_forced_tier_must_exist_and_work(monkeypatch, value, words):
    if value == "user" and sandbox.usable("user"):
        pytest.skip("the user tier is usable here")
    monkeypatch.setenv("NNKATA_ISOLATION", value)
    with pytest.raises(HarnessError, match=words):
        sandbox.choose()
