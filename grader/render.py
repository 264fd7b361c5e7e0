"""Views of a ``Report``: the terminal table and the contract's JSON document."""

import json
import os
import sys

from . import registry
from .errors import HarnessError

MARKS = {"passed": "✓", "failed": "✗", "error": "!", "pending": "·", "skipped": "-"}
COLOURS = {"passed": "32", "failed": "31", "error": "35", "pending": "2", "skipped": "2"}


def use_colour(stream):
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _paint(text, status, colour):
    return f"\033[{COLOURS[status]}m{text}\033[0m" if colour else text


def _points(x):
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
        lines[1:1] = [_paint(f"!! {report.isolation['note']}", "error", colour)]
    width = max(len(s.name) for s in report.steps)
    for s in report.steps:
        mark = _paint(MARKS[s.status], s.status, colour)
        score = f"{_points(s.score):>4}/{_points(s.max_score):<3}"
        problem = s.first_problem()
        if problem and s.status != "pending":
            why = _first_line(f"{problem.name}: {problem.message}", 72)
        else:
            why = _first_line(next((c.message for c in s.checks if c.message), ""), 72)
        status = _paint(f"{s.status:<8}", s.status, colour)
        lines.append(f" {mark} {s.name:<{width}}  {score}  {status} {why}".rstrip())
        if detail == s.name:
            for c in s.checks:
                cm = _paint(MARKS.get(c.status, "?"), c.status, colour)
                hidden = " (hidden inputs)" if c.hidden else ""
                lines.append(f"     {cm} {c.name}{hidden}  {_points(c.score)}/{_points(c.max_score)}")
                if c.message:
                    lines.extend(f"         {m}" for m in _wrap(c.message, 84))
    passed = sum(s.status == "passed" for s in report.steps)
    done = int(round(20 * report.score / report.max_score)) if report.max_score else 0
    bar = "█" * done + "░" * (20 - done)
    lines += ["", f"Progress {bar} {passed}/{len(report.steps)} steps passed, "
                  f"{_points(report.score)}/{_points(report.max_score)} points"]
    lines += next_steps(report)
    return "\n".join(lines) + "\n"


def next_steps(report):
    """What to work on next: the first step that has not passed, and why."""
    for s in report.steps:
        if s.status == "passed":
            continue
        problem = s.first_problem()
        lines = ["", f"Next: {s.name}  ({registry.BY_NAME[s.name].signature})"]
        if s.status == "pending":
            lines.append(f"  {s.feedback}. Write it: {registry.BY_NAME[s.name].goal}.")
        else:
            lines.append(f"  {problem.name}:")
            lines.extend(f"    {m}" for m in _wrap(problem.message, 84))
        lines.append(f"  Stuck? `nnkata hint {s.name}`. Every check: `nnkata check {s.name}`.")
        return lines
    return ["", "Every step passes. Well done: the network is yours."]


def _wrap(text, width):
    import textwrap
    out = []
    for paragraph in text.splitlines():
        out.extend(textwrap.wrap(paragraph, width) or [""])
    return out


def to_json(report):
    """Exactly one JSON document: the contract's fields, then ours."""
    try:
        return json.dumps(report.to_dict(), allow_nan=False, ensure_ascii=False)
    except ValueError as exc:
        raise HarnessError(f"the report could not be written as JSON: {exc}") from None


def write(report, fmt, stream=None, **options):
    stream = stream or sys.stdout
    if fmt == "json":
        text = to_json(report) + "\n"
    elif fmt == "table":
        text = table(report, colour=use_colour(stream), **options)
    else:
        raise HarnessError(f"unknown format {fmt!r}: choose table or json")
    stream.write(text)
    stream.flush()
