"""The stubs are generated from the reference, and staleness is caught."""

import pytest

from grader import paths
from grader.build import generated
from grader.errors import HarnessError


def test_committed_stubs_are_up_to_date():
    assert generated.stale() == []


def test_stubs_keep_docstrings_and_drop_solutions():
    reference = paths.reference_file().read_text()
    stubs = paths.exercise_file().read_text()
    assert "### BEGIN SOLUTION" not in stubs and "np.where" not in stubs
    for name in ("sigmoid", "softmax", "backprop", "train"):
        assert f'raise NotImplementedError("{name}: your code here")' in stubs
    for line in reference.splitlines():
        if line.strip().startswith(('"""', "def ")):
            assert line in stubs


def test_a_changed_reference_makes_the_stubs_stale(monkeypatch, tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir(), exercises.mkdir()
    source = paths.reference_file().read_text()
    (solutions / "network.py").write_text(source)
    (exercises / "network.py").write_text(generated.stub_source(source))
    monkeypatch.setattr(generated, "reference_file", lambda: solutions / "network.py")
    monkeypatch.setattr(generated, "exercise_file", lambda: exercises / "network.py")
    assert generated.stale() == []
    (solutions / "network.py").write_text(source.replace("The logistic function", "The sigmoid"))
    assert generated.stale() == [exercises / "network.py"]
    assert generated.build() == [exercises / "network.py"] and generated.stale() == []


@pytest.mark.parametrize("text, words", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    ### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "outside a function"),
])
def test_malformed_regions_are_harness_errors(text, words):
    with pytest.raises(HarnessError, match=words):
        generated.stub_source(text)
