"""Checks for ``sigmoid`` and ``sigmoid_derivative``."""

import numpy as np

from grader.judge.compare import Fail, expect_array, fmt, show
from grader.judge.context import array_cases, finite_matrices, prop, stable


def _logits(rng, hidden):
    if hidden:
        n, k = rng.integers(3, 16), rng.integers(2, 21)
        return [(rng.normal(0, 12, (n, k)),), (rng.uniform(-40, 40, (rng.integers(2, 30),)),)]
    z = rng.normal(0, 4, (7, 10))
    z[0, :7] = [-30, -5, -1, 0, 1, 5, 30]
    return [(z,)]


# -- sigmoid ----------------------------------------------------------------------------
def sigmoid_shape(ctx):
    z = ctx.rng(False).normal(size=(7, 3))
    expect_array(ctx.value(z), z.shape, what="sigmoid(z) for z of shape (7, 3)")
    expect_array(ctx.value(z[0]), (3,), what="sigmoid(z) for a 1-d z of shape (3,)")


def sigmoid_values(hidden):
    def check(ctx):
        array_cases(ctx, _logits(ctx.rng(hidden), hidden), what="sigmoid(z)")
    return check


def sigmoid_stable(ctx):
    z = np.array([[-1000.0, -745.0, -710.0, -50.0, 0.0, 50.0, 710.0, 745.0, 1000.0]])
    stable(ctx, (z,), what="sigmoid(z) for z = [-1000, -745, -710, -50, 0, 50, 710, 745, 1000]")


def sigmoid_properties(ctx):
    def body(z):
        s = ctx.value(z)
        s = expect_array(s, z.shape, what=f"sigmoid(z) for z = {show(z)}")
        if not np.all((s >= 0) & (s <= 1)):
            i = np.argwhere(~((s >= 0) & (s <= 1)))[0]
            raise Fail(f"sigmoid(z) must lie in [0, 1]; for z = {show(z)} entry {tuple(i)} is "
                       f"{fmt(s[tuple(i)])}")
        mirror = expect_array(ctx.value(-z), z.shape, what="sigmoid(-z)")
        if not np.allclose(mirror, 1 - s, rtol=0, atol=1e-12):
            raise Fail(f"sigmoid(-z) should equal 1 - sigmoid(z); for z = {show(z)} they differ "
                       f"by {fmt(np.max(np.abs(mirror - (1 - s))))}")
        order = np.argsort(z, axis=None, kind="stable")
        if np.any(np.diff(s.ravel()[order]) < -1e-15):
            raise Fail(f"sigmoid must be non-decreasing; for z = {show(z)} a larger z gave a "
                       "smaller output")
    prop(finite_matrices(), body)


# -- sigmoid_derivative -----------------------------------------------------------------
def _activations(rng, hidden):
    if hidden:
        return [(rng.uniform(0, 1, (rng.integers(3, 16), rng.integers(2, 130))),)]
    a = rng.uniform(0, 1, (7, 10))
    a[0, :5] = [0.0, 0.25, 0.5, 0.75, 1.0]
    return [(a,)]


def derivative_shape(ctx):
    a = ctx.rng(False).uniform(size=(7, 3))
    expect_array(ctx.value(a), a.shape, what="sigmoid_derivative(a) for a of shape (7, 3)")


def derivative_values(hidden):
    def check(ctx):
        array_cases(ctx, _activations(ctx.rng(hidden), hidden), what="sigmoid_derivative(a)")
    return check


def derivative_properties(ctx):
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    arrays = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 10)),
                        elements=st.floats(0, 1))

    def body(a):
        d = expect_array(ctx.value(a), a.shape, what=f"sigmoid_derivative(a) for a = {show(a)}")
        if np.any(d < -1e-15) or np.any(d > 0.25 + 1e-15):
            raise Fail(f"a * (1 - a) lies in [0, 0.25] for a in [0, 1]; for a = {show(a)} "
                       f"the output reaches {fmt(d.max() if d.max() > 0.25 else d.min())}")
        mirror = expect_array(ctx.value(1 - a), a.shape, what="sigmoid_derivative(1 - a)")
        if not np.allclose(mirror, d, rtol=0, atol=1e-12):
            raise Fail(f"sigmoid_derivative(1 - a) should equal sigmoid_derivative(a); for "
                       f"a = {show(a)} they differ")
    prop(arrays, body)
