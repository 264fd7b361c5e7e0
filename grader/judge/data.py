"""The contract's data: scikit-learn's digits, pixels / 16, one-hot targets, the article's split;
and the hidden tasks ``train`` is graded on (``task``).

The split is ``train_test_split(test_size=0.1, random_state=20)``: 1617 training and 180
validation digits. Importing scikit-learn costs more than a whole grade here, so the CSV that
ships with it is read directly and the split is the one ``train_test_split`` draws (a
permutation from ``RandomState(20)``, the first 180 for validation); a test checks both
against scikit-learn itself.
"""

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.errors import HarnessError

N_VALIDATION = 180
SPLIT_SEED = 20


@dataclass(frozen=True)
class Digits:
    x_train: np.ndarray  # (1617, 64)
    y_train: np.ndarray  # (1617, 10) one-hot
    x_val: np.ndarray  # (180, 64)
    y_val: np.ndarray  # (180, 10) one-hot

    def __post_init__(self):
        # Cached, and a worker grades a whole class in one process: nothing may write into them.
        for array in (self.x_train, self.y_train, self.x_val, self.y_val):
            array.setflags(write=False)

    @property
    def labels_val(self):
        return np.argmax(self.y_val, axis=1)  # (180,)


def one_hot(labels, k=10):
    return np.eye(k)[labels]  # (n, k)


def digits_csv():
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise HarnessError("scikit-learn is not installed; the digits ship with it "
                           "(pip install scikit-learn)")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise HarnessError(f"scikit-learn's digits are missing: no {path}")
    return path


@functools.lru_cache(maxsize=1)
def _all():
    raw = np.loadtxt(digits_csv(), delimiter=",")  # (1797, 65): 64 pixels, then the label
    return raw[:, :-1] / 16.0, raw[:, -1].astype(np.int64)  # (1797, 64), (1797,)


@functools.lru_cache(maxsize=1)
def load():
    x, labels = _all()
    y = one_hot(labels)  # (1797, 10)
    order = np.random.RandomState(SPLIT_SEED).permutation(len(x))
    val, train = order[:N_VALIDATION], order[N_VALIDATION:]
    return Digits(x[train], y[train], x[val], y[val])


@functools.lru_cache(maxsize=8)
def task(seed):
    """A hidden task of the contract's shapes, drawn from ``seed``: the digits split afresh
    (1617 and 180), their 64 pixels put in another order and their 10 classes renamed. A dense
    network learns it exactly as well (the order of its inputs and the names of its outputs mean
    nothing to it), but weights fitted to the public split are worth chance on it."""
    x, labels = _all()
    rng = np.random.default_rng([seed, 64, 10])
    order, pixels, classes = rng.permutation(len(x)), rng.permutation(64), rng.permutation(10)
    val, train = order[:N_VALIDATION], order[N_VALIDATION:]
    return Digits(x[train][:, pixels], one_hot(classes[labels[train]]),  # (1617, 64), (1617, 10)
                  x[val][:, pixels], one_hot(classes[labels[val]]))  # (180, 64), (180, 10)
