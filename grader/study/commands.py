"""The self-study commands' work: which file a learner is on, their list, hints in tiers,
resetting a step to its stub, and a step's solution once it has passed."""

import datetime
from pathlib import Path

from grader import grade, paths
from grader.errors import HarnessError
from grader.kata import curriculum
from grader.kata.source import functions, without_markers
from grader.study.progress import Workspace
from grader.views import table
from grader.views.marks import MARKS


def target(file=None):
    """(the file to grade, the ``Workspace`` here or None).

    ``--file`` wins; else the current track of the workspace in this folder (a kata run, or
    exercises/network.py); else the stubs that ship with nnkata, recording nothing.
    """
    progress = Workspace.here()
    if file:
        return Path(file), progress
    if progress and progress.current_file().is_file():
        return progress.current_file(), progress
    return paths.default_submission(), progress


def check(file=None, steps=None, curves=False, bonus=None):
    """Grade, record the grade as progress; (report, path, steps that passed just now).
    ``bonus``: None unlocks the bonus steps once train passes; True grades them anyway."""
    path, progress = target(file)
    report = grade.grade(path, steps=steps, curves=curves, bonus=bonus)
    newly = progress.record(path, report) if progress else []
    return report, path, newly


def _when(stamp):
    return datetime.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")


def list_text(file=None, colour=False):
    """The steps, their points, and the learner's recorded status in each (no grading)."""
    path, progress = target(file)
    track = progress.relative(path) if progress else None
    if track and progress.track(track)["steps"]:
        recorded = progress.track(track)["steps"]
    else:  # nothing recorded yet: grade once (and record it, in a workspace)
        report = grade.grade(path)
        if track:
            progress.record(path, report)
            recorded = progress.track(track)["steps"]
        else:
            recorded = {s.name: {"attempts": int(s.status != "pending"), "best": s.score,
                                 "passed_at": 1 if s.status == "passed" else None}
                        for s in report.steps}
    width = max(len(s.name) for s in curriculum.STEPS)
    lines = [f"nnkata · {path}", "", f"   {'step':<{width}}  points  status"]
    total = 0.0
    for spec in curriculum.STEPS:
        rec = recorded.get(spec.name, {})
        attempts = rec.get("attempts", 0)
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if rec.get("passed_at"):
            status, mark, points = "passed", "passed", spec.points
            when = f" {_when(rec['passed_at'])}" if rec["passed_at"] > 1 else ""
            words = f"passed{when}" + (f", {tries}" if attempts else "")
        elif attempts:
            status, mark, points = "failed", "failed", rec.get("best", 0.0)
            words = f"{tries} so far, best {table.points_text(points)}/{spec.points}"
        else:
            status, mark, points, words = "pending", "pending", 0.0, "not started"
        total += points
        painted = table.paint(MARKS[mark], status, colour)
        lines.append(f" {painted} {spec.name:<{width}}  {table.points_text(points):>2}/{spec.points:<3}"
                     f"  {words}")
    lines += ["", f"{table.points_text(total)}/{curriculum.TOTAL} points (the best recorded for each step)"]
    bonus = [(spec, recorded.get(spec.name)) for spec in curriculum.BONUS if recorded.get(spec.name)]
    if bonus:
        lines += ["", "Bonus (outside the 100):"]
        for spec, rec in bonus:
            state = "passed" if rec.get("passed_at") else f"best {table.points_text(rec.get('best', 0))}"
            lines.append(f"   {spec.name:<{width}}  {table.points_text(spec.points):>2} points  {state}")
    return "\n".join(lines) + "\n"


def hint_text(name, tier=None):
    """The next hint tier for a step (or tier ``tier``), and remember it was shown."""
    spec = curriculum.step(name)
    tiers = spec.hints
    progress = Workspace.here()
    if tier is None:
        tier = progress.next_hint(spec.name) if progress else 1
    if not 1 <= tier <= len(tiers):
        raise HarnessError(f"{spec.name} has hints 1 to {len(tiers)}")
    more = (f"`nnkata hint {spec.name}` again for hint {tier + 1}" if tier < len(tiers)
            else "that was the last hint: `nnkata check " + spec.name + "` lists every check")
    text = tiers[tier - 1]
    if "\n" in text:  # a near-solution: code on lines of its own
        text = "\n" + "\n".join("    " + line for line in text.splitlines())
    return (f"{spec.name}: {spec.signature}\n  {spec.goal}\n\nHint {tier} of {len(tiers)}: "
            f"{text}\n\n({more})\n").replace(": \n", ":\n")


def _function(source, name, what):
    found = functions(source).get(name)
    if not found:
        raise HarnessError(f"{what} has no function {name}")
    return found[0]


def reset(name, file=None):
    """Put the step's stub back in the learner's file; the old file is kept as a backup.
    Returns (the file, the backup)."""
    spec = curriculum.step(name)
    path, progress = target(file)
    if path.resolve() in (paths.exercise_file().resolve(), paths.reference_file().resolve()):
        raise HarnessError(f"{path} is nnkata's own file: reset works on your workspace's file")
    text = path.read_text()
    try:
        mine = _function(text, spec.name, str(path))
    except SyntaxError as exc:
        raise HarnessError(f"{path} does not parse (line {exc.lineno}): fix that first") from None
    stub = _function(paths.exercise_file().read_text(), spec.name, "the stubs")
    stamp = f"{datetime.datetime.now():%Y%m%d-%H%M%S}"
    backup, n = path.with_name(f".{path.name}.{stamp}.bak"), 1
    while backup.exists():  # never overwrite an earlier backup
        n += 1
        backup = path.with_name(f".{path.name}.{stamp}-{n}.bak")
    backup.write_text(text)
    path.write_text(text.replace(mine, stub, 1))
    if progress and progress.relative(path):
        progress.track(progress.relative(path))["steps"].pop(spec.name, None)
        progress.save()
    return path, backup


def solution(name):
    """The reference's code for a step, once the learner has passed that step somewhere."""
    spec = curriculum.step(name)
    progress = Workspace.here()
    if not (progress and progress.passed_anywhere(spec.name)):
        raise Locked(f"the solution to {spec.name} opens once your {spec.name} passes. "
                     f"Stuck? `nnkata hint {spec.name}` gives hints, one tier at a time.")
    code = _function(paths.reference_file().read_text(), spec.name, "the reference")
    return without_markers(code)


class Locked(Exception):
    """Not the harness's failure: the learner asked for what is not open yet."""
