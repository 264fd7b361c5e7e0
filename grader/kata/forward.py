"""Checks for ``feedforward`` and ``predict``."""

import numpy as np

from grader.judge.compare import Fail, compare, expect_array
from grader.kata import inputs as P
from grader.judge.context import unchanged

LAYERS = (("a1", 128), ("a2", 128), ("a3", 10))


def _cases(rng, hidden):
    if hidden:
        return [(P.init(rng, "normal"), P.batch(rng, int(rng.integers(3, 50)))[0]),
                (P.init(rng, "scaled"), P.batch(rng, 10)[0])]
    return [(P.init(rng, "scaled"), P.batch(rng, 7)[0])]


def _activations(value, n):
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        got = "None" if value is None else f"a {type(value).__name__}"
        if isinstance(value, (tuple, list)):
            got += f" of length {len(value)}"
        raise Fail(f"feedforward should return the three activations (a1, a2, a3); got {got}")
    return [expect_array(a, (n, k), what=f"{name}, the {'output' if name == 'a3' else 'hidden'} "
                         "layer's activation") for (name, k), a in zip(LAYERS, value, strict=True)]


def _layer_cause(layer, got):
    """Why one layer's activation is off, when no catalogued mistake says (grader/mistakes.py):
    the layers before it are right (a partial match), the output is no distribution."""
    if layer == 3 and not np.allclose(got.sum(axis=1), 1):
        return " The output rows do not sum to 1: is the output layer a softmax?"
    if layer > 1:
        return f"feedforward-partial-a{layer}", {}
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
        for params, x in _cases(rng, hidden):
            expected = ctx.ref.predict(params, x)
            got = expect_array(ctx.value(params, x), (len(x),), what="predict(params, x)", dtype_kind="i")
            wrong = np.flatnonzero(got != expected)
            if wrong.size:
                i = wrong[0]
                head = (f"{wrong.size} of {len(x)} labels differ from the most probable class, "
                        f"first at row {i}: expected {expected[i]}, got {got[i]}.")
                raise Fail(f"{head} The label is np.argmax of the output row (axis=1).", head=head)
    return check
