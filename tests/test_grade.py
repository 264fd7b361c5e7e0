"""The grader's two fixed points: the reference earns everything, the stubs nothing."""

import pytest

from conftest import STEP_NAMES, full, grade
from grader import paths
from grader.kata import curriculum


@pytest.fixture(scope="module")
def reference_report():
    return grade(paths.reference_file(), seed=11)


@pytest.fixture(scope="module")
def stub_report():
    return grade(paths.exercise_file(), seed=11)


def test_points_add_up_to_100():
    assert curriculum.TOTAL == 100
    assert [s.name for s in curriculum.STEPS] == ["sigmoid", "sigmoid_derivative", "softmax",
                                                 "cross_entropy", "cross_entropy_delta",
                                                 "feedforward", "backprop", "update", "predict",
                                                 "train"]


@pytest.mark.parametrize("name", STEP_NAMES)
def test_reference_earns_full_marks(reference_report, name):
    step = next(s for s in reference_report.steps if s.name == name)
    problems = [(c.name, c.message) for c in step.checks if c.status != "passed"]
    assert problems == []
    assert step.status == "passed" and step.score == full(name)


def test_reference_total(reference_report):
    assert reference_report.score == reference_report.max_score == 100


@pytest.mark.parametrize("name", STEP_NAMES)
def test_stub_is_pending_with_zero(stub_report, name):
    step = next(s for s in stub_report.steps if s.name == name)
    assert step.status == "pending" and step.score == 0
    assert f"{name} is not written yet" in step.feedback


def test_reference_passes_with_a_fresh_random_hidden_seed(monkeypatch):
    monkeypatch.delenv("NNKATA_HIDDEN_SEED")
    report = grade(paths.reference_file(), steps=["softmax", "backprop"])
    assert report.hidden_inputs == "fresh random seed"
    assert report.score == full("softmax") + full("backprop")


def test_filling_one_stub_passes_that_step_only(submission):
    stubs = paths.exercise_file().read_text()
    stable = ("e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))")
    path = submission(text=stubs.replace('raise NotImplementedError("sigmoid: your code here")', stable))
    report = grade(path)
    statuses = {s.name: s.status for s in report.steps}
    assert statuses.pop("sigmoid") == "passed"
    assert set(statuses.values()) == {"pending"}
    assert report.score == full("sigmoid")


def test_a_missing_file_or_a_folder_is_the_callers_error(tmp_path):
    from grader.errors import HarnessError
    for path in (tmp_path / "absent.py", tmp_path):
        with pytest.raises(HarnessError, match="no such file"):
            grade(path)


def test_a_link_is_graded_as_what_it_is_never_followed(tmp_path):
    (tmp_path / "network.py").symlink_to(paths.reference_file())
    report = grade(tmp_path / "network.py", steps=["sigmoid"])
    assert report.score == 0 and [s.name for s in report.steps] == ["sigmoid"]
    assert report.steps[0].checks[0].message == "network.py is a symbolic link: submit the file itself"
