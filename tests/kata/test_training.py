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
    assert 0.95 <= record["val_accuracy"] <= 0.99  # the contract's measured range


@pytest.mark.parametrize("median, fraction", [
    (0.99, 1.0), (0.972 - 0.03, 1.0), (0.70, 0.0), (0.10, 0.0), ((0.70 + 0.942) / 2, 0.5)])
def test_credit_rule(median, fraction):
    assert training.credit(median, 0.972) == pytest.approx(fraction, abs=1e-9)
