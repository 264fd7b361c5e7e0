"""Checks for ``softmax``: values, stability at +-1000, the properties of a distribution."""

import numpy as np

from grader.judge.compare import Tol, Fail, expect_array, fmt, show
from grader.judge.context import array_cases, finite_matrices, prop, stable, unchanged
from grader.kata.step import SHAPE, Check, Step, value_check
from grader.judge.mistakes import GENERIC, Mistake, code


def _logits(rng, hidden):
    if hidden:
        return [(rng.normal(0, 10, (rng.integers(3, 16), rng.integers(2, 21))),),
                (rng.normal(0, 3, (10, 10)),)]
    return [(rng.normal(0, 3, (7, 10)),)]


def axis_cause(got, expected):
    """Row sums, column sums, the whole sum: which one the student normalised."""
    rows = got.sum(axis=1)
    if np.allclose(rows, 1, atol=1e-9):
        return ""
    worst = int(np.argmax(np.abs(rows - 1)))
    text = f" Row {worst} sums to {fmt(rows[worst])}, not 1"
    if got.shape[0] > 1 and np.allclose(got.sum(axis=0), 1, atol=1e-9):
        return text + ": your columns sum to 1. Did you normalise over axis 0? Use axis=1, keepdims=True."
    if np.isclose(got.sum(), 1, atol=1e-9):
        return text + ": the whole array sums to 1. Sum over axis=1 only, with keepdims=True."
    return text + "."


def shape(ctx):
    z = ctx.rng(False).normal(size=(7, 10))
    expect_array(ctx.value(z), z.shape, what="softmax(z) for z of shape (7, 10)")
    z = ctx.rng(False).normal(size=(3, 4))
    expect_array(ctx.value(z), z.shape, what="softmax(z) for z of shape (3, 4)")


def values(hidden):
    def check(ctx):
        array_cases(ctx, _logits(ctx.rng(hidden), hidden), what="softmax(z)", extra=axis_cause)
    return check


def stability(ctx):
    z = np.array([[1000.0, 999.0, 0.0, -1000.0],
                  [-1000.0, -1000.0, -999.0, -1000.0],
                  [710.0, 710.0, 710.0, 710.0],
                  [1000.0, -1000.0, 3.0, 2.0]])
    stable(ctx, (z,), what="softmax(z) for rows with logits from -1000 to 1000")


def input_unchanged(ctx):
    z = ctx.rng(False).normal(0, 3, (7, 10))
    returned = ctx.call(z)
    unchanged(returned, ["z"], what="softmax")


def properties(ctx):
    def body(z):
        p = expect_array(ctx.value(z), z.shape, what=f"softmax(z) for z = {show(z)}")
        if not np.all(np.isfinite(p)):
            raise Fail(f"softmax(z) is not finite for z = {show(z)}: does exp overflow? "
                       "Subtract each row's maximum first.")
        sums = p.sum(axis=1)
        if np.any(p < 0) or not np.allclose(sums, 1, rtol=0, atol=1e-9):
            i = int(np.argmax(np.abs(sums - 1)))
            raise Fail(f"each row must be a distribution; for z = {show(z)} row {i} sums to "
                       f"{fmt(sums[i])}")
        shift = np.linspace(-50, 50, z.shape[0])[:, None]  # (n, 1): one constant per row
        q = expect_array(ctx.value(z + shift), z.shape, what="softmax(z + c)")
        if not np.allclose(q, p, rtol=1e-7, atol=1e-12):
            raise Fail(f"adding a constant to a row must not change its softmax; for z = {show(z)} "
                       "it did. Is the maximum taken over the whole array instead of each row?")
        first = expect_array(ctx.value(z[:1]), (1, z.shape[1]), what="softmax(z[:1])")
        if not np.allclose(first, p[:1], rtol=1e-9, atol=1e-15):
            raise Fail(f"a row's softmax must not depend on the other rows; for z = {show(z)} "
                       "softmax(z[:1]) differs from softmax(z)[:1]")
        perm = np.roll(np.arange(z.shape[1]), 1)
        r = expect_array(ctx.value(z[:, perm]), z.shape, what="softmax(z[:, perm])")
        if not np.allclose(r, p[:, perm], rtol=1e-9, atol=1e-15):
            raise Fail(f"permuting the columns must permute the output the same way; for "
                       f"z = {show(z)} it did not")
    prop(finite_matrices(rows=(1, 6), cols=(2, 10)), body, examples=30)

# -- the steps --------------------------------------------------------------------------------
SM = "softmax(z)"  # the signature mistakes are written with
SHIFT, ROWS = "e = np.exp(z - np.max(z, axis=1, keepdims=True))", "return e / np.sum(e, axis=1, keepdims=True)"


SOFTMAX = Step(
    "softmax", "softmax(z) -> ndarray", "row-wise softmax over axis 1, stable for +-1000",
    ("Which axis holds one example's 10 logits? What happens to softmax when you subtract "
     "the same number from every logit of a row, and which number makes exp safe?",
     "softmax(z)ᵢⱼ = e^(zᵢⱼ − mᵢ) / Σₖ e^(zᵢₖ − mᵢ), mᵢ = maxₖ zᵢₖ: the shift cancels, the "
     "largest exponent is e^0 = 1 and the row sum is ≥ 1. z is (n, k); mᵢ and the row sums "
     "must be (n, 1) to broadcast along the row: what would (n,) do? And z -= m: whose "
     "array does that change?",
     "e = np.exp(z - np.max(z, axis=___, keepdims=True))  # a new array: z is untouched\n"
     "return e / e.sum(axis=___, keepdims=True)"),
    Tol(1e-9, 1e-12), (
        Check("shape", 1, shape),
        value_check(values, 2, SHAPE, False),
        value_check(values, 2, SHAPE, True),
        Check("stable at logits of +-1000", 3, stability, SHAPE),
        Check("input unchanged", 1, input_unchanged, SHAPE),
        Check("properties: distributions, shift, batch, permutation", 3, properties, SHAPE),
    ),
    arguments="rows",
    mistakes=(
        Mistake('softmax-axis-0', "each column sums to 1. Did you normalise over axis 0? That is the batch; a "
                "softmax normalises each row, one example's logits: axis=1, keepdims=True in the max and the sum.",
            code(SM, "e = np.exp(z - np.max(z, axis=0, keepdims=True))", "return e / np.sum(e, axis=0, keepdims=True)")),
        Mistake('softmax-whole-array', "you divided by the sum of every entry, so the whole array sums to 1; each "
                "row must: e / np.sum(e, axis=1, keepdims=True).",
            code(SM, SHIFT, "return e / np.sum(e)")),
        Mistake('softmax-no-keepdims', "np.sum(e, axis=1) has shape (n,), which does not broadcast against e's "
                "(n, k): keep the axis, np.sum(e, axis=1, keepdims=True).",
            code(SM, SHIFT, "return e / np.sum(e, axis=1)")),
        Mistake('softmax-no-exp', "you normalised the logits themselves; a softmax normalises their exponentials: "
                "e = np.exp(z - max), then e / np.sum(e, axis=1, keepdims=True).",
            code(SM, "return z / np.sum(z, axis=1, keepdims=True)")),
        Mistake('softmax-no-max-shift', "np.exp(z) overflows for logits above 709, and inf / inf is NaN. Subtract "
                "each row's maximum first: z - np.max(z, axis=1, keepdims=True) changes no row's softmax and keeps every "
                "exponent <= 0.",
            code(SM, "e = np.exp(z)", ROWS)),
        Mistake('softmax-global-max', "you subtracted np.max(z), the maximum of the whole array: a row far below "
                "it underflows to 0 / 0. Subtract each row's maximum: np.max(z, axis=1, keepdims=True).",
            code(SM, "e = np.exp(z - np.max(z))", ROWS)),
        Mistake('softmax-modifies-input', "you changed z in place (z -= ...): the caller's logits are "
                "overwritten. Make a new array: shifted = z - np.max(z, axis=1, keepdims=True).",
            code(SM, "z -= np.max(z, axis=1, keepdims=True)", "e = np.exp(z)", ROWS)),
        GENERIC['shape-transposed'].example(code(SM, "e = np.exp(z.T - np.max(z.T, axis=0))", "return e / np.sum(e, axis=0)")),
    ))
