"""Reference callbacks run only on the shapes the contract allows: the grader's memory is not
the student's to spend, and a refused call says what was wrong in the student's terms."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REFERENCE, full, replace_function
from grader.judge import reference
from grader.kata import curriculum, inputs
from grader.sandbox import contract

PARAMS = inputs.init(np.random.default_rng(0), "scaled")
CALLBACKS = curriculum.callbacks()


def refused(fn, *args, **kwargs):
    with pytest.raises(contract.Refused) as caught:
        CALLBACKS[fn].check(fn, list(args), kwargs)
    return str(caught.value)


def test_the_functions_that_may_be_called_back_are_the_steps_that_declare_their_arguments():
    declared = {s.name for s in (*curriculum.STEPS, *curriculum.BONUS) if s.arguments}
    assert set(CALLBACKS) == declared and "train" not in CALLBACKS
    assert {f for s in (*curriculum.STEPS, *curriculum.BONUS) for f in s.uses} <= declared
    for name, callback in CALLBACKS.items():
        assert callback.function is getattr(reference.load(), name) and callback.kind in contract.KINDS


@pytest.mark.parametrize("fn, args, kwargs", [
    ("sigmoid", [np.zeros((7, 128))], {}),
    ("sigmoid", [np.zeros(128)], {}),  # one row
    ("sigmoid_derivative", [], {"a": np.zeros((4096, 10))}),
    ("softmax", [np.zeros((7, 10), dtype=np.float32)], {}),
    ("cross_entropy", [np.full((7, 10), 0.1), np.eye(10)[:7]], {}),
    ("cross_entropy_delta", [np.full((7, 10), 0.1)], {"targets": np.eye(10)[:7]}),
    ("feedforward", [PARAMS, np.zeros((7, 64))], {}),
    ("predict", [{**PARAMS, "b3": PARAMS["b3"].ravel()}, np.zeros((7, 64))], {}),  # a (k,) bias
    ("backprop", [PARAMS, np.zeros((7, 64)), np.zeros((7, 10)),
                  (np.zeros((7, 128)), np.zeros((7, 128)), np.zeros((7, 10)))], {}),
    ("update", [PARAMS, PARAMS, np.float64(0.5)], {}),
], ids=lambda v: v if isinstance(v, str) else None)
def test_what_the_contract_allows_is_accepted(fn, args, kwargs):
    CALLBACKS[fn].check(fn, args, kwargs)
    with np.errstate(all="ignore"):
        getattr(reference.load(), fn)(*args, **kwargs)  # and the reference runs on it


@pytest.mark.parametrize("fn, args, words", [
    ("softmax", [np.zeros((16384, 1))], "softmax was called with an array of shape (16384, 1): "
     "the contract's softmax takes (n, k) with k = 10 or 128"),
    ("softmax", [np.zeros((5000, 10))], "n at most 4096"),
    ("softmax", [np.zeros(10)], "shape (10,)"),
    ("sigmoid", [np.zeros((2, 3, 128))], "shape (2, 3, 128)"),
    ("sigmoid", [[0.5, 1.0]], "sigmoid was called with a list"),
    ("sigmoid", [np.array(["a"] * 10)], "dtype <U1"),
    ("cross_entropy", [np.zeros((1, 16384)), np.zeros((16384, 1))],
     "cross_entropy was called with probs of shape (1, 16384): the contract's cross_entropy "
     "takes probs and targets of the same shape (n, 10)"),
    ("cross_entropy_delta", [np.zeros((3, 10)), np.zeros((4, 10))], "targets of shape (4, 10)"),
    ("feedforward", [{**PARAMS, "w1": np.zeros((64, 4096))}, np.zeros((3, 64))], "params['w1'] of shape (64, 4096)"),
    ("feedforward", [{"w1": PARAMS["w1"]}, np.zeros((3, 64))], "with keys w1"),
    ("feedforward", [PARAMS, np.zeros((3, 65))], "x of shape (3, 65)"),
    ("backprop", [PARAMS, np.zeros((3, 64)), np.zeros((3, 10)), (np.zeros((3, 128)),) * 2],
     "activations = a tuple"),
    ("backprop", [PARAMS, np.zeros((3, 64)), np.zeros((4, 10)),
                  (np.zeros((3, 128)), np.zeros((3, 128)), np.zeros((3, 10)))], "different numbers of rows"),
    ("update", [PARAMS, PARAMS, float("nan")], "lr as a finite number"),
    ("softmax", [np.zeros((3, 10)), np.zeros((3, 10))], "2 arguments"),
    ("cross_entropy", [np.zeros((3, 10))], "without targets"),
])
def test_what_it_does_not_allow_is_refused_in_the_students_terms(fn, args, words):
    assert words in refused(fn, *args)


def test_keywords_bind_as_python_binds_them():
    assert "the argument 'x' which it does not have" in refused("sigmoid", x=np.zeros((3, 10)))
    assert "the argument 'z' twice" in refused("softmax", np.zeros((3, 10)), z=np.zeros((3, 10)))


# -- through a real grade ---------------------------------------------------------------------------
HOSTILE = {
    "feedforward": """
def feedforward(params, x):
    softmax(np.ones((16384, 1)))
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    return a1, a2, softmax(a2 @ params["w3"] + params["b3"])
""",
    # (16384, 1) - (1, 16384) broadcasts to 2 GiB inside the reference, were it run
    "backprop": """
def backprop(params, x, y, activations):
    said = []
    for helper in (cross_entropy, cross_entropy_delta):
        try:
            helper(np.full((1, 16384), 0.5), np.ones((16384, 1)))
            said.append(helper.__name__ + " answered")
        except RuntimeError as exc:
            said.append(str(exc))
    raise AssertionError(" | ".join(said))
""",
}
PROBE = """
import json, sys
from grader.grade import grade
report = grade(sys.argv[1], steps=["feedforward", "backprop", "predict"])
# VmHWM: this process's own peak (ru_maxrss would carry the forking pytest's over the exec)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"maxrss_kib": peak,
                  "steps": {s.name: [s.score, s.status, s.feedback] for s in report.steps}}))
"""


def test_callbacks_outside_the_contract_cost_the_step_and_no_grader_memory(tmp_path):
    text = REFERENCE.read_text()
    for name, code in HOSTILE.items():
        text = replace_function(text, name, code)
    path = tmp_path / "network.py"
    path.write_text(text)
    # a grading process of its own, so that its peak memory is this grade's alone
    run = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "NNKATA_HIDDEN_SEED": "7"})
    assert run.returncode == 0, run.stderr[-2000:]
    doc = json.loads(run.stdout)
    steps = doc["steps"]
    score, status, feedback = steps["feedforward"]
    assert score == 0 and status == "error"
    assert ("the reference softmax could not run on the arguments your code gave it: softmax was "
            "called with an array of shape (16384, 1): the contract's softmax takes (n, k) with "
            "k = 10 or 128") in feedback
    score, status, feedback = steps["backprop"]
    assert score == 0 and status == "error"
    assert "answered" not in feedback
    for fn in ("cross_entropy", "cross_entropy_delta"):
        assert (f"the reference {fn} could not run on the arguments your code gave it: {fn} was "
                "called with probs of shape (1, 16384)") in feedback
    assert steps["predict"][0] == full("predict")  # it calls feedforward: the reference's, unharmed
    assert doc["maxrss_kib"] < 300 * 1024  # the target; the broadcast alone is 2 GiB
