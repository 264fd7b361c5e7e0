"""Named mistakes: every step's named mistakes (``Step.mistakes``, ``curriculum.CATALOGUE``),
written into a copy of the reference, are named by their slug and their words in their own
step's feedback; no correct implementation ever receives a mistake's name."""

import re

import numpy as np
import pytest

from kata.test_correct_alternatives import ALTERNATIVES
from conftest import FAST_STEPS, REFERENCE, full, grade, variant_grader
from grader.kata import curriculum
from grader.judge.compare import Fail, Tol, compare, expect_array

SEED = 11
CORE = list(FAST_STEPS)  # train is graded end to end: its mistakes are not catalogued
CATALOGUE = curriculum.CATALOGUE  # (step, mistake)
IDS = [m.slug for _, m in CATALOGUE]


def pattern(says):
    """The words as a regex: each {n}, {k} or {c} stands for the number it becomes."""
    return r"\S+".join(re.escape(part) for part in re.split(r"\{[nkc]\}", says))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(step, mistake) -> the mistake's step graded alone, each once."""
    grade_variant = variant_grader(tmp_path_factory, SEED)

    def get(step, m):
        report = grade_variant((step, m.slug), step, m.code, [step])
        return (*report.steps, *report.bonus)[0]

    return get


def named(step, m):
    """Is ``m`` named: a check carries its slug and the feedback says its words?"""
    return (any(c.cause == m.slug for c in step.checks)
            and f"Named mistake ({m.slug}):" in step.feedback
            and re.search(pattern(m.says), step.feedback) is not None)


@pytest.mark.parametrize("name, m", CATALOGUE, ids=IDS)
def test_every_named_mistake_is_named_by_its_step(graded, name, m):
    step = graded(name, m)
    assert step.name == name
    assert step.score < full(name), step.feedback
    assert named(step, m), (m.slug, [c.cause for c in step.checks], step.feedback)


def test_how_many_are_named(graded, capsys):
    named_slugs = [m.slug for name, m in CATALOGUE if named(graded(name, m), m)]
    with capsys.disabled():
        print(f"\nnamed mistakes: {len(named_slugs)}/{len(CATALOGUE)} "
              f"({sum(m.named_by == 'output' for _, m in CATALOGUE)} named by their output, "
              f"{sum(m.named_by == 'numbers' for _, m in CATALOGUE)} by the numbers)")
    assert len(named_slugs) == len(CATALOGUE)


def test_every_core_step_has_mistakes_named_by_their_output():
    variants = {name for name, m in CATALOGUE if m.named_by == "output"}
    assert set(CORE) <= variants, set(CORE) - variants


def test_slugs_are_unique_and_stable_words():
    assert len(IDS) == len(set(IDS))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9/-]*", s) for s in IDS)
    for name, m in CATALOGUE:
        assert m.code.startswith(f"def {name}("), m.slug
        assert m.named_by in ("output", "numbers"), m.slug
        compile(m.code, m.slug, "exec")


@pytest.mark.parametrize("alternative", ALTERNATIVES + ["reference"],
                         ids=[a.id for a in ALTERNATIVES] + ["reference"])
def test_correct_code_is_never_named(submission, alternative):
    if alternative == "reference":
        path, steps = REFERENCE, FAST_STEPS
    else:
        path, steps = submission(**{alternative.step: alternative.code}), list(alternative.steps)
    report = grade(path, steps=steps, seed=SEED)
    causes = {(s.name, c.name): c.cause for s in report.steps for c in s.checks if c.cause}
    assert causes == {}
    assert "Named mistake" not in "".join(s.feedback for s in report.steps)


@pytest.mark.parametrize("factor, slug", [(7, "times-n"), (1 / 7, "times-1/n"), (-1, "sign"),
                                          (-7, "sign-times-n"), (0.1, "times-1/k"),
                                          (0.7, "k-for-n"), (2, "times-2"), (0.5, "times-1/2")])
def test_the_heuristics_carry_their_slug(factor, slug):
    e = np.random.default_rng(0).normal(size=(7, 10))
    with pytest.raises(Fail) as info:
        compare(e * factor, e, Tol(1e-9, 1e-12), what="x", n=7, k=10)
    assert info.value.cause == slug and f"Named mistake ({slug}): " in str(info.value)
    assert str(info.value).startswith(info.value.head)
    with pytest.raises(Fail) as info:
        expect_array(np.zeros((7, 10)), (1, 10), what="db")
    assert info.value.cause == "batch-axis-kept"


@pytest.mark.parametrize("factor", [2.5, 0.0638516, -44443.3])
def test_a_ratio_that_means_nothing_names_nothing(factor):
    """Any number is some multiple of another: only n, 1/n, k, 1/k, -1, 2, 1/2 ... name a
    mistake. A whole array in proportion still says the formula's form is right; a scalar
    says nothing of a factor."""
    e = np.random.default_rng(0).normal(size=(7, 10))
    with pytest.raises(Fail) as info:
        compare(e * factor, e, Tol(1e-9, 1e-12), what="x", n=7, k=10)
    assert info.value.cause == "" and "Named mistake" not in str(info.value)
    assert "times the expected one: the formula's form is right" in str(info.value)
    with pytest.raises(Fail) as info:
        compare(np.float64(3.0) * factor, np.float64(3.0), Tol(1e-9, 1e-12), what="the loss", n=7, k=10)
    assert info.value.cause == "" and "times" not in str(info.value)


def test_a_ratio_two_readings_fit_names_neither():
    """n = 2: twice too large is a missing 1/n or a term counted twice alike."""
    e = np.random.default_rng(0).normal(size=(2, 10))
    with pytest.raises(Fail) as info:
        compare(e * 2, e, Tol(1e-9, 1e-12), what="x", n=2, k=10)
    assert info.value.cause == ""
    with pytest.raises(Fail) as info:
        compare(e * 2, e, Tol(1e-9, 1e-12), what="x", n=7, k=10)
    assert info.value.cause == "times-2"


def test_a_bias_gradient_with_one_entry_per_example_was_summed_over_the_units():
    with pytest.raises(Fail) as info:
        expect_array(np.zeros(7), (1, 128), what="db1", bias_ok=True)
    assert info.value.cause == "summed-over-units" and "axis 1, the units" in str(info.value)
    with pytest.raises(Fail) as info:  # not a bias: no talk of units
        expect_array(np.zeros(7), (1, 128), what="x")
    assert info.value.cause == ""
