"""Canvas: a class's grades as Canvas's gradebook import CSV, matched through the roster.

The CSV is read back with Python's csv module as Canvas's importer reads it: the header
exact, one row per roster student in the roster's order, every score a number or empty."""

import csv
import io
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from conftest import REFERENCE
from grader import paths
from grader.deploy import roster
from grader.errors import HarnessError

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
EXPORT = ("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,nnkata (12345),Quiz 1 (777),Current Score\n"
          "    Points Possible,,,,,100.00,10.00,(read only)\n"
          '"Lovelace, Ada",101,S1001,ada@uni.edu,Maths 1,,,\n'
          "Bea Lee,102,S1002,bea@uni.edu,Maths 1,,,\n"
          '"=HYPERLINK(""http://x"")",103,S1003,+cal,"Sec ""A"", 2\nrow two",,,\n'
          "Dan \U0001f600 Ünï,104,S1004,dan@uni.edu,Maths 2,,,\n"
          "\"Student, Test\",105,,,Maths 1,,,\n")


def write_roster(tmp_path, content=EXPORT, name="roster.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    return path


def outcome(score, top=100.0):
    return SimpleNamespace(report=None if score is None else SimpleNamespace(score=score, max_score=top))


def read_back(text):
    """The CSV as Canvas's importer would read it: rows of dicts, the header checked."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


# -- reading the roster ------------------------------------------------------------------------
def test_canvas_s_own_export_is_read_with_its_bom_points_row_and_assignment_columns(tmp_path):
    r = roster.read(write_roster(tmp_path))
    assert [s.id for s in r.students] == ["101", "102", "103", "104", "105"]
    assert r.students[0].name == "Lovelace, Ada" and r.students[2].section == 'Sec "A", 2\nrow two'
    assert r.assignments == ["nnkata (12345)", "Quiz 1 (777)"]  # Current Score is not one
    assert r.points["nnkata (12345)"] == "100.00"
    with pytest.raises(HarnessError, match=r"2 assignment columns \(nnkata \(12345\), Quiz 1"):
        roster.assignment_column(r)  # two: never guessed
    assert roster.assignment_column(r, "nnkata (12345)") == ("nnkata (12345)", "")
    assert roster.assignment_column(r, " NNKATA ") == ("nnkata (12345)", "")  # by its name
    column, note = roster.assignment_column(r, "Kata (999)")
    assert column == "Kata (999)" and "not a column" in note
    with pytest.raises(HarnessError, match="one line"):
        roster.assignment_column(r, "a\nb")


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\xef\xbb\xbf", "is empty"),
    (b"Name,Login\nada,ada\n", "has no 'Student' or 'ID' column"),
    (b"Student,SIS Login ID\nada,ada\n", "has no 'ID' column"),
    (b"Student,ID,ID\nada,1,1\n", "has two 'ID' columns"),
    (b"Student,ID\n    Points Possible,\n", "lists no students"),
    (b"Student,ID\nada,\n", "has a student with no ID on line 2"),
    (b"Student,ID\nada,1\nbea,1\n", "lists ID 1 twice"),
    (b"Student,ID\nada,1,extra\n", "more fields on line 2"),
    (b'Student,ID\n"ada,1\n', "is not a valid CSV file"),
    (b"Student,ID\nb\xe9a,1\n", r"is not UTF-8 \(line 2\)"),
])
def test_a_malformed_roster_is_a_clear_harness_error(tmp_path, content, message):
    with pytest.raises(HarnessError, match=message):
        roster.read(write_roster(tmp_path, content))


def test_a_roster_that_is_missing_a_link_or_a_folder_is_refused(tmp_path):
    with pytest.raises(HarnessError, match="no such roster"):
        roster.read(tmp_path / "gone.csv")
    real = write_roster(tmp_path)
    (tmp_path / "link.csv").symlink_to(real)
    with pytest.raises(HarnessError, match="is a symbolic link"):
        roster.read(tmp_path / "link.csv")
    with pytest.raises(HarnessError, match="not a regular file"):
        roster.read(tmp_path)


# -- matching ----------------------------------------------------------------------------------
def test_names_match_a_login_a_sis_id_or_a_canvas_id_and_nothing_is_guessed(tmp_path):
    students = roster.read(write_roster(tmp_path)).students
    m = roster.match(["ADA@uni.edu", "S1002", "bea@uni.edu", "104", "stranger", "Lovelace, Ada"],
                     students)
    assert m.by_student == {"101": "ADA@uni.edu", "104": "104"}
    assert m.unmatched == ["Lovelace, Ada", "stranger"]  # a display name is not a key
    assert [s.id for s in m.missing] == ["103", "105"]
    assert m.ambiguous == ["Bea Lee (ID 102) has 2 submissions: S1002, bea@uni.edu"]


def test_a_name_that_is_two_students_keys_is_ambiguous_for_both():
    from grader.views.canvas import Student
    students = [Student("Ada", "1", sis_login_id="x7"), Student("Bea", "2", sis_user_id="X7"),
                Student("Cal", "3")]
    m = roster.match(["x7"], students)
    assert m.by_student == {} and m.unmatched == [] and [s.id for s in m.missing] == ["3"]
    assert m.ambiguous == ["x7 matches 2 students: Ada (ID 1), Bea (ID 2)"]


# -- the CSV -----------------------------------------------------------------------------------
def test_the_csv_reads_back_as_canvas_reads_it(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = roster.Canvas(write_roster(tmp_path), "nnkata (12345)")
    outcomes = {"ada@uni.edu": outcome(97.123456), "S1003": outcome(float("nan")),
                "104": outcome(250.0), "stranger": outcome(50.0), "S1002": outcome(None)}
    summary = target.write(out, outcomes)
    header, rows = read_back((out / "canvas.csv").read_text(encoding="utf-8"))
    assert header == HEADER + ["nnkata (12345)"]
    assert [r["ID"] for r in rows] == ["101", "102", "103", "104", "105"]  # every student, in order
    scores = {r["ID"]: r["nnkata (12345)"] for r in rows}
    assert scores == {"101": "97.1235", "102": "", "103": "0", "104": "100", "105": ""}
    for r in rows:  # parseable, finite, in range, or empty
        assert r["nnkata (12345)"] == "" or 0 <= float(r["nnkata (12345)"]) <= 100
    # Hostile fields: written whole, a formula neutralised, the newline and quotes kept.
    hyper = rows[2]
    assert hyper["Student"] == "'=HYPERLINK(\"http://x\")" and hyper["SIS Login ID"] == "'+cal"
    assert hyper["Section"] == 'Sec "A", 2\nrow two'
    assert rows[3]["Student"] == "Dan \U0001f600 Ünï" and rows[0]["Student"] == "Lovelace, Ada"
    listing = (out / "canvas-unmatched.txt").read_text(encoding="utf-8")
    assert "match no student in the roster (not in canvas.csv): 1\n  stranger" in listing
    assert "Students without a submission (an empty cell in canvas.csv): 1\n  Student, Test (ID 105)" in listing
    assert "not graded by the harness (an empty cell; grade them again): 1\n  S1002" in listing
    lines = "\n".join(summary.lines())
    assert "3 of 5 students have a score" in lines and "stranger" in lines
    assert "Student, Test (ID 105)" in lines and "canvas-unmatched.txt" in lines


def test_hostile_submission_names_are_listed_escaped_and_never_break_the_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = roster.Canvas(write_roster(tmp_path), "nnkata")
    names = ["=cmd|' /C calc'!A0", "a,b\"c", "line\\nbreak", "lone\\udc80", "\u202eevil", "-2+3"]
    target.write(out, {n: outcome(10.0) for n in names})
    listing = (out / "canvas-unmatched.txt").read_text(encoding="utf-8")
    for n in names:
        assert n in listing or n.replace("\u202e", "\\u202e") in listing
    assert "\u202e" not in listing
    _, rows = read_back((out / "canvas.csv").read_text(encoding="utf-8"))
    assert all(r["nnkata (12345)"] == "" for r in rows)  # nobody matched, nobody scored


def test_lone_surrogates_in_roster_fields_are_written_replaced():
    from grader.views import canvas
    text = canvas.gradebook([canvas.Student("Ada\ud800", "1", section="=1+1")], "nnkata (1)", {"1": "5"})
    text.encode("utf-8")  # would raise on a lone surrogate
    _, rows = read_back(text)
    assert rows == [{"Student": "Ada\ufffd", "ID": "1", "SIS User ID": "", "SIS Login ID": "",
                     "Section": "'=1+1", "nnkata (1)": "5"}]


def test_a_points_possible_other_than_the_score_s_maximum_is_noted(tmp_path):
    target = roster.Canvas(write_roster(tmp_path), "Quiz 1 (777)")
    (tmp_path / "out").mkdir()
    summary = target.write(tmp_path / "out", {"101": outcome(8.0, 10.0), "102": outcome(50.0)})
    assert any("worth 10 points in Canvas" in n and "out of 10, 100" in n for n in summary.notes)


# -- the command line --------------------------------------------------------------------------
def nnkata(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_grade_writes_canvas_csv_beside_the_reports_and_a_rerun_changes_nothing(tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada@uni.edu.py")
    shutil.copy(paths.exercise_file(), folder / "S1002.py")
    shutil.copy(REFERENCE, folder / "-stranger.py")
    path = write_roster(tmp_path)
    run = nnkata("grade", str(folder), "--out", str(out), "--format", "canvas", "--roster", str(path),
                 "--assignment", "nnkata (12345)", "--step", "sigmoid")
    assert run.returncode == 0, run.stderr
    header, rows = read_back(run.stdout)
    assert header == HEADER + ["nnkata (12345)"]
    assert [r["nnkata (12345)"] for r in rows] == ["8", "0", "", "", ""]
    assert run.stdout == (out / "canvas.csv").read_text(encoding="utf-8")
    assert "canvas: 2 of 5 students have a score" in run.stderr
    assert "submissions matching no student (1): -stranger" in run.stderr
    assert "canvas-unmatched.txt" in run.stderr
    with open(out / "grades.csv") as f:  # the gradebook of record is as before
        assert [r["submission"] for r in csv.DictReader(f)] == ["'-stranger", "S1002", "ada@uni.edu"]
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir() if p.is_file()}
    again = nnkata("grade", str(folder), "--out", str(out), "--roster", str(path),
                   "--assignment", "nnkata", "--step", "sigmoid")
    assert again.returncode == 0 and "3 of 3 already graded" in again.stderr, again.stderr
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir() if p.is_file()}
    assert after == before
    (out / "canvas.csv").unlink()  # derived from the reports: a resume writes it again
    nnkata("grade", str(folder), "--out", str(out), "--roster", str(path), "--assignment", "nnkata",
           "--step", "sigmoid")
    assert (out / "canvas.csv").read_bytes() == before["canvas.csv"][1]


@pytest.mark.parametrize("extra, message", [
    (["--format", "canvas"], "--format canvas needs --roster"),
    (["--assignment", "x (1)"], "--assignment names a column of --roster"),
    (["--roster", "R"], "--roster writes OUT/canvas.csv: give --out"),
])
def test_usage_errors_are_said_before_anything_is_graded(tmp_path, extra, message):
    (tmp_path / "class").mkdir()
    extra = [str(write_roster(tmp_path)) if a == "R" else a for a in extra]
    run = nnkata("grade", str(tmp_path / "class"), *extra)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_canvas_needs_a_class_folder_and_a_good_roster(tmp_path):
    path = write_roster(tmp_path)
    run = nnkata("grade", str(REFERENCE), "--format", "canvas", "--roster", str(path))
    assert run.returncode == 2 and "give the class folder" in run.stderr
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.py")
    run = nnkata("grade", str(folder), "--format", "canvas", "--roster", str(path))
    assert run.returncode == 2 and "2 assignment columns" in run.stderr and "Traceback" not in run.stderr
    (tmp_path / "link.csv").symlink_to(path)
    run = nnkata("grade", str(folder), "--format", "canvas", "--roster", str(tmp_path / "link.csv"))
    assert run.returncode == 2 and "is a symbolic link" in run.stderr
    bad = write_roster(tmp_path, b"\xef\xbb\xbfStudent\n", "bad.csv")
    run = nnkata("grade", str(folder), "--format", "canvas", "--roster", str(bad))
    assert run.returncode == 2 and "has no 'ID' column" in run.stderr and "Traceback" not in run.stderr
    assert not os.path.exists(folder / "ada.json")
