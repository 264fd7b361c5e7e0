"""The Keras baseline: trained for real, its record, and grading without TensorFlow."""

import json
import statistics
import subprocess
import sys

import pytest

from grader import paths
from grader.build import recording
from grader.kata import records

# A run of the same seed on the same machine and versions is bit-identical (op determinism,
# oneDNN off). Across versions or machines we allow one validation digit and 2 % of the loss.
ONE_DIGIT = 1 / 180 + 1e-9
LOSS_RTOL = 0.02


@pytest.fixture(scope="module")
def live():
    return recording.fit(0)


def test_real_keras_training_learns_the_digits(live):
    assert live["val_accuracy"] >= 0.95
    assert len(live["train_loss"]) == len(live["train_accuracy"]) == recording.EPOCHS
    assert live["train_loss"][-1] < live["train_loss"][0] / 5


def test_recorded_baseline_is_what_the_code_produces(live):
    seed0 = next(r for r in records.keras()["runs"] if r["seed"] == 0)
    assert abs(live["val_accuracy"] - seed0["val_accuracy"]) <= ONE_DIGIT
    assert live["train_loss"][-1] == pytest.approx(seed0["train_loss"][-1], rel=LOSS_RTOL)
    assert live["val_loss"] == pytest.approx(seed0["val_loss"], rel=LOSS_RTOL)


def test_record_schema():
    record = records.keras()
    assert record["learning_rate"] == 1.0 and record["epochs"] == 50 and record["batch_size"] == 64
    assert len(record["runs"]) >= 3 and len({r["seed"] for r in record["runs"]}) == len(record["runs"])
    for run in record["runs"]:
        assert set(run) >= {"seed", "train_loss", "train_accuracy", "val_accuracy", "val_loss", "fit_seconds"}
        assert len(run["train_loss"]) == len(run["train_accuracy"]) == 50
        assert all(isinstance(v, float) for v in run["train_loss"] + run["train_accuracy"])
        assert 0 <= run["val_accuracy"] <= 1 and run["fit_seconds"] > 0
    assert isinstance(record["val_accuracy"], float)
    assert record["val_accuracy"] == statistics.median(r["val_accuracy"] for r in record["runs"])
    assert set(record["versions"]) == {"tensorflow", "keras", "numpy", "python"}
    tasks = record["hidden_tasks"]  # what the train step compares with: the same kind of task as its own
    assert len(tasks["runs"]) >= 5 and len({r["task"] for r in tasks["runs"]}) == len(tasks["runs"])
    assert tasks["val_accuracy"] == statistics.median(r["val_accuracy"] for r in tasks["runs"])
    assert 0.94 <= tasks["val_accuracy"] <= 0.99


def test_show_prints_the_record():
    run = subprocess.run([sys.executable, "-m", "grader", "baseline", "--show"],
                         capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == records.keras()


BLOCKED = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            raise ImportError(f"{name} is blocked for this test")
sys.meta_path.insert(0, Block())
from grader.cli import main
code = main(sys.argv[1:])
assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
sys.exit(code)
"""


def test_grading_works_without_tensorflow():
    run = subprocess.run([sys.executable, "-c", BLOCKED, "grade", str(paths.reference_file()),
                          "--step", "train", "--format", "json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    step = json.loads(run.stdout)["steps"][0]
    keras = records.keras()["hidden_tasks"]["val_accuracy"]  # read from the record, TensorFlow never imported
    assert step["score"] == 16 and f"Keras {keras:.3f}" in step["feedback"]


def test_training_the_baseline_without_tensorflow_is_a_clear_error():
    run = subprocess.run([sys.executable, "-c", BLOCKED, "baseline", "--seeds", "1"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "needs TensorFlow" in run.stderr and "Traceback" not in run.stderr


def test_live_baseline_is_used_for_the_train_step():
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(paths.reference_file()),
                          "--step", "train", "--format", "json", "--live-baseline"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    step = json.loads(run.stdout)["steps"][0]
    assert step["data"]["keras_live"] is True and step["score"] == 16
    assert abs(step["data"]["keras_val_accuracy"] - records.keras()["hidden_tasks"]["val_accuracy"]) <= ONE_DIGIT
