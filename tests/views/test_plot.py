"""The learning-curve picture."""

import struct
import subprocess
import sys

import numpy as np
import pytest

from grader import paths
from grader.errors import HarnessError
from grader.grade import grade
from grader.judge import data, reference
from grader.kata import curriculum, training
from grader.views import plot


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_check_plot_writes_a_png_of_the_expected_size(tmp_path):
    out = tmp_path / "curves.png"
    run = subprocess.run([sys.executable, "-m", "grader", "check", "train", "--file",
                          str(paths.reference_file()), "--plot", str(out)], capture_output=True, text=True,
                         cwd=tmp_path)  # a folder of its own: no progress recorded in the checkout
    assert run.returncode == 0, run.stderr
    assert png_size(out) == (plot.SIZE[0] * plot.DPI, plot.SIZE[1] * plot.DPI)


def test_the_students_curve_is_traced_from_their_update():
    report = grade(paths.reference_file(), steps=["train"], curves=True, seed=7)
    curve = report.steps[0].data["curve"]
    assert len(curve["train_loss"]) == 50 and curve["train_loss"][-1] < curve["train_loss"][0]
    # the reference's own training on the grade's hidden task, snapshotted here, once per epoch
    hidden = np.random.default_rng([7, curriculum.index(training.TRAIN)]).integers(2**62)
    task, ref = data.task(int(hidden)), reference.load()
    expected = training.curve(ref, training.traced_training(ref, task, seed=0)[1], task)
    assert curve["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-9)
    assert curve["train_accuracy"] == pytest.approx(expected["train_accuracy"], rel=1e-9)
    assert set(plot.curves(report)) >= {"reference (seed 0)", "yours (seed 0)"}


def test_the_plot_needs_the_train_step(tmp_path):
    report = grade(paths.reference_file(), steps=["softmax"], curves=True)
    with pytest.raises(HarnessError, match="train step"):
        plot.draw(report, tmp_path / "x.png")
