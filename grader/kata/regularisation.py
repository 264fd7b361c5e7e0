"""Bonus steps: L2 regularisation, the penalty and its gradients. Values against the reference,
the biases left out, and the gradients against central differences of the regularised loss;
the known mistakes (the 1/2, the biases, lam, the sign) are named by the code that reproduces
the student's output."""

from grader.judge import gradcheck, reference
from grader.judge.compare import Fail, Tol, compare, fmt
from grader.judge.context import copy_args, unchanged
from grader.judge.mistakes import Mistake, code
from grader.kata import inputs
from grader.kata.loss import as_float
from grader.kata.step import SHAPE, Check, Step, value_check


def _l2_case(rng, hidden):
    params = inputs.init(rng, "normal" if hidden else "scaled")
    lam = float(rng.uniform(1e-3, 0.5)) if hidden else 0.1
    return params, {k: rng.normal(0, 0.1, v.shape) for k, v in params.items()}, lam


def _penalty(ctx, params, lam):
    return as_float(ctx.value(params, lam), f"l2_penalty(params, lam = {lam:g})")


def _l2_grads(ctx, params, grads, lam):
    return inputs.expect_params(ctx.value(params, grads, lam), what="l2_gradients' result", bias_ok=True)


def l2_type(ctx):
    params, _, lam = _l2_case(ctx.rng(False), False)
    _penalty(ctx, params, lam)


def l2g_shape(ctx):
    _l2_grads(ctx, *_l2_case(ctx.rng(False), False))


def l2_values(hidden):
    def run(ctx):
        params, grads, lam = _l2_case(ctx.rng(hidden), hidden)
        if ctx.step.name == "l2_penalty":
            got, expected = _penalty(ctx, params, lam), ctx.expected(copy_args(params), lam)
            return compare(got, expected, ctx.tol, what=f"l2_penalty(params, lam = {lam:g})")
        got, expected = _l2_grads(ctx, params, grads, lam), ctx.expected(*copy_args((params, grads, lam)))
        for k in inputs.ORDER:
            compare(got[k], expected[k], ctx.tol, what=f"the regularised gradient for {k} (lam = {lam:g})")
    return run


def l2_biases_excluded(ctx):
    params, _, lam = _l2_case(ctx.rng(False), False)
    got = _penalty(ctx, {k: v * 0 if k.startswith("w") else v + 1 for k, v in params.items()}, lam)
    if abs(got) > 1e-12:
        raise Fail(f"with every weight 0 and biases of about 1, l2_penalty is {fmt(got)}, not 0: the "
                   "biases are not penalised, only w1, w2 and w3.")


def l2g_gradcheck(ctx):
    """Against central differences of the regularised loss, cross_entropy + l2_penalty."""
    rng, lam = ctx.rng(False), 0.1
    params, (x, y) = inputs.init(rng, "scaled"), inputs.batch(rng, 7)
    grads = ctx.ref.backprop(params, x, y, ctx.ref.feedforward(params, x))
    got = _l2_grads(ctx, params, grads, lam)
    for name in inputs.ORDER:
        indices = gradcheck.sample(params[name].shape, rng)
        numeric = gradcheck.numeric(lambda: reference.loss(params, x, y) + ctx.ref.l2_penalty(params, lam),
                                    params[name], indices)
        error = gradcheck.relative_error(got[name].reshape(-1)[indices], numeric)
        if error > gradcheck.PASS:
            raise Fail(f"the gradient for {name} disagrees with central differences of cross_entropy + "
                       f"(lam / 2) * the sum of the squared weights (lam = {lam:g}, h = {gradcheck.H:g}): "
                       f"relative error {error:.2e}, pass at {gradcheck.PASS:g}.")


def l2g_unchanged(ctx):
    unchanged(ctx.call(*_l2_case(ctx.rng(False), False)), ["params", "grads", "lam"], what="l2_gradients")


# -- the steps ----------------------------------------------------------------------------
PENALTY = "l2_penalty(params, lam)"
GRADIENTS = "l2_gradients(params, grads, lam)"
SQUARES = "sum(np.sum(p * p) for k, p in params.items() if k.startswith('w'))"  # the weights' squares
ALL_SQUARES = "sum(np.sum(p * p) for p in params.values())"  # the biases' too


def gradients_code(weight, bias="g"):
    """l2_gradients with a weight's and a bias's new gradient written as given (g, p, lam)."""
    return code(GRADIENTS, f"return {{k: ({weight} if k.startswith('w') else {bias}) "
                           "for k, g, p in ((k, grads[k], params[k]) for k in grads)}")


L2_PENALTY = Step(
    "l2_penalty", "l2_penalty(params, lam) -> float", "(lam / 2) * the sum of the squared weights",
    ("Which parameters does weight decay shrink, and what does the 1/2 buy in the gradient?",
     "(lam / 2) * (sum(w1^2) + sum(w2^2) + sum(w3^2)), a float; b1, b2, b3 are left out. Is "
     "it a sum or a mean over the entries?",
     "return float(lam / 2 * sum(np.sum(___) for k, p in params.items() if ___))"),
    Tol(1e-9, 1e-12),
    (Check("type", 1, l2_type), value_check(l2_values, 1, ("type",), False),
     value_check(l2_values, 1, ("type",), True), Check("biases excluded", 1, l2_biases_excluded, ("type",))),
    mistakes=(
        Mistake("l2-penalty-no-half", "it is twice the expected value: the penalty is (lam / 2) * sum(w^2), with "
                "the 1/2.", code(PENALTY, f"return float(lam * {SQUARES})")),
        Mistake("l2-penalty-biases", "the biases are penalised too; only w1, w2 and w3 are.",
                code(PENALTY, f"return float(lam / 2 * {ALL_SQUARES})")),
        Mistake("l2-penalty-no-half-biases", "lam * sum(w^2) with the biases: the penalty is (lam / 2) * sum(w^2), "
                "weights only.", code(PENALTY, f"return float(lam * {ALL_SQUARES})")),
        Mistake("l2-penalty-no-lam", "lam is missing.", code(PENALTY, f"return float({SQUARES} / 2)"))),
    budget=5.0)


L2_GRADIENTS = Step(
    "l2_gradients", "l2_gradients(params, grads, lam) -> grads", "grads + lam * w for the weights only",
    ("What is the derivative of (lam / 2) * w^2 with respect to w, and of it with respect to a bias?",
     "For w1, w2, w3: grads[k] + lam * params[k]; the bias gradients as they are, in a new "
     "dict. Why must grads itself stay unchanged?",
     "return {k: (___ if k.startswith(\"w\") else ___) for k, g in grads.items()}"),
    Tol(1e-9, 1e-12),
    (Check("shape", 1, l2g_shape), value_check(l2_values, 1, SHAPE, False), value_check(l2_values, 1, SHAPE, True),
     Check("numeric gradient of the regularised loss", 1, l2g_gradcheck, SHAPE),
     Check("inputs unchanged", 1, l2g_unchanged, SHAPE)),
    mistakes=(
        Mistake("l2-gradients-twice", "2 * lam * w is the gradient of lam * sum(w^2); the penalty here is "
                "(lam / 2) * sum(w^2), whose gradient is lam * w.", gradients_code("g + 2 * lam * p")),
        Mistake("l2-gradients-biases", "the biases' gradients changed too; only the weights are penalised.",
                gradients_code("g + lam * p", bias="g + lam * p")),
        Mistake("l2-gradients-no-grads", "that is lam * w alone: add it to grads.", gradients_code("lam * p")),
        Mistake("l2-gradients-sign", "the sign: grads + lam * w.", gradients_code("g - lam * p"))),
    budget=5.0)
