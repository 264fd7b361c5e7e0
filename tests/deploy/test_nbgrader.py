"""The kata as an nbgrader assignment, graded by real nbgrader: generate, validate,
autograde, export."""

import csv
import json
import os
import subprocess
import sys
import time

import nbgrader  # noqa: F401 - the test extra installs it; a missing nbgrader must fail, not skip
import pytest

from conftest import replace_function
from grader import paths
from grader.build import notebook
from grader.kata import curriculum


NBGRADER = [sys.executable, "-m", "nbgrader"]
SOFTMAX_AXIS0 = """
    def softmax(z):
        e = np.exp(z - np.max(z, axis=0, keepdims=True))
        return e / np.sum(e, axis=0, keepdims=True)
    """
SIGMOID_WARNS = """
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))
    """


def run(args, cwd, env=None):
    # nbgrader runs its environment's own commands (alembic, jupyter) by name: that environment's
    # bin folder first on PATH, whether or not it was activated
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PATH": path, **(env or {})})
    return done


def answered(release, **variants):
    """The released notebook with every solution cell filled in (the reference, or a variant)."""
    text = paths.reference_file().read_text()
    for name, code in variants.items():
        text = replace_function(text, name, code)
    return notebook.answered(json.loads(release.read_text()), text)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    assert subprocess.run([sys.executable, "-m", "grader", "nbgrader", "init", str(root)]).returncode == 0
    generated = run(NBGRADER + ["generate_assignment", "nn_kata"], root)
    assert generated.returncode == 0, generated.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def graded(course):
    release = course / "release" / "nn_kata" / "nn_kata.ipynb"
    submissions = {
        "solved": json.loads((course / "source" / "nn_kata" / "nn_kata.ipynb").read_text()),
        "untouched": json.loads(release.read_text()),
        "softmax_axis0": answered(release, softmax=SOFTMAX_AXIS0),
        "sigmoid_warns": answered(release, sigmoid=SIGMOID_WARNS),
    }
    for student, nb in submissions.items():
        folder = course / "submitted" / student / "nn_kata"
        folder.mkdir(parents=True)
        (folder / "nn_kata.ipynb").write_text(json.dumps(nb))
    started = time.monotonic()
    autograded = run(NBGRADER + ["autograde", "nn_kata", "--create"], course)
    seconds = time.monotonic() - started
    assert autograded.returncode == 0, autograded.stderr[-3000:]
    exported = run(NBGRADER + ["export", "--to", str(course / "grades.csv")], course)
    assert exported.returncode == 0, exported.stderr[-3000:]
    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        steps = {student: {g.name: (g.score, g.max_score)
                           for g in gradebook.find_submission_notebook("nn_kata", "nn_kata", student).grades}
                 for student in submissions}
    print(f"nbgrader autograde: {seconds:.1f} s for {len(submissions)} submissions")
    return rows, steps


def test_generated_notebook_is_valid_and_consistent():
    import nbformat
    from nbgrader.nbgraderformat import read as nbgrader_read
    nb = nbformat.read(paths.notebook_file(), as_version=4)
    nbformat.validate(nb)
    ids = [c.metadata.nbgrader["grade_id"] for c in nb.cells]
    assert len(ids) == len(set(ids))
    grade_cells = [c for c in nb.cells if c.metadata.nbgrader["grade"]]
    assert [c.metadata.nbgrader["grade_id"] for c in grade_cells] == [f"{s.name}_tests" for s in curriculum.STEPS]
    assert sum(c.metadata.nbgrader["points"] for c in grade_cells) == curriculum.TOTAL
    with open(paths.notebook_file()) as f:
        nbgrader_read(f, as_version=4)  # nbgrader's own metadata validation


def test_validate_passes_on_the_source_and_fails_on_the_release(course):
    source = run(NBGRADER + ["validate", "source/nn_kata/nn_kata.ipynb"], course)
    assert "Success! Your notebook passes all the tests." in source.stdout, source.stdout[-2000:]
    release = run(NBGRADER + ["validate", "release/nn_kata/nn_kata.ipynb"], course)
    assert "VALIDATION FAILED ON 10 CELL(S)" in release.stdout


def test_the_release_hides_the_hidden_checks_and_the_solutions(course):
    text = (course / "release" / "nn_kata" / "nn_kata.ipynb").read_text()
    assert "HIDDEN TESTS" not in text and "hidden=True" not in text and "np.where" not in text


def test_autograde_and_export(graded):
    rows, steps = graded
    assert float(rows["solved"]["raw_score"]) == float(rows["solved"]["max_score"]) == 100
    assert float(rows["untouched"]["raw_score"]) == 0
    # train is the end-to-end step: by the contract a bug costs points there too, nowhere else
    lost = {s for s, (g, m) in steps["softmax_axis0"].items() if g != m}
    assert "softmax_tests" in lost and lost <= {"softmax_tests", "train_tests"}
    stability = next(c.points for c in curriculum.BY_NAME["sigmoid"].checks if c.name.startswith("stable"))
    warned = {s: m - g for s, (g, m) in steps["sigmoid_warns"].items() if g != m}
    assert set(warned) <= {"sigmoid_tests"} and 0 < warned.get("sigmoid_tests", 0) <= stability


def test_a_notebook_is_graded_by_grade_id_without_running_it(tmp_path, course):
    nb = answered(course / "release" / "nn_kata" / "nn_kata.ipynb", softmax=SOFTMAX_AXIS0)
    cells = nb["cells"]
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in cells}
    cells.remove(by_id["predict"])  # deleted
    cells.append(json.loads(json.dumps(by_id["update"])))  # duplicated
    by_id["cross_entropy"]["cell_type"] = "markdown"  # retyped
    cells.insert(0, {"cell_type": "code", "metadata": {}, "source": "open('ran', 'w')",
                     "outputs": [], "execution_count": None, "id": "x"})
    path = tmp_path / "student.ipynb"
    path.write_text(json.dumps(nb))
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path)
    report = {s["name"]: s for s in json.loads(done.stdout)["steps"]}
    assert not (tmp_path / "ran").exists()
    assert report["predict"]["status"] == "error" and "deleted" in report["predict"]["feedback"]
    assert report["update"]["status"] == "error" and "duplicated" in report["update"]["feedback"]
    assert "markdown cell" in report["cross_entropy"]["feedback"]
    assert report["softmax"]["status"] == "failed"
    assert all(report[s]["status"] == "passed" for s in ("sigmoid", "sigmoid_derivative",
                                                            "cross_entropy_delta", "feedforward",
                                                            "backprop"))


def test_a_grade_cell_in_a_real_kernel_prints_feedback_and_ends_with_a_float():
    import nbclient
    import nbformat
    code = "import numpy as np\n\n" + paths.reference_file().read_text().replace(
        "np.sum(e, axis=1, keepdims=True)", "np.sum(e, axis=0, keepdims=True)")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(code),
        nbformat.v4.new_code_cell('from grader.study.notebook import check\nscore = check("softmax", globals())\nscore'),
        nbformat.v4.new_code_cell('score = check("sigmoid", globals(), hidden=True)\nscore')])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    for cell, step in ((nb.cells[1], "softmax"), (nb.cells[2], "sigmoid")):
        streams = [o for o in cell.outputs if o.output_type == "stream"]
        assert all(o.name == "stdout" for o in streams)  # nothing on stderr: nbgrader would zero it
        result = next(o for o in cell.outputs if o.output_type == "execute_result")
        score = float(result.data["text/plain"])
        printed = "".join(o.text for o in streams)
        if step == "softmax":
            assert 0 < score < curriculum.BY_NAME["softmax"].points
            assert "normalise over axis 0" in printed and "public checks" in printed
        else:
            assert score == curriculum.BY_NAME["sigmoid"].points and "hidden checks included" in printed
