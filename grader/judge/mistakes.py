"""Named mistakes: a catalogue of known-wrong variants of each step, and the matcher.

Each entry has a stable slug, the words the student reads (``{n}``, ``{k}``: the rows and
columns of the call's first matrix), and the variant's source as a student would write it.
The same source serves twice: when a check fails, the grader runs the step's variants on the
very arguments of the check's last call to the student's function (our own code, run here on
copies, never in the child), and a student whose output is one variant's gets its name; the
test suite writes each into a submission and asserts that it is named. Matching runs only on
failure, so correct code is never named. ``generic`` entries are named by the heuristics in
``compare`` (a scalar multiple, a transpose, a kept batch axis, a partial match); their code is
an example for the tests.
"""

import collections
import functools
from dataclasses import dataclass

import numpy as np

ORDER = ("w3", "b3", "w2", "b2", "w1", "b1")  # a dict's tensors from the output layer down


@dataclass(frozen=True)
class Mistake:
    slug: str
    step: str
    says: str
    code: str
    generic: bool = False


def _bp(**lines):
    """backprop as the reference writes it, some lines rewritten."""
    s = {"d3": "cross_entropy_delta(a3, y)", "d2": "(d3 @ params['w3'].T) * sigmoid_derivative(a2)",
         "d1": "(d2 @ params['w2'].T) * sigmoid_derivative(a1)", "w3": "a2.T @ d3", "w2": "a1.T @ d2",
         "w1": "x.T @ d1", **{f"b{i}": f"np.sum(d{i}, axis=0, keepdims=True)" for i in (1, 2, 3)}, **lines}
    return (f"def backprop(params, x, y, activations):\n    a1, a2, a3 = activations\n    d3 = {s['d3']}\n"
            f"    d2 = {s['d2']}\n    d1 = {s['d1']}\n    return {{'w3': {s['w3']}, 'b3': {s['b3']}, "
            f"'w2': {s['w2']}, 'b2': {s['b2']},\n            'w1': {s['w1']}, 'b1': {s['b1']}}}\n")


def _ff(**lines):
    """feedforward as the reference writes it, some layers rewritten."""
    s = {"a1": "sigmoid(x @ params['w1'] + params['b1'])", "a2": "sigmoid(a1 @ params['w2'] + params['b2'])",
         "a3": "softmax(a2 @ params['w3'] + params['b3'])", **lines}
    return (f"def feedforward(params, x):\n    a1 = {s['a1']}\n    a2 = {s['a2']}\n    a3 = {s['a3']}\n"
            "    return a1, a2, a3\n")


def _fn(signature, *body):
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


SIG, DER, SM = "sigmoid(z)", "sigmoid_derivative(a)", "softmax(z)"
CE, DELTA = "cross_entropy(probs, targets)", "cross_entropy_delta(probs, targets)"
UP, PRED = "update(params, grads, lr)", "predict(params, x)"
TRUE = "p = probs[np.arange(len(targets)), np.argmax(targets, axis=1)]"
SHIFT, ROWS = "e = np.exp(z - np.max(z, axis=1, keepdims=True))", "return e / np.sum(e, axis=1, keepdims=True)"
STABLE = ("Rearrange the formula so that exp only ever sees non-positive numbers: with e = np.exp(-np.abs(z)), "
          "1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0.")
L2 = "w3 and b3 are right, so the error starts at layer 2: "
L1 = "The layers above are right, so the error starts at layer 1: "
M, G = Mistake, functools.partial(Mistake, generic=True)
CATALOGUE = (
    # -- sigmoid --------------------------------------------------------------------------
    M("sigmoid-exponent-sign", "sigmoid", "you computed 1 / (1 + e^z), which is sigmoid(-z): the exponent's sign. "
      "sigmoid(z) = 1 / (1 + e^-z).", _fn(SIG, "return 1 / (1 + np.exp(z))")),
    M("sigmoid-precedence", "sigmoid", "1 / 1 + np.exp(-z) is 1 + e^-z, since / binds tighter than +: write 1 / (1 "
      "+ np.exp(-z)).", _fn(SIG, "return 1 / 1 + np.exp(-z)")),
    M("sigmoid-naive-exp", "sigmoid", "np.exp(-z) overflows for z below -709. " + STABLE,
      _fn(SIG, "return 1 / (1 + np.exp(-z))")),
    M("sigmoid-naive-exp-over", "sigmoid", "np.exp(z) overflows for z above 709, and inf / inf is NaN. " + STABLE,
      _fn(SIG, "return np.exp(z) / (1 + np.exp(z))")),
    # -- sigmoid_derivative ------------------------------------------------------------------
    M("sigmoid-derivative-of-z", "sigmoid_derivative", "you computed sigmoid(a) * (1 - sigmoid(a)), the formula in "
      "terms of z; the argument is already the activation a = sigmoid(z), so it is a * (1 - a).",
      _fn(DER, "s = sigmoid(a)", "return s * (1 - s)")),
    M("sigmoid-derivative-tanh", "sigmoid_derivative", "1 - a² is the derivative of tanh; the sigmoid's, written "
      "in its activation, is a * (1 - a).", _fn(DER, "return 1 - a ** 2")),
    G("sign", "sigmoid_derivative", "it is exactly -1 times the expected value: the sign is flipped",
      _fn(DER, "return a * (a - 1)")),
    # -- softmax --------------------------------------------------------------------------
    M("softmax-axis-0", "softmax", "each column sums to 1. Did you normalise over axis 0? That is the batch; a "
      "softmax normalises each row, one example's logits: axis=1, keepdims=True in the max and the sum.",
      _fn(SM, "e = np.exp(z - np.max(z, axis=0, keepdims=True))", "return e / np.sum(e, axis=0, keepdims=True)")),
    M("softmax-whole-array", "softmax", "you divided by the sum of every entry, so the whole array sums to 1; each "
      "row must: e / np.sum(e, axis=1, keepdims=True).", _fn(SM, SHIFT, "return e / np.sum(e)")),
    M("softmax-no-keepdims", "softmax", "np.sum(e, axis=1) has shape (n,), which does not broadcast against e's "
      "(n, k): keep the axis, np.sum(e, axis=1, keepdims=True).", _fn(SM, SHIFT, "return e / np.sum(e, axis=1)")),
    M("softmax-no-exp", "softmax", "you normalised the logits themselves; a softmax normalises their exponentials: "
      "e = np.exp(z - max), then e / np.sum(e, axis=1, keepdims=True).",
      _fn(SM, "return z / np.sum(z, axis=1, keepdims=True)")),
    M("softmax-no-max-shift", "softmax", "np.exp(z) overflows for logits above 709, and inf / inf is NaN. Subtract "
      "each row's maximum first: z - np.max(z, axis=1, keepdims=True) changes no row's softmax and keeps every "
      "exponent <= 0.", _fn(SM, "e = np.exp(z)", ROWS)),
    M("softmax-global-max", "softmax", "you subtracted np.max(z), the maximum of the whole array: a row far below "
      "it underflows to 0 / 0. Subtract each row's maximum: np.max(z, axis=1, keepdims=True).",
      _fn(SM, "e = np.exp(z - np.max(z))", ROWS)),
    M("softmax-modifies-input", "softmax", "you changed z in place (z -= ...): the caller's logits are "
      "overwritten. Make a new array: shifted = z - np.max(z, axis=1, keepdims=True).",
      _fn(SM, "z -= np.max(z, axis=1, keepdims=True)", "e = np.exp(z)", ROWS)),
    G("shape-transposed", "softmax", "It is the transpose of the expected shape: are the operands of @ swapped?",
      _fn(SM, "e = np.exp(z.T - np.max(z.T, axis=0))", "return e / np.sum(e, axis=0)")),
    # -- cross_entropy ------------------------------------------------------------------------
    M("cross-entropy-summed", "cross_entropy", "it is exactly n = {n} times too large: you summed over the batch. "
      "The loss is a mean over the batch: divide the sum by n.", _fn(CE, TRUE, "return float(-np.sum(np.log(p)))")),
    M("cross-entropy-no-minus", "cross_entropy", "the sign: the mean of log p is never positive. The loss is -log "
      "of the true class's probability, so it is never negative.", _fn(CE, TRUE, "return float(np.mean(np.log(p)))")),
    M("cross-entropy-mean-over-classes", "cross_entropy", "it is exactly 1/{k} of the expected value: np.mean over "
      "the (n, {k}) array divides by n·{k}; did you average over the {k} classes as well as the batch? Sum over "
      "the classes, average over the batch.", _fn(CE, "return float(-np.mean(targets * np.log(probs)))")),
    M("cross-entropy-per-example", "cross_entropy", "you returned each example's loss, shape (n,); the loss is "
      "their mean over the batch, one float: float(np.mean(...)).", _fn(CE, TRUE, "return -np.log(p)")),
    M("cross-entropy-axis-0", "cross_entropy", "np.sum(probs * targets, axis=0) adds up the batch, one total per "
      "class; the true class's probability of each row is the sum over axis=1.",
      _fn(CE, "return float(-np.mean(np.log(np.sum(probs * targets, axis=0))))")),
    M("cross-entropy-binary", "cross_entropy", "you added (1 - t) log(1 - p) for the other classes: the binary "
      "cross-entropy of independent sigmoids. With a softmax the loss is -log of the true class's probability "
      "alone.", _fn(CE, "terms = targets * np.log(probs) + (1 - targets) * np.log(1 - probs)",
                    "return float(-np.mean(np.sum(terms, axis=1)))")),
    G("constant-factor", "cross_entropy", "it is exactly {c} times the expected value: a constant factor is wrong",
      _fn(CE, TRUE, "return float(-np.mean(np.log2(p)))")),
    # -- cross_entropy_delta --------------------------------------------------------------------
    M("delta-no-1/n", "cross_entropy_delta", "it is exactly n = {n} times too large: did you forget to divide by n "
      "(the batch size)? The delta of the mean loss is (probs - targets) / n.", _fn(DELTA, "return probs - targets")),
    M("delta-sign", "cross_entropy_delta", "it is exactly -1 times the expected value: the sign is flipped. The "
      "gradient of -log p with respect to the logits is (probs - targets) / n.",
      _fn(DELTA, "return (targets - probs) / len(targets)")),
    M("delta-over-all-entries", "cross_entropy_delta", "it is exactly 1/{k} of the expected value: you divided by "
      "n·{k}, every entry; did you average over the {k} classes as well as the batch? Divide by n alone.",
      _fn(DELTA, "return (probs - targets) / probs.size")),
    M("delta-extra-derivative", "cross_entropy_delta", "you multiplied by probs * (1 - probs), a sigmoid's "
      "derivative: with a softmax and the cross-entropy it cancels, and the delta is (probs - targets) / n.",
      _fn(DELTA, "return (probs - targets) * probs * (1 - probs) / len(targets)")),
    G("sign-times-n", "cross_entropy_delta", "it is exactly -n = -{n} times the expected value: the sign is "
      "flipped and the 1/n is missing", _fn(DELTA, "return targets - probs")),
    # -- feedforward ------------------------------------------------------------------------
    M("feedforward-sigmoid-output", "feedforward", "a3 is a sigmoid of the output logits; the output layer is a "
      "softmax: a3 = softmax(a2 @ w3 + b3).", _ff(a3="sigmoid(a2 @ params['w3'] + params['b3'])")),
    M("feedforward-softmax-hidden", "feedforward", "a1 and a2 are softmaxes; the hidden layers are sigmoids: a1 = "
      "sigmoid(x @ w1 + b1), a2 = sigmoid(a1 @ w2 + b2).",
      _ff(a1="softmax(x @ params['w1'] + params['b1'])", a2="softmax(a1 @ params['w2'] + params['b2'])")),
    M("feedforward-linear-hidden", "feedforward", "a1 and a2 are the hidden layers' logits, with no activation: a1 "
      "= sigmoid(x @ w1 + b1), a2 = sigmoid(a1 @ w2 + b2).",
      _ff(a1="x @ params['w1'] + params['b1']", a2="a1 @ params['w2'] + params['b2']")),
    *(M(f"feedforward-no-b{i}", "feedforward", f"a{i} is the activation of {src} @ w{i} without + b{i}: the "
        "bias is missing. Each layer is activation(input @ w + b).", _ff(**{f"a{i}": f"{f}({src} @ params['w{i}'])"}))
      for i, src, f in ((1, "x", "sigmoid"), (2, "a1", "sigmoid"), (3, "a2", "softmax"))),
    G("feedforward-partial-a2", "feedforward", "a1 is right, so the error starts at layer 2: a2 = sigmoid(a1 @ w2 "
      "+ b2).", _ff(a2="sigmoid(a1 @ params['w2'] + params['b1'])")),
    G("feedforward-partial-a3", "feedforward", "a1 and a2 are right, so the error starts at layer 3: a3 = "
      "softmax(a2 @ w3 + b3).", _ff(a3="softmax(a1 @ params['w3'] + params['b3'])")),
    # -- backprop -------------------------------------------------------------------------
    M("backprop-no-1/n", "backprop", "it is exactly n = {n} times too large: did you forget to divide by n (the "
      "batch size)? delta3 = a3 - y lacks the 1/n of the mean loss, and every gradient inherits it: delta3 = "
      "cross_entropy_delta(a3, y).", _bp(d3="a3 - y")),
    M("backprop-sign", "backprop", "it is exactly -1 times the expected value: the sign is flipped. delta3 is (a3 "
      "- y) / n, not (y - a3) / n, and every gradient inherits the sign.", _bp(d3="(y - a3) / len(x)")),
    M("backprop-sigma-prime-twice-layer-2", "backprop", L2 + "sigmoid_derivative(a2) is applied twice; d2 = (d3 @ "
      "w3.T) * sigmoid_derivative(a2), once.",
      _bp(d2="(d3 @ params['w3'].T) * sigmoid_derivative(a2) * sigmoid_derivative(a2)")),
    M("backprop-sigma-prime-twice-layer-1", "backprop", L1 + "sigmoid_derivative(a1) is applied twice; d1 = (d2 @ "
      "w2.T) * sigmoid_derivative(a1), once.",
      _bp(d1="(d2 @ params['w2'].T) * sigmoid_derivative(a1) * sigmoid_derivative(a1)")),
    M("backprop-no-sigma-prime-layer-2", "backprop", L2 + "the factor sigmoid_derivative(a2) is missing; d2 = (d3 "
      "@ w3.T) * sigmoid_derivative(a2).", _bp(d2="d3 @ params['w3'].T")),
    M("backprop-no-sigma-prime-layer-1", "backprop", L1 + "the factor sigmoid_derivative(a1) is missing; d1 = (d2 "
      "@ w2.T) * sigmoid_derivative(a1).", _bp(d1="d2 @ params['w2'].T")),
    M("backprop-sigma-prime-wrong-layer", "backprop", L2 + "d2 takes sigmoid_derivative(a1), layer 1's; each delta "
      "takes its own layer's activation: d2 = (d3 @ w3.T) * sigmoid_derivative(a2).",
      _bp(d2="(d3 @ params['w3'].T) * sigmoid_derivative(a1)")),
    M("backprop-sigma-prime-of-z", "backprop", L2 + "you passed the pre-activation z2 = a1 @ w2 + b2 to "
      "sigmoid_derivative, which takes the activation a2 = sigmoid(z2): d2 = (d3 @ w3.T) * sigmoid_derivative(a2), "
      "and likewise with a1.",
      _bp(d2="(d3 @ params['w3'].T) * sigmoid_derivative(a1 @ params['w2'] + params['b2'])",
          d1="(d2 @ params['w2'].T) * sigmoid_derivative(x @ params['w1'] + params['b1'])")),
    M("backprop-dw2-own-activation", "backprop", L2 + "dw2 = a2.T @ d2 takes layer 2's own output; a weight "
      "gradient takes the layer's input: dw2 = a1.T @ d2.", _bp(w2="a2.T @ d2")),
    M("backprop-dw-own-activation", "backprop", "dw3 = a3.T @ d3 takes the layer's own output; a weight gradient "
      "takes the layer's input: dw3 = a2.T @ d3, dw2 = a1.T @ d2, dw1 = x.T @ d1.",
      _bp(w3="a3.T @ d3", w2="a2.T @ d2", w1="a1.T @ d1")),
    M("backprop-dw-transposed", "backprop", "you wrote delta.T @ input, the transpose of the weight gradient: it "
      "is (the layer's input).T @ delta, so dw3 = a2.T @ d3 has w3's shape.",
      _bp(w3="d3.T @ a2", w2="d2.T @ a1", w1="d1.T @ x")),
    M("backprop-bias-mean", "backprop", "the bias gradients are n = {n} times too small: a mean taken where a sum "
      "belongs. delta3 already holds the 1/n, so sum each delta over the batch: np.sum(d, axis=0, keepdims=True).",
      _bp(**{f"b{i}": f"np.mean(d{i}, axis=0, keepdims=True)" for i in (1, 2, 3)})),
    M("backprop-bias-not-summed", "backprop", "db = delta keeps the batch axis, shape (n, k): a bias gradient sums "
      "the delta over the batch, np.sum(d3, axis=0, keepdims=True), shape (1, k).", _bp(b3="d3", b2="d2", b1="d1")),
    M("backprop-modifies-activations", "backprop", "you changed a3 in place (d3 = a3, then d3 -= y): it is the "
      "caller's array. Make a new one: d3 = cross_entropy_delta(a3, y).",
      _bp(d3="a3\n    d3 -= y\n    d3 /= len(x)")),
    G("times-n", "backprop", "it is exactly n = {n} times too large: did you forget to divide by n (the batch "
      "size)?", _bp(d3="a3 - y", **{f"w{i}": f"{a}.T @ d{i} / len(x)" for i, a in ((3, "a2"), (2, "a1"), (1, "x"))})),
    G("times-1/n", "backprop", "it is exactly n = {n} times too small: is 1/n applied twice, or a mean taken where "
      "a sum belongs?", _bp(d3="cross_entropy_delta(a3, y) / len(x)")),
    G("times-1/k", "backprop", "it is exactly 1/{k} of the expected value: did you average over the {k} classes as "
      "well as the batch?", _bp(d3="(a3 - y) / a3.size")),
    G("transposed", "backprop", "it equals the expected value transposed: are the operands of @ in the wrong order?",
      _bp(w2="d2.T @ a1")),
    G("batch-axis-kept", "backprop", "It keeps the batch axis: a bias gradient sums over the batch (np.sum(..., "
      "axis=0, keepdims=True)).", _bp(b1="d1")),
    G("backprop-partial-layer-2", "backprop", L2 + "check the delta there, (d3 @ w3.T) * sigmoid_derivative(a2).",
      _bp(d2="(d3 @ params['w3'].T) * (1 - a2)")),
    G("backprop-partial-layer-1", "backprop", L1 + "check (d2 @ w2.T) * sigmoid_derivative(a1), and that dw1 uses "
      "x.", _bp(d1="(d2 @ params['w2'].T) * (1 - a1)")),
    # -- update ---------------------------------------------------------------------------
    M("update-plus", "update", "the step is +lr * grad, uphill: gradient descent moves against the gradient, "
      "params - lr * grads.", _fn(UP, "return {k: p + lr * grads[k] for k, p in params.items()}")),
    M("update-ignores-lr", "update", "the step is the gradient without lr: params - lr * grads.",
      _fn(UP, "return {k: p - grads[k] for k, p in params.items()}")),
    M("update-modifies-grads", "update", "you scaled the gradients in place (g *= lr): they are the caller's. "
      "Compute p - lr * g as a new array.", _fn(UP, "new = {}", "for k, p in params.items():", "    g = grads[k]",
                                                 "    g *= lr", "    new[k] = p - g", "return new")),
    # -- predict --------------------------------------------------------------------------
    M("predict-no-axis", "predict", "np.argmax without axis= looks at the whole flattened array and gives one "
      "index; one label per row is np.argmax(a3, axis=1).", _fn(PRED, "return np.argmax(feedforward(params, x)[2])")),
    M("predict-probabilities", "predict", "you returned the probabilities, shape (n, 10); the label is each row's "
      "most probable class: take np.argmax over axis 1.", _fn(PRED, "return feedforward(params, x)[2]")),
    M("predict-axis-0", "predict", "np.argmax over axis 0 picks a row for each class; one label per row is "
      "np.argmax(a3, axis=1).", _fn(PRED, "return np.argmax(feedforward(params, x)[2], axis=0)")),
    M("predict-argmin", "predict", "np.argmin picks the least probable class; the label is the most probable one, "
      "np.argmax(a3, axis=1).", _fn(PRED, "return np.argmin(feedforward(params, x)[2], axis=1)")),
    M("predict-hidden-layer", "predict", "feedforward(params, x)[1] is a2, the hidden layer's 128 units; the "
      "classes are the columns of a3 = feedforward(params, x)[2].",
      _fn(PRED, "return np.argmax(feedforward(params, x)[1], axis=1)")),
)
BY_SLUG = {m.slug: m for m in CATALOGUE}
VARIANTS = {}  # step -> its variants, in catalogue order (generic entries are not run)
for _m in CATALOGUE:
    VARIANTS.setdefault(_m.step, []).extend([] if _m.generic else [_m])


def words(slug, **values):
    """What the student reads for ``slug``, with n, k (and c) filled in."""
    return BY_SLUG[slug].says.format_map(collections.defaultdict(lambda: "?", values))


@functools.lru_cache(maxsize=None)
def _compiled(slug):
    from grader.judge import reference
    m, namespace = BY_SLUG[slug], {"np": np, **reference.functions()}
    exec(compile(m.code, f"<mistake {slug}>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace[m.step]


def _copy(v):
    if isinstance(v, (dict, list, tuple)):
        items = {k: _copy(x) for k, x in v.items()} if isinstance(v, dict) else type(v)(map(_copy, v))
        return items
    return v.copy() if isinstance(v, np.ndarray) else v


def _arrays(v, path=""):
    """(path, array) for every array in v, paths spelt as the child spells them."""
    if type(v) is np.ndarray:
        return [(path, v)]
    items = [(f"[{k!r}]", x) for k, x in v.items()] if type(v) is dict else \
        [(f"[{i}]", x) for i, x in enumerate(v)] if type(v) in (list, tuple) else []
    return [found for key, x in items for found in _arrays(x, path + key)]


def run(slug, args, kwargs):
    """The variant on copies of the arguments: (value, error, first float warning, mutated)."""
    fn, warning = _compiled(slug), ""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            fn(*_copy(args), **_copy(kwargs))
    except FloatingPointError as exc:
        warning = str(exc)
    except Exception:  # noqa: BLE001 - the second run says what
        pass
    values = _copy([list(args), kwargs])
    before = [(p, a.copy()) for p, a in _arrays(values)]
    try:
        with np.errstate(all="ignore"):
            value = fn(*values[0], **values[1])
    except Exception as exc:  # noqa: BLE001
        return None, f"{type(exc).__name__}: {exc}", warning, []
    after = _arrays(values)
    return value, "", warning, [p for (p, b), (_, a) in zip(before, after) if not np.array_equal(a, b, equal_nan=True)]


def _flat(value):
    """[(name, value)]: a dict's tensors from the output layer down, a tuple's in order."""
    if isinstance(value, dict):
        return [(k, value[k]) for k in sorted(value, key=lambda k: (ORDER.index(k) if k in ORDER else 9, str(k)))]
    return list(enumerate(value)) if isinstance(value, (tuple, list)) else [("", value)]


def _same(a, b, tol):
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:  # a (k,) bias for a (1, k) one is allowed
        if a.size != b.size or a.squeeze().shape != b.squeeze().shape:
            return False
        a = a.reshape(b.shape)
    with np.errstate(invalid="ignore"):
        close = (np.abs(a - b) <= tol.atol + tol.rtol * np.abs(b)) & np.isfinite(b)
    return bool(np.all(close | (a == b) | (np.isnan(a) & np.isnan(b))))


def _agree(x, y, tol, upto=None):
    """Do two flat outputs agree, entirely or on their first ``upto`` + 1 tensors?"""
    if [k for k, _ in x] != [k for k, _ in y]:
        return False
    return all(_same(a, b, tol) for (_, a), (_, b) in list(zip(x, y))[: None if upto is None else upto + 1])


def match(ctx):
    """The mistake whose output the check's last call gave, or None.

    It must match the whole output, with evidence that something is wrong (the output is not
    the reference's, or the variant raised the same float warning or changed the same
    arguments); else the first wrong tensor of a tuple or dict. Two mistakes that fit the
    same output (all NaN, say) are no evidence for either: neither is named."""
    variants, last = VARIANTS.get(ctx.step.name), getattr(ctx, "last", None)
    if not variants or last is None:
        return None
    args, kwargs, outcome = last
    from grader.sandbox.runner import StudentError
    if isinstance(outcome, StudentError):  # it raised: the variant must raise the same
        found = [m for m in variants if (e := run(m.slug, args, kwargs)[1]) and f"raised {e}" in outcome.message]
        return found[0] if len(found) == 1 else None
    got, tol = _flat(outcome.value), ctx.tol
    try:
        with np.errstate(all="ignore"):
            expected = _flat(ctx.expected(*_copy(args), **_copy(kwargs)))
    except Exception:  # noqa: BLE001
        return None
    wrong = next((i for i, ((_, g), (_, e)) in enumerate(zip(got, expected)) if not _same(g, e, tol)), None)
    warned = [w.split(": ", 1)[-1] for w in outcome.warnings]
    full, partial = [], []
    for m in variants:
        value, error, warning, mutated = run(m.slug, args, kwargs)
        if error:
            continue
        mine = _flat(value)
        evidence = (wrong is not None or (warning and warning in warned)
                    or (outcome.mutated and set(outcome.mutated) <= set(mutated)))
        if evidence and _agree(got, mine, tol):
            full.append(m)
        elif wrong is not None and len(got) > 1 and _agree(got, mine, tol, wrong):
            partial.append(m)  # it explains the first wrong tensor, not the rest
    found = full or partial
    return found[0] if len(found) == 1 else None


def sizes(args):
    """n and k: the rows and columns of the call's first matrix."""
    first = next((a for a in args if isinstance(a, np.ndarray) and a.ndim == 2), None)
    return {} if first is None else {"n": first.shape[0], "k": first.shape[1]}


def explain(ctx, base, cause):
    """(message, cause) for a failed check: ``base`` then the named mistake's words when the
    student's output is a catalogued variant's, else ``(None, cause)``."""
    try:
        m = match(ctx)
    except Exception:  # noqa: BLE001 - a failure to name is never a failure to grade
        m = None
    if m is None:
        return None, cause
    base += "" if base.endswith((".", "?", "!")) else "."
    return f"{base} Named mistake ({m.slug}): {words(m.slug, **sizes(ctx.last[0]))}", m.slug
