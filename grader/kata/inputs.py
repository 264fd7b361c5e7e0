"""Parameters and batches for the network steps' checks."""

import numpy as np

from grader.judge import data
from grader.judge.compare import Fail, expect_array, failing
from grader.judge.mistakes import GENERIC

SHAPES = {"w1": (64, 128), "b1": (1, 128), "w2": (128, 128), "b2": (1, 128),
          "w3": (128, 10), "b3": (1, 10)}
ORDER = ("w3", "b3", "w2", "b2", "w1", "b1")  # output layer first: where a bug starts


def init(rng, kind):
    """``scaled`` (1/sqrt(fan_in), the well-conditioned point) or ``normal`` (the article's)."""
    params = {}
    for name, shape in SHAPES.items():
        if name.startswith("w"):
            scale = 1 / np.sqrt(shape[0]) if kind == "scaled" else 1.0
            params[name] = rng.normal(0, scale, shape)
        else:
            params[name] = rng.normal(0, 0.1 if kind == "scaled" else 1.0, shape)
    return params


def batch(rng, n):
    """n training digits and their one-hot targets: (n, 64), (n, 10)."""
    digits = data.load()
    rows = rng.choice(len(digits.x_train), size=n, replace=False)
    return digits.x_train[rows], digits.y_train[rows]


def expect_params(value, *, what, bias_ok=False):
    """A dict with exactly the params' keys and shapes (float64), reshaped (k,) biases."""
    if value is None:
        raise failing(f"{what} should be a dict with keys {', '.join(SHAPES)}; got None.", GENERIC["no-return"])
    if not isinstance(value, dict):
        raise Fail(f"{what} should be a dict with keys {', '.join(SHAPES)}; got a {type(value).__name__}")
    missing = [k for k in SHAPES if k not in value]
    extra = [k for k in value if k not in SHAPES]
    if missing and len(extra) == len(SHAPES):  # the six under other names (dW1, db1 ...)
        raise failing(f"{what} has no keys {', '.join(missing)} (it has {', '.join(map(str, extra))}).",
                      GENERIC["renamed-keys"])
    if missing:
        raise Fail(f"{what} has no key{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
                   + (f" (it has {', '.join(extra)})" if extra else ""))
    checked = {k: expect_array(value[k], SHAPES[k], what=f"{what}[{k!r}]", bias_ok=bias_ok)
               for k in ORDER}  # output layer first: where a bug starts
    return {k: checked[k] for k in SHAPES}
