"""The train step: the recorded reference figure is what the code produces, and the credit rule."""

import pytest

from grader.build import recording
from grader.judge import reference
from grader.kata import records, training


def test_recorded_reference_accuracy_is_what_the_reference_reaches():
    record = records.reference()
    seeds = tuple(r["seed"] for r in record["runs"])
    fresh = recording.reference(reference.load(), seeds=seeds)
    assert [r["val_accuracy"] for r in fresh["runs"]] == [r["val_accuracy"] for r in record["runs"]]
    assert fresh["val_accuracy"] == record["val_accuracy"]
    assert fresh["hidden_tasks"] == record["hidden_tasks"]  # the figure train is graded against
    assert 0.95 <= record["val_accuracy"] <= 0.99  # the contract's measured range


@pytest.mark.parametrize("median, fraction", [
    (0.99, 1.0), (0.972 - 0.03, 1.0), (0.70, 0.0), (0.10, 0.0), ((0.70 + 0.942) / 2, 0.5)])
def test_credit_rule(median, fraction):
    assert training.credit(median, 0.972) == pytest.approx(fraction, abs=1e-9)


# -- a task only the student's own loop can learn, and the loop's promises -------------------
LOOP = '''
def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
    rng = {rng}
    params = {{}}
    for i, (fan_in, fan_out) in enumerate([(64, 128), (128, 128), (128, 10)], start=1):
        params[f"w{{i}}"] = rng.standard_normal((fan_in, fan_out))
        params[f"b{{i}}"] = np.zeros((1, fan_out))
    n = x.shape[0]
    for _ in range({epochs}):
        order = rng.permutation(n)
        for start in range(0, {end}, {size}):
            rows = order[{rows}]
            xb, yb = x[rows], {yb}
            grads = backprop(params, xb, yb, feedforward(params, xb))
            params = update(params, grads, {lr})
    return params
'''
RIGHT = {"rng": "np.random.default_rng(seed)", "epochs": "epochs", "end": "n", "size": "batch_size",
         "rows": "start:start + batch_size", "yb": "y[rows]", "lr": "lr"}
CANNED = '''
def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
    # weights fitted in advance on the public digits, whatever x and y are
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    px, _, py, _ = train_test_split(digits.data / 16.0, np.eye(10)[digits.target], test_size=0.1, random_state=20)
    rng = np.random.default_rng(seed)
    params = {f"w{i}": rng.standard_normal(s) for i, s in enumerate([(64, 128), (128, 128), (128, 10)], 1)}
    params.update({f"b{i}": np.zeros((1, k)) for i, k in enumerate([128, 128, 10], 1)})
    for _ in range(epochs):
        order = rng.permutation(len(px))
        for start in range(0, len(px), batch_size):
            rows = order[start:start + batch_size]
            params = update(params, backprop(params, px[rows], py[rows], feedforward(params, px[rows])), lr)
    return params
'''
AUDITS = {"every example once per epoch, with its label", "the given batch_size and epochs", "the given lr",
          "the same seed, the same network; another, another"}


def _train_step(submission, code):
    from conftest import grade
    return grade(submission(train=code), steps=["train"], seed=11).steps[0]


def test_the_reference_keeps_every_promise_with_one_training(submission):
    step = _train_step(submission, LOOP.format(**RIGHT))
    assert step.score == step.max_score == 16, step.feedback
    assert len(step.data["val_accuracies"]) == 1  # one training decided: it was not near a threshold


def test_below_the_bar_the_reference_trains_on_the_same_task_and_three_seeds_decide(submission):
    """A slow learner (lr 0.02 whatever it is given) falls short of the recorded bar: the
    reference is trained on the student's own task and compared with the median of three."""
    step = _train_step(submission, LOOP.format(**{**RIGHT, "lr": "0.02"}))
    assert len(step.data["val_accuracies"]) == 3
    accuracy = next(c for c in step.checks if c.name == "validation accuracy on a hidden task")
    assert "(on the same task)" in accuracy.message and accuracy.status == "failed"
    from grader.judge.context import Ctx
    from grader.kata import curriculum
    task = training.hidden_task_seed(Ctx(training.TRAIN, curriculum.index(training.TRAIN), None, 11, 0.0))
    assert step.data["reference_val_accuracy"] == training.reference_accuracy(task)


def test_a_class_shares_the_reference_trained_once_and_grades_exactly_as_alone(submission, monkeypatch):
    """grade.prepare trains the reference on the class's task once; a grade below the bar given
    it reports what it would have trained itself, and trains no reference of its own."""
    from grader import grade
    path = submission(train=LOOP.format(**{**RIGHT, "lr": "0.02"}))
    shared, another = grade.prepare(11), grade.prepare(12)
    alone = grade.grade(path, steps=["train"], seed=11).steps[0]
    started = []
    real = training._reference_process
    monkeypatch.setattr(training, "_reference_process", lambda task: started.append(task) or real(task))
    in_class = grade.grade(path, steps=["train"], seed=11, shared=shared).steps[0]
    assert started == []  # the shared value was used
    assert [c.to_dict() for c in in_class.checks] == [c.to_dict() for c in alone.checks]
    assert in_class.data["reference_val_accuracy"] == shared["train"]["reference_accuracy"]
    # A value for another task (another seed's class) is not this grade's: it trains its own.
    other = grade.grade(path, steps=["train"], seed=11, shared=another).steps[0]
    assert len(started) == 1 and [c.to_dict() for c in other.checks] == [c.to_dict() for c in alone.checks]


def test_canned_weights_earn_nothing(submission):
    step = _train_step(submission, CANNED)
    assert step.score == 0, step.feedback
    checks = {c.name: c for c in step.checks}
    assert "a row that is none of the examples of x" in checks["every example once per epoch, with its label"].message
    assert "near chance" in checks["validation accuracy on a hidden task"].message
    assert step.data["val_accuracy"] < 0.3


@pytest.mark.parametrize("bug, change, failing, words", [
    ("first-batch-every-time", {"rows": "0:batch_size"}, "every example once per epoch, with its label",
     r"epoch 1 used 32 distinct examples of 100 \(each of its 4 batches the same 32 examples\).*does the batch start move"),
    ("a-third-never-used", {"end": "2 * n // 3"}, "every example once per epoch, with its label",
     r"used \d+ distinct examples of 100"),
    ("x-shuffled-not-y", {"yb": "y[start:start + batch_size]"}, "every example once per epoch, with its label",
     r"labels that are not its examples' own: x and y were put in different orders"),
    ("half-the-epochs", {"epochs": "epochs // 2"}, "the given batch_size and epochs",
     r"ran 1 epoch\(s\) \(100 examples through backprop\), not 3"),
    ("batch-size-hard-coded", {"size": "64", "rows": "start:start + 64"}, "the given batch_size and epochs",
     r"batches had \[64, 36\] rows, not \[32, 32, 32, 4\]: is batch_size hard-coded\?"),
    ("lr-hard-coded", {"lr": "0.05"}, "the given lr",
     r"update received lr = 0\.05 while train was called with lr = 0\.25"),
    ("unseeded", {"rng": "np.random.default_rng()"}, "the same seed, the same network; another, another",
     r"gave different weights when run twice.*np\.random\.default_rng\(\)"),
], ids=lambda v: v if isinstance(v, str) and "-" in v else None)
def test_a_loop_that_breaks_a_promise_loses_that_promise_in_its_words(submission, bug, change, failing, words):
    import re
    step = _train_step(submission, LOOP.format(**{**RIGHT, **change}))
    checks = {c.name: c for c in step.checks}
    assert checks[failing].status == "failed" and re.search(words, checks[failing].message), checks[failing].message
    assert step.score < step.max_score
    for name in AUDITS - {failing}:  # each promise is its own check
        if bug not in ("half-the-epochs", "a-third-never-used", "batch-size-hard-coded", "first-batch-every-time"):
            assert checks[name].status == "passed", (name, checks[name].message)


def test_returning_what_the_loop_did_not_train_fails_the_audit(submission):
    code = LOOP.format(**RIGHT).replace("    return params\n", "    return {k: v * 0 for k, v in params.items()}\n")
    step = _train_step(submission, code)
    for name in AUDITS:
        assert "not the result of its last update" in {c.name: c for c in step.checks}[name].message
