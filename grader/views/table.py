"""Views of a ``Report``: the terminal table, the contract's JSON document, and (through
``grader/views/formats.py``) every other tool's format. ``FORMATS`` is the list the command
line offers, ``SINGLE_FORMATS`` and ``CLASS_FORMATS`` those for one submission and for a class,
and ``ROSTER_FORMATS`` those of a class through a roster (Canvas).

Beside them, what other views of a grade on a terminal (``nnkata list``, ``nnkata watch``)
show it with: ``paint``, ``points_text``, ``wrap_lines`` and ``use_colour``.
"""

import json
import os
import sys
from pathlib import Path

from grader import text
from grader.errors import HarnessError
from grader.kata import curriculum
from grader.views.marks import MARKS

COLOURS = {"passed": "32", "failed": "31", "error": "35", "pending": "2", "skipped": "2"}


def use_colour(stream):
    """Whether to paint what is written to ``stream``: a terminal, unless NO_COLOR or TERM=dumb."""
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text, status, colour):
    """``text`` in the colour of ``status`` (green for passed, ...) when ``colour``, else as it is."""
    return f"\033[{COLOURS[status]}m{text}\033[0m" if colour else text


def points_text(x):
    """A number of points as shown: 8, 2.5 (one decimal)."""
    return f"{x:g}" if x == int(x) else f"{x:.1f}"


def _first_line(text, width):
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[:width - 1] + "…"


def table(report, *, colour=False, detail=None):
    """The per-step table, the progress line and what to do next.

    ``detail`` names a step whose every check is listed.
    """
    lines = [f"nnkata · {report.submission}", ""]
    if report.isolation and not report.isolation.get("isolated"):
        lines[1:1] = [paint(f"!! {report.isolation['note']}", "error", colour)]
    lines[-1:-1] = [f"note: {note}" for note in getattr(report, "notes", [])]
    bonus = getattr(report, "bonus", [])
    width = max(len(s.name) for s in [*report.steps, *bonus])
    for s in [*report.steps, *bonus]:
        if bonus and s is bonus[0]:
            head = f" Bonus: beyond the article, {points_text(report.bonus_max_score)} points outside the "
            lines += [""] * bool(report.steps) + [head + points_text(curriculum.TOTAL)]
        mark = paint(MARKS[s.status], s.status, colour)
        score = f"{points_text(s.score):>4}/{points_text(s.max_score):<3}"
        problem = s.first_problem()
        if problem and s.status != "pending":
            why = _first_line(f"{problem.name}: {problem.message}", 72)
        else:
            why = _first_line(next((c.message for c in s.checks if c.message), ""), 72)
        status = paint(f"{s.status:<8}", s.status, colour)
        lines.append(f" {mark} {s.name:<{width}}  {score}  {status} {why}".rstrip())
        if detail == s.name:
            for c in s.checks:
                cm = paint(MARKS.get(c.status, "?"), c.status, colour)
                hidden = " (hidden inputs)" if c.hidden else ""
                lines.append(f"     {cm} {c.name}{hidden}  {points_text(c.score)}/{points_text(c.max_score)}")
                if c.message:
                    lines.extend(f"         {m}" for m in wrap_lines(c.message, 84))
    passed = sum(s.status == "passed" for s in report.steps)
    done = int(round(20 * report.score / report.max_score)) if report.max_score else 0
    bar = "█" * done + "░" * (20 - done)
    lines += [""] + ([f"Progress {bar} {passed}/{len(report.steps)} steps passed, "
                      f"{points_text(report.score)}/{points_text(report.max_score)} points"]
                     if report.steps else [])
    if bonus:
        lines.append(f"Bonus    {sum(s.status == 'passed' for s in bonus)}/{len(bonus)} bonus steps "
                     f"passed, {points_text(report.bonus_score)}/{points_text(report.bonus_max_score)} "
                     "bonus points")
        train = next((s for s in report.steps if s.name == "train"), None)
        if train and train.status == "passed" and all(s.status == "pending" for s in bonus):
            lines.append(f"Bonus steps unlocked: {len(bonus)} steps beyond the article, "
                         f"{points_text(report.bonus_max_score)} points outside the "
                         f"{points_text(curriculum.TOTAL)}.")
    lines += next_steps(report)
    return "\n".join(lines) + "\n"


def next_steps(report):
    """What to work on next: the first step that has not passed, and why."""
    for s in [*report.steps, *getattr(report, "bonus", [])]:
        if s.status == "passed":
            continue
        problem = s.first_problem()
        spec = curriculum.step(s.name)
        lines = ["", f"Next: {s.name}  ({spec.signature})"]
        if s.status == "pending":
            lines.append(f"  {s.feedback}. Write it: {spec.goal}.")
        else:
            lines.append(f"  {problem.name}:")
            lines.extend(f"    {m}" for m in wrap_lines(problem.message, 84))
        lines.append(f"  Stuck? `nnkata hint {s.name}`. Every check: `nnkata check {s.name}`.")
        return lines
    return ["", "Every step passes. Well done: the network is yours."]


def wrap_lines(text, width):
    """The lines of ``text`` wrapped to ``width``, its own line breaks and empty lines kept."""
    import textwrap
    out = []
    for paragraph in text.splitlines():
        out.extend(textwrap.wrap(paragraph, width) or [""])
    return out


def to_json(report):
    """Exactly one JSON document: the contract's fields, then ours."""
    return dumps(report.to_dict())


def dumps(data):
    """Strict JSON: a NaN or inf is the harness's error, never written."""
    try:
        return json.dumps(data, allow_nan=False, ensure_ascii=False)
    except ValueError as exc:
        raise HarnessError(f"the report could not be written as JSON: {exc}") from None


SINGLE_FORMATS = ("gradescope", "exercism", "classroom")  # one submission's page on a platform
FORMATS = ("table", "json", "csv", *SINGLE_FORMATS, "junit")
CLASS_FORMATS = ("table", "json", "csv", "junit")  # several submissions in one text
# A class's grades through a roster: not a rendering of reports alone (``views/canvas.py``,
# driven by ``deploy/roster.py``); the command line offers them beside FORMATS.
ROSTER_FORMATS = ("canvas",)


def render(report, fmt, *, colour=False, **options):
    """The report as the text of format ``fmt``."""
    from grader.views import formats
    if fmt == "table":
        return table(report, colour=colour, **options)
    if fmt == "json":
        return to_json(report) + "\n"
    if fmt == "csv":
        return formats.csv_text([(Path(report.submission).stem, report)])
    if fmt == "junit":
        from grader.views import junit
        return junit.junit([report])
    if fmt in SINGLE_FORMATS:
        return dumps(getattr(formats, fmt)(report)) + "\n"
    if fmt in ROSTER_FORMATS:
        raise HarnessError(f"--format {fmt} grades a class through a roster: give the class folder "
                           "and --roster ROSTER.csv")
    raise HarnessError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def class_table(outcomes, *, colour=False):
    """One line per submission: its points and a mark per step, in curriculum order."""
    from grader.views import formats
    names = sorted(outcomes)
    shown = {n: text.name(n) for n in names}  # a name is printed on the instructor's terminal
    width = max([len(n) for n in shown.values()] + [10])
    steps = [s.name for s in curriculum.STEPS]
    lines = [f"{'submission':<{width}}  {'points':>7}  {' '.join(f'{s[:4]:<4}' for s in steps)}"]
    for name in names:
        o = outcomes[name]
        if o.report is None:
            lines.append(f"{shown[name]:<{width}}  {'—':>7}  "
                         + paint(f"not graded: {text.name(o.error)}", "error", colour))
            continue
        by = {s.name: s for s in o.report.steps}
        marks = " ".join(paint(MARKS[by[s].status], by[s].status, colour) + "   " if s in by else "    "
                         for s in steps)  # under each step's four-letter name
        score = f"{formats.points(o.report.score, o.report.max_score):g}/{o.report.max_score:g}"
        lines.append(f"{shown[name]:<{width}}  {score:>7}  {marks}".rstrip())
    graded = [outcomes[n].report for n in names if outcomes[n].report is not None]
    if graded:
        mean = sum(r.score for r in graded) / len(graded)
        lines += ["", f"{len(graded)} graded, mean {mean:.1f} points. Statistics: `nnkata report OUT`."]
    return "\n".join(lines) + "\n"


def render_class(outcomes, fmt, *, colour=False):
    """Several submissions' outcomes (``batch.Outcome`` by name) as one text of format ``fmt``."""
    from grader.views import formats
    graded = [(n, outcomes[n].report) for n in sorted(outcomes) if outcomes[n].report is not None]
    if fmt == "table":
        return class_table(outcomes, colour=colour)
    if fmt == "csv":
        return formats.csv_text(graded)
    if fmt == "junit":
        from grader.views import junit
        return junit.junit([r for _, r in graded])
    if fmt == "json":
        return dumps({"submissions": [{"name": text.name(n), **r.to_dict()} for n, r in graded],
                      "not_graded": [{"name": text.name(n), "error": text.clean(o.error)}
                                     for n, o in sorted(outcomes.items())
                                     if o.report is None]}) + "\n"
    if fmt in ROSTER_FORMATS:
        raise HarnessError(f"--format {fmt} needs --roster ROSTER.csv")
    raise HarnessError(f"--format {fmt} is not a format for several submissions")


def write(report, fmt, stream=None, **options):
    stream = stream or sys.stdout
    stream.write(render(report, fmt, colour=use_colour(stream), **options))
    stream.flush()
    if fmt == "classroom":  # the Actions log: the table, each step's reasons, the Points line
        from grader.views import classroom
        sys.stderr.write(classroom.log_text(report))
