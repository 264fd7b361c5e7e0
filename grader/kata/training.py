"""Checks for ``train``: the student's own loop, on a task only it can learn, and its promises.

Accuracy: the student's ``train`` runs with its defaults on a hidden task (``data.task``: the
digits split afresh, pixels and classes permuted by the instructor's seed), so weights fitted
in advance are worth chance. Its validation accuracy is compared with the better of the
reference's on the same task and the article's Keras model's median over recorded tasks of the
same kind (``records/keras.json``; see ``grader.kata.records``). One validation digit is 0.56
points and the standard error near 97 % is about 1.3 points, so differences under 3 points are
not graded: full marks from the better of the two minus 0.03, none at or below 0.70, linear
between.

Tasks differ in difficulty (the reference reaches 0.944 to 0.994 on 40 recorded ones), so the
comparison is with the reference trained on the student's own task; but only when it could
matter. One training of the student's comes first: at or above the reference's 90 % quantile
over the recorded tasks (``records/reference.json``) minus 0.03, it earns full marks, and
nothing else is trained (on the easiest tenth of tasks the reference might have set the bar up
to a point higher: less than the standard error). Below it, the reference trains on the task,
in a process of the grader's own, beside two more seeds of the student's, and the median of the
student's three counts.

The loop: short audit trainings on 100 examples of the task, with the calls ``train`` makes to
``backprop`` and ``update`` recorded in the child (``Submission.call(trace=...)``), check what
the signature promises: every example once per epoch with its own label, the given
``batch_size``, ``epochs`` and ``lr``, and the same ``seed`` giving the same parameters.
"""

import collections
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from grader import ONE_BLAS_THREAD
from grader.errors import HarnessError
from grader.judge import data
from grader.judge.compare import Fail, Tol
from grader.kata import inputs, records
from grader.kata.step import Check, Step
from grader.paths import PACKAGE
from grader.sandbox.runner import Submission

SEEDS = (0, 1, 2)  # the first decides alone unless it falls short of full marks
MARGIN = 0.03
EASY = 0.9  # the reference's accuracy on 9 recorded tasks in 10 is at most this quantile
FLOOR = 0.70
DEFAULTS = {"epochs": 50, "batch_size": 64, "lr": 0.5}
AUDIT = {"epochs": 3, "batch_size": 32, "lr": 0.25}  # the audit trainings' arguments
AUDIT_EXAMPLES = 100  # 3 full batches and one of 4 per epoch
AUDIT_SEEDS = (7, 7, 8)  # the same seed twice, then another
AUDIT_CALLS = 48  # calls recorded per audit, 4 times the 12 a kept promise makes: the reply stays small


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


def traced_training(ref, digits, seed):
    """The reference's train on ``digits`` with its params snapshotted once per epoch, as the
    child snapshots a student's: (params, snapshots)."""
    snapshots, update, calls = [], ref.update, [0]

    def traced(*args):
        result = update(*args)
        calls[0] += 1
        if calls[0] % updates_per_epoch(digits) == 0:
            snapshots.append({k: v.copy() for k, v in result.items()})
        return result
    ref.update = traced  # the reference's train looks update up at each call
    try:
        params = ref.train(digits.x_train, digits.y_train, seed=seed)
    finally:
        ref.update = update
    return params, snapshots


def hidden_task_seed(ctx):
    """The seed of the task this grade trains on: drawn from the instructor's seed."""
    if "task seed" not in ctx.cache:
        ctx.cache["task seed"] = int(ctx.rng(True).integers(2**62))
    return ctx.cache["task seed"]


def hidden_task(ctx):
    """The task this grade trains on: never the public split."""
    return data.task(hidden_task_seed(ctx))


def _train(ctx, sub, seed):
    digits = hidden_task(ctx)
    trace = None
    if ctx.options.get("curves") and seed == SEEDS[0]:
        trace = [{"fn": "update", "every": updates_per_epoch(digits), "limit": 500}]
    returned = ctx.call(digits.x_train, digits.y_train, seed=seed, trace=trace, sub=sub)
    params = inputs.expect_params(returned.value, what=f"train(x, y, seed={seed})")
    if trace:
        ctx.data["curve"] = curve(ctx.ref, returned.trace[0], digits)
    return seed, params, returned.seconds


def _first(ctx):
    """The student's first training."""
    if "runs" not in ctx.cache:
        ctx.cache["runs"] = [_train(ctx, ctx.sub, SEEDS[0])]
    return ctx.cache["runs"]


def reference_accuracy(task_seed):
    """The reference's validation accuracy on hidden task ``task_seed`` (seed 0)."""
    from grader.judge import reference
    ref, digits = reference.load(), data.task(task_seed)
    params = ref.train(digits.x_train, digits.y_train, seed=SEEDS[0])
    return accuracy(ref, params, digits.x_val, digits.labels_val)


def _reference_process(task_seed):
    """The reference trained on the student's task in a process of the grader's own, one BLAS
    thread. (A thread of the grading process would share its BLAS, whose threads spin against
    the child, or deadlock when told to stop.)"""
    env = {**os.environ, **ONE_BLAS_THREAD,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE.parent), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-m", "grader.kata.training", str(task_seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _reference_on_task(ctx, train_more):
    """The reference's accuracy on the student's task, trained while ``train_more()`` runs;
    or, in a class, the one ``prepare`` trained once for every grade on this task."""
    task = hidden_task_seed(ctx)
    known = ctx.options.get("shared", {}).get(TRAIN.name) or {}
    if known.get("task") == task:
        return float(known["reference_accuracy"]), train_more()
    process = _reference_process(task)
    try:
        result = train_more()
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise HarnessError(f"the reference could not be trained on the hidden task: {err.strip()[-500:]}")
    return float(out), result


def prepare(ctx):
    """What a class's grades share: the reference's accuracy on the class's hidden task (all
    of a class is graded on one seed, so on one task), trained once instead of in every grade
    that falls below the bar."""
    task = hidden_task_seed(ctx)
    accuracy, _ = _reference_on_task(ctx, lambda: None)
    return {"task": task, "reference_accuracy": accuracy}


def _more(ctx):
    """The two other seeds, one in a second child beside the first, on the other core."""
    runs = _first(ctx)
    if len(runs) == 1:
        with Submission(ctx.sub.path, ctx.sub.helpers, ctx.sub.tier, source=ctx.sub.source) as extra:
            with ThreadPoolExecutor(max_workers=1) as pool:
                later = pool.submit(_train, ctx, extra, SEEDS[2])
                runs.append(_train(ctx, ctx.sub, SEEDS[1]))
                runs.append(later.result())
    return runs


def returns_params(ctx):
    _first(ctx)


# -- the loop's promises ---------------------------------------------------------------------
def _audit_set(ctx):
    """100 examples of the hidden task, and each row's index by its pixels (every row differs)."""
    if "audit set" not in ctx.cache:
        digits = hidden_task(ctx)
        pick = ctx.rng(True).choice(len(digits.x_train), AUDIT_EXAMPLES, replace=False)
        x, y = digits.x_train[pick], digits.y_train[pick]  # (100, 64), (100, 10)
        index = {_key(row): i for i, row in enumerate(x)}
        ctx.cache["audit set"] = (x, y, index)
    return ctx.cache["audit set"]


def _key(row):
    return tuple(np.rint(np.asarray(row, dtype=np.float64) * 16).astype(np.int64))  # pixels are k / 16


def _audit(ctx, run):
    """The ``run``-th audit training (seed ``AUDIT_SEEDS[run]``): (params, the batches backprop
    received as (x, y) pairs, the lr of each update)."""
    key = ("audit", run)
    if key not in ctx.cache:
        x, y, _ = _audit_set(ctx)
        trace = [{"fn": "backprop", "every": 1, "limit": AUDIT_CALLS, "keep": "args"},
                 {"fn": "update", "every": 1, "limit": AUDIT_CALLS, "keep": "args"}]
        returned = ctx.call(x.copy(), y.copy(), seed=AUDIT_SEEDS[run], trace=trace, **AUDIT)
        params = inputs.expect_params(returned.value, what=f"train(x, y, seed={AUDIT_SEEDS[run]}, "
                                      "epochs=3, batch_size=32, lr=0.25) on 100 examples")
        batches = [(r.get("1", r.get("x")), r.get("2", r.get("y"))) for r in returned.trace[0]]
        rates = [r.get("2", r.get("lr")) for r in returned.trace[1]]
        if 0 < len(returned.trace[1]) < AUDIT_CALLS:  # the loop's work is what train returns, or it audits nothing
            last = {k[1:]: v for k, v in returned.trace[1][-1].items() if k.startswith("=")}
            if set(last) != set(params) or not all(np.array_equal(last[k], params[k]) for k in params):
                raise Fail(f"{AUDITED} returned params that are not the result of its last update: "
                           "train returns the params its loop trained, params = update(params, grads, lr).")
        _, _, index = _audit_set(ctx)
        if any(xb is not None and np.ndim(xb) == 2 and np.shape(xb)[1] == 64
               and any(_key(row) not in index for row in xb) for xb, _ in batches):
            raise Fail(f"during {AUDITED}, backprop received a row that is none of the examples of x: "
                       "train learns from the x and y it is given, in batches of their rows, "
                       "x[order[s:s + batch_size]].")
        ctx.cache[key] = (params, batches, rates)
    return ctx.cache[key]


CALLED = ("train is audited through the calls it makes to the contract's functions (train uses "
          "the functions above): call backprop(params, xb, yb, activations) for each batch and "
          "params = update(params, grads, lr) after it.")
AUDITED = "train(x, y, epochs=3, batch_size=32, lr=0.25) on 100 examples"


def _epochs(ctx):
    """The audit's batches as example indices, grouped into epochs of 100 examples each, and
    whether every batch's labels were its examples' own."""
    x, y, index = _audit_set(ctx)
    _, batches, _ = _audit(ctx, 0)
    if not batches:
        raise Fail(f"{AUDITED} never called backprop. {CALLED}")
    rows, paired = [], True
    for xb, yb in batches:
        if xb is None or np.ndim(xb) != 2 or np.shape(xb)[1] != 64:
            raise Fail(f"during {AUDITED}, backprop received x of shape {np.shape(xb)}, not a batch "
                       "of rows of x, shape (b, 64).")
        found = [index[_key(row)] for row in xb]  # every row is one of x's (checked in _audit)
        if yb is None or np.shape(yb) != (len(found), 10) or not np.array_equal(yb, y[found]):
            paired = False
        rows.append(found)
    epochs, current = [], []
    for batch in rows:
        current.append(batch)
        if sum(map(len, current)) >= AUDIT_EXAMPLES:
            epochs.append(current)
            current = []
    if current:
        epochs.append(current)
    return epochs, paired


def every_example_once(ctx):
    """Every example once per epoch, with its own label."""
    epochs, paired = _epochs(ctx)
    for number, batches in enumerate(epochs, 1):
        seen = collections.Counter(i for batch in batches for i in batch)
        if len(seen) != AUDIT_EXAMPLES or max(seen.values()) > 1:
            used = sum(seen.values())
            twice = sum(1 for c in seen.values() if c > 1)
            moved = "" if len({tuple(b) for b in batches}) > 1 else \
                f" (each of its {len(batches)} batches the same {len(batches[0])} examples)"
            raise Fail(f"during {AUDITED}, epoch {number} used {len(seen)} distinct examples of "
                       f"{AUDIT_EXAMPLES}{moved}, {used} in all, {twice} of them more than once: "
                       "does the batch start move through a new permutation of all n rows "
                       "each epoch?")
    if not paired:
        raise Fail(f"during {AUDITED}, backprop received labels that are not its examples' own: x "
                   "and y were put in different orders. Shuffle both with the same permutation: "
                   "order = rng.permutation(n); x[order], y[order].")


def batches_and_epochs(ctx):
    """The given batch_size and epochs: 3 epochs, each of ceil(100 / 32) = 4 batches of at most
    32 rows (32, 32, 32 and 4, or 25 each from np.array_split: either keeps the promise)."""
    epochs, _ = _epochs(ctx)
    sizes = [len(batch) for batches in epochs for batch in batches]
    size = AUDIT["batch_size"]
    count = math.ceil(AUDIT_EXAMPLES / size)
    expected = [size] * (AUDIT_EXAMPLES // size) + [AUDIT_EXAMPLES % size]
    if len(epochs) != AUDIT["epochs"]:
        _, batches, _ = _audit(ctx, 0)
        more = "at least " if len(batches) >= AUDIT_CALLS else ""
        raise Fail(f"{AUDITED} ran {more}{len(epochs)} epoch(s) ({more}{sum(sizes)} examples through backprop), "
                   f"not {AUDIT['epochs']}: does the epoch loop use the epochs argument?")
    wrong = next((batches for batches in epochs if len(batches) != count or sum(map(len, batches)) != AUDIT_EXAMPLES
                  or max(map(len, batches)) > size), None)
    if wrong is not None:
        got = [len(b) for b in wrong]
        if len(set(got[:-1] or got)) == 1 and got[0] != size:
            why = "is batch_size hard-coded?"
        else:
            why = "each batch takes the next batch_size rows of the permutation, and the last the rest."
        raise Fail(f"during {AUDITED}, an epoch's batches had {got} rows, not {expected}: {why}")


def uses_lr(ctx):
    _, _, rates = _audit(ctx, 0)
    if not rates:
        raise Fail(f"{AUDITED} never called update. {CALLED}")
    wrong = next((r for r in rates if r is None or np.shape(r) != () or float(r) != AUDIT["lr"]), "ok")
    if wrong != "ok":
        shown = "no lr" if wrong is None else f"lr = {float(wrong):g}" if np.shape(wrong) == () else "an array"
        raise Fail(f"during {AUDITED}, update received {shown} while train was called with "
                   f"lr = {AUDIT['lr']:g}: pass train's lr on, never a number of your own.")


def uses_seed(ctx):
    """The same seed gives the same parameters, another seed others."""
    first, again, other = (_audit(ctx, run)[0] for run in range(3))
    same = lambda a, b: all(np.array_equal(a[k], b[k]) for k in a)  # noqa: E731
    seed, next_seed = AUDIT_SEEDS[0], AUDIT_SEEDS[2]
    if not same(first, again):
        raise Fail(f"train(seed={seed}) gave different weights when run twice: is a generator made "
                   "without the seed, np.random.default_rng() or np.random.*? Make one, "
                   "np.random.default_rng(seed), and draw the weights and every shuffle from it.")
    if same(first, other):
        raise Fail(f"train(seed={seed}) and train(seed={next_seed}) returned the same weights: train "
                   "ignores its seed. Draw the initial weights and the shuffles from "
                   "np.random.default_rng(seed).")


def symmetric(params):
    """Whether every hidden unit of a layer has the same incoming weights."""
    return any(np.allclose(params[w], params[w][:, :1]) for w in ("w1", "w2"))


def credit(median, best):
    """The fraction of the accuracy points for a median validation accuracy, given the
    better of the two baselines' medians."""
    full = best - MARGIN
    return float(np.clip((median - FLOOR) / (full - FLOOR), 0.0, 1.0))


def _accuracies(ctx, runs):
    digits = hidden_task(ctx)
    found = []
    for seed, params, _ in runs:
        if not all(np.all(np.isfinite(v)) for v in params.values()):
            raise Fail(f"after train(seed={seed}) the weights contain NaN or inf: the loss "
                       "diverged. Is a gradient's sign or scale wrong, or lr too large?")
        found.append(accuracy(ctx.ref, params, digits.x_val, digits.labels_val))
    return found


def reaches_accuracy(ctx):
    """Validation accuracy on the hidden task: one training when it clears the bar every task
    would set; else three, against the reference trained on the same task."""
    keras_record = ctx.options.get("keras") or records.keras()
    keras = keras_record["hidden_tasks"]["val_accuracy"]
    ceiling = float(np.quantile([r["val_accuracy"] for r in records.reference()["hidden_tasks"]["runs"]], EASY))
    runs = _first(ctx)
    accuracies = _accuracies(ctx, runs)
    if credit(accuracies[0], max(ceiling, keras)) == 1:
        reference, where = ceiling, f"its {EASY:.0%} quantile over recorded tasks"
    else:  # the reference on this very task decides, and the median of three seeds
        reference, runs = _reference_on_task(ctx, lambda: _more(ctx))
        accuracies, where = _accuracies(ctx, runs), "on the same task"
    best = max(reference, keras)
    median = float(np.median(accuracies))
    ctx.data.update({"val_accuracy": median, "val_accuracies": accuracies,
                     "reference_val_accuracy": reference, "keras_val_accuracy": keras,
                     "keras_live": "keras" in ctx.options,
                     "train_seconds": [round(s, 2) for _, _, s in runs]})
    yours = (f"yours {median:.3f}" if len(runs) == 1 else
             f"yours {median:.3f} (the median of seeds {', '.join(str(seed) for seed, _, _ in runs)}: "
             f"{', '.join(f'{a:.3f}' for a in accuracies)})")
    figures = (f"validation accuracy on a hidden task (the digits split afresh, pixels and classes "
               f"permuted): {yours}; the reference {reference:.3f} ({where}), Keras {keras:.3f} (its "
               "median over recorded tasks)")
    if credit(median, best) < 1:
        if symmetric(runs[0][1]):
            why = (" Every hidden unit of a layer ends with the same weights: units that start "
                   "equal (all zeros, say) get equal gradients and never become different. Draw "
                   "the initial weights at random (standard normal).")
        elif median < 0.2:
            why = (" That is near chance (0.10): is anything learning from the x and y train is "
                   "given? Weights fitted in advance, on the public digits, are worth chance here.")
        else:
            why = " The loop's own checks above say whether it keeps its promises."
        raise Fail(f"{figures}; full marks from {best - MARGIN:.3f}, none at {FLOOR:.2f}.{why}",
                   credit(median, best))
    return figures


# -- the steps --------------------------------------------------------------------------------
RETURNS = ("returns params of the contract's shapes",)  # what the other checks need first
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
        Check("returns params of the contract's shapes", 0, returns_params),
        Check("every example once per epoch, with its label", 1, every_example_once, RETURNS),
        Check("the given batch_size and epochs", 1, batches_and_epochs, RETURNS),
        Check("the given lr", 1, uses_lr, RETURNS),
        Check("the same seed, the same network; another, another", 1, uses_seed, RETURNS),
        Check("validation accuracy on a hidden task", 12, reaches_accuracy, RETURNS),
    ), budget=180.0, isolate=False, own_process=True, prepare=prepare)


if __name__ == "__main__":  # the reference's accuracy on a hidden task: _reference_process
    print(reference_accuracy(int(sys.argv[1])))
