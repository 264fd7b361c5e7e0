"""Checks for ``train``: the student's own loop, end to end, against the recorded reference.

The rule: the student's ``train`` runs with its defaults on the contract's split for seeds
0, 1 and 2, and the median validation accuracy is compared with the median of the
reference over its recorded seeds. One validation digit is 0.56 points and the standard error
near 97 % is about 1.3 points, so differences under 3 points are not graded: full marks at
or above the reference's median minus 0.03, none at or below 0.70, linear in between.
"""

import json
import time
from pathlib import Path

import numpy as np

from .. import data
from ..compare import Fail
from ..errors import HarnessError
from . import params as P

SEEDS = (0, 1, 2)
MARGIN = 0.03
FLOOR = 0.70
RECORD = Path(__file__).resolve().parent.parent / "records" / "reference.json"


def accuracy(ref, params, digits):
    return float(np.mean(ref.predict(params, digits.x_val) == digits.labels_val))


def record_reference(ref, seeds=(0, 1, 2, 3, 4)):
    """Train the reference with the contract's defaults; the figures grading compares with."""
    digits = data.load()
    runs = []
    for seed in seeds:
        started = time.perf_counter()
        params = ref.train(digits.x_train, digits.y_train, seed=seed)
        runs.append({"seed": seed, "val_accuracy": accuracy(ref, params, digits),
                     "seconds": round(time.perf_counter() - started, 3)})
    return {"what": "the reference's train() with the contract's defaults, validation accuracy on "
                    "the 180 held-out digits",
            "defaults": {"epochs": 50, "batch_size": 64, "lr": 0.5},
            "runs": runs, "val_accuracy": float(np.median([r["val_accuracy"] for r in runs])),
            "numpy": np.__version__}


def recorded():
    try:
        return json.loads(RECORD.read_text())
    except (OSError, ValueError) as exc:
        raise HarnessError(f"the reference's recorded accuracy is unreadable ({RECORD}): {exc}. "
                           "Run `nnkata build --reference`.") from None


def _runs(ctx):
    if "runs" not in ctx.cache:
        digits = data.load()
        runs = []
        for seed in SEEDS:
            returned = ctx.call(digits.x_train, digits.y_train, seed=seed)
            params = P.expect_params(returned.value, what=f"train(x, y, seed={seed})")
            runs.append((seed, params, returned.seconds))
        ctx.cache["runs"] = runs
    return ctx.cache["runs"]


def returns_params(ctx):
    _runs(ctx)


def uses_seed(ctx):
    """Different seeds must give different networks, or the median over seeds means nothing."""
    runs = _runs(ctx)
    same = [seed for seed, params, _ in runs[1:]
            if all(np.array_equal(params[k], runs[0][1][k]) for k in params)]
    if same:
        raise Fail(f"train(seed={same[0]}) returned exactly the weights of train(seed={runs[0][0]}): "
                   "train ignores its seed. Draw the initial weights and the shuffles from "
                   "np.random.default_rng(seed).")


def symmetric(params):
    """Whether every hidden unit of a layer has the same incoming weights."""
    return any(np.allclose(params[w], params[w][:, :1]) for w in ("w1", "w2"))


def credit(median, reference):
    """The fraction of the step's accuracy points for a median validation accuracy."""
    full = reference - MARGIN
    return float(np.clip((median - FLOOR) / (full - FLOOR), 0.0, 1.0))


def reaches_accuracy(ctx):
    digits = data.load()
    reference = recorded()["val_accuracy"]
    accuracies, runs = [], _runs(ctx)
    for seed, params, _ in runs:
        if not all(np.all(np.isfinite(v)) for v in params.values()):
            raise Fail(f"after train(seed={seed}) the weights contain NaN or inf: the loss "
                       "diverged. Is a gradient's sign or scale wrong, or lr too large?")
        accuracies.append(accuracy(ctx.ref, params, digits))
    median = float(np.median(accuracies))
    seconds = [round(s, 2) for _, _, s in runs]
    ctx.data.update({"val_accuracy": median, "val_accuracies": accuracies,
                     "reference_val_accuracy": reference, "train_seconds": seconds})
    figures = (f"median validation accuracy {median:.3f} over seeds {', '.join(map(str, SEEDS))} "
               f"({', '.join(f'{a:.3f}' for a in accuracies)}); the reference reaches {reference:.3f}")
    fraction = credit(median, reference)
    if fraction < 1:
        if symmetric(runs[0][1]):
            why = (" Every hidden unit of a layer ends with the same weights: units that start "
                   "equal (all zeros, say) get equal gradients and never become different. Draw "
                   "the initial weights at random (standard normal).")
        else:
            why = (" That is near chance (0.10): is anything learning at all?" if median < 0.2 else "")
            why += (" Check that train draws standard-normal weights, loops over every epoch and "
                    "every batch, and calls update each time.")
        raise Fail(f"{figures}; full marks from {reference - MARGIN:.3f}.{why}", fraction)
    return figures
