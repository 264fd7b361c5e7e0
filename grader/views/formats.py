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
    "classroom": 1000,  # each lost step's message: ten of them, base64, fit one environment string
    "junit": 8000,
}
HIDDEN_WHY = "on inputs you cannot see: whether it passed is shown, its inputs and values never are"


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
    if c.status != "passed" and c.message:
        line += "\n    " + (c.message if show_message else HIDDEN_WHY).replace("\n", "\n    ")
    return line


def _withheld(s):
    """A step's checks on hidden inputs whose message would show them: failed ones that ran."""
    return [c for c in s.checks if c.hidden and c.status in ("failed", "error")
            and not c.message.startswith("not run")]


def gradescope(report):
    """results.json: one scored test per step, every one visible, so the student sees the total
    at once (Gradescope hides it while any test is hidden). A check on hidden inputs says
    whether it passed, inside its step's test; why it failed would show those inputs, so it goes
    to the staff only (``staff_notes``, printed where run_autograder's stdout is staff-only)."""
    tests = []
    for i, s in enumerate(report.steps, 1):
        withheld = _withheld(s)
        lines = [s.feedback] if s.status == "pending" else [_check_line(c, c not in withheld) for c in s.checks]
        tests.append({"name": s.name, "number": str(i), "score": points(s.score, s.max_score),
                      "max_score": float(s.max_score),
                      "status": "passed" if s.status == "passed" else "failed",
                      "output": clip("\n".join(lines), LIMITS["gradescope"]),
                      "output_format": "text", "tags": [s.name], "visibility": "visible"})
    summary = f"nnkata {report.grader_version}: {points(report.score, report.max_score):g}/" \
              f"{report.max_score:g} points"
    if report.isolation and not report.isolation.get("isolated"):
        summary += f"\n{report.isolation.get('note', '')}"
    return {"score": points(report.score, report.max_score),
            "execution_time": round(float(report.seconds), 3),
            "output": summary, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def staff_notes(report):
    """Why each check on hidden inputs failed, for the course staff alone, or ''."""
    return "\n".join(f"{s.name}: {_check_line(c)}" for s in report.steps for c in _withheld(s))


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
    """The call a step checks, as code: ``softmax(z)`` against the reference's, check by check."""
    from grader.kata import curriculum
    spec = curriculum.step(step.name)
    call, _, returns = spec.signature.partition(" -> ")
    call = call.replace("*, ", "")
    names = returns.strip("()")
    target = names if all(n.strip().isidentifier() for n in names.split(",")) and names not in (
        "ndarray", "float") else "result"
    checks = "\n".join(f"# {c.name}" for c in step.checks)
    return f"{target} = {call}\n{checks}"


OUTPUT_CAP = 500  # Exercism's Python runner: what was printed, stripped, cut to 500 with its note
OUTPUT_CUT = " [Output was truncated. Please limit to 500 chars]"


def exercism_output(printed):
    """``printed`` as Exercism's Python runner shows a test's output, or None when empty."""
    printed = (printed or "").strip()
    if len(printed) > OUTPUT_CAP:
        printed = printed[:OUTPUT_CAP - len(OUTPUT_CUT)] + OUTPUT_CUT
    return printed or None


def exercism(report):
    """Exercism's test-runner interface, version 3: one test per step, with what the student's
    code printed while it was graded. No task_id: nnkata ships no instructions.md with tasks."""
    status, message = _status(report)
    out = {"version": 3, "status": status}
    if message:
        out["message"] = message
    out["tests"] = [{"name": s.name, "status": _step_status(s),
                     "message": None if s.status == "passed" else s.feedback,
                     "output": exercism_output(s.printed), "test_code": _test_code(s)}
                    for s in report.steps]
    return out


def classroom(report, filename="exercises/network.py"):
    """What GitHub Classroom's reporter reads, by runner: see ``grader.views.classroom``."""
    from grader.views import classroom as gh
    return gh.runners(report, filename)


def classroom_points(report):
    """The line GitHub Classroom's gradebook gets: ``Points X/Y``, X nnkata's score to the cent."""
    from grader.views import classroom as gh
    return gh.points_line(report)


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
