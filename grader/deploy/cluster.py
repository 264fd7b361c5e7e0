"""A class graded on a ``dask.distributed`` cluster: ``nnkata grade DIR --out OUT --scheduler ADDRESS``.

Each submission is one task: its bytes, its file name and the grade's request (the class's
hidden seed, the options, ``grade.prepare``'s shared values) go to a worker of the cluster,
which writes the bytes into a private temporary folder and grades them there as a local worker
would (``worker.answer``): the grader in the Dask worker's process, the student's code in
sandboxed children of it, never in the worker itself. One grade at a time per worker process
(start workers with ``--nthreads 1``: each grade already trains beside its other checks).

The batch on the instructor's machine keys, writes and resumes exactly as for a local run, as
results arrive. A worker lost mid-class loses nothing: Dask gives its tasks to the others. Every
reply carries the worker's grader and checks versions; a worker with another nnkata grades
nothing (its grades would not be this grader's).

Any cluster will do: a scheduler and workers started by hand (``dask scheduler``, ``dask
worker``), ``dask-jobqueue`` on Slurm, ``dask-kubernetes``. Workers need nnkata installed, the
same version; the optional ``cluster`` extra brings ``distributed``.
"""

import contextlib
import fcntl
import os
import tempfile
import threading
from pathlib import Path

from grader import __version__, files, text
from grader.deploy import keys, pool, worker
from grader.errors import HarnessError
from grader.grade import not_graded
from grader.sandbox import tiers

CONNECT_TIMEOUT = 30  # seconds to reach the scheduler
_ONE_AT_A_TIME = threading.Lock()  # a worker process with several threads still grades one by one


def versions():
    return {"grader": __version__, "checks": keys.checks_version()}


# -- what runs on a worker ---------------------------------------------------------------------
@contextlib.contextmanager
def _one_at_a_time():
    """One grade at a time in this process; on a machine where grades must not run side by side
    (the user tier without a control group: ``tiers.one_grade_at_a_time``), one at a time among
    all of its worker processes too."""
    with _ONE_AT_A_TIME:
        try:
            alone = tiers.one_grade_at_a_time()
        except HarnessError:  # no tier to use: the grade says so in its reply
            alone = False
        if not alone:
            yield
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(Path(tempfile.gettempdir()) / "nnkata-one-grade.lock", flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def grade_task(name, content, request):
    """Grade ``content`` (a submission's bytes, as file ``name``) on this worker: the reply of
    ``worker.answer``, with this worker's versions."""
    if name in ("", ".", "..") or "/" in name or "\0" in name:  # a file name, nothing else
        name = "submission.ipynb" if name.endswith(".ipynb") else "submission.py"
    with _one_at_a_time(), tempfile.TemporaryDirectory(prefix="nnkata-dask-") as tmp:
        path = Path(tmp) / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        request = {"grade": {**request["grade"], "file": str(path)}}
        return {**worker.answer(request), **versions()}


def warm_task():
    """What every grade on this worker needs, once: the grader, the tier, the reference, the
    checks' version."""
    with _ONE_AT_A_TIME:
        worker.warm()
        return versions()


def prepare_task(seed, steps):
    with _ONE_AT_A_TIME:
        return {**worker.answer({"prepare": {"seed": seed, "steps": steps}}), **versions()}


# -- the instructor's side ---------------------------------------------------------------------
def _distributed():
    try:
        import distributed
    except ImportError:
        raise HarnessError("--scheduler grades on a Dask cluster, which needs distributed: "
                           "pip install 'nnkata[cluster]'") from None
    return distributed


class Cluster:
    """The engine of a batch on a Dask cluster (``batch.Batch(scheduler=ADDRESS)``)."""

    def __init__(self, address):
        distributed = _distributed()
        self.address = address
        try:
            self.client = distributed.Client(address, timeout=CONNECT_TIMEOUT,
                                             set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise HarnessError(f"cannot reach the Dask scheduler at {text.name(str(address))}: "
                               f"{text.name(str(exc))}") from None
        self._futures, self._warming = [], []

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is not None:
            self.stop()
        self.client.close()

    def describe(self):
        workers = self.client.nthreads()  # every worker's threads (scheduler_info lists a few)
        threads = sum(workers.values())
        if not workers:
            return f"grading on the Dask cluster at {self.address}: no workers yet, waiting for some"
        return (f"grading on the Dask cluster at {self.address}: {len(workers)} workers, "
                f"{threads} threads")

    def _checked(self, reply):
        mine = versions()
        if any(reply.get(k) != v for k, v in mine.items()):
            raise HarnessError(f"a Dask worker runs nnkata {reply.get('grader')} with checks "
                               f"{reply.get('checks')}, this grade {mine['grader']} with checks "
                               f"{mine['checks']}: install the same nnkata on every worker")
        return reply

    def prepare(self, seed, steps=None):
        # Every worker warms at once while one of them computes the shared values.
        self._warming = [self.client.submit(warm_task, workers=[address], allow_other_workers=False,
                                            pure=False, key=f"nnkata-warm-{os.urandom(8).hex()}")
                         for address in self.client.nthreads()]
        future = self.client.submit(prepare_task, seed, steps, pure=False, key=f"nnkata-prepare-{os.urandom(8).hex()}")
        try:
            reply = self._checked(future.result())
        except HarnessError:
            raise
        except Exception as exc:  # the cluster's own failure (a worker lost three times, say)
            raise HarnessError(f"the class's shared values could not be computed on the cluster: "
                               f"{type(exc).__name__}: {text.name(str(exc))}") from None
        if "error" in reply:
            raise HarnessError(f"the class's shared values could not be computed: {reply['error']}")
        return reply["shared"]

    def results(self, jobs):
        """(name, report, error, seconds) for each Job by name, as results arrive."""
        distributed = _distributed()
        futures, local = {}, []
        for name, job in jobs.items():
            found = _read(job.file)
            if isinstance(found, str):  # a link, too large, unreadable: nothing to send or run
                local.append((name, not_graded(job.file, found, public_only=job.public_only,
                                               steps=job.steps), "", 0.0))
                continue
            future = self.client.submit(grade_task, Path(job.file).name, found, job.request(),
                                        pure=False, key=f"nnkata-grade-{os.urandom(8).hex()}")
            futures[future] = (name, job)
        self._futures = list(futures)
        yield from local
        for future in distributed.as_completed(futures, loop=self.client.loop):
            name, job = futures[future]
            yield (name, *self._outcome(future, job))

    def _outcome(self, future, job):
        try:
            reply = self._checked(future.result())
        except HarnessError as exc:
            return None, str(exc), 0.0
        except Exception as exc:  # the cluster could not run the task (KilledWorker, say)
            return None, f"the cluster could not grade it: {type(exc).__name__}: {exc}", 0.0
        report, error = pool.answer(reply)
        if report is not None:  # graded from a temporary copy: named as here, as a local grade is
            report.submission = job.file
        return report, error, report.seconds if report is not None else 0.0

    def stop(self):
        self.client.cancel(self._futures + self._warming)


def _read(file):
    """The submission's bytes as a grade would read them (never through a link), or why not,
    in the words a local grade would use."""
    shown = Path(file).name
    try:
        why = files.problem(shown, os.lstat(file))
        if why:
            return why
        return files.read_bytes(file, shown, limit=files.MAX_NOTEBOOK if shown.endswith(".ipynb")
                                else files.MAX_SOURCE)
    except files.Unreadable as exc:
        return exc.message
    except OSError as exc:
        return f"cannot read {text.name(shown)}: {exc.strerror}"
