"""Bonus steps beyond the article's sigmoid: relu and tanh, with their derivatives. Values
against the reference, stability at +-1000, the properties each function has, and numeric
gradients; a derivative is checked against central differences of its function."""

import numpy as np

from grader.judge import gradcheck
from grader.judge.compare import Fail, Tol, compare, expect_array, fmt, show
from grader.judge.context import finite_matrices, prop, stable, unchanged
from grader.judge.mistakes import Mistake, code
from grader.kata.step import SHAPE, Check, Step, value_check


def _floats(value, shape, what):
    if isinstance(value, np.ndarray) and value.dtype == bool:
        raise Fail(f"{what} is a boolean array (a comparison like z > 0); return float64: "
                   "np.where(..., 1.0, 0.0) or .astype(float).")
    return expect_array(value, shape, what=what)


def _z(rng, hidden):
    if hidden:  # in [-30, 30] under every seed; beyond is the public stability check's
        z = np.clip(rng.normal(0, 6, (int(rng.integers(3, 16)), int(rng.integers(2, 40)))), -30, 30)
        z.flat[rng.choice(z.size, 3, replace=False)] = 0.0
        return [z, rng.uniform(-30, 30, int(rng.integers(2, 30)))]
    z = rng.normal(0, 3, (7, 10))
    z[0, :9] = [-30, -2, -1e-3, -0.0, 0.0, 1e-3, 1, 2, 30]
    return [z]


def _arg(ctx, z):
    return np.tanh(z) if ctx.step.name == "tanh_derivative" else z  # its argument is a = tanh(z)


def shape(ctx):
    for z in (ctx.rng(False).normal(size=(7, 3)), np.linspace(-2, 2, 5)):
        _floats(ctx.value(_arg(ctx, z)), z.shape, f"{ctx.step.name} for an input of shape {z.shape}")


def values(hidden):
    def run(ctx):
        name = ctx.step.name
        for z in _z(ctx.rng(hidden), hidden):
            arg = _arg(ctx, z)
            expected = ctx.expected(arg.copy())
            got = _floats(ctx.value(arg), z.shape, f"{name} on {z.shape} inputs")
            if name == "relu_derivative":  # no derivative at 0: either 0 or 1 is accepted there
                got = np.where((z == 0) & ((got == 0) | (got == 1)), expected, got)
            compare(got, expected, ctx.tol, what=f"{name} on {z.shape} inputs")
    return run


def input_unchanged(ctx):
    unchanged(ctx.call(ctx.rng(False).normal(0, 3, (6, 5))), ["z"], what=ctx.step.name)


def relu_properties(ctx):
    def body(z):
        r, mirror = (_floats(ctx.value(s * z), z.shape, "relu(z)") for s in (1, -1))
        if np.any(r < 0) or not np.allclose(r - mirror, z, rtol=1e-15, atol=0):
            raise Fail(f"relu(z) >= 0 and relu(z) - relu(-z) = z for every z; not for z = {show(z)}")
    prop(finite_matrices(), body)


def relu_derivative_gradient(ctx):
    z = ctx.rng(False).uniform(-5, 5, (6, 8))
    z[np.abs(z) < 1e-3] = 0.5  # relu has a kink at 0: compare away from it
    d = _floats(ctx.value(z), z.shape, "relu_derivative(z)")
    if not np.all((d == 0) | (d == 1)):
        odd = d[(d != 0) & (d != 1)][0]
        raise Fail(f"relu_derivative takes only the values 0 and 1; it returned {fmt(odd)}")
    numeric = (np.maximum(z + gradcheck.H, 0) - np.maximum(z - gradcheck.H, 0)) / (2 * gradcheck.H)
    compare(d, numeric, Tol(1e-6, 1e-6), what="relu_derivative(z) against central differences of relu")


def tanh_stable(ctx):
    z = np.array([[-1000.0, -710.0, -355.0, -20.0, 0.0, 20.0, 355.0, 710.0, 1000.0]])
    stable(ctx, (z,), what="tanh(z) for z = [-1000, -710, -355, -20, 0, 20, 355, 710, 1000]")


def tanh_properties(ctx):
    def body(z):
        t, mirror = (_floats(ctx.value(s * z), z.shape, "tanh(z)") for s in (1, -1))
        if np.any(np.abs(t) > 1) or not np.allclose(mirror, -t, rtol=0, atol=1e-12):
            raise Fail(f"tanh lies in [-1, 1] and is odd, tanh(-z) = -tanh(z); not for z = {show(z)}")
        if np.any(np.diff(t.ravel()[np.argsort(z, axis=None, kind="stable")]) < -1e-15):
            raise Fail(f"tanh must be non-decreasing; for z = {show(z)} a larger z gave a smaller output")
    prop(finite_matrices(bound=50.0), body)  # the overflow at +-1000 is the stability check's


def tanh_derivative_gradient(ctx):
    z = ctx.rng(False).normal(0, 1.5, (6, 8))
    numeric = (np.tanh(z + gradcheck.H) - np.tanh(z - gradcheck.H)) / (2 * gradcheck.H)
    d = _floats(ctx.value(np.tanh(z)), z.shape, "tanh_derivative(a)")
    error = gradcheck.relative_error(d, numeric)
    if error > gradcheck.PASS:
        raise Fail(f"tanh_derivative(tanh(z)) disagrees with central differences of tanh at z (h = "
                   f"{gradcheck.H:g}): relative error {error:.2e}, pass at {gradcheck.PASS:g}.")


# -- the steps ----------------------------------------------------------------------------
def elementwise(name, signature, goal, hints, more, mistakes):
    """A bonus step on one array: shape, values on public and hidden inputs, then ``more``."""
    return Step(name, signature, goal, hints, Tol(1e-9, 1e-12), (
        Check("shape", 1, shape), value_check(values, 1, SHAPE, False), value_check(values, 1, SHAPE, True),
        *more), mistakes=mistakes, budget=5.0, arguments="elementwise")


RELU = elementwise(
    "relu", "relu(z) -> ndarray", "max(0, z), elementwise; z unchanged",
    ("Which entries of z does relu keep, and what does it put in place of the others?",
     "relu(z) = max(0, z) entrywise, the shape of z. Which numpy function takes an "
     "elementwise maximum of z and a number? Why not z[z < 0] = 0?",
     "return np.___(z, ___)  # a new array; z stays as it was"),
    (Check("input unchanged", 1, input_unchanged, SHAPE),
     Check("properties: >= 0, relu(z) - relu(-z) = z", 1, relu_properties, SHAPE)),
    (Mistake("relu-is-its-derivative", "that is the derivative (0 or 1), not relu itself: max(0, z).",
             code("relu(z)", "return (z > 0) * 1.0")),
     Mistake("relu-min", "that is min(0, z): relu keeps the positive part.", code("relu(z)", "return np.minimum(z, 0)"))))


RELU_DERIVATIVE = elementwise(
    "relu_derivative", "relu_derivative(z) -> ndarray", "1.0 where z > 0, else 0.0 (0 or 1 at 0)",
    ("Where is max(0, z) flat and where is it the line z: what is its slope on each side?",
     "d relu / dz is 1 for z > 0 and 0 for z < 0 (at 0 either is accepted). A comparison "
     "z > 0 gives booleans: which dtype must the result have?",
     "return np.where(___, 1.0, ___)"),
    (Check("properties: 0 or 1, central differences of relu", 1, relu_derivative_gradient, SHAPE),),
    (Mistake("relu-derivative-is-relu", "that is relu(z) itself; its derivative is 1 where z > 0, else 0.",
             code("relu_derivative(z)", "return np.maximum(z, 0)")),
     Mistake("relu-derivative-swapped", "the two sides are swapped: 1 where z > 0.",
             code("relu_derivative(z)", "return (z < 0) * 1.0"))))


TANH = elementwise(
    "tanh", "tanh(z) -> ndarray", "the hyperbolic tangent, stable for +-1000",
    ("What is e^1000 in float64, and what does (e^z - e^-z) / (e^z + e^-z) give there?",
     "tanh is odd and, for |z|, (1 - e^(-2|z|)) / (1 + e^(-2|z|)): which argument does "
     "exp see then? Or: does numpy have tanh already?",
     "e = np.exp(-2 * np.abs(z))\nreturn np.sign(z) * (___) / (___)"),
    (Check("stable at |z| up to 1000", 1, tanh_stable, SHAPE),
     Check("properties: range, odd, monotone", 1, tanh_properties, SHAPE)),
    (Mistake("tanh-is-sigmoid", "that is the sigmoid, 1/(1+e^-z); tanh(z) = 2 sigmoid(2z) - 1.",
             code("tanh(z)", "return 1 / (1 + np.exp(-z))")),))


TANH_DERIVATIVE = elementwise(
    "tanh_derivative", "tanh_derivative(a) -> ndarray", "1 - a^2, in terms of a = tanh(z)",
    ("You are given a = tanh(z), not z. If t = tanh(z), what is dt/dz written with t alone?",
     "d tanh / dz = 1 - tanh(z)^2, and tanh(z) is a already: elementwise, the shape of "
     "a. What would 1 - np.tanh(a)**2 compute instead?",
     "return 1.0 - ___  # no exp, no tanh call"),
    (Check("numeric gradient of tanh", 1, tanh_derivative_gradient, SHAPE),),
    (Mistake("tanh-derivative-of-z", "you computed 1 - tanh(a)^2, the formula in terms of z; the argument is "
             "already the activation a = tanh(z), so it is 1 - a^2.", code("tanh_derivative(a)", "return 1 - np.tanh(a) ** 2")),
     Mistake("tanh-derivative-sign", "the sign: 1 - a^2, not a^2 - 1.", code("tanh_derivative(a)", "return a * a - 1")),
     Mistake("tanh-derivative-sigmoid-form", "that is the sigmoid's a(1 - a); tanh's is 1 - a^2.",
             code("tanh_derivative(a)", "return a * (1 - a)"))))
