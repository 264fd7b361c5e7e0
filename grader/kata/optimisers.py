"""Bonus steps: momentum and Adam updates. Values against the reference, the gradients left
unchanged, and a trajectory of ten steps with the reference's backprop; the known mistakes (a
sign, the order of the updates, the bias correction) are named by the code that reproduces the
student's output."""

import numpy as np

from grader.judge.compare import Fail, Tol, compare
from grader.judge.context import copy_args, unchanged
from grader.judge.mistakes import Mistake, code
from grader.kata import inputs
from grader.kata.step import SHAPE, Check, Step, value_check


def _opt_case(rng, name, hidden, t=None):
    """Arguments for one call: a nonzero velocity or state, or (Adam, t = 1) the zero state."""
    params = inputs.init(rng, "scaled")
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
    params = inputs.expect_params(value[0], what=f"{what}'s params")
    if second == "velocity":
        return params, inputs.expect_params(value[1], what=f"{what}'s velocity")
    if not isinstance(value[1], dict) or not {"m", "v"} <= set(value[1]):
        raise Fail(f"{what}'s state should be a dict with the keys 'm' and 'v'")
    return params, {k: inputs.expect_params(value[1][k], what=f"{what}'s state[{k!r}]") for k in "mv"}


def _leaves(tree, name):
    if isinstance(tree, dict) and set(tree) == set(inputs.SHAPES):
        return [(f"{name}[{k!r}]", tree[k]) for k in inputs.ORDER]
    return [leaf for k in tree for leaf in _leaves(tree[k], f"{name}[{k!r}]")]


def _opt_compare(ctx, got, expected):
    second = "velocity" if ctx.step.name == "momentum_update" else "state"
    for (what, g), (_, e) in zip(_leaves(got[0], "params") + _leaves(got[1], second),
                                 _leaves(expected[0], "") + _leaves(expected[1], "")):
        compare(g, e, ctx.tol, what=f"the new {what}")


def opt_shape(ctx):
    _opt_result(ctx, ctx.value(*_opt_case(ctx.rng(False), ctx.step.name, False, t=1)))


def opt_values(hidden):
    def run(ctx):
        rng = ctx.rng(hidden)
        for args in [_opt_case(rng, ctx.step.name, hidden, t) for t in (1, None)]:
            _opt_compare(ctx, _opt_result(ctx, ctx.value(*args)), ctx.expected(*copy_args(args)))
    return run


def opt_grads_unchanged(ctx):
    returned = ctx.call(*_opt_case(ctx.rng(False), ctx.step.name, False, t=1))
    returned.mutated = [m for m in returned.mutated if m.startswith("[0][1]")]  # params, state may change
    unchanged(returned, ["params", "grads"], what=ctx.step.name)


def opt_trajectory(ctx, steps=10, n=32):
    """The grader's loop with the reference's backprop, from zero state: the params follow the reference's."""
    rng, momentum = ctx.rng(False), ctx.step.name == "momentum_update"
    start, (x, y) = inputs.init(rng, "scaled"), inputs.batch(rng, 4 * n)
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
            compare(g, e, Tol(1e-7, 1e-10), what=f"{what} after step {t} of {steps}")


# -- the steps ----------------------------------------------------------------------------
MOMENTUM = "momentum_update(params, grads, velocity, lr, beta=0.9)"
ADAM = "adam_update(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8)"


def optimiser(name, signature, goal, hints, mistakes):
    return Step(name, signature, goal, hints, Tol(1e-9, 1e-12), (
        Check("shape", 1, opt_shape), value_check(opt_values, 1, SHAPE, False),
        value_check(opt_values, 1, SHAPE, True), Check("grads unchanged", 1, opt_grads_unchanged, SHAPE),
        Check("trajectory over 10 steps", 1, opt_trajectory, SHAPE)), mistakes=mistakes, budget=5.0)


def momentum_code(velocity, step):
    """momentum_update with its velocity and its step written as given."""
    return code(MOMENTUM, f"v = {{k: {velocity} for k in params}}",
                f"return {{k: p + {step} for k, p in params.items()}}, v")


def adam_code(m_hat="m[k] / (1 - beta1 ** t)", v_hat="v[k] / (1 - beta2 ** t)",
              new="p - lr * m_hat / (np.sqrt(v_hat) + eps)", keep=""):
    """adam_update as the reference computes it, some lines rewritten."""
    return code(
        ADAM, "new, m, v = {}, {}, {}", "for k, p in params.items():",
                "    m[k] = beta1 * state['m'][k] + (1 - beta1) * grads[k]",
                "    v[k] = beta2 * state['v'][k] + (1 - beta2) * grads[k] ** 2",
                f"    m_hat = {m_hat}", f"    v_hat = {v_hat}", f"    new[k] = {new}",
                *([f"    {keep}"] if keep else []), "return new, {'m': m, 'v': v}")


MOMENTUM_UPDATE = optimiser(
    "momentum_update", MOMENTUM + " -> (params, velocity)",
    "v = beta v - lr g, then p + v, for every parameter",
    ("The velocity remembers past steps: what is the new one made of, and do the params "
     "move by the old velocity or the new one?",
     "For each key k: v[k] = beta * velocity[k] - lr * grads[k], then params[k] + v[k]. "
     "With beta = 0, which step of the kata is this?",
     "v = {k: beta * velocity[k] - ___ for k in params}\nreturn {k: ___ for k in params}, v"),
    (Mistake("momentum-uphill", "the velocity moves along the gradient (+lr * g); downhill is v = beta * v - lr * g.",
             momentum_code("beta * velocity[k] + lr * grads[k]", "v[k]")),
     Mistake("momentum-velocity-sign", "the velocity's sign is flipped (v = beta * v + lr * g, then p - v); the "
             "velocity here is the step itself: v = beta * v - lr * g, then p + v.",
             momentum_code("beta * velocity[k] + lr * grads[k]", "-v[k]")),
     Mistake("momentum-old-velocity", "the params moved by the old velocity: update v first, then p + (the new v).",
             momentum_code("beta * velocity[k] - lr * grads[k]", "velocity[k]")),
     Mistake("momentum-pytorch", "you keep v as a running sum of gradients (v = beta * v + g, p - lr * v: "
             "PyTorch's convention); here the velocity is the step itself: v = beta * v - lr * g, p + v.",
             momentum_code("beta * velocity[k] + grads[k]", "-lr * v[k]")),
     Mistake("momentum-damped", "(1 - beta) damps the gradient: that is an average, not the heavy-ball momentum "
             "asked for.", momentum_code("beta * velocity[k] - (1 - beta) * lr * grads[k]", "v[k]"))))


ADAM_UPDATE = optimiser(
    "adam_update", ADAM + " -> (params, state)", "Adam with bias correction, for every parameter",
    ("m and v start at 0: after one step, how far below the gradient's true average is m, "
     "and what undoes that?",
     "m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; m_hat = m / (1 - "
     "beta1^t), v_hat likewise with beta2; p - lr m_hat / (sqrt(v_hat) + eps). Which of "
     "these goes into the returned state?",
     "m_hat = m[k] / (1 - beta1 ** t)\nv_hat = ___\nnew[k] = params[k] - lr * ___ / (np.sqrt(___) + eps)"),
    (Mistake("adam-no-bias-correction", "no bias correction: m and v start at 0, so divide them by (1 - beta1^t) "
             "and (1 - beta2^t).", adam_code(m_hat="m[k]", v_hat="v[k]")),
     Mistake("adam-only-m-corrected", "only m is bias-corrected: v_hat = v / (1 - beta2^t) too.",
             adam_code(v_hat="v[k]")),
     Mistake("adam-only-v-corrected", "only v is bias-corrected: m_hat = m / (1 - beta1^t) too.",
             adam_code(m_hat="m[k]")),
     Mistake("adam-eps-inside-sqrt", "eps is inside the square root: sqrt(v_hat) + eps.",
             adam_code(new="p - lr * m_hat / np.sqrt(v_hat + eps)")),
     Mistake("adam-t-plus-one", "the correction uses t + 1: t is this step's number already, counting from 1.",
             adam_code(m_hat="m[k] / (1 - beta1 ** (t + 1))", v_hat="v[k] / (1 - beta2 ** (t + 1))")),
     Mistake("adam-state-corrected", "the state holds m_hat and v_hat; it must keep the uncorrected m and v.",
             adam_code(keep="m[k], v[k] = m_hat, v_hat"))))
