"""A learner's progress, kept between sessions in the workspace's ``.nnkata/progress.json``.

A *track* is one file the learner works in: ``exercises/network.py``, or a kata run's own
``kata/run-N.py``. For each track and step it records the attempts (each new version of the
step's function that was graded, up to the one that passed), when the step first passed, and
how many hint tiers were shown. Kata runs also record when their clock started: the first
save that changed the fresh stubs. ``current`` names the track ``check`` and ``watch`` follow.

Only grades of the learner's own workspace are recorded; nothing here affects a score.
"""

import hashlib
import time
from pathlib import Path

from grader import atomic, paths
from grader.errors import HarnessError
from grader.kata import curriculum, source

STATE_DIR = ".nnkata"
MAIN = "exercises/network.py"
VERSION = 1


def now():
    return round(time.time(), 3)


def function_digest(text, name):
    """A digest of one top-level function's source (None when it is missing or unparsable)."""
    try:
        found = source.functions(text).get(name)
    except (SyntaxError, ValueError):
        return None
    return hashlib.sha256(found[0].encode()).hexdigest()[:16] if found else None


class Workspace:
    """A learner's workspace (a folder) and its recorded progress. ``save()`` writes it whole."""

    def __init__(self, workspace="."):
        self.root = Path(workspace).resolve()
        self.file = self.root / STATE_DIR / "progress.json"
        self.state = {"version": VERSION, "current": MAIN, "tracks": {}, "runs": []}
        if self.file.is_file():
            self.state = atomic.read_json(self.file, "your progress file",
                                          f"Move {self.file} away to start afresh.")

    @classmethod
    def here(cls):
        """The workspace in the current folder: one with exercises/network.py or with state."""
        cwd = Path.cwd()
        if (cwd / STATE_DIR).is_dir() or (cwd / MAIN).is_file():
            return cls(cwd)
        return None

    def save(self):
        self.file.parent.mkdir(exist_ok=True)
        atomic.write_json(self.file, self.state)

    # -- tracks ---------------------------------------------------------------------------
    @property
    def current(self):
        return self.state["current"]

    def current_file(self):
        return self.root / self.current

    def track(self, name=None):
        return self.state["tracks"].setdefault(name or self.current, {"steps": {}, "hints": {}})

    def relative(self, path):
        """The track name of ``path``: relative to the workspace, or None outside it."""
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def step(self, name, track=None):
        return self.track(track)["steps"].setdefault(
            name, {"attempts": 0, "passed_at": None, "digest": None, "best": 0.0})

    # -- recording a grade ----------------------------------------------------------------
    def record(self, path, report):
        """Fold a grade of ``path`` into its track; returns the steps that passed just now."""
        name = self.relative(path)
        if name is None:
            return []
        text = Path(path).read_text(errors="replace")
        self._started(name, text, Path(path).stat().st_mtime)
        newly = []
        for result in [*report.steps, *getattr(report, "bonus", [])]:
            rec = self.step(result.name, name)
            if rec["passed_at"] is not None or result.status == "pending":
                continue
            digest = function_digest(text, result.name)
            if digest != rec["digest"]:  # a new version of the function: one more attempt
                rec["attempts"] += 1
                rec["digest"] = digest
            rec["best"] = max(rec["best"], float(result.score))
            if result.status == "passed":
                rec["passed_at"] = now()
                newly.append(result.name)
        run = self.run_of(name)
        if run and run["finished"] is None and self.passed(name) >= {s.name for s in curriculum.STEPS}:
            run["finished"] = now()
        self.save()
        return newly

    def passed(self, track=None):
        steps = self.track(track)["steps"]
        return {n for n, rec in steps.items() if rec["passed_at"] is not None}

    def passed_anywhere(self, step):
        return any(rec.get("passed_at") for t in self.state["tracks"].values()
                   for n, rec in t["steps"].items() if n == step)

    # -- hints ----------------------------------------------------------------------------
    def next_hint(self, step, track=None):
        """The tier (1-based) to show now, and remember that it was shown."""
        hints = self.track(track)["hints"]
        spec = curriculum.step(step)
        tiers = len(getattr(spec, "hints", None) or (spec.hint,))
        hints[step] = min(hints.get(step, 0) + 1, tiers)
        self.save()
        return hints[step]

    # -- kata runs ------------------------------------------------------------------------
    def run_of(self, track):
        return next((r for r in self.state["runs"] if r["file"] == track), None)

    def new_run(self):
        """A fresh kata run in its own file of stubs; it becomes the current track."""
        number = len(self.state["runs"]) + 1
        target = self.root / "kata" / f"run-{number}.py"
        while target.exists():  # never overwrite earlier work
            number += 1
            target = self.root / "kata" / f"run-{number}.py"
        target.parent.mkdir(exist_ok=True)
        stubs = paths.exercise_file().read_text()
        target.write_text(stubs)
        name = target.relative_to(self.root).as_posix()
        self.state["runs"].append({"number": number, "file": name, "created": now(),
                                   "started": None, "finished": None,
                                   "stubs": hashlib.sha256(stubs.encode()).hexdigest()[:16]})
        self.state["current"] = name
        self.save()
        return number, target

    def use(self, which):
        """Follow another track: ``main`` or a run's number."""
        if which in ("main", MAIN):
            self.state["current"] = MAIN
        else:
            try:
                run = next(r for r in self.state["runs"] if r["number"] == int(which))
            except (ValueError, StopIteration):
                raise HarnessError(f"no kata run {which!r}: see `nnkata kata history`") from None
            self.state["current"] = run["file"]
        self.save()
        return self.current_file()

    def _started(self, track, text, mtime):
        run = self.run_of(track)
        if run and run["started"] is None:
            if hashlib.sha256(text.encode()).hexdigest()[:16] != run["stubs"]:
                run["started"] = round(mtime, 3)  # the first save that changed the stubs
