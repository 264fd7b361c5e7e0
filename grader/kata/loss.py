"""Checks for ``cross_entropy`` and ``cross_entropy_delta``."""

import numpy as np

from grader.judge import gradcheck
from grader.judge.compare import Tol, Fail, compare, diagnosed, expect_array, fmt
from grader.judge.context import array_cases, prop, unchanged
from grader.kata.step import PUBLIC, SHAPE, Check, Step, value_check
from grader.judge.mistakes import GENERIC, Mistake, code


LOGIT_BOUND = 5.0  # hidden values: every probability >= 1 / (1 + 9 e^10) > 5e-6, for every seed


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
    bounded away from 0 (a guard like np.clip(probs, 1e-12, 1) changes nothing), the first
    batch's n from 11 on (never k = 10, which would hide an n/k mix-up); the extreme ones are
    the public stability check's, the same for everyone."""
    if hidden:
        return [batch(rng, int(rng.integers(11, 40)), scale=6.0, bound=LOGIT_BOUND),
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
                    n=n, k=probs.shape[1],
                    extra=lambda g, e: reading(probs, targets, float(g)))
    return check


def reading(probs, targets, got):
    """A wrong loss explained: a named mistake its number shows, else plain words."""
    return clipped(probs, targets, got) or masked_eps(probs, targets, got) or ce_reading(probs, targets, got)


def ce_reading(probs, targets, got):
    """What a wrong loss seems to compute, in the maths' terms: which probabilities it takes
    the log of, and how many terms it averages. '' when it is none of these."""
    n, k = probs.shape  # (n, k)
    logs = -np.log(probs)  # (n, k)
    true = targets.argmax(axis=1)  # (n,)
    taken = {"the true class's probability": logs[np.arange(n), true],
             "each row's largest probability (the predicted class, not the true one)": -np.log(probs.max(axis=1)),
             "every entry of probs, not only the true class's": logs.ravel(),
             "the other classes' probabilities, not the true class's": logs[targets == 0]}
    for which, terms in taken.items():
        total = float(np.sum(terms))
        if got == 0 or total == 0:
            continue
        count = total / got  # the number of terms the returned value averages
        for m, how in ((n, f"the mean over the n = {n} rows"), (1, "the sum"),
                       (n * k, f"the mean over all n·k = {n * k} entries"), (k, f"the sum divided by k = {k}")):
            if np.isclose(count, m, rtol=1e-7) and (which, m) != ("the true class's probability", n):
                return (f" It is {how} of -log of {which}; the loss is the mean over the n = {n} rows of "
                        "-log of each row's true-class probability.")
    return (" It is no mean or sum of -log of the true classes' probabilities, of every entry, of the "
            "others or of the largest: print the terms your loss adds up, and what it divides by, for a row or two.")


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
    compare(got, expected, ctx.tol, what="cross_entropy at probabilities like 1e-300 and 1",
            extra=lambda g, e: reading(probs, targets, float(g)))


def masked_eps(probs, targets, got):
    """(MASKED_EPS, {c}) when the loss carries -log(eps) for each of the k - 1 other classes:
    an epsilon added inside the log after the one-hot mask, eps = 10^-j."""
    n, k = probs.shape
    true = probs[np.arange(n), targets.argmax(axis=1)]  # (n,)
    for eps in 10.0 ** -np.arange(4, 17):
        loss = float(-np.sum(np.log(true + eps)) / n - (k - 1) * np.log(eps))
        if np.isclose(got, loss, rtol=1e-9):
            return MASKED_EPS, {"c": f"{-np.log(eps):.6g}"}
    return None


def clipped(probs, targets, got):
    """(CLIPPED, {}) when the loss is that of the probabilities clipped to [eps, 1 - eps],
    eps = 10^-j: a guard that reaches the confident predictions."""
    true = probs[np.arange(len(probs)), targets.argmax(axis=1)]  # (n,)
    for eps in 10.0 ** -np.arange(1, 10):
        loss = float(-np.mean(np.log(np.clip(true, eps, 1 - eps))))
        if np.isclose(got, loss, rtol=1e-9, atol=1e-15) and not np.isclose(got, -np.mean(np.log(true))):
            return CLIPPED, {}
    return None


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


def inputs_unchanged(ctx):
    probs, targets = batch(ctx.rng(False), 7)
    unchanged(ctx.call(probs, targets), ["probs", "targets"], what=ctx.step.name)


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
CLIPPED = Mistake('cross-entropy-clip-below-one', "it is the loss of probabilities clipped to [eps, 1 - eps]: "
                  "np.clip(probs, eps, 1 - eps) changes every confident prediction, whose loss is almost 0. Guard "
                  "only against log(0): np.clip(probs, 1e-12, 1), or no clip at all.", named_by="numbers")
MASKED_EPS = Mistake('cross-entropy-eps-inside-log', "each of the other classes adds -log(eps) = {c}: the one-hot "
                     "mask zeroes their probabilities and the epsilon inside the log turns each 0 into log(eps). "
                     "Take the true class's probability first, then its log: -log(probs[rows, t]).",
                     named_by="numbers")
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
        value_check(ce_values, 1, ("type",), False),
        value_check(ce_values, 2, ("type",), True),
        Check("stable at saturated probabilities", 1, ce_saturated, ("type",)),
        Check("inputs unchanged", 1, inputs_unchanged, PUBLIC),
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
        Mistake('cross-entropy-predicted-class', "you took each row's largest probability, the predicted "
                "class's; the loss takes the true class's, the one targets marks: np.argmax(targets, axis=1).",
            code(CE, "p = probs[np.arange(len(probs)), np.argmax(probs, axis=1)]", "return float(-np.mean(np.log(p)))")),
        Mistake('cross-entropy-every-entry', "you took -log of every entry of probs, not only of the true class's "
                "probability: weight the logs by targets, -np.sum(targets * np.log(probs)) / n.",
            code(CE, "return float(-np.sum(np.log(probs)) / len(probs))")),
        GENERIC['times-1/2'].example(code(CE, TRUE, "return float(-0.5 * np.mean(np.log(p)))")),  # the squared error's 1/2
        Mistake('cross-entropy-column-index', "probs[:, t] takes every row's probability of every example's "
                "class, an (n, n) matrix; each row's own true class is probs[np.arange(n), t], one entry per row.",
            code(CE, "t = np.argmax(targets, axis=1)", "return float(-np.mean(np.log(probs[:, t])))")),
        MASKED_EPS.example(code(CE, "return float(-np.sum(np.log(targets * probs + 1e-12)) / len(probs))")),
        CLIPPED.example(code(CE, "p = np.clip(probs, 1e-2, 1 - 1e-2)",
                             "return float(-np.sum(targets * np.log(p)) / len(targets))")),
        Mistake('cross-entropy-log-of-mean', "you took the log of the mean probability, -log(mean p); the loss is "
                "the mean of the logs, mean(-log p): average after the log, not before.",
            code(CE, TRUE, "return float(-np.log(np.mean(p)))")),
        Mistake('cross-entropy-log2', "np.log2 is the logarithm to base 2, which is ln / ln 2: the loss "
                "is in bits, 1.44 times the article's. The cross-entropy uses the natural log, np.log.",
            code(CE, TRUE, "return float(-np.mean(np.log2(p)))")),
        Mistake('cross-entropy-log10', "np.log10 is the logarithm to base 10, ln / ln 10. The "
                "cross-entropy uses the natural log, np.log.",
            code(CE, TRUE, "return float(-np.mean(np.log10(p)))")),
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
        value_check(delta_values, 1, SHAPE, False),
        value_check(delta_values, 2, SHAPE, True),
        Check("numeric gradient", 3, delta_gradient, SHAPE),
        Check("inputs unchanged", 1, inputs_unchanged, PUBLIC),
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
        Mistake('delta-wrt-probs', "-targets / probs / n is the gradient with respect to the probabilities; "
                "the delta is with respect to the logits z, through the softmax, where the two collapse into "
                "(probs - targets) / n.",
            code(DELTA, "return -targets / probs / len(targets)")),
        Mistake('delta-over-k', "you divided by k = {k}, the number of classes (probs.shape[1]), where the mean "
                "over the batch divides by n = {n}, its rows: (probs - targets) / probs.shape[0].",
            code(DELTA, "return (probs - targets) / probs.shape[1]")),
        GENERIC['sign-times-n'].example(code(DELTA, "return targets - probs")),
        GENERIC['lost-batch-axis'].example(code(DELTA, "return np.mean(probs - targets, axis=0)")),
        GENERIC['whole-numbers'].example(code(DELTA, "return (probs - targets) // len(targets)")),
        GENERIC['times-2'].example(code(DELTA, "return 2 * (probs - targets) / len(targets)")),  # the squared error's 2
    ))
