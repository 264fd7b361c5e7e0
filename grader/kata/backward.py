"""Checks for ``backprop`` and ``update``: values, numeric gradients, trajectories."""

import numpy as np

from grader.judge import gradcheck
from grader.judge import reference
from grader.judge.compare import Tol, Fail, compare, diagnosed
from grader.kata import inputs
from grader.judge.context import unchanged
from grader.kata.step import Check, Step, value_check
from grader.judge.mistakes import GENERIC, Mistake, code

LR = 0.5


def _case(rng, n, kind):
    params = inputs.init(rng, kind)
    x, y = inputs.batch(rng, n)
    return params, x, y


def _grads(ctx, params, x, y):
    acts = ctx.ref.feedforward(params, x)
    return inputs.expect_params(ctx.value(params, x, y, acts), what="backprop's gradients", bias_ok=True)


def bp_shapes(ctx):
    _grads(ctx, *_case(ctx.rng(False), 7, "scaled"))


def bp_values(hidden):
    def check(ctx):
        rng = ctx.rng(hidden)
        cases = ([_case(rng, int(rng.integers(11, 40)), "normal"), _case(rng, 10, "scaled")]  # n != k first
                 if hidden else [_case(rng, 7, "scaled")])
        for params, x, y in cases:
            expected = ctx.ref.backprop(params, x, y, ctx.ref.feedforward(params, x))
            got = _grads(ctx, params, x, y)
            for name in inputs.ORDER:
                compare(got[name], expected[name], ctx.tol, n=len(x), k=10,
                        what=f"the gradient for {name} (batch of n = {len(x)})",
                        extra=lambda g, e, name=name: _layer_cause(name, got, expected))
    return check


def _layer_cause(name, got, expected):
    """A partial match: the layers above are right, so the error starts at this one."""
    right = [k for k in inputs.ORDER[:inputs.ORDER.index(name)]
             if np.allclose(got[k], expected[k], rtol=1e-7, atol=1e-12)]
    if name in ("w2", "b2") and "w3" in right and "b3" in right:
        return BACKPROP_PARTIAL_LAYER_2, {}
    if name in ("w1", "b1") and {"w2", "b2"} <= set(right):
        return BACKPROP_PARTIAL_LAYER_1, {}
    return ""


def bp_gradcheck(kind):
    """Per tensor, against central differences of the reference loss, at one init."""
    words = {"scaled": "a well-scaled init (weights ~ N(0, 1/fan_in))",
             "normal": "the article's standard-normal init (saturated sigmoids)"}

    def check(ctx):
        rng = ctx.rng(False)
        params, x, y = _case(rng, 7, kind)
        got = _grads(ctx, params, x, y)
        for name in inputs.ORDER:
            indices = gradcheck.sample(params[name].shape, rng)
            numeric = gradcheck.numeric(lambda: reference.loss(params, x, y), params[name], indices)
            analytic = got[name].reshape(-1)[indices]
            error = gradcheck.relative_error(analytic, numeric)
            if error > gradcheck.PASS:
                right = ", ".join(inputs.ORDER[:inputs.ORDER.index(name)])
                above = f" ({right} agree)" if right else ""
                raise diagnosed(f"at {words[kind]}, the gradient for {name} disagrees with central "
                                f"differences (h = {gradcheck.H:g}, n = 7): relative error "
                                f"{error:.2e}, pass at {gradcheck.PASS:g}{above}.", analytic, numeric,
                                n=len(x), k=10)
    return check


def trajectory(ctx, *, student_backprop, steps=24, n=64, checkpoints=(1, 2, 4, 8, 16, 24)):
    """Drive the grader's own loop with one student function; the losses must track the reference's."""
    rng = ctx.rng(False)
    start = inputs.init(rng, "normal")
    x, y = inputs.batch(rng, n * 4)
    ref = ctx.ref

    def run(use_student):
        params = {k: v.copy() for k, v in start.items()}
        losses = {}
        for t in range(1, steps + 1):
            rows = slice((t - 1) % 4 * n, ((t - 1) % 4 + 1) * n)
            xb, yb = x[rows], y[rows]
            acts = ref.feedforward(params, xb)
            if use_student and student_backprop:
                grads = inputs.expect_params(ctx.value(params, xb, yb, acts), what="backprop's gradients",
                                        bias_ok=True)
            else:
                grads = ref.backprop(params, xb, yb, acts)
            if use_student and not student_backprop:
                params = inputs.expect_params(ctx.value(params, grads, LR), what="update's result")
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
    params = inputs.init(rng, "normal")
    grads = {k: rng.normal(0, 0.1, v.shape) for k, v in params.items()}
    return params, grads, float(rng.uniform(0.05, 2.0)) if hidden else LR


def up_values(hidden):
    def check(ctx):
        params, grads, lr = _update_case(ctx.rng(hidden), hidden)
        expected = ctx.ref.update({k: v.copy() for k, v in params.items()}, grads, lr)
        got = inputs.expect_params(ctx.value(params, grads, lr), what="update's result")
        for name in inputs.ORDER:
            unmoved = lambda g, e, old=params[name]: (UPDATE_SKIPS, {}) if np.array_equal(g, old) else ""  # noqa: E731
            compare(got[name], expected[name], ctx.tol, what=f"the new {name} (lr = {lr:g})", extra=unmoved)
    return check


def up_grads_unchanged(ctx):
    params, grads, lr = _update_case(ctx.rng(False), False)
    returned = ctx.call(params, grads, lr)
    returned.mutated = [m for m in returned.mutated if not m.startswith("[0][0]")]  # params may change
    unchanged(returned, ["params", "grads", "lr"], what="update")


def up_trajectory(ctx):
    trajectory(ctx, student_backprop=False)

# -- the steps --------------------------------------------------------------------------------
UP = "update(params, grads, lr)"  # the signature mistakes are written with
UPDATE_SKIPS = Mistake('update-skips-a-parameter', "it came back unchanged, exactly as it was: update moves every one of "
                       "the six parameters, the biases too, params[k] - lr * grads[k] for each k.", named_by="numbers")
FROM_LAYER_2 = "w3 and b3 are right, so the error starts at layer 2: "
FROM_LAYER_1 = "The layers above are right, so the error starts at layer 1: "


def backprop_code(**lines):
    """backprop as the reference writes it, some lines rewritten."""
    s = {"d3": "cross_entropy_delta(a3, y)", "d2": "(d3 @ params['w3'].T) * sigmoid_derivative(a2)",
         "d1": "(d2 @ params['w2'].T) * sigmoid_derivative(a1)", "w3": "a2.T @ d3", "w2": "a1.T @ d2",
         "w1": "x.T @ d1", **{f"b{i}": f"np.sum(d{i}, axis=0, keepdims=True)" for i in (1, 2, 3)}, **lines}
    return (f"def backprop(params, x, y, activations):\n    a1, a2, a3 = activations\n    d3 = {s['d3']}\n"
            f"    d2 = {s['d2']}\n    d1 = {s['d1']}\n    return {{'w3': {s['w3']}, 'b3': {s['b3']}, "
            f"'w2': {s['w2']}, 'b2': {s['b2']},\n            'w1': {s['w1']}, 'b1': {s['b1']}}}\n")


BACKPROP_PARTIAL_LAYER_2 = Mistake('backprop-partial-layer-2', FROM_LAYER_2 + "check the delta there, (d3 @ w3.T) * sigmoid_derivative(a2).", named_by="numbers")


BACKPROP_PARTIAL_LAYER_1 = Mistake('backprop-partial-layer-1', FROM_LAYER_1 + "check (d2 @ w2.T) * sigmoid_derivative(a1), and that dw1 uses "
                                   "x.", named_by="numbers")


BACKPROP = Step(
    "backprop", "backprop(params, x, y, activations) -> grads",
    "the gradient of the mean loss for every parameter",
    ("Start at the output: what is dL/dz3? A weight gradient is (the layer's input)^T times "
     "its delta: which shape must it have? To pass a delta down a layer, what do you "
     "multiply by, and which activation's derivative appears?",
     "δ3 = (a3 − y)/n (n, 10); dW3 = a2ᵀ δ3 (128, 10); db3 = Σ of δ3 over the batch axis, "
     "keepdims (1, 10); δ2 = (δ3 W3ᵀ) ⊙ a2(1 − a2) (n, 128); dW2 = a1ᵀ δ2; δ1 = (δ2 W2ᵀ) ⊙ "
     "a1(1 − a1); dW1 = xᵀ δ1 (64, 128). The 1/n lives in δ3: divide again and what "
     "happens? Which axis is the batch, 0 or 1?",
     "# a1, a2, a3 come from activations\n"
     "d3 = ___  # (n, 10): you wrote it in step 5\n"
     "d2 = (d3 @ params[\"w3\"].T) * sigmoid_derivative(___)\n"
     "d1 = (d2 @ ___) * sigmoid_derivative(a1)\n"
     "return {\"w3\": a2.T @ ___, \"b3\": d3.sum(axis=___, keepdims=True),\n"
     "        \"w2\": ___, \"b2\": ..., \"w1\": ___.T @ d1, \"b1\": ...}"),
    Tol(1e-7, 1e-10), uses=("sigmoid", "sigmoid_derivative", "softmax", "cross_entropy",
                            "cross_entropy_delta", "feedforward"), checks=(
        Check("shapes", 2, bp_shapes),
        value_check(bp_values, 3, ("shapes",), False),
        value_check(bp_values, 3, ("shapes",), True),
        Check("numeric gradient at a well-scaled init", 3, bp_gradcheck("scaled"), ("shapes",)),
        Check("numeric gradient at the article's init", 3, bp_gradcheck("normal"), ("shapes",)),
        Check("trajectory with the reference's update", 3, bp_trajectory, ("shapes",)),
        Check("inputs unchanged", 1, bp_unchanged, ("shapes",)),
    ),
    arguments="network",
    mistakes=(
        Mistake('backprop-no-1/n', "it is exactly n = {n} times too large: did you forget to divide by n (the "
                "batch size)? delta3 = a3 - y lacks the 1/n of the mean loss, and every gradient inherits it: delta3 = "
                "cross_entropy_delta(a3, y).",
            backprop_code(d3="a3 - y")),
        Mistake('backprop-sign', "it is exactly -1 times the expected value: the sign is flipped. delta3 is (a3 "
                "- y) / n, not (y - a3) / n, and every gradient inherits the sign.",
            backprop_code(d3="(y - a3) / len(x)")),
        Mistake('backprop-sigma-prime-on-output', "d3 is multiplied by sigmoid_derivative(a3); the output is a "
                "softmax, and with the cross-entropy its Jacobian cancels: d3 = cross_entropy_delta(a3, y) = (a3 - y) / n, "
                "with no further factor.",
            backprop_code(d3="cross_entropy_delta(a3, y) * sigmoid_derivative(a3)")),
        Mistake('backprop-sigma-prime-twice-layer-2', FROM_LAYER_2 + "sigmoid_derivative(a2) is applied twice; d2 = (d3 @ "
                "w3.T) * sigmoid_derivative(a2), once.",
            backprop_code(d2="(d3 @ params['w3'].T) * sigmoid_derivative(a2) * sigmoid_derivative(a2)")),
        Mistake('backprop-sigma-prime-twice-layer-1', FROM_LAYER_1 + "sigmoid_derivative(a1) is applied twice; d1 = (d2 @ "
                "w2.T) * sigmoid_derivative(a1), once.",
            backprop_code(d1="(d2 @ params['w2'].T) * sigmoid_derivative(a1) * sigmoid_derivative(a1)")),
        Mistake('backprop-no-sigma-prime-layer-2', FROM_LAYER_2 + "the factor sigmoid_derivative(a2) is missing; d2 = (d3 "
                "@ w3.T) * sigmoid_derivative(a2).",
            backprop_code(d2="d3 @ params['w3'].T")),
        Mistake('backprop-no-sigma-prime-layer-1', FROM_LAYER_1 + "the factor sigmoid_derivative(a1) is missing; d1 = (d2 "
                "@ w2.T) * sigmoid_derivative(a1).",
            backprop_code(d1="d2 @ params['w2'].T")),
        Mistake('backprop-sigma-prime-wrong-layer', FROM_LAYER_2 + "d2 takes sigmoid_derivative(a1), layer 1's; each delta "
                "takes its own layer's activation: d2 = (d3 @ w3.T) * sigmoid_derivative(a2).",
            backprop_code(d2="(d3 @ params['w3'].T) * sigmoid_derivative(a1)")),
        Mistake('backprop-sigma-prime-of-z', FROM_LAYER_2 + "you passed the pre-activation z2 = a1 @ w2 + b2 to "
                "sigmoid_derivative, which takes the activation a2 = sigmoid(z2): d2 = (d3 @ w3.T) * sigmoid_derivative(a2), "
                "and likewise with a1.",
            backprop_code(d2="(d3 @ params['w3'].T) * sigmoid_derivative(a1 @ params['w2'] + params['b2'])",
          d1="(d2 @ params['w2'].T) * sigmoid_derivative(x @ params['w1'] + params['b1'])")),
        Mistake('backprop-dw2-own-activation', FROM_LAYER_2 + "dw2 = a2.T @ d2 takes layer 2's own output; a weight "
                "gradient takes the layer's input: dw2 = a1.T @ d2.",
            backprop_code(w2="a2.T @ d2")),
        Mistake('backprop-dw-own-activation', "dw3 = a3.T @ d3 takes the layer's own output; a weight gradient "
                "takes the layer's input: dw3 = a2.T @ d3, dw2 = a1.T @ d2, dw1 = x.T @ d1.",
            backprop_code(w3="a3.T @ d3", w2="a2.T @ d2", w1="a1.T @ d1")),
        Mistake('backprop-dw1-own-activation', FROM_LAYER_1 + "dw1 = a1.T @ d1 takes layer 1's own output; "
                "a weight gradient is (the layer's input).T @ delta, and layer 1's input is x: dw1 = x.T @ d1, shape (64, 128).",
            backprop_code(w1="a1.T @ d1")),
        Mistake('backprop-dw-transposed', "you wrote delta.T @ input, the transpose of the weight gradient: it "
                "is (the layer's input).T @ delta, so dw3 = a2.T @ d3 has w3's shape.",
            backprop_code(w3="d3.T @ a2", w2="d2.T @ a1", w1="d1.T @ x")),
        Mistake('backprop-bias-mean', "the bias gradients are n = {n} times too small: a mean taken where a sum "
                "belongs. delta3 already holds the 1/n, so sum each delta over the batch: np.sum(d, axis=0, keepdims=True).",
            backprop_code(**{f"b{i}": f"np.mean(d{i}, axis=0, keepdims=True)" for i in (1, 2, 3)})),
        Mistake('backprop-bias-not-summed', "db = delta keeps the batch axis, shape (n, k): a bias gradient sums "
                "the delta over the batch, np.sum(d3, axis=0, keepdims=True), shape (1, k).",
            backprop_code(b3="d3", b2="d2", b1="d1")),
        Mistake('backprop-modifies-activations', "you changed a3 in place (d3 = a3, then d3 -= y): it is the "
                "caller's array. Make a new one: d3 = cross_entropy_delta(a3, y).",
            backprop_code(d3="a3\n    d3 -= y\n    d3 /= len(x)")),
        GENERIC['times-n'].example(backprop_code(d3="a3 - y", **{f"w{i}": f"{a}.T @ d{i} / len(x)" for i, a in ((3, "a2"), (2, "a1"), (1, "x"))})),
        GENERIC['times-1/n'].example(backprop_code(d3="cross_entropy_delta(a3, y) / len(x)")),
        GENERIC['times-1/k'].example(backprop_code(d3="(a3 - y) / a3.size")),
        GENERIC['k-for-n'].example(backprop_code(d3="(a3 - y) / a3.shape[1]")),
        GENERIC['transposed'].example(backprop_code(w2="d2.T @ a1")),
        GENERIC['batch-axis-kept'].example(backprop_code(b1="d1")),
        GENERIC['renamed-keys'].example(backprop_code().replace("'w", "'dW").replace("'b", "'db")
                                        .replace("['dW", "['w")),  # dW1 ... db3, the course's names
        GENERIC['summed-over-units'].example(backprop_code(b1="np.sum(d1, axis=1)")),
        BACKPROP_PARTIAL_LAYER_2.example(backprop_code(d2="(d3 @ params['w3'].T) * (1 - a2)")),
        BACKPROP_PARTIAL_LAYER_1.example(backprop_code(d1="(d2 @ params['w2'].T) * (1 - a1)")),
    ))


UPDATE = Step(
    "update", "update(params, grads, lr) -> params", "one gradient-descent step",
    ("Which way is downhill: along the gradient or against it? How far does lr take you?",
     "θ ← θ − lr · ∂L/∂θ for each of the six names w1 … b3: params[k] − lr · grads[k], of "
     "params[k]'s shape. A bias gradient may come as (k,) for a (1, k) bias: what shape "
     "does broadcasting give? grads must come back untouched: what does grads[k] *= lr do "
     "to the caller's array?",
     "new = {}\n"
     "for name, p in params.items():\n"
     "    new[name] = p ___ lr * grads[___]  # a new array; grads untouched\n"
     "return new"),
    Tol(1e-12, 1e-12), (
        value_check(up_values, 2, (), False),
        value_check(up_values, 2, (), True),
        Check("grads unchanged", 2, up_grads_unchanged),
        Check("trajectory with the reference's backprop", 2, up_trajectory),
    ),
    arguments="update",
    mistakes=(
        Mistake('update-plus', "the step is +lr * grad, uphill: gradient descent moves against the gradient, "
                "params - lr * grads.",
            code(UP, "return {k: p + lr * grads[k] for k, p in params.items()}")),
        Mistake('update-ignores-lr', "the step is the gradient without lr: params - lr * grads.",
            code(UP, "return {k: p - grads[k] for k, p in params.items()}")),
        Mistake('update-returns-grads', "you returned the gradients (or a step built from them alone); update "
                "returns the new parameters, params[k] - lr * grads[k].",
            code(UP, "return grads")),
        UPDATE_SKIPS.example(code(UP, "new = dict(params)", "for k in ('w1', 'w2', 'w3'):",
                                  "    new[k] = params[k] - lr * grads[k]", "return new")),
        GENERIC['no-return'].example(code(UP, "for k in params:", "    params[k] = params[k] - lr * grads[k]")),
        Mistake('update-modifies-grads', "you scaled the gradients in place (g *= lr): they are the caller's. "
                "Compute p - lr * g as a new array.",
            code(UP, "new = {}", "for k, p in params.items():", "    g = grads[k]",
                                                 "    g *= lr", "    new[k] = p - g", "return new")),
    ))
