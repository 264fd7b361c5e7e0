"""Workers that start once per class: reused, replaced when they die or overrun, never silent."""

import os
import time

import pytest

from conftest import REFERENCE, replace_function
from grader import grade
from grader.deploy import pool

SLOW_SIGMOID = """
def sigmoid(z):
    import time
    time.sleep(30)
    return 1 / (1 + np.exp(-z))
"""


def job(path, **options):
    return pool.Job(str(path), 7, **{"steps": ["sigmoid"], **options})


def test_one_worker_grades_submission_after_submission_as_a_single_grade_would(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text(replace_function(REFERENCE.read_text(), "sigmoid", "def sigmoid(z):\n    return z\n"))
    with pool.Pool(1) as workers:
        first = workers.submit(job(REFERENCE)).result()
        (started,) = {w.proc.pid for w in workers._workers}
        second = workers.submit(job(wrong)).result()
        third = workers.submit(job(REFERENCE)).result()
        assert {w.proc.pid for w in workers._workers} == {started}  # the same process throughout
    for (report, error), path in ((first, REFERENCE), (second, wrong), (third, REFERENCE)):
        assert error == ""
        alone = grade.grade(path, steps=["sigmoid"], seed=7, bonus=False)
        assert [c.to_dict() for c in report.steps[0].checks] == [c.to_dict() for c in alone.steps[0].checks]
    assert first[0].score == 8 and second[0].score < 8


def checks(report):
    return [(s.name, [c.to_dict() for c in s.checks]) for s in report.steps]


def test_a_class_in_one_process_leaks_nothing_from_one_grade_into_the_next(tmp_path):
    """A worker grades a whole class: a wrong submission, every step, leaves nothing behind that
    changes the next grade (a cache written into, a generator's state, a Hypothesis database)."""
    wrong = tmp_path / "wrong.py"
    text = REFERENCE.read_text()
    for name, code in (("softmax", "def softmax(z):\n    e = np.exp(z)\n    return e / e.sum(axis=0)\n"),
                       ("cross_entropy_delta", "def cross_entropy_delta(probs, targets):\n    return probs - targets\n"),
                       ("train", "def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):\n"
                                 "    x[:] = 0\n    rng = np.random.default_rng(seed)\n"
                                 "    shapes = {'w1': (64, 128), 'w2': (128, 128), 'w3': (128, 10)}\n"
                                 "    params = {w: rng.standard_normal(s) for w, s in shapes.items()}\n"
                                 "    return {**params, **{'b' + w[1]: np.zeros((1, s[1])) for w, s in shapes.items()}}\n")):
        text = replace_function(text, name, code)
    wrong.write_text(text)
    with pool.Pool(1) as workers:
        fresh = workers.submit(job(REFERENCE, steps=None)).result()[0]
        spoiled = workers.submit(job(wrong, steps=None)).result()[0]
        after = workers.submit(job(REFERENCE, steps=None)).result()[0]
    assert fresh.score == 100 and spoiled.score < 80
    assert checks(after) == checks(fresh)


def test_a_worker_killed_mid_grade_costs_that_submission_alone(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text(replace_function(REFERENCE.read_text(), "sigmoid", SLOW_SIGMOID))
    with pool.Pool(1) as workers:
        pending = workers.submit(job(slow))
        deadline = time.monotonic() + 60
        while not workers._workers and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.0)  # inside the grade, the child sleeping in sigmoid
        (victim,) = workers._workers
        victim.proc.kill()
        report, error = pending.result(timeout=60)
        assert report is None and error == "the grader's worker was killed (signal 9)"
        report, error = workers.submit(job(REFERENCE)).result(timeout=120)  # a new worker
        assert error == "" and report.score == 8
        assert victim not in workers._workers


def test_a_grade_past_the_time_limit_stops_its_worker_and_the_next_one_is_graded(tmp_path):
    slow = tmp_path / "slow.py"
    slow.write_text(replace_function(REFERENCE.read_text(), "sigmoid", SLOW_SIGMOID))
    with pool.Pool(1) as workers:
        workers.limit = 3.0
        report, error = workers.submit(job(slow)).result(timeout=60)
        assert report is None and error == "the grader did not finish within 3 s"
        workers.limit = pool.time_limit()
        report, error = workers.submit(job(REFERENCE)).result(timeout=120)
        assert error == "" and report.score == 8


def test_a_harness_failure_is_the_reply_and_the_worker_goes_on(tmp_path):
    with pool.Pool(1) as workers:
        report, error = workers.submit(job(tmp_path / "gone\x1b[2J.py")).result()
        assert report is None and error == f"no such file: {tmp_path}/gone\\x1b[2J.py"
        report, error = workers.submit(job(REFERENCE)).result()
        assert error == "" and report.score == 8
        assert len(workers._workers) == 1


def test_prepare_is_what_a_grade_below_the_bar_would_train_itself():
    from grader.kata import training
    with pool.Pool(1) as workers:
        shared = workers.prepare(7)
    assert set(shared) == {"train"}
    task, accuracy = shared["train"]["task"], shared["train"]["reference_accuracy"]
    assert accuracy == training.reference_accuracy(task)
    assert grade.prepare(7, steps=["sigmoid"]) == {}  # nothing to share without train


def test_jobs_workers_start_at_once_and_grade_side_by_side():
    with pool.Pool(2) as workers:
        assert len(workers._workers) == 2  # both warming before the first request
        results = list(workers.results({f"s{i}": job(REFERENCE) for i in range(4)}))
        assert len({w.proc.pid for w in workers._workers}) == 2
    assert sorted(name for name, *_ in results) == ["s0", "s1", "s2", "s3"]
    assert all(report.score == 8 and error == "" and seconds > 0 for _, report, error, seconds in results)


def test_workers_end_when_the_pool_closes():
    with pool.Pool(1) as workers:
        workers.submit(job(REFERENCE)).result()
        procs = [w.proc for w in workers._workers]
    assert all(p.poll() is not None for p in procs)
    for p in procs:
        with pytest.raises(ProcessLookupError):
            os.kill(p.pid, 0)


def test_a_worker_out_of_step_is_stopped_and_its_submission_not_graded(tmp_path, monkeypatch):
    garbling = tmp_path / "python"  # a "worker" that answers a request with something else
    garbling.write_text("#!/bin/sh\nread line\necho 'not a reply'\nsleep 60\n")
    garbling.chmod(0o755)
    monkeypatch.setattr(pool.sys, "executable", str(garbling))
    with pool.Pool(1) as workers:
        (worker,) = workers._workers
        report, error = workers.submit(job(REFERENCE)).result(timeout=30)
        assert report is None and error == "the grader's reply could not be read"
        assert worker.proc.poll() is not None and worker not in workers._workers
