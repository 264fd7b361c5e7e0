"""Grading a class folder: every submission in parallel, each in its own sandbox, resumably.

The batch keys, schedules and writes; an engine grades. Locally (``--jobs N``) the engine is
``pool.Pool``: N worker processes started once for the class, each grading one submission after
another with its student code in new sandboxed children, as a single grade does. On a cluster
(``--scheduler ADDRESS``) it is ``cluster.Cluster``: each submission is a task of a
``dask.distributed`` cluster, graded by a worker there in its own sandbox. Either way, what all
grades of the class share (``grade.prepare``) is computed once, and every grade uses the class's
one hidden seed. A result is keyed by the submission's content, the grader's version, the checks'
version and the grading options (``keys``), so a rerun grades only what is new or changed.

The output folder holds one JSON report per submission (``NAME.json``: the contract's
document plus ``key`` and ``source``) and ``grades.csv`` (with a roster, also ``canvas.csv``
and ``canvas-unmatched.txt``, derived from the reports at the end of each run). Each is written
whole or not at all, as results arrive, the CSV again after every submission, so a batch killed
at any moment loses only the grades in flight and leaves no partial file; started again, it
picks up where it stopped.
"""

import fcntl
import hashlib
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from grader import __version__, atomic, text
from grader.deploy import keys, pool, submissions
from grader.errors import HarnessError
from grader.grade import HIDDEN_SEED_ENV, not_graded
from grader.judge.result import Report
from grader.sandbox import isolation, tiers
from grader.views import formats

STATE = ".nnkata-batch.json"  # the batch's hidden-input seed, shared by every rerun
LOCK = ".nnkata.lock"


@dataclass
class Outcome:
    name: str  # one line, as text.name leaves it: it is printed on the instructor's terminal
    report: Report | None  # None: the harness could not grade it (``error`` says why)
    reused: bool = False
    error: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        self.name, self.error = text.name(self.name), text.name(self.error)


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

    def __init__(self, paths, out, *, jobs=1, scheduler=None, steps=None, public_only=False,
                 bonus=False, progress=None, canvas=None, no_sandbox=False):
        """``paths``: class folders and submission files, as ``submissions.collect`` takes them.
        ``jobs``: local workers; ``scheduler``: a dask.distributed scheduler's address, to grade
        on its cluster instead. ``canvas``: a ``roster.Canvas``, whose files are written from
        every report at the end. ``no_sandbox``: grade where no sandbox isolates (else such a
        machine, or cluster worker, grades nothing)."""
        self.out = Path(out)
        if jobs < 1:
            raise HarnessError("--jobs must be at least 1")
        if scheduler is None and jobs > 1 and tiers.one_grade_at_a_time():
            print("nnkata: the user tier without a control group ends strays by the sandbox's uid, "
                  "which grades side by side would share: grading one at a time", file=sys.stderr)
            jobs = 1
        self.jobs, self.scheduler, self.no_sandbox = jobs, scheduler, no_sandbox
        self.steps, self.public_only, self.bonus = steps, public_only, bonus
        self.progress, self.canvas, self.canvas_summary = progress, canvas, None
        self.out.mkdir(parents=True, exist_ok=True)
        self.entries = submissions.collect([paths] if isinstance(paths, (str, Path)) else paths,
                                           exclude=[self.out])

    def key(self, entry, seed):
        options = {"steps": sorted(self.steps) if self.steps else "all", "public_only": self.public_only,
                   **({"bonus": True} if self.bonus else {}),
                   "hidden_seed": hashlib.sha256(str(seed).encode()).hexdigest()[:12]}
        return {"content": keys.content_digest(entry), "grader": __version__,
                "checks": keys.checks_version(), "options": options}

    def engine(self):
        if self.scheduler is None:
            return pool.Pool(self.jobs)
        from grader.deploy import cluster
        return cluster.Cluster(self.scheduler)

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
            found = {e.name: self.key(e, seed) for e in self.entries}
            self.outcomes, todo = {}, []
            for e in self.entries:
                kept = self._kept(e, found[e.name])
                if kept:
                    self.outcomes[e.name] = Outcome(e.name, kept, reused=True)
                else:
                    todo.append(e)
            if self.progress:
                self.progress.start(len(self.entries), len(self.entries) - len(todo))
            self._write_csv()
            unreadable = [e for e in todo if e.file is None]  # nothing to run: no engine needed
            for e in unreadable:
                report = not_graded(e.source.name, e.problem, public_only=self.public_only, steps=self.steps)
                self._record(e, found[e.name], report, "", 0.0)
            graded = [e for e in todo if e.file is not None]
            if graded:
                self._grade(graded, found, seed)
            if self.progress:
                self.progress.finish()
            if self.canvas:  # from every report, kept or new: a resumed batch rewrites it whole
                self.canvas_summary = self.canvas.write(self.out, self.outcomes)
            return self.outcomes

    def _grade(self, entries, found, seed):
        """Every entry through the engine, each outcome recorded as it arrives."""
        with self.engine() as engine:
            where = engine.describe()
            if self.progress and where:
                self.progress.say(where)
            try:
                shared = engine.prepare(seed, self.steps)
            except HarnessError as exc:  # each grade computes it again, as a single grade does
                print(f"nnkata: {exc}; each grade computes them itself", file=sys.stderr)
                shared = {}
            jobs = {e.name: pool.Job(str(e.file), seed, self.steps, self.public_only, self.bonus, shared,
                                     isolation.waived(self.no_sandbox)) for e in entries}
            by_name = {e.name: e for e in entries}
            for name, report, error, seconds in engine.results(jobs):
                self._record(by_name[name], found[name], report, error, seconds)

    def _kept(self, entry, key):
        """The report already in the output folder for this exact submission, or None."""
        path = keys.report_file(self.out, entry.name)
        try:
            doc = json.loads(path.read_text())
            return Report.from_dict(doc) if doc.get("key") == key else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _record(self, entry, key, report, error, seconds):
        outcome = Outcome(entry.name, report, error=error, seconds=seconds)
        if report is not None:
            doc = {**report.to_dict(), "key": key, "source": text.name(entry.source.name)}
            atomic.write_json(keys.report_file(self.out, entry.name), doc)
        self.outcomes[entry.name] = outcome
        self._write_csv()
        if self.progress:
            self.progress.done(outcome)

    def _write_csv(self):
        rows = [(name, o.report) for name, o in sorted(self.outcomes.items()) if o.report is not None]
        gradebook, path = formats.csv_text(rows), self.out / "grades.csv"
        if not (path.is_file() and path.read_text() == gradebook):  # an unchanged class: untouched
            atomic.write_text(path, gradebook)
