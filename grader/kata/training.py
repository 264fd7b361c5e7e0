"""Checks for ``train``: the student's own loop, end to end, against the reference and Keras.

The student's ``train`` runs with its defaults on the contract's split for seeds 0, 1 and 2.
Its median validation accuracy is compared with the better of two recorded medians: the
reference's (``records/reference.json``) and the article's Keras model's
(``records/keras.json``, see ``grader.kata.records``). One validation digit is 0.56 points and
the standard error near 97 % is about 1.3 points, so differences under 3 points are not
graded: full marks from the better median minus 0.03, none at or below 0.70, linear between.
"""

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from grader.judge import data
from grader.judge.compare import Fail, Tol
from grader.kata import inputs, records
from grader.kata.step import Check, Step
from grader.sandbox.runner import Submission

SEEDS = (0, 1, 2)
MARGIN = 0.03
FLOOR = 0.70
DEFAULTS = {"epochs": 50, "batch_size": 64, "lr": 0.5}


def accuracy(ref, params, x, labels):
    return float(np.mean(ref.predict(params, x) == labels))


def updates_per_epoch(digits):
    return math.ceil(len(digits.x_train) / DEFAULTS["batch_size"])


def curve(ref, snapshots, digits):
    """Training loss and accuracy after each epoch, computed here from params snapshots."""
    labels = np.argmax(digits.y_train, axis=1)  # (1617,)
    loss, acc = [], []
    for params in snapshots:  # the child's: only the contract's shapes, finite, reach the reference
        if set(params) != set(inputs.SHAPES) or not all(
                np.shape(v) == inputs.SHAPES[k] and np.all(np.isfinite(v)) for k, v in params.items()):
            break
        probs = ref.feedforward(params, digits.x_train)[2]  # (1617, 10)
        if not np.all(np.isfinite(probs)):
            break
        loss.append(float(ref.cross_entropy(np.clip(probs, 1e-300, 1.0), digits.y_train)))
        acc.append(float(np.mean(np.argmax(probs, axis=1) == labels)))
    return {"train_loss": loss, "train_accuracy": acc}


def _train(ctx, sub, seed):
    digits = data.load()
    trace = None
    if ctx.options.get("curves") and seed == SEEDS[0]:
        trace = {"fn": "update", "every": updates_per_epoch(digits), "limit": 500}
    returned = ctx.call(digits.x_train, digits.y_train, seed=seed, trace=trace, sub=sub)
    params = inputs.expect_params(returned.value, what=f"train(x, y, seed={seed})")
    if trace:
        ctx.data["curve"] = curve(ctx.ref, returned.trace or [], digits)
    return seed, params, returned.seconds


def _runs(ctx):
    """The three trainings: the last in a second child, beside the others, on the other core."""
    if "runs" not in ctx.cache:
        first, last = SEEDS[:-1], SEEDS[-1]
        with Submission(ctx.sub.path, ctx.sub.helpers, ctx.sub.tier, source=ctx.sub.source) as extra, \
                ThreadPoolExecutor(max_workers=1) as pool:
            later = pool.submit(_train, ctx, extra, last)
            runs = [_train(ctx, ctx.sub, seed) for seed in first]
            runs.append(later.result())
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


def credit(median, best):
    """The fraction of the accuracy points for a median validation accuracy, given the
    better of the two baselines' medians."""
    full = best - MARGIN
    return float(np.clip((median - FLOOR) / (full - FLOOR), 0.0, 1.0))


def reaches_accuracy(ctx):
    digits = data.load()
    reference = records.reference()["val_accuracy"]
    keras_record = ctx.options.get("keras") or records.keras()
    keras = keras_record["val_accuracy"]
    accuracies, runs = [], _runs(ctx)
    for seed, params, _ in runs:
        if not all(np.all(np.isfinite(v)) for v in params.values()):
            raise Fail(f"after train(seed={seed}) the weights contain NaN or inf: the loss "
                       "diverged. Is a gradient's sign or scale wrong, or lr too large?")
        accuracies.append(accuracy(ctx.ref, params, digits.x_val, digits.labels_val))
    median = float(np.median(accuracies))
    best = max(reference, keras)
    ctx.data.update({"val_accuracy": median, "val_accuracies": accuracies,
                     "reference_val_accuracy": reference, "keras_val_accuracy": keras,
                     "keras_live": "keras" in ctx.options,
                     "train_seconds": [round(s, 2) for _, _, s in runs]})
    figures = (f"validation accuracy: yours {median:.3f}, the reference {reference:.3f}, Keras "
               f"{keras:.3f} (medians over seeds; yours for seeds {', '.join(map(str, SEEDS))}: "
               f"{', '.join(f'{a:.3f}' for a in accuracies)})")
    if credit(median, best) < 1:
        if symmetric(runs[0][1]):
            why = (" Every hidden unit of a layer ends with the same weights: units that start "
                   "equal (all zeros, say) get equal gradients and never become different. Draw "
                   "the initial weights at random (standard normal).")
        else:
            why = (" That is near chance (0.10): is anything learning at all?" if median < 0.2 else "")
            why += (" Check that train draws standard-normal weights, loops over every epoch and "
                    "every batch, and calls update each time.")
        raise Fail(f"{figures}; full marks from {best - MARGIN:.3f}, none at {FLOOR:.2f}.{why}",
                   credit(median, best))
    return figures

# -- the steps --------------------------------------------------------------------------------
TRAIN = Step(
    "train", "train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0) -> params",
    "mini-batch gradient descent, end to end",
    ("Per epoch: shuffle, then for each batch of batch_size rows, forward, backward, "
     "update. Where do the initial weights come from, and are you using the seed?",
     "One generator, np.random.default_rng(seed), for everything: w1 (64, 128), w2 (128, "
     "128), w3 (128, 10) from its standard_normal, b1, b2, b3 zeros (1, k). Each of the "
     "epochs: a new permutation of the n rows, the same for x and y, then "
     "⌈n / batch_size⌉ updates of step lr, the last batch smaller. What goes wrong with a "
     "new rng made inside the epoch loop, or with all-zero weights?",
     "rng = np.random.default_rng(___)\n"
     "params = {\"w1\": rng.standard_normal((64, 128)), \"b1\": np.zeros((1, 128)), ...}\n"
     "for epoch in range(epochs):\n"
     "    order = ___  # a new order every epoch\n"
     "    for s in range(0, len(x), batch_size):\n"
     "        xb, yb = x[order[s:s + batch_size]], ___\n"
     "        grads = backprop(params, xb, yb, feedforward(params, xb))\n"
     "        params = ___"),
    Tol(0, 0), (
        Check("returns trained params", 1, returns_params),
        Check("different seeds, different networks", 1, uses_seed,
              ("returns trained params",)),
        Check("validation accuracy against the reference", 14, reaches_accuracy,
              ("returns trained params",)),
    ), budget=180.0, isolate=False, own_process=True)
