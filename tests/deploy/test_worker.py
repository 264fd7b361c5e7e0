"""The worker: one reply per request line, whatever it is sent; never a grade without a sandbox
unless the instructor waived it."""

import json
import subprocess
import sys

from conftest import REFERENCE
from grader import grade
from grader.deploy import pool


def test_the_worker_answers_each_line_on_one_line_whatever_it_is_sent():
    requests = [b"not json\n", json.dumps({"grade": {"file": str(REFERENCE), "seed": 7,
                                                     "steps": ["sigmoid"]}}).encode() + b"\n",
                json.dumps({"what": 1}).encode() + b"\n"]
    run = subprocess.run([sys.executable, "-m", "grader.deploy.worker"], input=b"".join(requests),
                         capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    replies = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(replies) == 3
    assert replies[0] == {"error": "the worker received a request it could not read"}
    assert replies[1]["report"]["score"] == 8.0
    assert replies[2]["error"].startswith("the grader failed (KeyError")


def test_without_a_sandbox_a_worker_grades_nothing_unless_isolation_was_waived(monkeypatch):
    from grader.deploy import worker
    from grader.sandbox import tiers
    monkeypatch.delenv("NNKATA_NO_SANDBOX", raising=False)
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    monkeypatch.setattr(tiers, "choose", lambda: tiers.NOTES["none"])
    request = pool.Job(str(REFERENCE), 7, steps=["sigmoid"]).request()
    assert "no sandbox tier works on this machine" in worker.answer(request)["error"]
    request["grade"]["no_sandbox"] = True
    monkeypatch.setattr(grade, "grade", lambda *a, **k: grade.not_graded("x", "stand-in"))
    assert "report" in worker.answer(request)
