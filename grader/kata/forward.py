"""Checks for ``feedforward`` and ``predict``."""

import numpy as np

from grader.judge.compare import Tol, Fail, compare, expect_array, failing
from grader.kata import inputs
from grader.judge.context import unchanged
from grader.kata.step import SHAPE, Check, Step, value_check
from grader.judge.mistakes import GENERIC, Mistake, code

LAYERS = (("a1", 128), ("a2", 128), ("a3", 10))


def _cases(rng, hidden):
    if hidden:
        return [(inputs.init(rng, "normal"), inputs.batch(rng, int(rng.integers(11, 50)))[0]),
                (inputs.init(rng, "scaled"), inputs.batch(rng, 10)[0])]
    return [(inputs.init(rng, "scaled"), inputs.batch(rng, 7)[0])]


def _activations(value, n):
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        got = "None" if value is None else f"a {type(value).__name__}"
        if isinstance(value, (tuple, list)):
            got += f" of length {len(value)}"
        raise Fail(f"feedforward should return the three activations (a1, a2, a3); got {got}")
    return [expect_array(a, (n, k), what=f"{name}, the {'output' if name == 'a3' else 'hidden'} "
                         "layer's activation") for (name, k), a in zip(LAYERS, value, strict=True)]


def _layer_cause(layer, got):
    """Why one layer's activation is off, when no named mistake's output is the student's:
    the layers before it are right (a partial match), the output is no distribution."""
    if layer == 3 and not np.allclose(got.sum(axis=1), 1):
        return " The output rows do not sum to 1: is the output layer a softmax?"
    if layer > 1:
        return (FEEDFORWARD_PARTIAL_A2 if layer == 2 else FEEDFORWARD_PARTIAL_A3), {}
    return " a1 is the first wrong layer: each layer is activation(previous @ w + b)."


def ff_shapes(ctx):
    params, x = _cases(ctx.rng(False), False)[0]
    _activations(ctx.value(params, x), len(x))


def ff_values(hidden):
    def check(ctx):
        for params, x in _cases(ctx.rng(hidden), hidden):
            expected = ctx.ref.feedforward(params, x)
            got = _activations(ctx.value(params, x), len(x))
            for layer, ((name, _), g, e) in enumerate(zip(LAYERS, got, expected, strict=True), 1):
                compare(g, e, ctx.tol, what=f"{name} for a batch of n = {len(x)}",
                        extra=lambda g, e, layer=layer: _layer_cause(layer, g))
    return check


def ff_unchanged(ctx):
    params, x = _cases(ctx.rng(False), False)[0]
    unchanged(ctx.call(params, x), ["params", "x"], what="feedforward")


def predict_shape(ctx):
    params, x = _cases(ctx.rng(False), False)[0]
    value, n = ctx.value(params, x), len(x)
    if isinstance(value, np.ndarray) and value.shape == (n, 10) and np.isin(value, (0, 1)).all():
        raise Fail(f"predict returned shape {value.shape}, a matrix of 0s and 1s; expected ({n},) class "
                   "labels, the column of each row's 1: np.argmax over axis 1",
                   head=f"predict returned shape {value.shape}; expected ({n},) class labels.")
    if isinstance(value, np.ndarray) and value.shape == (n, 10):
        raise Fail(f"predict returned shape {value.shape}, the probabilities; expected ({n},) "
                   "class labels: take np.argmax over axis 1",
                   head=f"predict returned shape {value.shape}; expected ({n},) class labels.")
    if isinstance(value, np.ndarray) and value.shape == (10,) and n != 10:
        raise Fail(f"predict returned shape (10,) for {n} rows: np.argmax over axis 0 picks "
                   "a row for each class. Expected one label per row: use axis=1",
                   head=f"predict returned shape (10,) for {n} rows; expected ({n},) labels.")
    if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
        raise Fail("predict returned a single number: np.argmax without axis= looks at the "
                   f"whole flattened array. Expected ({n},) labels: use axis=1",
                   head=f"predict returned a single number; expected ({n},) labels.")
    got = expect_array(value, (len(x),), what="predict(params, x)", dtype_kind="i")
    if got.min() < 0 or got.max() > 9:
        raise Fail(f"predict returned labels from {got.min()} to {got.max()}; classes are 0 to 9")


def predict_values(hidden):
    def check(ctx):
        rng = ctx.rng(hidden)
        cases = _cases(rng, hidden)
        cases.append((inputs.init(rng, "normal"), cases[0][1]))  # the same x, new params: nothing kept between calls
        first = None
        for params, x in cases:
            expected = ctx.ref.predict(params, x)
            got = expect_array(ctx.value(params, x), (len(x),), what="predict(params, x)", dtype_kind="i")
            first = got if first is None else first
            wrong = np.flatnonzero(got != expected)
            if wrong.size:
                i = wrong[0]
                head = (f"{wrong.size} of {len(x)} labels differ from the most probable class, "
                        f"first at row {i}: expected {expected[i]}, got {got[i]}.")
                if x is cases[0][1] and params is not cases[0][0] and np.array_equal(got, first):
                    raise failing(head, STALE)
                raise Fail(f"{head} The label is np.argmax of the output row (axis=1).", head=head)
    return check

# -- the steps --------------------------------------------------------------------------------
PRED = "predict(params, x)"  # the signature mistakes are written with
STALE = Mistake('predict-stale', "these are the labels of the call before, for the same x with other params: does "
                "predict keep something between calls (a cache, a global, a mutable default argument)? Compute the "
                "labels from params and x alone.", named_by="numbers")


def feedforward_code(**lines):
    """feedforward as the reference writes it, some layers rewritten."""
    s = {"a1": "sigmoid(x @ params['w1'] + params['b1'])", "a2": "sigmoid(a1 @ params['w2'] + params['b2'])",
         "a3": "softmax(a2 @ params['w3'] + params['b3'])", **lines}
    return (f"def feedforward(params, x):\n    a1 = {s['a1']}\n    a2 = {s['a2']}\n    a3 = {s['a3']}\n"
            "    return a1, a2, a3\n")


FEEDFORWARD_PARTIAL_A2 = Mistake('feedforward-partial-a2', "a1 is right, so the error starts at layer 2: a2 = sigmoid(a1 @ w2 "
                                 "+ b2).", named_by="numbers")


FEEDFORWARD_PARTIAL_A3 = Mistake('feedforward-partial-a3', "a1 and a2 are right, so the error starts at layer 3: a3 = "
                                 "softmax(a2 @ w3 + b3).", named_by="numbers")


FEEDFORWARD = Step(
    "feedforward", "feedforward(params, x) -> (a1, a2, a3)",
    "the three layers' activations",
    ("A layer is activation(input @ w + b). Which activation does each of the three layers "
     "use, and what is each layer's input?",
     "a1 = σ(x W1 + b1): (n, 64)(64, 128) → (n, 128), b1 (1, 128) broadcast over the n "
     "rows; a2 = σ(a1 W2 + b2) → (n, 128); a3 = softmax(a2 W3 + b3) → (n, 10). Matrix "
     "product @, not *. Why x @ W1 and not W1 @ x? Which earlier outputs must you also "
     "return, and in what order?",
     "z1 = x @ params[\"w1\"] + params[\"b1\"]  # (n, 128)\n"
     "a1 = sigmoid(z1)\n"
     "a2 = sigmoid(___ @ params[\"w2\"] + params[\"b2\"])  # (n, 128)\n"
     "a3 = ___(a2 @ params[\"w3\"] + params[\"b3\"])  # (n, 10)\n"
     "return ___  # all three, in order"),
    Tol(1e-9, 1e-12), uses=("sigmoid", "softmax"), checks=(
        Check("shapes", 2, ff_shapes),
        value_check(ff_values, 3, ("shapes",), False),
        value_check(ff_values, 3, ("shapes",), True),
        Check("params and x unchanged", 2, ff_unchanged, ("shapes",)),
    ),
    arguments="network",
    mistakes=(
        Mistake('feedforward-sigmoid-output', "a3 is a sigmoid of the output logits; the output layer is a "
                "softmax: a3 = softmax(a2 @ w3 + b3).",
            feedforward_code(a3="sigmoid(a2 @ params['w3'] + params['b3'])")),
        Mistake('feedforward-softmax-hidden', "a1 and a2 are softmaxes; the hidden layers are sigmoids: a1 = "
                "sigmoid(x @ w1 + b1), a2 = sigmoid(a1 @ w2 + b2).",
            feedforward_code(a1="softmax(x @ params['w1'] + params['b1'])", a2="softmax(a1 @ params['w2'] + params['b2'])")),
        Mistake('feedforward-linear-hidden', "a1 and a2 are the hidden layers' logits, with no activation: a1 "
                "= sigmoid(x @ w1 + b1), a2 = sigmoid(a1 @ w2 + b2).",
            feedforward_code(a1="x @ params['w1'] + params['b1']", a2="a1 @ params['w2'] + params['b2']")),
        *(Mistake(f"feedforward-no-b{i}", f"a{i} is the activation of {src} @ w{i} without + b{i}: the "
        "bias is missing. Each layer is activation(input @ w + b).", feedforward_code(**{f"a{i}": f"{f}({src} @ params['w{i}'])"}))
      for i, src, f in ((1, "x", "sigmoid"), (2, "a1", "sigmoid"), (3, "a2", "softmax"))),
        Mistake('feedforward-output-logits', "a3 is the output layer's logits, a2 @ w3 + b3; the output is their "
                "softmax, probabilities that sum to 1 in each row.",
            feedforward_code(a3="a2 @ params['w3'] + params['b3']")),
        Mistake('feedforward-bias-after-activation', "the bias is added after the sigmoid, sigmoid(x @ w1) + b1; "
                "it belongs inside, to the pre-activation: sigmoid(x @ w1 + b1).",
            feedforward_code(a1="sigmoid(x @ params['w1']) + params['b1']", a2="sigmoid(a1 @ params['w2']) + params['b2']")),
        Mistake('feedforward-a2-twice', "your a1 is a2: one variable held both hidden layers, so the first was "
                "overwritten before it was returned. Keep each layer's activation: return a1, a2, a3.",
            code("feedforward(params, x)", "h = sigmoid(x @ params['w1'] + params['b1'])",
                 "h = sigmoid(h @ params['w2'] + params['b2'])", "return h, h, softmax(h @ params['w3'] + params['b3'])")),
        GENERIC['examples-as-columns'].example(code("feedforward(params, x)",
            "a1 = sigmoid(params['w1'].T @ x.T + params['b1'].T)  # (128, n)",
            "a2 = sigmoid(params['w2'].T @ a1 + params['b2'].T)  # (128, n)",
            "a3 = softmax(params['w3'].T @ a2 + params['b3'].T)  # (10, n)", "return a1, a2, a3")),
        Mistake('feedforward-bias-in-matmul', "x @ (w1 + b1) adds the bias to every row of the weights before "
                "the product, so it is multiplied by x too; the bias is added after it: x @ w1 + b1.",
            feedforward_code(a1="sigmoid(x @ (params['w1'] + params['b1']))",
                             a2="sigmoid(a1 @ (params['w2'] + params['b2']))",
                             a3="softmax(a2 @ (params['w3'] + params['b3']))")),
        FEEDFORWARD_PARTIAL_A2.example(feedforward_code(a2="sigmoid(a1 @ params['w2'] + params['b1'])")),
        FEEDFORWARD_PARTIAL_A3.example(feedforward_code(a3="softmax(a1 @ params['w3'] + params['b3'])")),
    ))


PREDICT = Step(
    "predict", "predict(params, x) -> ndarray", "integer class labels, shape (n,)",
    ("Each row of the output is a distribution over 10 classes: which class do you pick, "
     "and along which axis?",
     "a3 = softmax(a2 W3 + b3) is (n, 10); row i's label is argmaxⱼ a3ᵢⱼ, an integer in "
     "0…9, so the result is (n,). What would the argmax over axis 0 give you, and what "
     "shape? Softmax keeps the order of a row's logits: would the logits' argmax give the "
     "same labels?",
     "probs = feedforward(params, x)[___]  # which of the three activations?\n"
     "return np.argmax(probs, axis=___)  # (n,) integers"),
    Tol(0, 0), uses=("sigmoid", "softmax", "feedforward"), checks=(
        Check("shape", 2, predict_shape),
        value_check(predict_values, 2, SHAPE, False),
        value_check(predict_values, 2, SHAPE, True),
    ),
    arguments="network",
    mistakes=(
        Mistake('predict-no-axis', "np.argmax without axis= looks at the whole flattened array and gives one "
                "index; one label per row is np.argmax(a3, axis=1).",
            code(PRED, "return np.argmax(feedforward(params, x)[2])")),
        Mistake('predict-probabilities', "you returned the probabilities, shape (n, 10); the label is each row's "
                "most probable class: take np.argmax over axis 1.",
            code(PRED, "return feedforward(params, x)[2]")),
        Mistake('predict-axis-0', "np.argmax over axis 0 picks a row for each class; one label per row is "
                "np.argmax(a3, axis=1).",
            code(PRED, "return np.argmax(feedforward(params, x)[2], axis=0)")),
        Mistake('predict-argmin', "np.argmin picks the least probable class; the label is the most probable one, "
                "np.argmax(a3, axis=1).",
            code(PRED, "return np.argmin(feedforward(params, x)[2], axis=1)")),
        Mistake('predict-off-by-one', "every label is one more than the most probable class: np.argmax counts "
                "from 0, as the digits' labels 0-9 do; return it as it is.",
            code(PRED, "return np.argmax(feedforward(params, x)[2], axis=1) + 1")),
        GENERIC['float-labels'].example(code(PRED, "a3 = feedforward(params, x)[2]", "labels = np.zeros(len(x))",
                                             "for i in range(len(x)):", "    labels[i] = np.argmax(a3[i])",
                                             "return labels")),
        STALE.example(code("predict(params, x, _seen={})", "key = x.shape",
                           "if key not in _seen:", "    _seen[key] = np.argmax(feedforward(params, x)[2], axis=1)",
                           "return _seen[key]")),
        Mistake('predict-one-hot', "you returned each row's class as a one-hot row of 10; predict returns the "
                "labels themselves, one integer per row: np.argmax(a3, axis=1).",
            code(PRED, "a3 = feedforward(params, x)[2]", "return np.eye(10, dtype=int)[np.argmax(a3, axis=1)]")),
        Mistake('predict-max', "np.max gives each row's largest probability, a float; the label is where it is, "
                "np.argmax(a3, axis=1).",
            code(PRED, "return np.max(feedforward(params, x)[2], axis=1)")),
        Mistake('predict-hidden-layer', "feedforward(params, x)[1] is a2, the hidden layer's 128 units; the "
                "classes are the columns of a3 = feedforward(params, x)[2].",
            code(PRED, "return np.argmax(feedforward(params, x)[1], axis=1)")),
    ))
