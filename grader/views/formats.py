"""The report in the formats other tools read: Gradescope, Exercism, GitHub Classroom, CSV (JUnit:
``junit.py``).

Each is a plain rendering of one ``Report`` (CSV takes several). Scores are clamped
to [0, max], every number is finite, and texts are cut to the platform's limits. The report's
texts are already clean (``result``, ``text``): any Unicode a student wrote can be written.
"""

import csv
import io
import math

from grader import text
from grader.views.marks import MARKS

LIMITS = {  # characters per text field
    "gradescope": 8000,  # no documented cap; long outputs make the results page unreadable
    "exercism": 500,  # the test runner interface caps `output` at 500
    "classroom": 2000,  # shown in the Actions log, one test per line block
    "junit": 8000,
}
HIDDEN_LATER = "they use inputs you cannot see, so the details are shown once grades are published"


def clip(message, limit):
    """``message`` cut to ``limit`` characters, saying how much was left out."""
    message = message or ""
    if len(message) <= limit:
        return message
    note = f"… ({len(message) - limit} more characters cut)"
    return message[:max(limit - len(note), 0)] + note


def points(x, top):
    """A finite score in [0, top], rounded for display in a gradebook."""
    x = float(x)
    if not math.isfinite(x):
        x = 0.0
    return round(min(max(x, 0.0), float(top)), 4)


def _check_line(c, show_message=True):
    mark = MARKS[c.status]
    line = f"{mark} {c.name}  {points(c.score, c.max_score):g}/{c.max_score:g}"
    if c.status != "passed" and show_message and c.message:
        line += "\n    " + c.message.replace("\n", "\n    ")
    return line


def gradescope(report):
    """results.json: one scored test per step, visible at once. What failed on hidden inputs is
    said at once; why (which would show those inputs) is a zero-point test shown after_published."""
    tests = []
    for i, s in enumerate(report.steps, 1):
        hidden = [c for c in s.checks if c.hidden and c.status in ("failed", "error")
                  and not c.message.startswith("not run")]
        if s.status == "pending":
            public = [s.feedback]
        else:
            public = [_check_line(c, c not in hidden) for c in s.checks]
        if hidden:
            public.append(f"(why the hidden-input checks failed: {HIDDEN_LATER})")
        tests.append({"name": s.name, "number": str(i), "score": points(s.score, s.max_score),
                      "max_score": float(s.max_score),
                      "status": "passed" if s.status == "passed" else "failed",
                      "output": clip("\n".join(public), LIMITS["gradescope"]),
                      "output_format": "text", "tags": [s.name], "visibility": "visible"})
        if hidden:
            why = "\n".join(_check_line(c) for c in hidden)
            tests.append({"name": f"{s.name}: feedback on hidden inputs", "number": f"{i}.1",
                          "score": 0.0, "max_score": 0.0, "status": "failed",
                          "output": clip(why, LIMITS["gradescope"]), "output_format": "text",
                          "tags": [s.name], "visibility": "after_published"})
    summary = f"nnkata {report.grader_version}: {points(report.score, report.max_score):g}/" \
              f"{report.max_score:g} points"
    if report.isolation and not report.isolation.get("isolated"):
        summary += f"\n{report.isolation.get('note', '')}"
    return {"score": points(report.score, report.max_score),
            "execution_time": round(float(report.seconds), 3),
            "output": summary, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def _status(report, passed="pass", failed="fail"):
    """pass, fail, or error when nothing could run at all (a syntax error, no file)."""
    states = [s.status for s in report.steps]
    if all(s == "passed" for s in states):
        return passed, ""
    if all(s == "error" for s in states):
        first = report.steps[0].first_problem()
        return "error", first.message if first else "the submission could not be graded"
    return failed, ""


def _step_status(s):
    return {"passed": "pass", "error": "error"}.get(s.status, "fail")


def _test_code(step):
    from grader.kata import curriculum
    spec = curriculum.BY_NAME[step.name]
    checks = ", ".join(c.name for c in step.checks)
    return f"{spec.signature}: {spec.goal}. Checks: {checks}."


def exercism(report):
    """Exercism's test-runner interface, version 3: one test per step, task_id its index."""
    status, message = _status(report)
    out = {"version": 3, "status": status}
    if message:
        out["message"] = message
    out["tests"] = [{"name": s.name, "status": _step_status(s),
                     "message": None if s.status == "passed" else s.feedback,
                     "output": None, "test_code": _test_code(s), "task_id": i}
                    for i, s in enumerate(report.steps, 1)]
    return out


def quarter(x, top):
    """A score rounded down to a quarter point: sums of quarters are exact in binary, so the
    reporter's own JavaScript sum prints the same total as we do (never 0.30000000000000004)."""
    return math.floor(points(x, top) * 4 + 1e-9) / 4


def classroom(report, filename="exercises/network.py"):
    """What a GitHub Classroom runner hands to autograding-grading-reporter: per-test score."""
    status, message = _status(report)
    tests = [{"name": s.name, "status": _step_status(s),
              "message": "" if s.status == "passed" else clip(s.feedback, LIMITS["classroom"]),
              "test_code": _test_code(s), "filename": filename, "line_no": 0,
              "duration": round(float(s.seconds), 3), "score": quarter(s.score, s.max_score)}
             for s in report.steps]
    out = {"version": 1, "status": status, "max_score": float(report.max_score), "tests": tests}
    return {**out, "message": message} if message else out


def classroom_points(report):
    """The line GitHub Classroom shows a grade with: the same sum the reporter makes."""
    total = sum(quarter(s.score, s.max_score) for s in report.steps)
    return f"Points {total:g}/{report.max_score:g}"


def csv_header():
    from grader.kata import curriculum
    return ["submission", "score", "max_score", *(s.name for s in curriculum.STEPS)]


def _cell(name):
    """A name a spreadsheet will not run as a formula (=, +, -, @ start one)."""
    return "'" + name if name[:1] in ("=", "+", "-", "@", "\t", "\r") else name


def csv_row(name, report):
    """One gradebook row: the name, the total, the maximum, then each step's score."""
    by_step = {s.name: points(s.score, s.max_score) for s in report.steps}
    return [_cell(text.name(name)), f"{points(report.score, report.max_score):g}", f"{report.max_score:g}",
            *(f"{by_step[h]:g}" if h in by_step else "" for h in csv_header()[3:])]


def csv_text(rows):
    """``rows`` of (name, report) as CSV text with the contract's columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_header())
    for name, report in rows:
        writer.writerow(csv_row(name, report))
    return buffer.getvalue()
