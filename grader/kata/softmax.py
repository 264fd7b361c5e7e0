"""The softmax steps: ``softmax`` (values, stability at +-1000, the properties of a
distribution) and the bonus ``log_softmax`` (the same in the log domain, finite where softmax
underflows to 0)."""

import numpy as np

from grader.judge.compare import Fail, Tol, expect_array, fmt, show
from grader.judge.context import array_cases, finite_matrices, prop, stable, unchanged
from grader.judge.mistakes import GENERIC, Mistake, code
from grader.kata.step import SHAPE, Check, Step, value_check


def _logits(rng, hidden):
    """Hidden logits lie in [-40, 40] under every seed; +-1000 is the public stability check's."""
    if hidden:
        return [(np.clip(rng.normal(0, 10, (rng.integers(3, 16), rng.integers(2, 21))), -40, 40),),
                (np.clip(rng.normal(0, 3, (10, 10)), -40, 40),)]
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


# -- log_softmax (bonus) ----------------------------------------------------------------------
# log_softmax takes the output layer's logits, (n, 10): what the contract lets it pass to softmax
def _output_logits(rng, hidden):
    if hidden:  # in [-40, 40] under every seed, as softmax's
        return [(np.clip(rng.normal(0, 10, (rng.integers(3, 16), 10)), -40, 40),),
                (np.clip(rng.normal(0, 3, (10, 10)), -40, 40),)]
    return [(rng.normal(0, 3, (7, 10)),)]


def log_shape(ctx):
    for n in (7, 1):
        z = ctx.rng(False).normal(size=(n, 10))
        expect_array(ctx.value(z), z.shape, what=f"log_softmax(z) for z of shape {z.shape}")


def log_values(hidden):
    def check(ctx):
        array_cases(ctx, _output_logits(ctx.rng(hidden), hidden), what="log_softmax(z)")
    return check


def log_stability(ctx):
    """Where softmax underflows to 0, its log is -inf; log_softmax stays finite: z - max - log(sum)."""
    z = np.zeros((3, 10))  # (3, 10)
    z[:, :3] = [[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0], [0.0, -800.0, 800.0]]
    stable(ctx, (z,), what="log_softmax(z) for rows with logits from -1000 to 1000 (exact: 0, -1000, -2000, ...)")


def log_properties(ctx):
    def body(z):
        got = expect_array(ctx.value(z), z.shape, what=f"log_softmax(z) for z = {show(z)}")
        sums = np.exp(got).sum(axis=1)
        if np.any(got > 1e-12) or not np.allclose(sums, 1, rtol=0, atol=1e-9):
            i = int(np.argmax(np.abs(sums - 1)))
            raise Fail(f"the exponentials of each row of log_softmax(z) are a distribution: every entry "
                       f"<= 0 and exp(row) summing to 1; for z = {show(z)} row {i}'s sum to {fmt(sums[i])}")
        shift = np.linspace(-50, 50, z.shape[0])[:, None]  # (n, 1): one constant per row
        moved = expect_array(ctx.value(z + shift), z.shape, what="log_softmax(z + c)")
        if not np.allclose(moved, got, rtol=1e-7, atol=1e-9):
            raise Fail(f"adding a constant to a row must not change its log_softmax; for z = {show(z)} it "
                       "did. Is the maximum taken over the whole array instead of each row?")
    prop(finite_matrices(rows=(1, 6), cols=(10, 10), bound=50.0), body, examples=30)


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
        Mistake('softmax-column-max', "you subtracted np.max(z, axis=0), each column's maximum: a row's softmax "
                "is unchanged only when one constant is taken from the whole row, and each column's differs. Subtract "
                "each row's maximum: np.max(z, axis=1, keepdims=True).",
            code(SM, "e = np.exp(z - np.max(z, axis=0, keepdims=True))", ROWS)),
        Mistake('softmax-modifies-input', "you changed z in place (z -= ...): the caller's logits are "
                "overwritten. Make a new array: shifted = z - np.max(z, axis=1, keepdims=True).",
            code(SM, "z -= np.max(z, axis=1, keepdims=True)", "e = np.exp(z)", ROWS)),
        GENERIC['last-row-skipped'].example(code(SM, "out = np.zeros(z.shape)", "for i in range(len(z) - 1):",
                                                 "    e = np.exp(z[i] - np.max(z[i]))", "    out[i] = e / np.sum(e)",
                                                 "return out")),
        GENERIC['first-row-skipped'].example(code(SM, "out = np.zeros(z.shape)", "for i in range(1, len(z)):",
                                                  "    e = np.exp(z[i] - np.max(z[i]))", "    out[i] = e / np.sum(e)",
                                                  "return out")),
        GENERIC['shape-transposed'].example(code(SM, "e = np.exp(z.T - np.max(z.T, axis=0))", "return e / np.sum(e, axis=0)")),
    ))


LOG = "log_softmax(z)"  # the signature mistakes are written with
LOG_SOFTMAX = Step(
    "log_softmax", "log_softmax(z) -> ndarray", "log(softmax(z)) row-wise, finite where softmax underflows to 0",
    ("softmax(z) of a row [1000, 0, -1000] is [1, 0, 0] in float64: what is the log of that 0, and what "
     "should it be?",
     "log softmax(z)ᵢⱼ = zᵢⱼ − mᵢ − log Σₖ e^(zᵢₖ − mᵢ), mᵢ = maxₖ zᵢₖ: no exp of a large number, no log "
     "of 0, so −2000 comes out as −2000. Which terms are (n, 1), and which axis do the max and the sum "
     "run over?",
     "shifted = z - np.max(z, axis=___, keepdims=True)\n"
     "return shifted - np.log(np.sum(np.exp(___), axis=1, keepdims=___))"),
    Tol(1e-9, 1e-12), (
        Check("shape", 1, log_shape),
        value_check(log_values, 1, SHAPE, False),
        value_check(log_values, 1, SHAPE, True),
        Check("finite where softmax underflows", 1, log_stability, SHAPE),
        Check("properties: exp rows sum to 1, shift", 1, log_properties, SHAPE),
    ),
    uses=("softmax",), budget=5.0,
    mistakes=(
        Mistake("log-softmax-of-softmax", "np.log(softmax(z)) takes the log of probabilities that underflow to "
                "0 for logits far below their row's maximum, and log(0) is -inf. Work in the log domain: "
                "z - max - log(sum(exp(z - max))).", code(LOG, "return np.log(softmax(z))")),
        Mistake("log-softmax-no-max-shift", "np.exp(z) overflows for logits above 709. Subtract each row's maximum "
                "first: z - m - log(sum(exp(z - m))), m = np.max(z, axis=1, keepdims=True).",
                code(LOG, "return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))")),
        Mistake("log-softmax-axis-0", "each column's exponentials sum to 1. Did you take the max and the sum over "
                "axis 0? That is the batch: a row holds one example's logits, axis=1, keepdims=True.",
                code(LOG, "m = np.max(z, axis=0, keepdims=True)",
                     "return z - m - np.log(np.sum(np.exp(z - m), axis=0, keepdims=True))")),
        Mistake("log-softmax-no-log", "you subtracted the sum of the exponentials itself; log_softmax subtracts "
                "its log: z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)).",
                code(LOG, "m = np.max(z, axis=1, keepdims=True)",
                     "return z - m - np.sum(np.exp(z - m), axis=1, keepdims=True)")),
    ))
