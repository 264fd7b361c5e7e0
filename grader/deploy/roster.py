"""Canvas: a class's grades for Canvas's gradebook import, through the instructor's roster.

The roster is Canvas's own gradebook export (Grades → Export → CSV), or any CSV with its
columns: ``Student`` and ``ID`` are required, ``SIS User ID``, ``SIS Login ID`` and
``Section`` are kept when present; the other columns are assignments (``NAME (ID)``) and
Canvas's totals, and rows that are not students (``    Points Possible``, an empty
``Manual Posting`` row) are recognised and skipped. It must be a regular UTF-8 file (a BOM is
fine); a symbolic link, a missing or malformed file is a ``HarnessError`` that says what to do.

**The matching rule.** A submission's name (its file or folder name without extension, the
row name of ``grades.csv``) belongs to the student whose **SIS Login ID, SIS User ID or Canvas
ID** equals it, ignoring case and surrounding spaces (Unicode NFC). Nothing else is tried: no
display names, no prefixes. A name that matches no student is listed as unmatched; a name that
matches two students, or two names that match one student, are ambiguous and listed, and the
students involved keep an empty cell: a grade is never guessed. Students without a submission
keep an empty cell (not a 0) and are listed too.

``Canvas.write`` derives ``canvas.csv`` and ``canvas-unmatched.txt`` from a batch's outcomes
(its reports), each written whole and only when it changed; it runs at the end of every run,
so a resumed batch rewrites them from every report, kept or new.
"""

import csv
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from grader import atomic, files, text
from grader.errors import HarnessError
from grader.views import canvas
from grader.views.canvas import Student

CSV_FILE = "canvas.csv"
UNMATCHED_FILE = "canvas-unmatched.txt"
MAX_ROSTER = 32 * 2**20  # bytes: a roster of 100,000 students with every assignment is smaller
MAX_STUDENTS = 100_000
REQUIRED = ("Student", "ID")
KEYS = ("SIS Login ID", "SIS User ID", "ID")  # what a submission's name may equal, in the rule
RULE = ("a submission's name (file or folder name without extension) equals the student's SIS "
        "Login ID, SIS User ID or Canvas ID, ignoring case")
NOT_STUDENTS = {"points possible", "manual posting", ""}  # Student of Canvas's own extra rows
ASSIGNMENT = re.compile(r"^(.*?)\s*\((\d+)\)$")  # Canvas's header for an assignment: NAME (ID)
SHOWN = 10  # assignment columns named in an error


def key(value):
    """A name or an identifier as the rule compares them."""
    return unicodedata.normalize("NFC", value.strip()).casefold()


@dataclass
class Roster:
    path: Path
    students: list  # of Student, in the roster's order
    assignments: list  # the header cells that are Canvas assignments (NAME (ID))
    points: dict  # assignment header -> its Points Possible cell, when the roster has that row


def _refuse(shown, why):
    raise HarnessError(f"the roster {shown} {why}")


def _read_text(path):
    shown = text.name(str(path))
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise HarnessError(f"no such roster: {shown} (export the gradebook from Canvas: "
                           "Grades → Export → Export Entire Gradebook)") from None
    except OSError as exc:
        _refuse(shown, f"could not be read ({exc.strerror or type(exc).__name__})")
    if stat.S_ISLNK(mode):
        _refuse(shown, "is a symbolic link: give the file itself")
    if not stat.S_ISREG(mode):
        _refuse(shown, "is not a regular file")
    try:
        data = files.read_bytes(path, limit=MAX_ROSTER)
    except files.Unreadable:
        _refuse(shown, f"is larger than {MAX_ROSTER // 2**20} MiB or not a regular file")
    except OSError as exc:
        _refuse(shown, f"could not be read ({exc.strerror or type(exc).__name__})")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        _refuse(shown, f"is not UTF-8 (line {line}): save it as CSV UTF-8")


def read(path):
    """The ``Roster`` in the CSV file at ``path``, or a HarnessError that says what is wrong."""
    path = Path(path)
    shown = text.name(str(path))
    content = _read_text(path)
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        rows = []
        for row in reader:
            rows.append((reader.line_num, row))
            if len(rows) > MAX_STUDENTS + 10:
                _refuse(shown, f"holds more than {MAX_STUDENTS:,} rows")
    except csv.Error as exc:
        _refuse(shown, f"is not a valid CSV file (line {reader.line_num}: {exc})")
    if not rows:
        _refuse(shown, "is empty: export the gradebook from Canvas (Grades → Export)")
    header = [cell.replace("\ufeff", "").strip() for cell in rows[0][1]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        _refuse(shown, f"has no {' or '.join(repr(c) for c in missing)} column (its header is "
                f"{', '.join(text.name(h) for h in header[:8]) or 'empty'}): give Canvas's gradebook "
                f"export, or a CSV whose header has {', '.join(canvas.COLUMNS)}")
    for column in canvas.COLUMNS:
        if header.count(column) > 1:
            _refuse(shown, f"has two {column!r} columns")
    where = {c: header.index(c) for c in canvas.COLUMNS if c in header}
    assignments = [h for h in header if h not in canvas.COLUMNS and ASSIGNMENT.match(h)]
    students, points, seen = [], {}, {}
    for line, row in rows[1:]:
        if len(row) > len(header):
            _refuse(shown, f"has more fields on line {line} than its header has columns")
        row = row + [""] * (len(header) - len(row))
        get = {c: row[i] for c, i in where.items()}
        if not any(cell.strip() for cell in row):
            continue
        if not get["ID"].strip():
            if get["Student"].strip().casefold() in NOT_STUDENTS:  # Canvas's Points Possible row
                if get["Student"].strip().casefold() == "points possible":
                    points = {h: row[header.index(h)].strip() for h in assignments}
                continue
            _refuse(shown, f"has a student with no ID on line {line} "
                    f"({text.name(get['Student'])}): every row needs Canvas's ID")
        ident = get["ID"].strip()
        if key(ident) in seen:
            _refuse(shown, f"lists ID {text.name(ident)} twice (lines {seen[key(ident)]} and {line})")
        seen[key(ident)] = line
        students.append(Student(get["Student"], ident, get.get("SIS User ID", ""),
                                get.get("SIS Login ID", ""), get.get("Section", ""), line))
    if not students:
        _refuse(shown, "lists no students")
    return Roster(path, students, assignments, points)


def assignment_column(roster, asked=None):
    """(the assignment column's header, a note or ''): the one asked for (``NAME (ID)`` as it
    is, or the roster's column of that name), else the roster's only assignment column."""
    shown = text.name(str(roster.path))
    if asked is not None:
        asked = asked.strip()
        if not asked or text.name(asked) != asked:
            raise HarnessError("--assignment must be one line of text: the assignment's name and its "
                               "Canvas id in parentheses, e.g. \"nnkata (12345)\"")
        if asked in roster.assignments:
            return asked, ""
        named = [h for h in roster.assignments if key(ASSIGNMENT.match(h)[1]) == key(asked)]
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            raise HarnessError(f"--assignment {asked!r} names {len(named)} columns of the roster "
                               f"({', '.join(named[:SHOWN])}): give the one with its id")
        return asked, (f"{asked!r} is not a column of {shown}: Canvas will match it by the id in "
                       "parentheses, or offer to create a new assignment if it has none")
    if len(roster.assignments) == 1:
        return roster.assignments[0], ""
    if not roster.assignments:
        raise HarnessError(f"the roster {shown} has no assignment column: give --assignment "
                           "\"NAME (ID)\" (the id is the number in the assignment's Canvas address)")
    listed = ", ".join(text.name(h) for h in roster.assignments[:SHOWN])
    more = f" and {len(roster.assignments) - SHOWN} more" if len(roster.assignments) > SHOWN else ""
    raise HarnessError(f"the roster {shown} has {len(roster.assignments)} assignment columns "
                       f"({listed}{more}): choose one with --assignment \"NAME (ID)\"")


@dataclass
class Matching:
    """How a class's submission names met the roster's students."""
    by_student: dict = field(default_factory=dict)  # student ID -> the one submission name
    unmatched: list = field(default_factory=list)  # names with no student
    missing: list = field(default_factory=list)  # Students with no submission
    ambiguous: list = field(default_factory=list)  # one line per ambiguity, said in full


def match(names, students):
    """The rule (``RULE``) applied to every name: ``Matching``, nothing guessed."""
    index = {}
    for s in students:
        for value in {key(v) for v in (s.sis_login_id, s.sis_user_id, s.id) if v.strip()}:
            index.setdefault(value, []).append(s)
    result, claims, tangled = Matching(), {}, set()
    for name in sorted(names):
        hits = index.get(key(name), [])
        if not hits:
            result.unmatched.append(name)
        elif len(hits) > 1:
            result.ambiguous.append(f"{text.name(name)} matches {len(hits)} students: "
                                    + ", ".join(s.shown() for s in hits))
            tangled.update(s.id for s in hits)
        else:
            claims.setdefault(hits[0].id, []).append(name)
    for s in students:
        mine = claims.get(s.id, [])
        if len(mine) > 1:
            result.ambiguous.append(f"{s.shown()} has {len(mine)} submissions: "
                                    + ", ".join(text.name(n) for n in mine))
        elif mine and s.id not in tangled:
            result.by_student[s.id] = mine[0]
        elif not mine and s.id not in tangled:
            result.missing.append(s)
    return result


@dataclass
class Summary:
    """What one ``Canvas.write`` did, to be said on the terminal."""
    csv_path: Path
    unmatched_path: Path
    matched: int
    students: int
    matching: Matching
    not_graded: list
    notes: list

    def lines(self, saved=True):
        """The summary for stderr: counts and the names (the first few of each list when the
        files were saved, where every name is; all of them when they were not)."""
        m = self.matching
        where = self.csv_path if saved else "the CSV on stdout"
        lines = [f"canvas: {self.matched} of {self.students} students have a score in {where} "
                 f"(rule: {RULE})"]
        shown = SHOWN if saved else None
        for title, items in (("submissions matching no student", [text.name(n) for n in m.unmatched]),
                             ("students without a submission", [s.shown() for s in m.missing]),
                             ("ambiguous, not guessed", m.ambiguous),
                             ("matched but not graded", [text.name(n) for n in self.not_graded])):
            if items:
                more = f" and {len(items) - shown} more" if shown and len(items) > shown else ""
                lines.append(f"canvas: {title} ({len(items)}): {', '.join(items[:shown])}{more}")
        if saved and (m.unmatched or m.missing or m.ambiguous or self.not_graded):
            lines.append(f"canvas: every name is listed in {self.unmatched_path}")
        return lines + [f"canvas: note: {n}" for n in self.notes]


class Canvas:
    """A roster and an assignment column, read and checked before anything is graded."""

    def __init__(self, roster_path, assignment=None):
        self.roster = read(roster_path)
        self.assignment, note = assignment_column(self.roster, assignment)
        self.notes = [note] if note else []
        self.text = ""  # canvas.csv's text, once written

    def render(self, outcomes):
        """(canvas.csv's text, canvas-unmatched.txt's text, the matching, the names not graded,
        notes) for ``outcomes`` (``batch.Outcome`` by name)."""
        matching = match(list(outcomes), self.roster.students)
        scores, not_graded, maxima = {}, [], set()
        for ident, name in matching.by_student.items():
            report = outcomes[name].report
            if report is None:
                not_graded.append(name)
            else:
                scores[ident] = canvas.score_text(report)
                maxima.add(float(report.max_score))
        notes = list(self.notes)
        possible = self.roster.points.get(self.assignment, "")
        try:
            worth = float(possible) if possible else None
        except ValueError:
            worth = None
        if worth is not None and maxima and maxima != {worth}:
            tops = ", ".join(f"{m:g}" for m in sorted(maxima))
            notes.append(f"{self.assignment} is worth {worth:g} points in Canvas, and nnkata's scores "
                         f"are out of {tops}: Canvas takes the cells as points, so set the "
                         "assignment's points to match")
        csv_text = canvas.gradebook(self.roster.students, self.assignment, scores)
        listing = canvas.unmatched_text(RULE, matching.unmatched, matching.missing,
                                        matching.ambiguous, sorted(not_graded))
        return csv_text, listing, matching, sorted(not_graded), notes

    def write(self, out, outcomes):
        """Write ``OUT/canvas.csv`` and ``OUT/canvas-unmatched.txt`` (whole, and only when they
        change) from ``outcomes``; the ``Summary`` to print."""
        out = Path(out)
        csv_text, listing, matching, not_graded, notes = self.render(outcomes)
        for name, content in ((CSV_FILE, csv_text), (UNMATCHED_FILE, listing)):
            path = out / name
            try:
                same = stat.S_ISREG(os.lstat(path).st_mode) and path.read_text(encoding="utf-8") == content
            except (OSError, ValueError):
                same = False
            if not same:
                atomic.write_text(path, content)
        self.text = csv_text
        return Summary(out / CSV_FILE, out / UNMATCHED_FILE, len(matching.by_student) - len(not_graded),
                       len(self.roster.students), matching, not_graded, notes)
