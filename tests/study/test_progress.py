"""Progress that persists: attempts and passes per step, hints in tiers, reset, solutions that
open once a step passes, and kata runs with their history. Every command runs as its own
process, so everything here has survived a restart."""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import REFERENCE
from grader import paths
from grader.kata import source

WRONG_SIGMOID = "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n"


def nnkata(cwd, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True,
                          text=True, input=stdin, timeout=300)


def put(path, name, code):
    """Replace one function of the file at ``path`` (its source is taken from ``code``)."""
    text = path.read_text()
    old = source.functions(text)[name][0]
    path.write_text(text.replace(old, code if code.endswith("\n") else code + "\n", 1))


def reference_of(name):
    code = source.functions(REFERENCE.read_text())[name][0]
    return "".join(l for l in code.splitlines(keepends=True) if "SOLUTION" not in l)


def state(ws):
    return json.loads((ws / ".nnkata" / "progress.json").read_text())


@pytest.fixture
def ws(tmp_path):
    """A learner's folder with earlier work in exercises/network.py."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "network.py").write_text(paths.exercise_file().read_text() + "# mine\n")
    return tmp_path


def test_attempts_count_new_versions_and_passes_are_recorded(ws):
    mine = ws / "exercises" / "network.py"
    put(mine, "sigmoid", WRONG_SIGMOID)
    assert nnkata(ws, "check", "sigmoid").returncode == 0
    assert nnkata(ws, "check", "sigmoid").returncode == 0  # the same version again: no attempt
    rec = state(ws)["tracks"]["exercises/network.py"]["steps"]["sigmoid"]
    assert rec["attempts"] == 1 and rec["passed_at"] is None and 0 < rec["best"] < 8
    put(mine, "sigmoid", reference_of("sigmoid"))
    run = nnkata(ws, "check", "sigmoid")
    assert "✓ sigmoid passes: recorded" in run.stdout
    rec = state(ws)["tracks"]["exercises/network.py"]["steps"]["sigmoid"]
    assert rec["attempts"] == 2 and rec["passed_at"] <= time.time()
    listing = nnkata(ws, "list").stdout  # read back by a new process: no grading needed
    assert re.search(r"sigmoid +8/8 +passed \d{4}-\d\d-\d\d \d\d:\d\d, 2 attempts", listing)
    assert re.search(r"softmax +0/12 +not started", listing)


def test_list_without_a_record_grades_once_and_records(ws):
    listing = nnkata(ws, "list")
    assert listing.returncode == 0 and "not started" in listing.stdout
    assert "exercises/network.py" in state(ws)["tracks"]


def test_outside_a_workspace_nothing_is_recorded(tmp_path):
    run = nnkata(tmp_path, "check", "sigmoid")
    assert run.returncode == 0 and not (tmp_path / ".nnkata").exists()


def test_a_solution_opens_only_once_its_step_passes(ws):
    locked = nnkata(ws, "solution", "sigmoid")
    assert locked.returncode == 1 and "opens once your sigmoid passes" in locked.stderr
    assert "def sigmoid" not in locked.stdout
    put(ws / "exercises" / "network.py", "sigmoid", reference_of("sigmoid"))
    nnkata(ws, "check", "sigmoid")
    opened = nnkata(ws, "solution", "sigmoid")
    assert opened.returncode == 0 and opened.stdout.startswith("def sigmoid(z):")
    assert "SOLUTION" not in opened.stdout
    assert nnkata(ws, "solution", "softmax").returncode == 1  # only the step that passed


def test_reset_asks_first_keeps_a_backup_and_restores_the_stub(ws):
    mine = ws / "exercises" / "network.py"
    put(mine, "sigmoid", reference_of("sigmoid"))
    put(mine, "softmax", reference_of("softmax"))
    nnkata(ws, "check", "sigmoid")
    before = mine.read_text()
    no = nnkata(ws, "reset", "sigmoid", stdin="n\n")
    assert no.returncode == 1 and mine.read_text() == before
    yes = nnkata(ws, "reset", "sigmoid", stdin="y\n")
    assert yes.returncode == 0, yes.stderr
    after = source.functions(mine.read_text())
    assert after["sigmoid"][0] == source.functions(paths.exercise_file().read_text())["sigmoid"][0]
    assert "SOLUTION" not in after["softmax"][0] and "np.exp" in after["softmax"][0]  # untouched
    backups = list((ws / "exercises").glob(".network.py.*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == before
    assert "sigmoid" not in state(ws)["tracks"]["exercises/network.py"]["steps"]
    assert "softmax is a stub again" in nnkata(ws, "reset", "softmax", "--yes").stdout
    assert len(list((ws / "exercises").glob(".network.py.*.bak"))) == 2  # each reset its own backup


def test_a_kata_run_starts_blank_and_leaves_earlier_work_alone(ws):
    mine = ws / "exercises" / "network.py"
    before = mine.read_bytes()
    first = nnkata(ws, "kata", "new")
    assert first.returncode == 0 and "kata run 1: kata/run-1.py" in first.stdout
    run1 = ws / "kata" / "run-1.py"
    assert run1.read_text() == paths.exercise_file().read_text()
    assert state(ws)["current"] == "kata/run-1.py" and state(ws)["runs"][0]["started"] is None
    put(run1, "sigmoid", reference_of("sigmoid"))
    run1_text = run1.read_text()
    nnkata(ws, "check")  # follows the run's file
    assert "sigmoid" in state(ws)["tracks"]["kata/run-1.py"]["steps"]
    assert state(ws)["runs"][0]["started"] == pytest.approx(run1.stat().st_mtime, abs=1e-3)
    assert nnkata(ws, "kata", "new").returncode == 0
    assert run1.read_text() == run1_text and mine.read_bytes() == before
    assert state(ws)["current"] == "kata/run-2.py"
    assert nnkata(ws, "kata", "use", "main").stdout.strip() == "following exercises/network.py"
    assert nnkata(ws, "kata", "use", "7").returncode == 2


def test_kata_history_times_the_run_and_keeps_personal_bests(ws):
    nnkata(ws, "kata", "new")
    run1 = ws / "kata" / "run-1.py"
    put(run1, "sigmoid", WRONG_SIGMOID)
    nnkata(ws, "check")
    run1.write_text(REFERENCE.read_text())  # the rest, all at once
    os.utime(run1)
    nnkata(ws, "check")
    runs = state(ws)["runs"]
    assert runs[0]["finished"] is not None and runs[0]["finished"] >= runs[0]["started"]
    history = nnkata(ws, "kata", "history").stdout
    assert re.search(r"^ +1  kata/run-1.py +\d+:\d\d +10/10 +9 +11", history, re.M), history
    assert re.search(r"sigmoid +\d+:\d\d  2 attempts", history)
    assert "Fastest run:" in history and "(run 1)" in history
    assert re.search(r"Most steps at the first try: 9/10 \(run 1\)", history)
    nnkata(ws, "kata", "new")
    history = nnkata(ws, "kata", "history").stdout
    assert re.search(r"^ +2  kata/run-2.py +not started +0/10", history, re.M)
    assert "Fastest run:" in history and "(run 1)" in history
