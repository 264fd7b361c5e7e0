"""The records grading compares with, read without TensorFlow: the article's Keras model's
(``records/keras.json``) and the reference's own (``records/reference.json``). They are made by
``grader.build.recording`` (``nnkata baseline``, ``nnkata build --reference``).
"""

from grader import atomic
from grader.paths import RECORDS

KERAS = RECORDS / "keras.json"
REFERENCE = RECORDS / "reference.json"


def keras():
    """The Keras baseline's committed record."""
    return atomic.read_json(KERAS, "the recorded Keras baseline", "Run `nnkata baseline` to train and record it.")


def reference():
    """The reference's committed record."""
    return atomic.read_json(REFERENCE, "the reference's recorded accuracy", "Run `nnkata build --reference`.")
