"""The class's grades as a CSV that Canvas's gradebook import accepts, and the list of names
that did not match.

Canvas's gradebook export (Grades → Export) begins with the columns ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID`` and ``Section``, then one column per assignment headed by
its name and its Canvas id in parentheses (``nnkata (12345)``), then read-only totals; its
second row may be ``    Points Possible`` (and, in some exports, a ``Manual Posting`` row).
Its import (Grades → Import) reads the same layout back: it finds each row's student by
``ID`` (else SIS User ID, else SIS Login ID), each column's assignment by the id in
parentheses (a header without one is offered as a new assignment), and ignores the rows
whose ``Student`` is ``Points Possible``. A cell is the score in points.

Assumptions, stated because Canvas's documentation is not a schema: the five columns are
written in that order whatever the roster had (an ``Integration ID`` column is not carried
over); the points-possible row is not written; an empty cell leaves that student's grade as
it is (a student without a submission keeps an empty cell, never a 0: missing work is the
instructor's to mark, or Canvas's missing-submission policy's); a score is nnkata's points,
clamped and finite, shown as ``grades.csv`` shows them (at most four decimals), so the Canvas
assignment should be worth the same ``max_score`` (100 for the whole kata).

Every field is written as text a spreadsheet will not run (``formats._cell``) and with its
lone surrogates replaced, so any Unicode a roster or a file name holds can be written.
"""

import csv
import io
from dataclasses import dataclass

from grader import text
from grader.views import formats

COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass(frozen=True)
class Student:
    """One roster row: the five columns Canvas's export starts with, as the roster had them."""
    name: str
    id: str
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    line: int = 0  # the roster's line, for messages

    def fields(self):
        return (self.name, self.id, self.sis_user_id, self.sis_login_id, self.section)

    def shown(self):
        """The student on one line, for a terminal or a list: name and Canvas ID."""
        return f"{text.name(self.name)} (ID {text.name(self.id)})"


def _field(value):
    return formats._cell(text.clean(value))


def score_text(report):
    """The cell for a report: the total, as grades.csv shows it."""
    return f"{formats.points(report.score, report.max_score):g}"


def gradebook(students, assignment, scores):
    """The import CSV: the header, then one row per roster student in the roster's order.

    ``scores`` maps a student's ID to the cell's text (``score_text``); a student not in it
    gets an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, _field(assignment)])
    for s in students:
        writer.writerow([*map(_field, s.fields()), scores.get(s.id, "")])
    return buffer.getvalue()


def unmatched_text(rule, unmatched, missing, ambiguous, not_graded):
    """What ``canvas-unmatched.txt`` says: each list under its heading, or that all matched.

    ``unmatched``: submission names; ``missing``: ``Student``s; ``ambiguous`` and
    ``not_graded``: lines already written."""
    parts = [f"Matching rule: {rule}", ""]
    sections = [
        ("Submissions that match no student in the roster (not in canvas.csv)",
         [text.name(n) for n in unmatched]),
        ("Students without a submission (an empty cell in canvas.csv)", [s.shown() for s in missing]),
        ("Ambiguous, never guessed (an empty cell for the students involved)",
         [text.name(a) for a in ambiguous]),
        ("Matched but not graded by the harness (an empty cell; grade them again)",
         [text.name(n) for n in not_graded]),
    ]
    if not any(items for _, items in sections):
        return "\n".join(parts + ["Every submission matched one student, and every student has "
                                  "one graded submission."]) + "\n"
    for title, items in sections:
        if not items:
            continue
        parts.append(f"{title}: {len(items)}")
        parts += [f"  {item}" for item in items]
        parts.append("")
    return "\n".join(parts)
