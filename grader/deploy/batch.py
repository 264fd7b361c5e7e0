"""Grading a class folder: every submission in parallel, each in its own sandbox, resumably.

Each submission is graded by a worker process of its own (``python -m grader.deploy.worker``), which
runs its student code in sandboxed children as a single grade does; the batch only schedules,
keys and writes. A result is keyed by the submission's content, the grader's version, the
checks' version and the grading options, so a rerun grades only what is new or changed.

The output folder holds one JSON report per submission (``NAME.json``: the contract's
document plus ``key`` and ``source``) and ``grades.csv`` (with a roster, also ``canvas.csv``
and ``canvas-unmatched.txt``, derived from the reports at the end of each run). Both are written whole or not at all,
the CSV again after every submission, so a batch killed at any moment loses only the grades
in flight and leaves no partial file; started again, it picks up where it stopped.
"""

import ast
import fcntl
import functools
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader import __version__, atomic, files, text
from grader.deploy import submissions
from grader.errors import HarnessError
from grader.grade import HIDDEN_SEED_ENV, not_graded
from grader.judge.result import Report
from grader.kata import curriculum
from grader.paths import PACKAGE, RECORDS, reference_file
from grader.sandbox import tiers
from grader.views import formats

STATE = ".nnkata-batch.json"  # the batch's hidden-input seed, shared by every rerun
LOCK = ".nnkata.lock"
WORKER_MARGIN = 120.0  # seconds past the sum of the step budgets before a worker is stopped


@dataclass
class Outcome:
    name: str  # one line, as text.name leaves it: it is printed on the instructor's terminal
    report: Report | None  # None: the harness could not grade it (``error`` says why)
    reused: bool = False
    error: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        self.name, self.error = text.name(self.name), text.name(self.error)


def grading_modules():
    """The files of the modules a grade runs: ``grader.grade`` and every grader module it
    imports, followed through the package (imports inside functions too), and the child's
    folder, which runs as a script. Derived from the code, so a new check module is in it."""
    seen, todo = set(), [PACKAGE / "grade.py"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):  # from grader.kata import curriculum: a module too
                names += [f"{node.module}.{a.name}" for a in node.names]
            for name in (n for n in names if n == "grader" or n.startswith("grader.")):
                parts = name.split(".")[1:]
                for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"), PACKAGE.joinpath(*parts, "__init__.py")):
                    if parts and candidate.is_file():
                        todo.append(candidate)
    return sorted(seen | set(tiers.CHILD.glob("*.py")))


@functools.lru_cache(maxsize=1)  # once per process: 0.1 s of parsing and hashing, not once per submission
def checks_version():
    """A digest of what decides a grade: the modules a grade runs (``grading_modules``), the
    records and the reference. Views, study, deployment and the command line are left out:
    a new format does not regrade a class."""
    digested = grading_modules() + sorted(RECORDS.glob("*.json")) + [reference_file()]
    digest = hashlib.sha256()
    for path in digested:
        name = path.relative_to(PACKAGE) if path.is_relative_to(PACKAGE) else path.name
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def content_digest(entry):
    """The submission's identity for the key: which file, and its bytes, read as the grade
    reads them (without following a link); a submission with no file, by its problem."""
    def problem(message):
        return "none:" + hashlib.sha256(message.encode("utf-8", "replace")).hexdigest()[:16]

    if entry.file is None:
        return problem(entry.problem)
    relative = entry.file.relative_to(entry.source) if entry.file != entry.source else Path(entry.file.suffix)
    digest = hashlib.sha256(str(relative).encode("utf-8", "surrogateescape") + b"\0")
    try:
        why = files.problem(entry.file.name, os.lstat(entry.file))
        if why:  # a link now, or too large to be read: the grade says so, unread
            return problem(why)
        files.digest_into(digest, entry.file)
    except files.Unreadable as exc:  # changed since it was found: the grade says so too
        return problem(exc.message)
    except OSError as exc:
        return problem(f"{type(exc).__name__}: {exc.strerror}")
    return digest.hexdigest()[:16]


MAX_FILE_NAME = 200  # bytes of a report's file name before its extension


def report_file(out, name):
    """``out/NAME.json``; a name too long for a file name is cut and told apart by a digest."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_FILE_NAME:
        cut = encoded[:MAX_FILE_NAME - 17].decode("utf-8", "ignore")
        name = f"{cut}-{hashlib.sha256(encoded).hexdigest()[:16]}"
    return Path(out) / f"{name}.json"


def in_worker(file, seed, *, steps=None, public_only=False, bonus=False, started=None, ended=None):
    """Grade ``file`` in a worker process of its own (``python -m grader.deploy.worker``): (report, '')
    or (None, why the harness could not grade it). ``started``/``ended`` see the process come
    and go (a batch kills its workers when it is interrupted)."""
    argv = [sys.executable, "-m", "grader.deploy.worker"]
    argv += [a for s in steps or () for a in ("--step", s)]
    argv += ["--public-only"] if public_only else []
    argv += ["--bonus"] if bonus else []
    argv += ["--", str(file)]  # a file named -h.py or --step=x.py is a file, not an option
    env = {**os.environ, HIDDEN_SEED_ENV: str(seed)}
    limit = sum(s.budget for s in (*curriculum.STEPS, *curriculum.BONUS)) + WORKER_MARGIN
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            stdin=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace")
    if started:
        started(proc)
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, f"the grader did not finish within {limit:.0f} s"
    finally:
        if ended:
            ended(proc)
    if proc.returncode != 0:
        reason = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {proc.returncode}"
        return None, reason.removeprefix("nnkata: error: ")
    try:
        return Report.from_dict(json.loads(stdout)), ""
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"the grader's report could not be read ({type(exc).__name__})"


def shared_seed(out):
    """The hidden-input seed: the instructor's, else one drawn once per output folder (or
    nbgrader course) and kept there, readable by its owner alone, so a resumed or repeated batch
    grades everyone on the same hidden inputs."""
    if os.environ.get(HIDDEN_SEED_ENV) is not None:
        from grader.grade import hidden_seed
        return hidden_seed()[0]
    state = out / STATE
    if state.is_file():
        try:
            return int(json.loads(state.read_text())["hidden_seed"])
        except (ValueError, KeyError, TypeError):
            raise HarnessError(f"{state} is damaged: delete it to grade again with a new seed") from None
    seed = secrets.randbits(63)
    atomic.write_json(state, {"hidden_seed": seed, "created": time.strftime("%Y-%m-%d %H:%M:%S")},
                      mode=0o600)  # a secret: its owner's alone
    return seed


class Batch:
    """One run over a class folder. ``run()`` returns an ``Outcome`` per submission, by name."""

    def __init__(self, paths, out, *, jobs=1, steps=None, public_only=False, bonus=False,
                 progress=None, canvas=None):
        """``paths``: class folders and submission files, as ``submissions.collect`` takes them.
        ``canvas``: a ``roster.Canvas``, whose files are written from every report at the end."""
        self.out = Path(out)
        if jobs < 1:
            raise HarnessError("--jobs must be at least 1")
        if jobs > 1 and tiers.one_grade_at_a_time():
            print("nnkata: the user tier without a control group ends strays by the sandbox's uid, "
                  "which grades side by side would share: grading one at a time", file=sys.stderr)
            jobs = 1
        self.jobs, self.steps, self.public_only, self.bonus = jobs, steps, public_only, bonus
        self.progress, self.canvas, self.canvas_summary = progress, canvas, None
        self.out.mkdir(parents=True, exist_ok=True)
        self.entries = submissions.collect([paths] if isinstance(paths, (str, Path)) else paths,
                                           exclude=[self.out])
        self._csv_lock = threading.Lock()
        self._procs, self._stopping = set(), False

    def key(self, entry, seed):
        options = {"steps": sorted(self.steps) if self.steps else "all", "public_only": self.public_only,
                   **({"bonus": True} if self.bonus else {}),
                   "hidden_seed": hashlib.sha256(str(seed).encode()).hexdigest()[:12]}
        return {"content": content_digest(entry), "grader": __version__, "checks": checks_version(),
                "options": options}

    def run(self):
        with open(self.out / LOCK, "a") as lock:  # "a": taking the lock changes nothing
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise HarnessError(f"another nnkata grade is writing to {self.out}: wait for it "
                                   "or stop it first") from None
            for stale in self.out.glob(".*.tmp"):  # left by a batch killed mid-write
                stale.unlink(missing_ok=True)
            seed = shared_seed(self.out)
            keys = {e.name: self.key(e, seed) for e in self.entries}
            self.outcomes = {}
            todo = []
            for e in self.entries:
                kept = self._kept(e, keys[e.name])
                if kept:
                    self.outcomes[e.name] = Outcome(e.name, kept, reused=True)
                else:
                    todo.append(e)
            if self.progress:
                self.progress.start(len(self.entries), len(self.entries) - len(todo))
            self._write_csv()
            pool = ThreadPoolExecutor(max_workers=self.jobs)
            try:  # each outcome is recorded as it finishes, in _grade
                list(pool.map(lambda e: self._grade(e, keys[e.name], seed), todo))
            except BaseException:  # an interrupt: stop every worker, start no other
                self._stopping = True
                pool.shutdown(wait=False, cancel_futures=True)
                self._stop_all()
                raise
            pool.shutdown()
            if self.progress:
                self.progress.finish()
            if self.canvas:  # from every report, kept or new: a resumed batch rewrites it whole
                self.canvas_summary = self.canvas.write(self.out, self.outcomes)
            return self.outcomes

    def _kept(self, entry, key):
        """The report already in the output folder for this exact submission, or None."""
        path = report_file(self.out, entry.name)
        try:
            doc = json.loads(path.read_text())
            return Report.from_dict(doc) if doc.get("key") == key else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _grade(self, entry, key, seed):
        started = time.monotonic()
        if entry.file is None:
            report = not_graded(entry.source.name, entry.problem, public_only=self.public_only,
                                steps=self.steps)
            error = ""
        else:
            report, error = self._work(entry, seed)
        outcome = Outcome(entry.name, report, error=error, seconds=time.monotonic() - started)
        if report is not None:
            doc = {**report.to_dict(), "key": key, "source": text.name(entry.source.name)}
            atomic.write_json(report_file(self.out, entry.name), doc)
        with self._csv_lock:
            self.outcomes[entry.name] = outcome
            self._write_csv()
        if self.progress:
            self.progress.done(outcome)
        return outcome

    def _work(self, entry, seed):
        """(report, '') from a worker process, or (None, why the harness could not grade it)."""
        if self._stopping:
            return None, "the batch was stopped"
        return in_worker(entry.file, seed, steps=self.steps, public_only=self.public_only,
                         bonus=self.bonus, started=self._procs.add, ended=self._procs.discard)

    def _stop_all(self):
        for proc in list(self._procs):
            proc.kill()

    def _write_csv(self):
        rows = [(name, o.report) for name, o in sorted(self.outcomes.items()) if o.report is not None]
        gradebook, path = formats.csv_text(rows), self.out / "grades.csv"
        if not (path.is_file() and path.read_text() == gradebook):  # an unchanged class: untouched
            atomic.write_text(path, gradebook)


class ProgressBar:
    """A progress bar with an ETA on a terminal; one line per submission elsewhere."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()

    def start(self, total, reused):
        self.total, self.finished, self.reused = total, reused, reused
        self.graded, self.failed, self.began = 0, 0, time.monotonic()
        if reused:
            self._say(f"{reused} of {total} already graded and unchanged: kept")
        self._draw()

    def done(self, outcome):
        self.finished += 1
        self.graded += 1
        self.failed += outcome.report is None
        if not self.live:
            what = (f"{formats.points(outcome.report.score, outcome.report.max_score):g}/"
                    f"{outcome.report.max_score:g}" if outcome.report else f"NOT GRADED: {outcome.error}")
            self._say(f"[{self.finished}/{self.total}] {outcome.name}: {what} ({outcome.seconds:.1f} s)")
        self._draw()

    def finish(self):
        if self.live:
            self.stream.write("\n")
        spent = time.monotonic() - self.began
        self._say(f"graded {self.graded}, kept {self.reused}, not graded {self.failed}, in {spent:.1f} s")

    def eta(self):
        left = self.total - self.finished
        if not self.graded or not left:
            return None
        return (time.monotonic() - self.began) / self.graded * left

    def _draw(self):
        if not self.live:
            return
        width = 24
        full = int(width * self.finished / self.total) if self.total else width
        eta = self.eta()
        when = f"ETA {int(eta) // 60}:{int(eta) % 60:02d}" if eta is not None else ""
        self.stream.write(f"\r{'█' * full}{'░' * (width - full)} {self.finished}/{self.total} "
                          f"{when}\033[K")
        self.stream.flush()

    def _say(self, text):
        if self.live:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()
