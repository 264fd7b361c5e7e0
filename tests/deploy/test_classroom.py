"""GitHub Classroom: the starter repository, its workflow, and the grading step run for real
as the workflow runs it (the vendored grader installed, GITHUB_OUTPUT written, the reporter's
reading of it emulated)."""

import base64
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REFERENCE, replace_function
from grader import paths
from views.test_classroom_reporter import reporter  # the reporter's arithmetic, restated once

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "schemas" / "classroom.schema.json").read_text())


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    root = tmp_path_factory.mktemp("starter") / "repo"
    run = subprocess.run([sys.executable, "-m", "grader", "classroom", "init", str(root)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "nothing stays secret" in run.stdout
    return root


@pytest.fixture(scope="module")
def installed(starter, tmp_path_factory):
    """The vendored grader installed as the workflow's `pip install ./.grader` installs it
    (its dependencies are the ones already here: the pins are these very versions)."""
    target = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                          "--no-build-isolation", "--target", str(target), str(starter / ".grader")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return target


def workflow(starter):
    return yaml.safe_load((starter / ".github" / "workflows" / "classroom.yml").read_text())


def test_the_repository_holds_the_stubs_the_workflow_and_the_grader(starter):
    assert (starter / "exercises" / "network.py").read_text() == paths.exercise_file().read_text()
    assert (starter / ".grader" / "grader" / "kata" / "curriculum.py").is_file()
    assert (starter / ".grader" / "grader" / "solutions" / "network.py").read_bytes() == REFERENCE.read_bytes()
    readme = (starter / "README.md").read_text()
    assert "pip install ./.grader" in readme and "nnkata check" in readme and "`predict(" in readme


def test_init_refuses_a_folder_that_is_not_empty(starter):
    run = subprocess.run([sys.executable, "-m", "grader", "classroom", "init", str(starter)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "not empty" in run.stderr


def test_the_workflow_is_what_github_classroom_reads(starter):
    flow = workflow(starter)
    assert flow["name"] == "Autograding Tests"  # the reporter finds its check run by this name
    assert "push" in flow["on"] and flow["permissions"]["checks"] == "write"
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == ".".join(platform.python_version_tuple()[:2])
    grade = next(s for s in steps if "--format classroom" in s.get("run", ""))
    reporter = next(s for s in steps if s.get("uses", "").startswith(
        "classroom-resources/autograding-grading-reporter@"))
    runners = reporter["with"]["runners"].split(",")
    assert runners == ["earned", "lost"]
    assert reporter["if"] == "always()"  # a grade step that failed still posts its points (0)
    for runner in runners:  # this step's output, else a 0-point result that says why
        value = reporter["env"][f"{runner.upper()}_RESULTS"]
        assert value.startswith(f"${{{{ steps.{grade['id']}.outputs.{runner} || '")
        fallback = json.loads(base64.b64decode(value.split("'")[1]))
        jsonschema.validate({"earned": fallback, "lost": fallback}, SCHEMA)
        assert all(t["score"] == 0 for t in fallback["tests"])
        if runner == "lost":
            assert fallback["max_score"] == 100 and "did not finish" in fallback["tests"][0]["name"]
    assert steps.index(grade) < steps.index(reporter)
    # grading other people's code needs a sandbox: Debian's bubblewrap, installed first
    sandbox = next(s for s in steps if "apt-get install" in s.get("run", "") and "bubblewrap" in s["run"])
    assert steps.index(sandbox) < steps.index(grade)


def run_grading_step(starter, installed, student_file, tmp_path):
    """The workflow's grading step, its shell script exactly, in the student's repository."""
    repo = tmp_path / "student"
    shutil.copytree(starter, repo)
    shutil.copy(student_file, repo / "exercises" / "network.py")
    script = next(s["run"] for s in workflow(starter)["jobs"]["run-autograding-tests"]["steps"]
                  if "--format classroom" in s.get("run", ""))
    output, temp = tmp_path / "github_output", tmp_path / "runner_temp"
    temp.mkdir()
    env = {**os.environ, "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(temp),
           "PYTHONPATH": str(installed), "PATH": f"{installed / 'bin'}:{os.environ['PATH']}"}
    run = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert set(lines) == {"earned", "lost"}
    return {k: json.loads(base64.b64decode(v)) for k, v in lines.items()}, run.stderr


def test_the_reference_earns_every_point(starter, installed, tmp_path):
    result, stderr = run_grading_step(starter, installed, REFERENCE, tmp_path)
    jsonschema.validate(result, SCHEMA)
    assert reporter(result)["notice"] == "Points 100/100" and result["lost"]["status"] == "pass"
    assert stderr.rstrip().endswith("Points 100/100") and "10/10 steps passed" in stderr
    assert "/.grader" not in result["earned"]["tests"][0]["filename"]


def test_the_stubs_earn_nothing(starter, installed, tmp_path):
    result, stderr = run_grading_step(starter, installed, paths.exercise_file(), tmp_path)
    jsonschema.validate(result, SCHEMA)
    assert reporter(result)["notice"] == "Points 0/100" and result["lost"]["status"] == "fail"
    assert "NotImplementedError" in result["lost"]["tests"][0]["message"]
    assert stderr.rstrip().endswith("Points 0/100")


def test_a_mistake_costs_its_step_and_the_points_line_agrees(starter, installed, tmp_path):
    buggy = tmp_path / "buggy.py"
    buggy.write_text(replace_function(REFERENCE.read_text(), "cross_entropy_delta", """
        def cross_entropy_delta(probs, targets):
            return probs - targets
        """))
    result, stderr = run_grading_step(starter, installed, buggy, tmp_path)
    jsonschema.validate(result, SCHEMA)
    lost = {t["name"].split(":")[0]: t for t in result["lost"]["tests"]}
    assert set(lost) <= {"cross_entropy_delta", "train"} and "cross_entropy_delta" in lost
    assert "times too large" in lost["cross_entropy_delta"]["message"]
    assert "times too large" in stderr  # the reason is in the Actions log
    shown = reporter(result)
    assert stderr.rstrip().endswith(shown["notice"]) and shown["total"] < 100
