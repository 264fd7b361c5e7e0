"""The maintainer's check (`nnkata dev check`, grader/dev.py) and the README's generated tables:
it passes on this checkout and fails, saying what, on each kind of inconsistency."""

import dataclasses

import pytest

from grader.build import generated as build
from grader.build import check as dev
from grader.judge import mistakes
from grader.kata import curriculum as registry
from grader.errors import HarnessError


def test_this_checkout_is_consistent():
    said = []
    assert dev.check(with_mistakes=False, say=said.append) == []
    assert said == ["declarations: ok", "generated files: ok", "grades: ok"]


def test_a_step_declared_twice_or_without_its_three_hints_is_found(monkeypatch):
    sigmoid = registry.STEPS[0]
    short = dataclasses.replace(registry.STEPS[1], hints=("only a question",))
    monkeypatch.setattr(registry, "STEPS", (sigmoid, short, sigmoid, *registry.STEPS[2:]))
    found = dev.declarations()
    assert "the step 'sigmoid' is declared 2 times" in found
    assert "sigmoid_derivative has 1 hint tiers, not 3" in found


def test_a_mistake_for_no_step_or_declared_twice_is_found(monkeypatch):
    first = mistakes.CATALOGUE[0]
    stray = dataclasses.replace(first, step="sigmoidd")
    monkeypatch.setattr(mistakes, "CATALOGUE", (first, first, stray))
    found = dev.declarations()
    assert f"the named mistake {first.slug!r} is declared 3 times" in found
    assert f"the named mistake {first.slug!r} is for 'sigmoidd', which is not a step" in found


def test_a_mistake_its_step_does_not_name_is_found(monkeypatch):
    named = next(m for m in mistakes.CATALOGUE if m.slug == "softmax-axis-0")
    # the reference's own softmax under a mistake's name: a correct function is never named
    correct = dataclasses.replace(named, slug="not-a-mistake", code=(
        "def softmax(z):\n    e = np.exp(z - np.max(z, axis=1, keepdims=True))\n"
        "    return e / np.sum(e, axis=1, keepdims=True)\n"))
    monkeypatch.setattr(mistakes, "CATALOGUE", (named, correct))
    assert dev.named_mistakes() == ["not-a-mistake: softmax names it nothing, not just 'not-a-mistake'"]


def test_a_stale_readme_table_is_found_and_rebuilt(monkeypatch, tmp_path):
    readme = tmp_path / "README.md"
    text = build.readme_source("intro\n<!-- generated: steps -->\n<!-- end: steps -->\n"
                               "<!-- generated: bonus steps -->\n<!-- end: bonus steps -->\nend\n")
    assert "| 1 | `sigmoid(z)` | 8 |" in text and "| `relu(z)` | 5 |" in text
    readme.write_text(text.replace("| 8 |", "| 9 |"))  # someone edited the points by hand
    monkeypatch.setattr(build, "targets", lambda: {readme: build.readme_source(readme.read_text())})
    assert dev.generated() == [f"{readme} is stale: run `nnkata build`"]
    build.build()
    assert readme.read_text() == text and dev.generated() == []


def test_a_readme_without_the_markers_is_an_error():
    with pytest.raises(HarnessError, match="no <!-- generated: steps -->"):
        build.readme_source("# a README whose tables were deleted\n")


def test_the_tables_say_what_the_registry_says():
    table = build.readme_tables()["steps"]
    for i, s in enumerate(registry.STEPS, start=1):
        assert f"| {i} | `{s.signature.split(' -> ')[0]}` | {s.points:g} |" in table
    assert table.count("\n") == len(registry.STEPS) + 1
