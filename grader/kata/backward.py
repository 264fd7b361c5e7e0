"""Checks for ``backprop`` and ``update``: values, numeric gradients, trajectories."""

import numpy as np

from grader.judge import gradcheck
from grader.judge import reference
from grader.judge.compare import Fail, compare, diagnosed
from grader.kata import inputs as P
from grader.judge.context import unchanged

LR = 0.5


def _case(rng, n, kind):
    params = P.init(rng, kind)
    x, y = P.batch(rng, n)
    return params, x, y


def _grads(ctx, params, x, y):
    acts = ctx.ref.feedforward(params, x)
    return P.expect_params(ctx.value(params, x, y, acts), what="backprop's gradients", bias_ok=True)


def bp_shapes(ctx):
    _grads(ctx, *_case(ctx.rng(False), 7, "scaled"))


def bp_values(hidden):
    def check(ctx):
        rng = ctx.rng(hidden)
        cases = ([_case(rng, int(rng.integers(3, 40)), "normal"), _case(rng, 10, "scaled")]
                 if hidden else [_case(rng, 7, "scaled")])
        for params, x, y in cases:
            expected = ctx.ref.backprop(params, x, y, ctx.ref.feedforward(params, x))
            got = _grads(ctx, params, x, y)
            for name in P.ORDER:
                compare(got[name], expected[name], ctx.tol, n=len(x), k=10,
                        what=f"the gradient for {name} (batch of n = {len(x)})",
                        extra=lambda g, e, name=name: _layer_cause(name, got, expected))
    return check


def _layer_cause(name, got, expected):
    """A partial match: the layers above are right, so the error starts at this one."""
    right = [k for k in P.ORDER[:P.ORDER.index(name)]
             if np.allclose(got[k], expected[k], rtol=1e-7, atol=1e-12)]
    if name in ("w2", "b2") and "w3" in right and "b3" in right:
        return "backprop-partial-layer-2", {}
    if name in ("w1", "b1") and {"w2", "b2"} <= set(right):
        return "backprop-partial-layer-1", {}
    return ""


def bp_gradcheck(kind):
    """Per tensor, against central differences of the reference loss, at one init."""
    words = {"scaled": "a well-scaled init (weights ~ N(0, 1/fan_in))",
             "normal": "the article's standard-normal init (saturated sigmoids)"}

    def check(ctx):
        rng = ctx.rng(False)
        params, x, y = _case(rng, 7, kind)
        got = _grads(ctx, params, x, y)
        for name in P.ORDER:
            indices = gradcheck.sample(params[name].shape, rng)
            numeric = gradcheck.numeric(lambda: reference.loss(params, x, y), params[name], indices)
            analytic = got[name].reshape(-1)[indices]
            error = gradcheck.relative_error(analytic, numeric)
            if error > gradcheck.PASS:
                right = ", ".join(P.ORDER[:P.ORDER.index(name)])
                above = f" ({right} agree)" if right else ""
                raise diagnosed(f"at {words[kind]}, the gradient for {name} disagrees with central "
                                f"differences (h = {gradcheck.H:g}, n = 7): relative error "
                                f"{error:.2e}, pass at {gradcheck.PASS:g}{above}.", analytic, numeric,
                                n=len(x), k=10)
    return check


def trajectory(ctx, *, student_backprop, steps=24, n=64, checkpoints=(1, 2, 4, 8, 16, 24)):
    """Drive the grader's own loop with one student function; the losses must track the reference's."""
    rng = ctx.rng(False)
    start = P.init(rng, "normal")
    x, y = P.batch(rng, n * 4)
    ref = ctx.ref

    def run(use_student):
        params = {k: v.copy() for k, v in start.items()}
        losses = {}
        for t in range(1, steps + 1):
            rows = slice((t - 1) % 4 * n, ((t - 1) % 4 + 1) * n)
            xb, yb = x[rows], y[rows]
            acts = ref.feedforward(params, xb)
            if use_student and student_backprop:
                grads = P.expect_params(ctx.value(params, xb, yb, acts), what="backprop's gradients",
                                        bias_ok=True)
            else:
                grads = ref.backprop(params, xb, yb, acts)
            if use_student and not student_backprop:
                params = P.expect_params(ctx.value(params, grads, LR), what="update's result")
            else:
                params = ref.update(params, grads, LR)
            if t in checkpoints:
                losses[t] = reference.loss(params, x, y)
        return losses

    expected, got = run(False), run(True)
    for t in checkpoints:
        e, g = expected[t], got[t]
        if not np.isclose(g, e, rtol=1e-6, atol=0):
            role = "your backprop with the reference's update" if student_backprop else \
                "the reference's backprop with your update"
            raise Fail(f"training with {role} leaves the reference's loss curve by step {t}: loss "
                       f"{g:.6g}, expected {e:.6g} (rtol 1e-06).")


def bp_trajectory(ctx):
    trajectory(ctx, student_backprop=True)


def bp_unchanged(ctx):
    params, x, y = _case(ctx.rng(False), 7, "scaled")
    acts = ctx.ref.feedforward(params, x)
    unchanged(ctx.call(params, x, y, acts), ["params", "x", "y", "activations"], what="backprop")


# -- update -----------------------------------------------------------------------------
def _update_case(rng, hidden):
    params = P.init(rng, "normal")
    grads = {k: rng.normal(0, 0.1, v.shape) for k, v in params.items()}
    return params, grads, float(rng.uniform(0.05, 2.0)) if hidden else LR


def up_values(hidden):
    def check(ctx):
        params, grads, lr = _update_case(ctx.rng(hidden), hidden)
        expected = ctx.ref.update({k: v.copy() for k, v in params.items()}, grads, lr)
        got = P.expect_params(ctx.value(params, grads, lr), what="update's result")
        for name in P.ORDER:
            compare(got[name], expected[name], ctx.tol, what=f"the new {name} (lr = {lr:g})")
    return check


def up_grads_unchanged(ctx):
    params, grads, lr = _update_case(ctx.rng(False), False)
    returned = ctx.call(params, grads, lr)
    returned.mutated = [m for m in returned.mutated if not m.startswith("[0][0]")]  # params may change
    unchanged(returned, ["params", "grads", "lr"], what="update")


def up_trajectory(ctx):
    trajectory(ctx, student_backprop=False)
