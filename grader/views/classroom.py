"""GitHub Classroom: what its reporter (``classroom-resources/autograding-grading-reporter@v1``)
reads, shaped so that every total it shows is nnkata's score.

The reporter reads one result per runner (``<RUNNER>_RESULTS``, base64 JSON) and shows three
totals made three ways (read from its code at commit d13b5912daf5042ac1b71bc38bdb4a6bcd61d8ca,
tag v1; ``tests/views/test_classroom_reporter.py`` restates them):

- the log's "Total points for R: x/M" and the table's row for R give each runner
  (tests with status ``pass`` / all its tests) x its ``max_score``;
- the table's Total row adds those up, and the maximums;
- the gradebook notice "Points X/Y" adds every test's ``score`` over the runners whose
  ``max_score`` is not 0, in order, with JavaScript's floats.

A runner can therefore only give all or nothing of its ``max_score`` in the log. So nnkata
hands it two runners: ``earned``, worth what the submission earned (to the cent), whose tests
(one per step that earned points, "softmax: 2 of 12 points") all pass, and ``lost``, worth the
rest, whose tests (one per step that lost points, with the reason) all fail. Then the log, the
table and the notice all say nnkata's score, and the steps keep the curriculum's points. Each
test's ``score`` is chosen so that the reporter's left-to-right float sum lands exactly on the
cent (``Points 88.57/100``, never ``88.57000000000001``).

The grade step prints nnkata's own table with every reason (``log_text``): the reporter
prints a failed test's name, never its ``message``. Lines a student's text could start with
``::`` are made inert, so nothing printed in the Actions log is a workflow command.
"""

import base64
import json
import math

from grader.views.formats import LIMITS, clip, points

RUNNERS = ("earned", "lost")  # the reporter reads EARNED_RESULTS and LOST_RESULTS
REASON_LIMIT = 600  # characters of reason shown in a lost step's name in the log
ENV_LIMIT = 128 * 1024  # one environment string (Linux's MAX_ARG_STRLEN): base64 of a result


def inert(message):
    """``message`` with every line that would start a workflow command (``::name::``) defused:
    its first colon becomes a full-width one."""
    lines = []
    for line in message.split("\n"):
        body = line.lstrip()
        if body.startswith("::"):
            line = line[:len(line) - len(body)] + "\uff1a" + body[1:]
        lines.append(line)
    return "\n".join(lines)


def _amount(cents):
    """Cents as the points a person reads: 12, 8.92, 0.5."""
    return f"{cents / 100:.2f}".rstrip("0").rstrip(".")


def cents(report):
    """Each step's earned points in whole cents, adding up to nnkata's score rounded to the
    cent (largest remainders), each within a cent of the step's own score."""
    exact = [points(s.score, s.max_score) * 100 for s in report.steps]
    floors = [math.floor(x + 1e-9) for x in exact]
    extra = round(sum(exact)) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: floors[i] - exact[i])  # largest remainder first
    for i in order[:max(extra, 0)]:
        floors[i] += 1
    return floors


def _exact_scores(earned):
    """Test scores, one per cent amount, whose left-to-right float sum is exactly each running
    total in cents / 100 (so the reporter's notice prints the cent). Each is its amount / 100
    when that already sums exactly, else the float that makes it so (within 1e-12 of it)."""
    scores, total, running = [], 0.0, 0
    for c in earned:
        running += c
        target = running / 100
        score = c / 100 if total + c / 100 == target else target - total
        scores.append(score)
        total += score
    return scores


def _result(status, max_score, tests):
    return {"version": 1, "status": status, "max_score": max_score, "tests": tests}


def _test(name, status, score, filename, **more):
    return {"name": name, "status": status, "score": score, "filename": filename, "line_no": 0,
            **more}


def _reason(step):
    """Why a step lost points, as the log shows it under the step's name."""
    return clip(inert(step.feedback), REASON_LIMIT).replace("\n", "\n    ")


def runners(report, filename="exercises/network.py"):
    """``{"earned": result, "lost": result}``: what each runner hands the reporter."""
    from grader.views.formats import _status, _test_code
    earned_cents = cents(report)
    top = [round(points(s.max_score, s.max_score) * 100) for s in report.steps]
    got = [(s, c, t) for s, c, t in zip(report.steps, earned_cents, top) if c > 0]
    scores = _exact_scores([c for _, c, _ in got])
    tests = [_test(f"{s.name}: {_amount(c)} of {_amount(t)} points", "pass", score, filename,
                   duration=round(float(s.seconds), 3)) for (s, c, t), score in zip(got, scores)]
    tests = tests or [_test("no points earned yet", "fail", 0.0, filename)]
    total = sum(earned_cents)
    earned_max = total / 100
    lost_tests = []
    for s, c, t in zip(report.steps, earned_cents, top):
        if t - c > 0:
            why = f" ({s.status})" if s.status in ("pending", "error") else ""
            lost_tests.append(_test(
                f"{s.name}: {_amount(t - c)} of {_amount(t)} points lost{why}\n    {_reason(s)}",
                "fail", 0.0, filename, message=clip(inert(s.feedback), LIMITS["classroom"]),
                test_code=_test_code(s), duration=round(float(s.seconds), 3)))
    lost_tests = lost_tests or [_test("no points lost", "pass", 0.0, filename)]
    top_score = float(report.max_score)
    lost_max = (sum(top) - total) / 100
    if earned_max + lost_max != top_score:  # the table's Max column must add up to the maximum
        lost_max = top_score - earned_max
    status, message = _status(report)
    lost = _result("pass" if status == "pass" else status, lost_max, lost_tests)
    if message:
        lost["message"] = clip(inert(message), LIMITS["classroom"])
    return {"earned": _result("pass", earned_max, tests), "lost": lost}


def js_number(x):
    """A float as JavaScript's ``String(x)`` writes it (for the totals at hand, |x| < 1e21)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def points_line(report):
    """The notice the reporter posts for the gradebook, from our own runners."""
    doc = runners(report)
    total, top = 0, 0
    for result in doc.values():
        if result["max_score"]:
            top += result["max_score"]
            for t in result["tests"]:
                total += t["score"]
    return f"Points {js_number(total)}/{js_number(top)}"


def log_text(report):
    """What the grade step prints in the Actions log: nnkata's table, every step's reasons
    for the points it lost, then the points the gradebook gets."""
    from grader.views import table
    lines = [table.table(report).rstrip("\n"), ""]
    for s in report.steps:
        if s.status != "passed":
            lines += [f"{s.name}: {points(s.score, s.max_score):g}/{s.max_score:g} points ({s.status})",
                      "    " + s.feedback.replace("\n", "\n    "), ""]
    lines.append(points_line(report))
    return inert("\n".join(lines)) + "\n"


def github_output(doc):
    """``doc`` (runner -> result) as lines for ``$GITHUB_OUTPUT``: ``earned=<base64 JSON>``."""
    out = []
    for runner, result in doc.items():
        data = json.dumps(result, allow_nan=False, ensure_ascii=False).encode("utf-8")
        out.append(f"{runner}={base64.b64encode(data).decode('ascii')}")
    return "\n".join(out) + "\n"
