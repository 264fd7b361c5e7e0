"""Submissions are read, never followed; walks are bounded; names are never options; every text a
submission controls reaches the instructor clean. Real links, a real FIFO, a real folder 1,500
deep, in a real class graded by the real command line."""

import copy
import csv
import hashlib
import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from conftest import REFERENCE, full
from grader import files, grade, paths
from grader.deploy import keys, submissions
from grader.kata import curriculum, notebook

MARKER = "SECRETMARKER7d1f"  # in a file no submission may show
SYMLINK = "is a symbolic link: submit the"
DEEP = 1_500
HOSTILE_NAME = "hos\x1b[2J\nile"
HOSTILE_CODE = REFERENCE.read_text().replace(
    "def sigmoid(z):", 'def sigmoid(z):\n    raise ValueError("bad\\ud800\\x1b[2J\\nnext line\\x00end")\n', 1)


def nnkata(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, cwd=cwd,
                          timeout=timeout)


# -- deep folders, made and removed without recursion and without long paths -------------------
def make_deep(parent, name, depth, leaf=None):
    """parent/name/d/d/.../d, ``depth`` folders in all, each made relative to its parent's fd;
    ``leaf`` (bytes) is written as network.py at the bottom."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    fd = os.open(parent, flags)
    try:
        for i in range(depth):
            child = name if i == 0 else "d"
            os.mkdir(child, dir_fd=fd)
            inner = os.open(child, flags, dir_fd=fd)
            os.close(fd)
            fd = inner
        if leaf is not None:
            out = os.open("network.py", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
            os.write(out, leaf)
            os.close(out)
    finally:
        os.close(fd)


def remove_tree(path):
    """Remove a folder of any depth: one fd open at a time, the way back up by '..'."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    fd, names = os.open(path, flags), []
    while True:
        below = None
        for entry in os.listdir(fd):
            if stat.S_ISDIR(os.stat(entry, dir_fd=fd, follow_symlinks=False).st_mode):
                below = entry
            else:
                os.unlink(entry, dir_fd=fd)
        if below is not None:
            inner = os.open(below, flags, dir_fd=fd)
            os.close(fd)
            fd = inner
            names.append(below)
            continue
        if not names:
            os.close(fd)
            os.rmdir(path)
            return
        parent = os.open("..", flags, dir_fd=fd)
        os.close(fd)
        os.rmdir(names.pop(), dir_fd=parent)
        fd = parent


# -- a class with every kind of link -----------------------------------------------------------
@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory):
    """Files outside the class folder that links point to: the reference in a folder, a
    secret, a FIFO (opening it would block: a link to it proves its target was never opened)."""
    base = tmp_path_factory.mktemp("elsewhere")
    (base / "refdir").mkdir()
    (base / "refdir" / "network.py").write_text(REFERENCE.read_text())
    (base / "secret.txt").write_text(f"the password is {MARKER}\n")
    os.mkfifo(base / "pipe")
    return base


@pytest.fixture(scope="module")
def klass(tmp_path_factory, elsewhere):
    base = tmp_path_factory.mktemp("paths")
    folder, out = base / "class", base / "out"
    folder.mkdir()
    (folder / "ada.py").write_text(REFERENCE.read_text())
    (folder / "-h.py").write_text(REFERENCE.read_text())
    (folder / "--step=train.py").write_text(REFERENCE.read_text())
    (folder / "alice.py").symlink_to(REFERENCE)  # absolute, to the reference
    (folder / "amy.py").symlink_to(os.path.relpath(elsewhere / "refdir" / "network.py", folder))
    (folder / "bob").mkdir()
    (folder / "bob" / "network.py").symlink_to(REFERENCE)
    (folder / "dan").mkdir()
    (folder / "dan" / "exercises").symlink_to(elsewhere / "refdir")  # a linked exercises/ folder
    (folder / "eve").symlink_to(elsewhere / "refdir")  # a class entry that links to a folder
    (folder / "mal.py").symlink_to(elsewhere / "secret.txt")
    (folder / "pip.py").symlink_to(elsewhere / "pipe")
    os.mkfifo(folder / "quinn.py")
    (folder / f"{HOSTILE_NAME}.py").write_text(HOSTILE_CODE)
    make_deep(folder, "deep", DEEP, leaf=REFERENCE.read_bytes())
    try:
        # From inside the class folder: "." makes each file's path its bare name ("-h.py").
        run = nnkata("grade", ".", "--out", str(out), "--step", "sigmoid", "--jobs", "2", cwd=folder)
        yield folder, out, run
    finally:
        remove_tree(folder / "deep")


def out_files(out):
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def docs(out):
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")
            if not p.name.startswith(".")}


def first_message(doc):
    return doc["steps"][0]["checks"][0]["message"]


def test_the_class_is_graded_whole(klass):
    _, out, run = klass
    assert run.returncode == 0, run.stderr.decode()
    names = {"ada", "-h", "--step=train", "alice", "amy", "bob", "dan", "eve", "mal", "pip", "quinn",
             "deep", "hos\\x1b[2J\\nile"}
    assert set(docs(out)) == names
    assert b"RecursionError" not in run.stderr and b"Traceback" not in run.stderr


@pytest.mark.parametrize("name, says", [
    ("alice", "alice.py is a symbolic link: submit the file itself"),
    ("amy", "amy.py is a symbolic link: submit the file itself"),
    ("bob", "network.py is a symbolic link: submit the file itself"),
    ("dan", "exercises/ is a symbolic link: submit the folder itself"),
    ("eve", "eve/ is a symbolic link: submit the folder itself"),
    ("mal", "mal.py is a symbolic link: submit the file itself"),
    ("pip", "pip.py is a symbolic link: submit the file itself"),
    ("quinn", "quinn.py is a named pipe (FIFO): submit the file itself"),
    ("deep", f"deep/ is nested more than {submissions.MAX_DEPTH} folders deep"),
])
def test_a_link_or_a_non_file_earns_nothing_and_says_why(klass, name, says):
    doc = docs(klass[1])[name]
    assert doc["score"] == 0 and says in first_message(doc)
    assert [s["name"] for s in doc["steps"]] == ["sigmoid"]  # the grade that was asked for


def test_nothing_a_link_points_to_is_shown(klass):
    _, out, run = klass
    for name, data in out_files(out).items():
        assert MARKER.encode() not in data, name
    assert MARKER.encode() not in run.stdout + run.stderr


def test_names_that_look_like_options_are_graded_as_files(klass):
    _, out, _ = klass
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    # a leading '-' is quoted for spreadsheets (a formula could start with it)
    for name in ("ada", "'-h", "'--step=train"):
        assert rows[name]["score"] == rows[name]["sigmoid"] == str(full("sigmoid")), name
    assert docs(out)["-h"]["submission"] == "-h.py"


def test_escape_sequences_newlines_surrogates_and_nul_reach_no_file_and_no_terminal(klass):
    _, out, run = klass
    for name, data in out_files(out).items():
        text = data.decode("utf-8")  # strict: a lone surrogate could not have been written
        for raw in ("\x1b", "\x00", "\x85"):
            assert raw not in text, (name, raw)
    hostile = docs(out)["hos\\x1b[2J\\nile"]
    message = first_message(hostile)
    assert "bad\ufffd\\x1b[2J\nnext line\\x00end" in message
    assert hostile["submission"] == "hos\\x1b[2J\\nile.py"
    assert hostile["source"] == "hos\\x1b[2J\\nile.py"
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        assert "hos\\x1b[2J\\nile" in {r["submission"] for r in csv.DictReader(f)}
    shown = (run.stdout + run.stderr).decode("utf-8")
    assert "\x1b" not in shown and "hos\\x1b[2J\\nile" in shown
    assert all("\x00" not in line for line in shown.splitlines())


# -- one path, in this process -----------------------------------------------------------------
def test_reading_refuses_links_and_non_files_and_never_blocks_on_a_fifo(tmp_path, elsewhere):
    (tmp_path / "link.py").symlink_to(elsewhere / "secret.txt")
    (tmp_path / "fifo-link.py").symlink_to(elsewhere / "pipe")
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "plain.py").write_text("x = 1\n")
    result = {}

    def attempt():
        for name in ("link.py", "fifo-link.py", "fifo.py"):
            try:
                files.read_bytes(tmp_path / name)
            except files.Unreadable as exc:
                result[name] = exc.message
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "opening a FIFO blocked"
    assert result == {"link.py": "link.py is a symbolic link: submit the file itself",
                      "fifo-link.py": "fifo-link.py is a symbolic link: submit the file itself",
                      "fifo.py": "fifo.py is a named pipe (FIFO): submit the file itself"}
    assert files.read_bytes(tmp_path / "plain.py") == b"x = 1\n"
    with pytest.raises(files.Unreadable):
        files.read_bytes(tmp_path / "plain.py", limit=3)
    digest = hashlib.sha256()
    with pytest.raises(files.Unreadable):
        files.digest_into(digest, tmp_path / "link.py")


def test_grade_of_a_link_is_a_report_not_points_and_not_a_harness_failure(tmp_path, elsewhere):
    for name, target in (("net.py", REFERENCE), ("nb.ipynb", paths.notebook_file()),
                         ("secret.py", elsewhere / "secret.txt")):
        (tmp_path / name).symlink_to(target)
        report = grade.grade(tmp_path / name, steps=["sigmoid", "softmax"])
        assert report.score == 0 and [s.name for s in report.steps] == ["sigmoid", "softmax"]
        assert f"{name} {SYMLINK} file itself" in report.steps[0].checks[0].message
        assert MARKER not in json.dumps(report.to_dict())


def test_a_file_too_large_to_be_a_submission_is_never_read(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_SOURCE", 1000)
    (tmp_path / "big.py").write_text("x = 1\n" * 200)
    report = grade.grade(tmp_path / "big.py", steps=["sigmoid"])
    assert report.score == 0 and "big.py is larger than" in report.steps[0].checks[0].message


def test_a_file_that_turned_into_a_link_is_keyed_by_its_problem(tmp_path):
    real = tmp_path / "ada.py"
    real.write_text("x = 1\n")
    entry = submissions.collect([real])[0]
    before = keys.content_digest(entry)
    real.unlink()
    real.symlink_to(REFERENCE)
    after = keys.content_digest(entry)
    assert before != after and after.startswith("none:")


def test_a_link_named_on_the_command_line_is_a_submission_with_its_problem(tmp_path):
    (tmp_path / "zoe.py").symlink_to(REFERENCE)
    [entry] = submissions.collect([tmp_path / "zoe.py"])
    assert entry.file is None and entry.problem == f"zoe.py {SYMLINK} file itself"


# -- bounded walks -----------------------------------------------------------------------------
def test_a_folder_nested_1500_deep_is_its_own_problem(tmp_path):
    make_deep(tmp_path, "deep", DEEP, leaf=b"x = 1\n")
    (tmp_path / "ada.py").write_text("x = 1\n")
    try:
        entries = {e.name: e for e in submissions.find(tmp_path)}
        assert entries["ada"].file == tmp_path / "ada.py"
        assert entries["deep"].file is None and "nested more than 32 folders deep" in entries["deep"].problem
    finally:
        remove_tree(tmp_path / "deep")
    assert not (tmp_path / "deep").exists()


def test_a_folder_just_within_the_depth_bound_is_searched(tmp_path):
    make_deep(tmp_path, "ok", submissions.MAX_DEPTH + 1, leaf=b"x = 1\n")
    file, problem = submissions.locate(tmp_path / "ok")
    assert problem == "" and file.name == "network.py" and len(file.relative_to(tmp_path).parts) == 34


def test_a_folder_with_too_many_entries_is_its_own_problem(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_ENTRIES", 50)
    (tmp_path / "many").mkdir()
    for i in range(60):
        (tmp_path / "many" / f"f{i}.txt").write_text("")
    (tmp_path / "many" / "network.py").write_text("x = 1\n")
    file, problem = submissions.locate(tmp_path / "many")
    assert file is None and "holds more than 50 files and folders" in problem


def test_links_in_a_folder_are_never_followed_but_said(tmp_path, elsewhere):
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "hw").symlink_to(elsewhere / "refdir")
    file, problem = submissions.locate(tmp_path / "up")
    assert file is None and "symbolic links are not followed: hw" in problem
    (tmp_path / "up" / "notes.md").symlink_to(elsewhere / "secret.txt")  # a link not chosen
    (tmp_path / "up" / "network.py").write_text("x = 1\n")
    assert submissions.locate(tmp_path / "up") == (tmp_path / "up" / "network.py", "")


# -- notebooks ---------------------------------------------------------------------------------
def _notebook_with(tmp_path, step, source):
    nb = json.loads(paths.notebook_file().read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == step:
            cell["source"] = source
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.parametrize("source", [5, 2.5, {"code": "x"}, None, True, ["def f():\n", 3]])
def test_a_cell_source_that_is_not_text_is_that_steps_problem(tmp_path, source):
    text, problems = notebook.extract(_notebook_with(tmp_path, "sigmoid", source))
    assert list(problems) == ["sigmoid"] and "damaged" in problems["sigmoid"]
    assert "def softmax(" in text


def test_a_notebook_with_a_broken_cell_grades_its_other_steps(tmp_path):
    report = grade.grade(_notebook_with(tmp_path, "sigmoid", 42), steps=["sigmoid", "softmax"])
    by = {s.name: s for s in report.steps}
    assert by["sigmoid"].score == 0 and "its source is a number, not text" in by["sigmoid"].feedback
    assert by["softmax"].score == full("softmax")


@pytest.mark.parametrize("document", [
    [1, 2], {"cells": {"a": 1}}, {"cells": [1, "x", None]}, {"cells": [{"metadata": []}]},
    {"cells": [{"metadata": {"nbgrader": {"grade_id": ["sigmoid"]}}}]},
    {"cells": [{"metadata": {"nbgrader": {"grade_id": "sigmoid"}}, "cell_type": ["code"]}]},
])
def test_a_damaged_notebook_is_the_submissions_problem_never_a_crash(tmp_path, document):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(document))
    text, problems = notebook.extract(path)
    assert set(problems) == {s.name for s in curriculum.STEPS}


def test_a_huge_or_deeply_nested_notebook_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = tmp_path / "nb.ipynb"
    path.write_text("[" * 200_000 + "]" * 200_000)  # json.loads would recurse 200,000 deep
    _, problems = notebook.extract(path)
    assert "RecursionError" in problems["sigmoid"] or "items" in problems["sigmoid"]
    monkeypatch.setattr(notebook, "MAX_ITEMS", 1000)
    path.write_text(json.dumps({"cells": [{}] * 2000}))
    assert "more than 1,000 items" in notebook.extract(path)[1]["sigmoid"]
    monkeypatch.setattr(files, "MAX_NOTEBOOK", 100)
    assert "larger than" in notebook.extract(path)[1]["sigmoid"]


def test_a_lone_surrogate_in_a_cell_is_that_steps_problem(tmp_path):
    path = _notebook_with(tmp_path, "sigmoid", "def sigmoid(z):\n    return '\ud800'\n")
    assert "\\ud800" in path.read_text()  # json.dumps wrote it as an escape: valid JSON
    _, problems = notebook.extract(path)
    assert list(problems) == ["sigmoid"] and "lone surrogate" in problems["sigmoid"]


def test_a_notebook_that_is_a_link_is_never_read(tmp_path, elsewhere):
    (tmp_path / "nb.ipynb").symlink_to(elsewhere / "secret.txt")
    _, problems = notebook.extract(tmp_path / "nb.ipynb")
    assert problems["sigmoid"] == f"nb.ipynb {SYMLINK} file itself"
    assert copy.copy(problems) and MARKER not in json.dumps(problems)
