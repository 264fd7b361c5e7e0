"""The command line of the contract: check, hint, list, grade, build; exit codes; JSON."""

import json
import subprocess
import sys

import pytest

from grader import paths
from grader.kata import curriculum


def nnkata(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def reference_json():
    run = nnkata("grade", str(paths.reference_file()), "--format", "json")
    assert run.returncode == 0, run.stderr
    return run


def test_grade_json_is_exactly_the_contract_document(reference_json):
    doc = json.loads(reference_json.stdout)  # exactly one document: json.loads rejects extra text
    assert reference_json.stdout.count("\n") == 1
    assert doc["score"] == doc["max_score"] == 100.0
    assert [s["name"] for s in doc["steps"]] == [s.name for s in curriculum.STEPS]
    for step in doc["steps"]:
        assert {"name", "score", "max_score", "status", "feedback"} <= step.keys()
        assert step["status"] == "passed" and isinstance(step["feedback"], str)
        assert isinstance(step["score"], float) and isinstance(step["max_score"], float)


def test_grade_json_for_stubs(tmp_path):
    run = nnkata("grade", str(paths.exercise_file()), "--format", "json")
    doc = json.loads(run.stdout)
    assert run.returncode == 0 and doc["score"] == 0
    assert {s["status"] for s in doc["steps"]} == {"pending"}


def test_statuses_are_the_contracts(tmp_path):
    path = tmp_path / "network.py"
    text = paths.reference_file().read_text()
    path.write_text(text.replace("np.max(z, axis=1, keepdims=True)", "np.max(z)")
                    .replace("def predict(", "def predikt("))
    doc = json.loads(nnkata("grade", str(path), "--format", "json", "--step", "softmax",
                            "--step", "predict").stdout)
    assert [(s["name"], s["status"]) for s in doc["steps"]] == [("softmax", "failed"),
                                                               ("predict", "error")]


def test_missing_file_is_a_harness_error_on_stderr(tmp_path):
    run = nnkata("grade", str(tmp_path / "nope.py"), "--format", "json")
    assert run.returncode == 2 and run.stdout == ""
    assert "no such file" in run.stderr and "Traceback" not in run.stderr


def test_unknown_step_suggests_the_nearest(tmp_path):
    run = nnkata("hint", "sofmax")
    assert run.returncode == 2 and "Did you mean softmax?" in run.stderr


def test_hint_asks_a_question(tmp_path):
    run = nnkata("hint", "softmax", cwd=tmp_path)  # a folder with no progress: the first tier
    assert run.returncode == 0 and "?" in run.stdout and curriculum.BY_NAME["softmax"].hint in run.stdout


def test_check_in_a_student_folder_shows_pending_steps_and_what_next(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "network.py").write_text(paths.exercise_file().read_text())
    run = nnkata("check", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("pending") == 10
    assert "0/10 steps passed, 0/100 points" in run.stdout
    assert "Next: sigmoid" in run.stdout and "nnkata hint sigmoid" in run.stdout


def test_check_one_step_lists_its_checks(tmp_path):
    run = nnkata("check", "softmax", "--file", str(paths.reference_file()), cwd=tmp_path)
    assert run.returncode == 0
    for check in curriculum.BY_NAME["softmax"].checks:
        assert check.name in run.stdout
    assert "Every step passes" in run.stdout


def test_table_shows_the_first_failing_message(tmp_path):
    path = tmp_path / "network.py"
    path.write_text(paths.reference_file().read_text().replace(
        "np.sum(e, axis=1, keepdims=True)", "np.sum(e, axis=0, keepdims=True)"))
    run = nnkata("grade", str(path), "--step", "softmax")
    assert "✗ softmax" in run.stdout and "axis 0" in run.stdout


def test_list_shows_every_step_with_points_and_status(tmp_path):
    run = nnkata("list", "--file", str(paths.exercise_file()), cwd=tmp_path)
    assert run.returncode == 0
    for step in curriculum.STEPS:
        assert step.name in run.stdout and f"0/{step.points}" in run.stdout
    assert "0/100 points" in run.stdout


def test_build_check_passes_on_main():
    run = nnkata("build", "--check")
    assert run.returncode == 0, run.stderr
