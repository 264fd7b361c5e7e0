"""What a notebook's grade cell shows for its step: the same text in the student's kernel
and in nbgrader's autograde and feedback."""

from grader.kata import curriculum
from grader.views.marks import MARKS


def feedback(step, report, *, hidden, points=None):
    """(score, text) for one step's report (its JSON form) as its grade cell shows it.

    ``hidden=True``: the grade, every check counted; ``hidden=False``: the public checks scaled
    to the step's points (the released notebook's self-check). ``points``: the cell's, when
    nbgrader's database says otherwise than the curriculum. nbgrader's feedback shows this text
    to students, so a hidden check says which and whether, never its inputs or values."""
    spec = curriculum.BY_NAME[step]
    points = spec.points if points is None else points
    if hidden:
        scale = points / spec.points
        score = float(min(max(report["score"] * scale, 0.0), points))
        lines = [f"{step}: {report['status']}, {score:g} of {points:g} points, hidden checks included"]
    else:
        scale = points / report["max_score"] if report["max_score"] else 0.0
        score = float(min(max(report["score"] * scale, 0.0), points))
        lines = [f"{step}: {report['status']}, public checks {report['score']:g} of "
                 f"{report['max_score']:g} points (worth {score:g} of {points:g} here; hidden "
                 "checks run when it is graded)"]
    for c in report["checks"]:
        mark = MARKS["passed"] if c["status"] == "passed" else MARKS["failed"]
        if c["status"] == "passed" or not c["hidden"]:
            lines.append(f"  {mark} {c['name']}" + (f": {c['message']}" if c["status"] != "passed" else ""))
        else:
            lines.append(f"  {mark} {c['name']}: {c['status']} (the details of hidden checks stay hidden)")
    return round(score, 6), "\n".join(lines)
