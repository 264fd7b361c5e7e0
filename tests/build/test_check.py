"""The maintainer's check (`nnkata dev check`, grader/build/check.py) and the README's generated tables:
it passes on this checkout and fails, saying what, on each kind of inconsistency."""

import dataclasses

import pytest

from grader.build import check, generated
from grader.errors import HarnessError
from grader.kata import curriculum


def test_this_checkout_is_consistent():
    said = []
    assert check.check(with_mistakes=False, say=said.append) == []
    assert said == ["declarations: ok", "layout: ok", "generated files: ok", "grades: ok"]


def test_a_layer_folder_without_its_tests_folder_is_found(tmp_path):
    for folder in ("grader/judge", "grader/kata", "grader/records", "tests/judge"):
        (tmp_path / folder).mkdir(parents=True)
    for package in ("grader", "grader/judge", "grader/kata"):
        (tmp_path / package / "__init__.py").write_text("")
    assert check.layout(tmp_path / "grader", tmp_path / "tests") == ["tests/ does not mirror grader/kata/: no tests/kata/"]
    assert check.layout(tmp_path / "grader", tmp_path / "no-tests") == []  # an installed copy has none


def test_a_package_pyproject_does_not_list_is_found(tmp_path):
    for package in ("grader", "grader/judge", "grader/judge/inner"):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools]\npackages = ["grader", "grader.judge", '
                                             '"grader.gone", "grader.solutions"]\n')
    assert check.layout(tmp_path / "grader", tmp_path / "no-tests") == []  # no tests: nothing checked
    (tmp_path / "tests" / "judge").mkdir(parents=True)
    assert check.layout(tmp_path / "grader", tmp_path / "tests") == [
        "pyproject.toml lists grader.gone, which is not a package",
        "pyproject.toml does not list the package grader.judge.inner"]


def test_a_step_declared_twice_or_without_its_three_hints_is_found(monkeypatch):
    sigmoid = curriculum.STEPS[0]
    short = dataclasses.replace(curriculum.STEPS[1], hints=("only a question",))
    monkeypatch.setattr(curriculum, "STEPS", (sigmoid, short, sigmoid, *curriculum.STEPS[2:]))
    found = check.declarations()
    assert "the step 'sigmoid' is declared 2 times" in found
    assert "sigmoid_derivative has 1 hint tiers, not 3" in found


def test_a_mistake_declared_twice_or_without_code_is_found(monkeypatch):
    name, first = curriculum.CATALOGUE[0]
    bare = dataclasses.replace(first, slug="no-code", code="")
    monkeypatch.setattr(curriculum, "CATALOGUE", ((name, first), (name, first), (name, first), (name, bare)))
    found = check.declarations()
    assert f"the named mistake {first.slug!r} is declared 3 times" in found
    assert f"the named mistake 'no-code' of {name} has no code" in found
    assert "the judge's heuristic 'times-n' has no example in any step's mistakes" in found


def test_a_step_using_a_function_no_step_lets_be_called_back_is_found(monkeypatch):
    relu = dataclasses.replace(curriculum.BONUS[0], uses=("relu", "leaky_relu"), arguments="elementwise!")
    monkeypatch.setattr(curriculum, "BONUS", (relu, *curriculum.BONUS[1:]))
    found = check.declarations()
    assert ("relu uses leaky_relu, which no step declares the arguments of (Step.arguments): graded code "
            "could not call it back") in found
    assert any(f.startswith("relu's arguments 'elementwise!' are none of the contract's") for f in found)
    assert not any("uses relu," in f for f in found)  # relu's own arguments are declared


def test_a_mistake_its_step_does_not_name_is_found(monkeypatch):
    name, named = next((n, m) for n, m in curriculum.CATALOGUE if m.slug == "softmax-axis-0")
    # the reference's own softmax under a mistake's name: a correct function is never named
    correct = dataclasses.replace(named, slug="not-a-mistake", code=(
        "def softmax(z):\n    e = np.exp(z - np.max(z, axis=1, keepdims=True))\n"
        "    return e / np.sum(e, axis=1, keepdims=True)\n"))
    monkeypatch.setattr(curriculum, "CATALOGUE", ((name, named), (name, correct)))
    assert check.named_mistakes() == ["not-a-mistake: softmax names it nothing, not just 'not-a-mistake'"]


def test_a_stale_readme_table_is_found_and_rebuilt(monkeypatch, tmp_path):
    readme = tmp_path / "README.md"
    text = generated.readme_source("intro\n<!-- generated: steps -->\n<!-- end: steps -->\n"
                               "<!-- generated: bonus steps -->\n<!-- end: bonus steps -->\nend\n")
    assert "| 1 | `sigmoid(z)` | 8 |" in text and "| `relu(z)` | 5 |" in text
    readme.write_text(text.replace("| 8 |", "| 9 |"))  # someone edited the points by hand
    monkeypatch.setattr(generated, "targets", lambda: {readme: generated.readme_source(readme.read_text())})
    assert check.generated_files() == [f"{readme} is stale: run `nnkata build`"]
    generated.build()
    assert readme.read_text() == text and check.generated_files() == []


def test_a_readme_without_the_markers_is_an_error():
    with pytest.raises(HarnessError, match="no <!-- generated: steps -->"):
        generated.readme_source("# a README whose tables were deleted\n")


def test_the_tables_say_what_the_registry_says():
    table = generated.readme_tables()["steps"]
    for i, s in enumerate(curriculum.STEPS, start=1):
        assert f"| {i} | `{s.signature.split(' -> ')[0]}` | {s.points:g} |" in table
    assert table.count("\n") == len(curriculum.STEPS) + 1
