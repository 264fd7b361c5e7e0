"""Checks for the bonus steps momentum_update, adam_update, l2_penalty and l2_gradients:
values against the reference, trajectories over several steps, numeric gradients, and the
known mistakes (a sign, the order of the updates, the bias correction, the 1/2, the biases)
named by the formula that reproduces the student's output."""

import numpy as np

from grader.judge import gradcheck
from grader.judge import reference
from grader.judge.compare import Fail, Tol, fmt
from grader.kata import inputs as P
from grader.kata.bonus import judge, which
from grader.judge.context import copy_args, unchanged
from grader.kata.loss import as_float


# -- optimisers: momentum_update, adam_update -----------------------------------------------
def _opt_case(rng, name, hidden, t=None):
    """Arguments for one call: a nonzero velocity or state, or (Adam, t = 1) the zero state."""
    params = P.init(rng, "scaled")
    like = lambda draw: {k: draw(v.shape) for k, v in params.items()}  # noqa: E731
    grads = like(lambda s: rng.normal(0, 0.1, s))
    lr = float(rng.uniform(0.05, 1)) if hidden else 0.5
    if name == "momentum_update":
        beta = float(rng.uniform(0.5, 0.99)) if hidden else 0.9
        return params, grads, like(lambda s: rng.normal(0, 0.05, s)), lr, beta
    state = {"m": like(lambda s: rng.normal(0, 0.01, s)), "v": like(lambda s: rng.uniform(0, 1e-3, s))}
    state = {"m": like(np.zeros), "v": like(np.zeros)} if t == 1 else state
    betas = (float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.99, 0.9999))) if hidden else (0.9, 0.999)
    return (params, grads, state, lr / 50, t or int(rng.integers(2, 60)), *betas, 1e-8)


def _opt_result(ctx, value):
    second = "velocity" if ctx.step.name == "momentum_update" else "state"
    what = f"{ctx.step.name}'s result"
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = "None" if value is None else type(value).__name__
        raise Fail(f"{what} should be the pair (params, {second}); got {got}")
    params = P.expect_params(value[0], what=f"{what}'s params")
    if second == "velocity":
        return params, P.expect_params(value[1], what=f"{what}'s velocity")
    if not isinstance(value[1], dict) or not {"m", "v"} <= set(value[1]):
        raise Fail(f"{what}'s state should be a dict with the keys 'm' and 'v'")
    return params, {k: P.expect_params(value[1][k], what=f"{what}'s state[{k!r}]") for k in "mv"}


def _leaves(tree, name):
    if isinstance(tree, dict) and set(tree) == set(P.SHAPES):
        return [(f"{name}[{k!r}]", tree[k]) for k in P.ORDER]
    return [leaf for k in tree for leaf in _leaves(tree[k], f"{name}[{k!r}]")]


def _opt_compare(ctx, got, args, expected):
    second = "velocity" if ctx.step.name == "momentum_update" else "state"
    for (what, g), (_, e) in zip(_leaves(got[0], "params") + _leaves(got[1], second),
                                 _leaves(expected[0], "") + _leaves(expected[1], "")):
        judge(g, e, ctx.tol, f"the new {what}", got, OPT_MISTAKES[ctx.step.name], args)


def opt_shape(ctx):
    _opt_result(ctx, ctx.value(*_opt_case(ctx.rng(False), ctx.step.name, False, t=1)))


def opt_values(hidden):
    def run(ctx):
        rng = ctx.rng(hidden)
        for args in [_opt_case(rng, ctx.step.name, hidden, t) for t in (1, None)]:
            _opt_compare(ctx, _opt_result(ctx, ctx.value(*args)), args, ctx.expected(*copy_args(args)))
    return run


def opt_grads_unchanged(ctx):
    returned = ctx.call(*_opt_case(ctx.rng(False), ctx.step.name, False, t=1))
    returned.mutated = [m for m in returned.mutated if m.startswith("[0][1]")]  # params, state may change
    unchanged(returned, ["params", "grads"], what=ctx.step.name)


def opt_trajectory(ctx, steps=10, n=32):
    """The grader's loop with the reference's backprop, from zero state: the params follow the reference's."""
    rng, momentum = ctx.rng(False), ctx.step.name == "momentum_update"
    start, (x, y) = P.init(rng, "scaled"), P.batch(rng, 4 * n)
    zeros = {k: np.zeros_like(v) for k, v in start.items()}
    runs = dict.fromkeys(("ref", "you"), (start, zeros if momentum else {"m": zeros, "v": zeros}))
    for t in range(1, steps + 1):
        xb, yb = x[(t - 1) % 4 * n:][:n], y[(t - 1) % 4 * n:][:n]
        for who, (params, state) in runs.items():
            grads = ctx.ref.backprop(params, xb, yb, ctx.ref.feedforward(params, xb))
            args = (params, grads, state, 0.5, 0.9) if momentum else (params, grads, state, 0.01, t)
            runs[who] = ctx.expected(*copy_args(args)) if who == "ref" else _opt_result(ctx, ctx.value(*args))
        # the params only: a velocity in other units (PyTorch's) takes the same path
        for (what, g), (_, e) in zip(_leaves(runs["you"][0], "params"), _leaves(runs["ref"][0], "")):
            judge(g, e, Tol(1e-7, 1e-10), f"{what} after step {t} of {steps}", runs["you"],
                   OPT_MISTAKES[ctx.step.name], args)


def _momentum(kind):
    def wrong(params, grads, velocity, lr, beta=0.9):
        if kind == "torch":  # v = beta v + g, p - lr v
            v = {k: beta * velocity[k] + grads[k] for k in params}
            return {k: p - lr * v[k] for k, p in params.items()}, v
        c = {"sign": lr, "minus": lr, "old": -lr, "damp": -(1 - beta) * lr}[kind]
        v = {k: beta * velocity[k] + c * grads[k] for k in params}
        step = {k: velocity[k] if kind == "old" else -v[k] if kind == "minus" else v[k] for k in params}
        return {k: p + step[k] for k, p in params.items()}, v
    return wrong


def _adam(correct=(True, True), eps_inside=False, shift=0, corrected_state=False):
    def wrong(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
        out, m, v = {}, {}, {}
        for k, p in params.items():
            m[k] = beta1 * state["m"][k] + (1 - beta1) * grads[k]
            v[k] = beta2 * state["v"][k] + (1 - beta2) * grads[k] ** 2
            mh = m[k] / (1 - beta1 ** (t + shift)) if correct[0] else m[k]
            vh = v[k] / (1 - beta2 ** (t + shift)) if correct[1] else v[k]
            out[k] = p - lr * mh / (np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps)
            m[k], v[k] = (mh, vh) if corrected_state else (m[k], v[k])
        return out, {"m": m, "v": v}
    return wrong


OPT_MISTAKES = {
    "momentum_update": [
        ("the velocity moves along the gradient (+lr * g); downhill is v = beta * v - lr * g.",
         _momentum("sign")),
        ("the velocity's sign is flipped (v = beta * v + lr * g, then p - v); the velocity here is the step "
         "itself: v = beta * v - lr * g, then p + v.", _momentum("minus")),
        ("the params moved by the old velocity: update v first, then p + (the new v).", _momentum("old")),
        ("you keep v as a running sum of gradients (v = beta * v + g, p - lr * v: PyTorch's convention); "
         "here the velocity is the step itself: v = beta * v - lr * g, p + v.", _momentum("torch")),
        ("(1 - beta) damps the gradient: that is an average, not the heavy-ball momentum asked for.",
         _momentum("damp"))],
    "adam_update": [
        ("no bias correction: m and v start at 0, so divide them by (1 - beta1^t) and (1 - beta2^t).",
         _adam((False, False))),
        ("only m is bias-corrected: v_hat = v / (1 - beta2^t) too.", _adam((True, False))),
        ("only v is bias-corrected: m_hat = m / (1 - beta1^t) too.", _adam((False, True))),
        ("eps is inside the square root: sqrt(v_hat) + eps.", _adam(eps_inside=True)),
        ("the correction uses t + 1: t is this step's number already, counting from 1.", _adam(shift=1)),
        ("the state holds m_hat and v_hat; it must keep the uncorrected m and v.",
         _adam(corrected_state=True))],
}


# -- L2 regularisation: l2_penalty, l2_gradients --------------------------------------------
def _l2_case(rng, hidden):
    params = P.init(rng, "normal" if hidden else "scaled")
    lam = float(rng.uniform(1e-3, 0.5)) if hidden else 0.1
    return params, {k: rng.normal(0, 0.1, v.shape) for k, v in params.items()}, lam


def _penalty(ctx, params, lam):
    return as_float(ctx.value(params, lam), f"l2_penalty(params, lam = {lam:g})")


def _l2_grads(ctx, params, grads, lam):
    return P.expect_params(ctx.value(params, grads, lam), what="l2_gradients' result", bias_ok=True)


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
            return judge(got, expected, ctx.tol, f"l2_penalty(params, lam = {lam:g})", got,
                         L2_MISTAKES[0], (params, lam))
        got, expected = _l2_grads(ctx, params, grads, lam), ctx.expected(*copy_args((params, grads, lam)))
        for k in P.ORDER:
            judge(got[k], expected[k], ctx.tol, f"the regularised gradient for {k} (lam = {lam:g})", got,
                  L2_MISTAKES[1], (params, grads, lam))
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
    params, (x, y) = P.init(rng, "scaled"), P.batch(rng, 7)
    grads = ctx.ref.backprop(params, x, y, ctx.ref.feedforward(params, x))
    got = _l2_grads(ctx, params, grads, lam)
    for name in P.ORDER:
        indices = gradcheck.sample(params[name].shape, rng)
        numeric = gradcheck.numeric(lambda: reference.loss(params, x, y) + ctx.ref.l2_penalty(params, lam),
                                    params[name], indices)
        error = gradcheck.relative_error(got[name].reshape(-1)[indices], numeric)
        if error > gradcheck.PASS:
            raise Fail(f"the gradient for {name} disagrees with central differences of cross_entropy + "
                       f"(lam / 2) * the sum of the squared weights (lam = {lam:g}, h = {gradcheck.H:g}): "
                       f"relative error {error:.2e}, pass at {gradcheck.PASS:g}."
                       + which(got, L2_MISTAKES[1], (params, grads, lam)))


def l2g_unchanged(ctx):
    unchanged(ctx.call(*_l2_case(ctx.rng(False), False)), ["params", "grads", "lam"], what="l2_gradients")


def _sq(params, biases=False):
    return sum(np.sum(p * p) for k, p in params.items() if k.startswith("w") or biases)


def _plus(c, biases=False, keep=True):  # grads + c * lam * params, biases too or not
    return lambda p, g, lam: {k: g[k] * keep + c * lam * p[k] if k[0] == "w" or biases else g[k] for k in g}


L2_MISTAKES = (  # l2_penalty's, then l2_gradients'
    [("it is twice the expected value: the penalty is (lam / 2) * sum(w^2), with the 1/2.",
      lambda p, lam: lam * _sq(p)),
     ("the biases are penalised too; only w1, w2 and w3 are.", lambda p, lam: lam / 2 * _sq(p, True)),
     ("lam * sum(w^2) with the biases: the penalty is (lam / 2) * sum(w^2), weights only.",
      lambda p, lam: lam * _sq(p, True)),
     ("lam is missing.", lambda p, lam: _sq(p) / 2)],
    [("2 * lam * w is the gradient of lam * sum(w^2); the penalty here is (lam / 2) * sum(w^2), whose "
      "gradient is lam * w.", _plus(2)),
     ("the biases' gradients changed too; only the weights are penalised.", _plus(1, biases=True)),
     ("that is lam * w alone: add it to grads.", _plus(1, keep=False)),
     ("the sign: grads + lam * w.", _plus(-1))],
)
