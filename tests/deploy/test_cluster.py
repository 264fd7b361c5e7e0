"""A class graded on a real dask.distributed cluster: a scheduler and two workers started with Dask's
own command line on 127.0.0.1. The same grades as a local run; a worker lost mid-class loses
nothing; resumable like a local run."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import distributed  # the cluster extra, which the test extra brings
import pytest

from conftest import REFERENCE
from grader.deploy import cluster
from grader.errors import HarnessError

from deploy.test_batch import make_class, nnkata, reports


def dask(module, *args, log):
    """A Dask process in a session of its own (to kill it with what it started)."""
    return subprocess.Popen([sys.executable, "-m", f"distributed.cli.{module}", *args], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


class Cluster:
    def __init__(self, root):
        self.root, self.file, self.workers = root, root / "scheduler.json", {}
        self.log = open(root / "dask.log", "ab")
        self.scheduler = dask("dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                              "--scheduler-file", str(self.file), log=self.log)
        deadline = time.monotonic() + 60
        while not self.file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]

    def add_worker(self, name):
        self.workers[name] = dask("dask_worker", "--scheduler-file", str(self.file), "--nthreads", "1",
                                  "--no-dashboard", "--host", "127.0.0.1", "--name", name, log=self.log)

    def wait_for(self, count):
        with distributed.Client(self.address, timeout=30) as client:
            client.wait_for_workers(count, timeout=60)

    def close(self):
        for proc in [*self.workers.values(), self.scheduler]:
            stop(proc)
        self.log.close()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    found = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        for name in ("w1", "w2"):
            found.add_worker(name)
        found.wait_for(2)
        yield found
    finally:
        found.close()


def graded(doc):
    """What a grade decided, without its timings: scores, statuses and every message."""
    return (doc["score"], doc["submission"], doc["isolation"]["tier"],
            [(s["name"], [(c["name"], c["score"], c["status"], c["message"]) for c in s["checks"]])
             for s in doc["steps"]])


def test_a_class_graded_on_the_cluster_gets_the_grades_of_a_local_run(tmp_path, dask_cluster):
    folder = make_class(tmp_path / "class")
    env = {**os.environ, "NNKATA_HIDDEN_SEED": "5"}
    local = nnkata("grade", str(folder), "--out", str(tmp_path / "local"), "--jobs", "2", env=env)
    remote = nnkata("grade", str(folder), "--out", str(tmp_path / "remote"), "--scheduler",
                    dask_cluster.address, env=env)
    assert remote.returncode == local.returncode == 0, remote.stderr
    assert "grading on the Dask cluster at tcp://127.0.0.1:" in remote.stderr
    assert "2 workers, 2 threads" in remote.stderr
    here, there = reports(tmp_path / "local"), reports(tmp_path / "remote")
    assert set(here) == set(there) and len(here) >= 7
    for name in here:
        assert graded(there[name]) == graded(here[name]), name
        assert there[name]["key"] == here[name]["key"]
    assert (tmp_path / "remote" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()
    assert here["ada"]["score"] == 100.0 and here["eve"]["score"] < 100.0  # a forged report earns nothing
    # Resumable exactly like a local run: nothing changed, nothing sent.
    again = nnkata("grade", str(folder), "--out", str(tmp_path / "remote"), "--scheduler",
                   dask_cluster.address, env=env)
    assert f"{len(here)} of {len(here)} already graded" in again.stderr and "grading on" not in again.stderr


def test_a_worker_killed_mid_class_loses_nothing(tmp_path):
    c = Cluster(tmp_path)
    try:
        for name in ("w1", "w2"):
            c.add_worker(name)
        c.wait_for(2)
        folder, out = tmp_path / "class", tmp_path / "out"
        folder.mkdir()
        for i in range(6):
            shutil.copy(REFERENCE, folder / f"s{i}.py")
        run = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                                "--scheduler", c.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        deadline = time.monotonic() + 120
        while len(list(out.glob("s*.json"))) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop(c.workers.pop("w1"))  # the worker, its nanny and the grades it was running
        assert len(list(out.glob("s*.json"))) < 6, "the class should have been graded midway"
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr
        docs = reports(out)
        assert sorted(docs) == [f"s{i}" for i in range(6)]
        assert all(d["score"] == 100.0 for d in docs.values())
        assert "graded 6, kept 0, not graded 0" in stderr
    finally:
        c.close()


def test_a_worker_with_another_nnkata_grades_nothing():
    engine = object.__new__(cluster.Cluster)
    mine = cluster.versions()
    assert engine._checked({**mine, "report": {}}) == {**mine, "report": {}}
    with pytest.raises(HarnessError, match="install the same nnkata on every worker"):
        engine._checked({**mine, "checks": "0123456789abcdef"})


def test_without_distributed_the_message_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    with pytest.raises(HarnessError, match=r"pip install 'nnkata\[cluster\]'"):
        cluster.Cluster("tcp://127.0.0.1:8786")


def test_an_unreachable_scheduler_is_a_clear_error_before_anything_is_graded(tmp_path, monkeypatch):
    from grader.deploy import batch
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.py")
    with pytest.raises(HarnessError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        batch.Batch(folder, tmp_path / "out", scheduler="tcp://127.0.0.1:9").run()
    assert not (tmp_path / "out" / "ada.json").exists()


def test_jobs_and_a_scheduler_are_one_or_the_other(tmp_path):
    run = nnkata("grade", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9", "--jobs", "2")
    assert run.returncode == 2 and "give one or the other" in run.stderr
