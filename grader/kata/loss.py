"""Checks for ``cross_entropy`` and ``cross_entropy_delta``."""

import numpy as np

from grader.judge import gradcheck
from grader.judge.compare import Fail, compare, diagnosed, expect_array, fmt
from grader.judge.context import array_cases, prop


def batch(rng, n, k=10, scale=3.0):
    """Softmax outputs of random logits and one-hot targets: (n, k) and (n, k)."""
    z = rng.normal(0, scale, (n, k))
    p = np.exp(z - z.max(axis=1, keepdims=True))
    targets = np.eye(k)[rng.integers(0, k, n)]
    return p / p.sum(axis=1, keepdims=True), targets


def _cases(rng, hidden):
    if hidden:
        return [batch(rng, int(rng.integers(3, 40)), scale=6.0), batch(rng, 10)]
    return [batch(rng, 7)]


def as_float(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, int, np.floating, np.integer)):
        if isinstance(value, np.ndarray) and value.size == 1:
            raise Fail(f"{what} is an array of shape {value.shape}; return a plain number, "
                       "e.g. float(...)")
        kind = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        head = f"{what} should be a float, got {kind}."
        raise Fail(f"{head} Did you forget to take the mean over the batch?", head=head)
    return float(value)


# -- cross_entropy ------------------------------------------------------------------------
def ce_type(ctx):
    probs, targets = batch(ctx.rng(False), 7)
    as_float(ctx.value(probs, targets), "cross_entropy(probs, targets)")


def ce_values(hidden):
    def check(ctx):
        for probs, targets in _cases(ctx.rng(hidden), hidden):
            n = len(targets)
            expected = ctx.expected(probs.copy(), targets.copy())
            got = as_float(ctx.value(probs, targets), "cross_entropy(probs, targets)")
            compare(got, expected, ctx.tol, what=f"cross_entropy(probs, targets) for a batch of n = {n}",
                    n=n, k=probs.shape[1])
    return check


def ce_saturated(ctx):
    probs = np.full((4, 10), 1e-300)
    probs[np.arange(4), [0, 3, 5, 9]] = 1.0 - 9e-300
    targets = np.eye(10)[[0, 3, 5, 1]]
    probs[3] = np.full(10, 1e-12)
    probs[3, 1] = 1 - 9e-12
    expected = ctx.expected(probs.copy(), targets.copy())
    returned = ctx.call(probs, targets)
    got = as_float(returned.value, "cross_entropy at saturated probabilities")
    if returned.warnings:
        head = f"cross_entropy at probabilities like 1e-300 and 1 raised {returned.warnings[0]}."
        raise Fail(f"{head[:-1]}: take the log of the true class's probability only, not of every "
                   "entry.", head=head)
    compare(got, expected, ctx.tol, what="cross_entropy at probabilities like 1e-300 and 1")


def ce_properties(ctx):
    from hypothesis import strategies as st

    def body(example):
        seed, n = example
        probs, targets = batch(np.random.default_rng(seed), n, scale=8.0)
        loss = as_float(ctx.value(probs, targets), "cross_entropy(probs, targets)")
        if loss < 0:
            raise Fail(f"the loss must be >= 0; for a batch of n = {n} it is {fmt(loss)}")
        twice = as_float(ctx.value(np.vstack([probs, probs]), np.vstack([targets, targets])),
                         "cross_entropy on the batch twice over")
        if not np.isclose(twice, loss, rtol=1e-9, atol=1e-12):
            raise Fail(f"the mean loss must not change when the batch is duplicated; for n = {n} "
                       f"it went from {fmt(loss)} to {fmt(twice)}: is it a sum rather than a mean?")
        uniform = as_float(ctx.value(np.full((n, 10), 0.1), targets), "cross_entropy(uniform)")
        if not np.isclose(uniform, np.log(10), rtol=1e-9):
            raise Fail(f"uniform probabilities 0.1 must give ln 10 = {fmt(np.log(10))}; for n = {n} "
                       f"the loss is {fmt(uniform)}")
    prop(st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 12)), body, examples=25)


# -- cross_entropy_delta --------------------------------------------------------------------
def delta_shape(ctx):
    probs, targets = batch(ctx.rng(False), 7)
    expect_array(ctx.value(probs, targets), (7, 10), what="cross_entropy_delta(probs, targets)")


def delta_values(hidden):
    def check(ctx):
        array_cases(ctx, _cases(ctx.rng(hidden), hidden),
                    what=lambda args: f"cross_entropy_delta for a batch of n = {len(args[1])}",
                    n_of=lambda args: len(args[1]))
    return check


def delta_gradient(ctx):
    """Numeric gradient of the mean loss of softmax(z) with respect to the logits z."""
    rng = ctx.rng(False)
    for n, k in ((7, 10), (10, 10)):
        z = rng.normal(0, 2, (n, k))
        targets = np.eye(k)[rng.integers(0, k, n)]
        probs = ctx.ref.softmax(z)
        got = expect_array(ctx.value(probs, targets.copy()), (n, k),
                           what=f"cross_entropy_delta for n = {n}")
        numeric = gradcheck.numeric(lambda: ctx.ref.cross_entropy(ctx.ref.softmax(z), targets),
                                    z, np.arange(n * k)).reshape(n, k)
        error = gradcheck.relative_error(got, numeric)
        if error > gradcheck.PASS:
            raise diagnosed(f"against central differences of the mean loss (h = {gradcheck.H:g}), "
                            f"the relative error is {error:.2e} for n = {n}, k = {k} (pass at "
                            f"{gradcheck.PASS:g}).", got, numeric, n=n, k=k)

