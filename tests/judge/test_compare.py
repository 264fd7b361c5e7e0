"""Diagnoses: a message names the cause when the numbers show one."""

import numpy as np
import pytest

from grader.judge.compare import Fail, Tol, compare, diagnose, expect_array

TOL = Tol(1e-9, 1e-12)
E = np.random.default_rng(0).normal(size=(7, 10))


@pytest.mark.parametrize("factor, words", [
    (7, "n = 7 times too large"), (1 / 7, "n = 7 times too small"), (-1, "sign is flipped"),
    (0.1, "1/10"), (2.5, "Every entry is 2.5 times the expected one: the formula.s form is right")])
def test_scalar_multiples_are_named(factor, words):
    with pytest.raises(Fail, match=words):
        compare(E * factor, E, TOL, what="x", n=7, k=10)


def test_transpose_of_a_square_is_named():
    square = np.random.default_rng(1).normal(size=(5, 5))
    assert "transposed" in diagnose(square.T, square)


def test_a_failure_says_where_and_the_tolerance():
    got = E.copy()
    got[3, 4] += 1
    with pytest.raises(Fail) as info:
        compare(got, E, TOL, what="dw")
    text = str(info.value)
    assert "row 3, column 4" in text and "rtol 1e-09" in text and "1 of 70 entries" in text


def test_nan_and_inf_are_named():
    got = E.copy()
    got[2, 5] = np.nan
    with pytest.raises(Fail, match="NaN.*row 2, column 5.*overflow"):
        compare(got, E, TOL, what="a3")
    got[2, 5] = np.inf
    with pytest.raises(Fail, match="inf at row 2, column 5"):
        compare(got, E, TOL, what="a3")


def test_matching_values_pass():
    compare(E * (1 + 1e-12), E, TOL, what="x")


@pytest.mark.parametrize("value, shape, words", [
    (np.zeros((10, 7)), (7, 10), "transpose"),
    (np.zeros((7, 10)), (1, 10), "keeps the batch axis"),
    (np.float64(1.0), (7, 10), "single number"),
    ([1.0], (1,), "got a list"),
    (None, (1,), "return statement")])
def test_shape_and_type_causes(value, shape, words):
    with pytest.raises(Fail, match=words):
        expect_array(value, shape, what="x")


def test_a_bias_of_shape_k_is_accepted_where_allowed():
    assert expect_array(np.zeros(10), (1, 10), what="db", bias_ok=True).shape == (1, 10)
    with pytest.raises(Fail):
        expect_array(np.zeros(10), (1, 10), what="db")
