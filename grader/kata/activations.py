"""Checks for ``sigmoid`` and ``sigmoid_derivative``."""

import numpy as np

from grader.judge.compare import Tol, Fail, expect_array, failing, fmt, show, where
from grader.judge.context import array_cases, finite_matrices, prop, stable, unchanged
from grader.kata.step import PUBLIC, SHAPE, Check, Step, value_check
from grader.judge.mistakes import GENERIC, Mistake, code


def _logits(rng, hidden):
    """Hidden logits lie in [-40, 40] under every seed; |z| up to 1000 is the public
    stability check's."""
    if hidden:
        n, k = rng.integers(3, 16), rng.integers(2, 21)
        z = np.clip(rng.normal(0, 12, (n, k)), -40, 40)  # (n, k)
        return [(z,), (rng.uniform(-40, 40, (rng.integers(2, 30),)),)]
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
        array_cases(ctx, _logits(ctx.rng(hidden), hidden), what="sigmoid(z)", extra=clipped_at)
    return check


def clipped_at(got, expected):
    """(CLIPPED, {c}) when every wrong entry is sigmoid(+-c) for one c, at |z| > c: z clipped."""
    with np.errstate(all="ignore"):
        z = np.log(expected / (1 - expected))  # (n, k): the logits back, where finite
        wrong = ~np.isclose(got, expected, rtol=1e-9, atol=1e-12)
        seen = np.abs(np.log(got[wrong] / (1 - got[wrong])))  # the |z| each wrong entry is sigmoid of
    if wrong.any() and np.all(np.isfinite(seen)) and np.allclose(seen, seen[0], rtol=1e-6) \
            and np.all(np.abs(z[wrong]) > seen[0]) and np.all(np.abs(z[~wrong]) <= seen[0] * (1 + 1e-6)):
        return CLIPPED_Z, {"c": f"{seen[0]:.6g}"}
    return ""


SIDES = {"z >= 0": (0, 50, 710, 745, 1000), "z <= 0": (-1000, -745, -710, -50, 0)}


def sigmoid_stable(ctx):
    """Each sign apart: the sign at which exp overflowed tells which exp it was (and a branch
    that np.where threw away still ran)."""
    overflowed = {}
    for side, values in SIDES.items():
        z = np.array([values], dtype=np.float64)  # (1, 5)
        try:
            stable(ctx, (z,), what=f"sigmoid(z) for z = [{', '.join(map(str, values))}]")
        except Fail as fail:
            if "overflow" not in fail.head:
                raise
            overflowed[side] = fail
    if len(overflowed) == 2:
        raise failing(overflowed["z >= 0"].head, WHERE_BOTH)
    for side, fail in overflowed.items():
        raise failing(fail.head, NAIVE_OVER if side == "z >= 0" else NAIVE)


def sigmoid_properties(ctx):
    def body(z):
        s = ctx.value(z)
        s = expect_array(s, z.shape, what=f"sigmoid(z) for z = {show(z)}")
        if not np.all((s >= 0) & (s <= 1)):
            i = np.argwhere(~((s >= 0) & (s <= 1)))[0]
            raise Fail(f"sigmoid(z) must lie in [0, 1]; for z = {show(z)}, at {where(i, z.shape)}, it is "
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


def input_unchanged(ctx):
    """Both take an array and must leave it as it was: backprop reuses the activations. The
    sigmoid's includes the extremes, where a guard such as np.clip(z, ..., out=z) writes."""
    arg = ctx.rng(False).uniform(0, 1, (7, 10))  # (7, 10): an activation
    if ctx.step.name == "sigmoid":
        arg = np.concatenate([(arg - 0.5) * 20, [[-1000, -745, -600, -50, 0, 50, 600, 745, 1000, 3]]])  # (8, 10)
    name = ctx.step.signature.split("(")[1].split(")")[0]
    unchanged(ctx.call(arg), [name], what=ctx.step.name)


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

# -- the steps --------------------------------------------------------------------------------
SIG, DER = "sigmoid(z)", "sigmoid_derivative(a)"  # the signatures mistakes are written with
WHERE = ("np.where(condition, a, b) computes a and b for every entry before it chooses, so the "
         "branch it throws away still overflows")
STABLE = ("Rearrange the formula so that exp only ever sees non-positive numbers: with e = np.exp(-np.abs(z)), "
          "1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0.")


# Named by the stability check, from the sign of z at which exp overflowed:
NAIVE = Mistake('sigmoid-naive-exp', "np.exp(-z) overflows for z below -709. " + STABLE, named_by="numbers")
NAIVE_OVER = Mistake('sigmoid-naive-exp-over', "np.exp(z) overflows for z above 709, and inf / inf is NaN. " + STABLE,
                     named_by="numbers")
WHERE_BOTH = Mistake('sigmoid-where-both-branches', "exp overflowed for z >= 0 and for z <= 0 alike: " + WHERE +
                     ". Take e = np.exp(-np.abs(z)), which never overflows, and build both branches from it: "
                     "np.where(z >= 0, 1 / (1 + e), e / (1 + e)).", named_by="numbers")


CLIPPED_Z = Mistake('sigmoid-clipped-z', "where |z| > {c} it is sigmoid(+-{c}): z is clipped too tightly. exp "
                    "only overflows beyond 709, and the stable form needs no clip at all.", named_by="numbers")


SIGMOID = Step(
    "sigmoid", "sigmoid(z) -> ndarray", "the logistic function 1/(1+e^-z), elementwise",
    ("What is e^1000 in float64? For a negative z, can you rewrite 1/(1+e^-z) so that exp "
     "only sees a number <= 0?",
     "For z ≥ 0, σ(z) = 1/(1 + e^−z); for z < 0, multiply top and bottom by e^z: σ(z) = "
     "e^z/(1 + e^z). With e = e^−|z| ∈ (0, 1], which branch is 1/(1 + e) and which e/(1 + "
     "e)? The result has z's shape. np.where(c, A, B) computes A and B for every entry "
     "before choosing: can either of yours overflow?",
     "e = np.exp(___)  # which argument is never positive?\n"
     "return np.where(z >= 0, 1 / (1 + e), ___)  # the z < 0 branch, written with e"),
    Tol(1e-9, 1e-12), (
        Check("shape", 1, sigmoid_shape),
        value_check(sigmoid_values, 1, SHAPE, False),
        value_check(sigmoid_values, 2, SHAPE, True),
        Check("input unchanged", 1, input_unchanged, PUBLIC),
        Check("stable at |z| up to 1000", 2, sigmoid_stable, SHAPE),
        Check("properties: range, symmetry, monotone", 1, sigmoid_properties, SHAPE),
    ),
    arguments="elementwise",
    mistakes=(
        Mistake('sigmoid-exponent-sign', "you computed 1 / (1 + e^z), which is sigmoid(-z): the exponent's sign. "
                "sigmoid(z) = 1 / (1 + e^-z).",
            code(SIG, "return 1 / (1 + np.exp(z))")),
        Mistake('sigmoid-precedence', "1 / 1 + np.exp(-z) is 1 + e^-z, since / binds tighter than +: write 1 / (1 "
                "+ np.exp(-z)).",
            code(SIG, "return 1 / 1 + np.exp(-z)")),
        NAIVE.example(code(SIG, "return 1 / (1 + np.exp(-z))")),
        NAIVE_OVER.example(code(SIG, "return np.exp(z) / (1 + np.exp(z))")),
        Mistake('sigmoid-tanh-no-half', "you computed (1 + tanh(z)) / 2, which is sigmoid(2z): the identity is "
                "sigmoid(z) = (1 + tanh(z / 2)) / 2, with z halved inside tanh.",
            code(SIG, "return 0.5 * (1.0 + np.tanh(z))")),
        Mistake('sigmoid-max-shift', "you subtracted max(z) as a softmax does; a softmax is unchanged by "
                "subtracting one constant from a row, a sigmoid is not: this is sigmoid(z - max z).",
            code(SIG, "e = np.exp(z - np.max(z))", "return e / (1 + e)")),
        CLIPPED_Z.example(code(SIG, "return 1 / (1 + np.exp(-np.clip(z, -10, 10)))")),
        GENERIC['flattened'].example(code(SIG, "import math", "return np.array([1 / (1 + math.exp(-t)) for t in np.ravel(z)])")),
        GENERIC['modifies-input'].example(code(SIG, "np.clip(z, -500, 500, out=z)", "return 1 / (1 + np.exp(-z))")),
        GENERIC['math-range'].example(code(SIG, "import math", "return np.vectorize(lambda t: 1 / (1 + math.exp(-t)))(z)")),
        WHERE_BOTH.example(code(SIG, "return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))")),
    ))


SIGMOID_DERIVATIVE = Step(
    "sigmoid_derivative", "sigmoid_derivative(a) -> ndarray",
    "the sigmoid's derivative in terms of its activation: a(1-a)",
    ("You are given a = sigmoid(z), not z. If s = sigmoid(z), what is ds/dz written with s "
     "alone?",
     "σ(z) = 1/(1 + e^−z) gives σ′(z) = e^−z/(1 + e^−z)² = σ(z)·(1 − σ(z)). Here a = σ(z) "
     "already, so σ′ = a ⊙ (1 − a): elementwise, the shape of a, at most 1/4 (at a = 1/2). "
     "What would sigmoid(a) * (1 - sigmoid(a)) compute instead?",
     "return a * (___)  # elementwise *, not @; no exp, no sigmoid call"),
    Tol(1e-9, 1e-12), (
        Check("shape", 1, derivative_shape),
        value_check(derivative_values, 1, SHAPE, False),
        value_check(derivative_values, 2, SHAPE, True),
        Check("input unchanged", 1, input_unchanged, PUBLIC),
        Check("properties: range 0 to 1/4, symmetry", 1, derivative_properties, SHAPE),
    ),
    arguments="elementwise",
    mistakes=(
        Mistake('sigmoid-derivative-of-z', "you computed sigmoid(a) * (1 - sigmoid(a)), the formula in "
                "terms of z; the argument is already the activation a = sigmoid(z), so it is a * (1 - a).",
            code(DER, "s = sigmoid(a)", "return s * (1 - s)")),
        Mistake('sigmoid-derivative-tanh', "1 - a² is the derivative of tanh; the sigmoid's, written "
                "in its activation, is a * (1 - a).",
            code(DER, "return 1 - a ** 2")),
        Mistake('sigmoid-derivative-plus', "a * (1 + a) has the sign of the second factor flipped: the sigmoid's "
                "derivative is a * (1 - a), at most 1/4.",
            code(DER, "return a * (1 + a)")),
        GENERIC['matrix-product'].example(code(DER, "return np.dot(a, (1 - a).T)")),
        Mistake('sigmoid-derivative-precedence', "a * 1 - a is (a * 1) - a = 0, since * binds tighter than -: "
                "write a * (1 - a).",
            code(DER, "return a * 1 - a")),
        GENERIC['sign'].example(code(DER, "return a * (a - 1)")),
    ))
