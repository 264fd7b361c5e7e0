"""Checks for ``cross_entropy`` and ``cross_entropy_delta``."""

import numpy as np

from grader.judge import gradcheck
from grader.judge.compare import Tol, Fail, compare, diagnosed, expect_array, fmt
from grader.judge.context import array_cases, prop
from grader.kata.step import SHAPE, Check, Step, value_check
from grader.judge.mistakes import GENERIC, Mistake, code


LOGIT_BOUND = 6.0  # value checks: every probability >= e^-12 / 10 > 6e-7, for every seed


def batch(rng, n, k=10, scale=3.0, bound=None):
    """Softmax outputs of random logits and one-hot targets: (n, k) and (n, k). With ``bound``
    the logits lie in [-bound, bound], so no probability is below e^(-2 bound) / k."""
    z = rng.normal(0, scale, (n, k))  # (n, k)
    if bound is not None:
        z = np.clip(z, -bound, bound)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    targets = np.eye(k)[rng.integers(0, k, n)]
    return p / p.sum(axis=1, keepdims=True), targets


def _cases(rng, hidden):
    """The value checks' batches. The hidden ones are as hard under every seed: probabilities
    bounded away from 0 (a guard like np.clip(probs, 1e-12, 1) changes nothing); the extreme
    ones are the public stability check's, the same for everyone."""
    if hidden:
        return [batch(rng, int(rng.integers(3, 40)), scale=6.0, bound=LOGIT_BOUND),
                batch(rng, 10, bound=LOGIT_BOUND)]
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

# -- the steps --------------------------------------------------------------------------------
CE, DELTA = "cross_entropy(probs, targets)", "cross_entropy_delta(probs, targets)"  # the signatures mistakes are written with
TRUE = "p = probs[np.arange(len(targets)), np.argmax(targets, axis=1)]"


CROSS_ENTROPY = Step(
    "cross_entropy", "cross_entropy(probs, targets) -> float",
    "the mean over the batch of -log(probability of the true class)",
    ("For one example, which single probability does the loss look at? And over a batch: is "
     "the article's error a sum or a mean?",
     "L = −(1/n) Σᵢ Σⱼ targetsᵢⱼ log probsᵢⱼ. One-hot targets keep only the true class tᵢ "
     "of row i: L = −(1/n) Σᵢ log probsᵢ,tᵢ, a mean over the n rows, returned as one Python "
     "float. Why take the log of that one entry only? probs and targets are (n, 10): what "
     "does np.mean over the whole (n, 10) array divide by?",
     "n = probs.shape[0]\n"
     "t = np.argmax(targets, axis=___)  # (n,): each row's true class\n"
     "return float(-np.sum(np.log(probs[np.arange(n), ___])) / n)"),
    Tol(1e-9, 1e-12), (
        Check("type", 1, ce_type),
        value_check(ce_values, 2, ("type",), False),
        value_check(ce_values, 2, ("type",), True),
        Check("stable at saturated probabilities", 1, ce_saturated, ("type",)),
        Check("properties: >= 0, uniform gives ln 10, batch-size free", 2, ce_properties,
              ("type",)),
    ),
    arguments="loss",
    mistakes=(
        Mistake('cross-entropy-summed', "it is exactly n = {n} times too large: you summed over the batch. "
                "The loss is a mean over the batch: divide the sum by n.",
            code(CE, TRUE, "return float(-np.sum(np.log(p)))")),
        Mistake('cross-entropy-no-minus', "the sign: the mean of log p is never positive. The loss is -log "
                "of the true class's probability, so it is never negative.",
            code(CE, TRUE, "return float(np.mean(np.log(p)))")),
        Mistake('cross-entropy-mean-over-classes', "it is exactly 1/{k} of the expected value: np.mean over "
                "the (n, {k}) array divides by n·{k}; did you average over the {k} classes as well as the batch? Sum over "
                "the classes, average over the batch.",
            code(CE, "return float(-np.mean(targets * np.log(probs)))")),
        Mistake('cross-entropy-per-example', "you returned each example's loss, shape (n,); the loss is "
                "their mean over the batch, one float: float(np.mean(...)).",
            code(CE, TRUE, "return -np.log(p)")),
        Mistake('cross-entropy-axis-0', "np.sum(probs * targets, axis=0) adds up the batch, one total per "
                "class; the true class's probability of each row is the sum over axis=1.",
            code(CE, "return float(-np.mean(np.log(np.sum(probs * targets, axis=0))))")),
        Mistake('cross-entropy-binary', "you added (1 - t) log(1 - p) for the other classes: the binary "
                "cross-entropy of independent sigmoids. With a softmax the loss is -log of the true class's probability "
                "alone.",
            code(CE, "terms = targets * np.log(probs) + (1 - targets) * np.log(1 - probs)",
                    "return float(-np.mean(np.sum(terms, axis=1)))")),
        GENERIC['constant-factor'].example(code(CE, TRUE, "return float(-np.mean(np.log2(p)))")),
    ))


CROSS_ENTROPY_DELTA = Step(
    "cross_entropy_delta", "cross_entropy_delta(probs, targets) -> ndarray",
    "the gradient of the mean loss with respect to the logits: (probs - targets) / n",
    ("Differentiate -log(softmax(z)[true]) with respect to z: what do you get for the true "
     "class and for the others? Then: where does the mean over n rows go?",
     "One row, p = softmax(z), true class t: ∂(−log pₜ)/∂zⱼ = pⱼ − 1 for j = t and pⱼ "
     "otherwise, i.e. p − y: the softmax Jacobian and log′ collapse into it. The loss "
     "averages n rows, so each row's gradient carries 1/n: δ = (probs − targets)/n, shape "
     "(n, 10) like the logits. Is n the number of rows or of classes?",
     "n = ___.shape[___]  # rows, not classes\n"
     "return (probs - targets) / ___"),
    Tol(1e-9, 1e-12), (
        Check("shape", 1, delta_shape),
        value_check(delta_values, 2, SHAPE, False),
        value_check(delta_values, 2, SHAPE, True),
        Check("numeric gradient", 3, delta_gradient, SHAPE),
    ),
    arguments="loss",
    mistakes=(
        Mistake('delta-no-1/n', "it is exactly n = {n} times too large: did you forget to divide by n "
                "(the batch size)? The delta of the mean loss is (probs - targets) / n.",
            code(DELTA, "return probs - targets")),
        Mistake('delta-sign', "it is exactly -1 times the expected value: the sign is flipped. The "
                "gradient of -log p with respect to the logits is (probs - targets) / n.",
            code(DELTA, "return (targets - probs) / len(targets)")),
        Mistake('delta-over-all-entries', "it is exactly 1/{k} of the expected value: you divided by "
                "n·{k}, every entry; did you average over the {k} classes as well as the batch? Divide by n alone.",
            code(DELTA, "return (probs - targets) / probs.size")),
        Mistake('delta-extra-derivative', "you multiplied by probs * (1 - probs), a sigmoid's "
                "derivative: with a softmax and the cross-entropy it cancels, and the delta is (probs - targets) / n.",
            code(DELTA, "return (probs - targets) * probs * (1 - probs) / len(targets)")),
        GENERIC['sign-times-n'].example(code(DELTA, "return targets - probs")),
    ))
