"""Workers that start once per class: each grades submission after submission.

A worker is ``python -m grader.deploy.worker``: it imports the grader, chooses the
sandbox's tier and loads the reference once, then reads one request per line on its stdin and
answers each on one line of its stdout (``worker.answer``). Student code never runs in it: each
grade's sandboxed children are new, as in a single grade. What every grade of a class shares
(``grade.prepare``: the reference trained on the class's hidden task) is computed once, by one
worker, and sent with every request.

``Pool(jobs)`` starts ``jobs`` workers at once and keeps them busy; ``submit`` returns a
``Future`` of ``(report, '')`` or ``(None, why the harness could not grade it)``. A worker that
overruns the grade's time limit, or dies, is replaced; its submission is reported not graded
(a rerun of the batch grades it again). Workers die with the process that started them.
"""

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

from grader.judge.result import Report
from grader.kata import curriculum

WORKER_MARGIN = 120.0  # seconds past the sum of the step budgets before a worker is stopped
TAIL = 4096  # bytes of a worker's stderr kept, to say why it died


def time_limit():
    """Seconds a whole grade may take before its worker is stopped."""
    return sum(s.budget for s in (*curriculum.STEPS, *curriculum.BONUS)) + WORKER_MARGIN


@dataclass
class Job:
    """One submission to grade, as a request a worker (local or on a cluster) understands."""
    file: str
    seed: int
    steps: list | None = None
    public_only: bool = False
    bonus: bool | None = None
    shared: dict = field(default_factory=dict)  # grade.prepare's values for the class
    no_sandbox: bool = False  # the instructor waived isolation (--no-sandbox): else none, none graded

    def request(self):
        return {"grade": asdict(self)}


class WorkerLost(Exception):
    """The worker died or overran: the message says which, in one line."""


class Worker:
    """One ``python -m grader.deploy.worker`` process."""

    def __init__(self):
        argv = [sys.executable, "-m", "grader.deploy.worker"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=os.environ.copy())
        self._buffer, self._tail = b"", b""
        self._stderr = threading.Thread(target=self._drain, daemon=True, name="nnkata-worker-stderr")
        self._stderr.start()

    def _drain(self):
        for chunk in iter(lambda: self.proc.stderr.read1(TAIL), b""):
            self._tail = (self._tail + chunk)[-TAIL:]

    def ask(self, request, timeout):
        """The worker's reply (a dict) to ``request``, or ``WorkerLost``."""
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError:
            raise WorkerLost(self._death()) from None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise WorkerLost(f"the grader did not finish within {timeout:.0f} s")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerLost(self._death())
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:  # out of step with its requests: of no more use
            self.kill()
            raise WorkerLost("the grader's reply could not be read") from None

    def _death(self):
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self._stderr.join(timeout=1)
        if code is not None and code < 0:
            return f"the grader's worker was killed (signal {-code})"
        last = self._tail.decode("utf-8", "replace").strip().splitlines()
        if last:
            return "the grader's worker died: " + last[-1].removeprefix("nnkata: error: ")
        return f"the grader's worker stopped (exit code {code})"

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self):
        """Ask the worker to stop (end of its stdin); kill it if it does not."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


def answer(reply):
    """(report, '') or (None, why) from a worker's reply to a grade request."""
    if "error" in reply:
        return None, str(reply["error"])
    try:
        return Report.from_dict(reply["report"]), ""
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return None, f"the grader's report could not be read ({type(exc).__name__})"


class Pool:
    """``jobs`` workers, started at once and reused: each request of the pool's threads takes an
    idle one, and gives it back (or a lost one's place) when answered."""

    def __init__(self, jobs):
        self.jobs = jobs
        self._executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="nnkata-pool")
        self._workers, self._lock, self._stopping = set(), threading.Lock(), False
        self.limit = time_limit()
        # Every worker starts now, side by side: they import and warm while the first request
        # (the class's shared values, say) is computed by one of them. None: one to start.
        self._idle = queue.SimpleQueue()
        for _ in range(jobs):
            self._idle.put(self._start())

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        self.stop() if kind else self.close()

    def _start(self):
        worker = Worker()
        with self._lock:
            self._workers.add(worker)
        return worker

    def _ask(self, request):
        """One idle worker's reply to ``request``; a worker lost on it is replaced for the next."""
        if self._stopping:
            raise WorkerLost("the batch was stopped")
        worker = self._idle.get()
        if worker is None or not worker.alive():
            with self._lock:
                self._workers.discard(worker)
            worker = self._start()
        try:
            reply = worker.ask(request, self.limit)
        except WorkerLost:
            with self._lock:
                self._workers.discard(worker)
            self._idle.put(None)
            raise
        self._idle.put(worker)
        return reply

    def _grade(self, job):
        try:
            return answer(self._ask(job.request()))
        except WorkerLost as lost:
            return None, str(lost)

    def submit(self, job):
        """A ``Future`` of ``(report, '')`` or ``(None, why)``."""
        return self._executor.submit(self._grade, job)

    def results(self, jobs):
        """(name, report, error, seconds) for each of ``jobs`` (a Job by name), as each finishes."""
        def timed(job):
            started = time.monotonic()
            return (*self._grade(job), time.monotonic() - started)

        futures = {self._executor.submit(timed, job): name for name, job in jobs.items()}
        for future in as_completed(futures):
            yield (futures[future], *future.result())

    def describe(self):
        return None  # local workers: nothing to say

    def prepare(self, seed, steps=None):
        """``grade.prepare``'s values for a class graded on ``seed``, computed by one worker
        (``HarnessError`` if it cannot)."""
        from grader.errors import HarnessError
        try:
            reply = self._executor.submit(self._ask, {"prepare": {"seed": seed, "steps": steps}}).result()
        except WorkerLost as lost:
            raise HarnessError(f"the class's shared values could not be computed: {lost}") from None
        if "error" in reply:
            raise HarnessError(f"the class's shared values could not be computed: {reply['error']}")
        return reply["shared"]

    def stop(self):
        """Start nothing more and kill every worker (an interrupted batch)."""
        self._stopping = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for worker in self._workers:
                worker.kill()

    def close(self):
        self._executor.shutdown()
        with self._lock:
            for worker in self._workers:
                worker.close()
