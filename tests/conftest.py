"""Shared fixtures: submissions made from the reference with some functions rewritten."""

import os

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NNKATA_HIDDEN_SEED", "7")

from grader import paths  # noqa: E402
from grader.build.check import replace_function  # noqa: E402, F401 - the tests' way to write a variant
from grader.grade import grade  # noqa: E402
from grader.kata import curriculum  # noqa: E402

REFERENCE = paths.reference_file()
STEP_NAMES = [s.name for s in curriculum.STEPS]
FAST_STEPS = [n for n in STEP_NAMES if n != "train"]  # everything but the end-to-end step


def variant_grader(tmp_path_factory, seed):
    """grade_variant(key, step, code, steps) -> the Report of the reference with ``step``
    replaced by ``code``, graded on ``steps``; each key graded once (for module fixtures)."""
    reports = {}

    def grade_variant(key, step, code, steps):
        if key not in reports:
            path = tmp_path_factory.mktemp("variant") / "network.py"
            path.write_text(replace_function(REFERENCE.read_text(), step, code))
            reports[key] = grade(path, steps=list(steps), seed=seed)
        return reports[key]

    return grade_variant


@pytest.fixture
def submission(tmp_path):
    """make(**functions) writes the reference with those functions replaced; returns its path.

    make(text="...") writes that text as it is.
    """
    counter = iter(range(10**6))

    def make(text=None, **functions):
        if text is None:
            text = REFERENCE.read_text()
            for name, code in functions.items():
                text = replace_function(text, name, code)
        path = tmp_path / f"submission{next(counter)}" / "network.py"
        path.parent.mkdir()
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path

    return make


def one_of_each_step(pairs):
    """[{step: item}] from (step, item) pairs: group i holds the i-th item of every step. A step
    is graded with the reference's functions for every other one it calls (``Step.isolate``),
    so variants of different steps written into one file do not meet."""
    by_step = {}
    for step, item in pairs:
        by_step.setdefault(step, []).append(item)
    return [{step: items[i] for step, items in by_step.items() if i < len(items)}
            for i in range(max(map(len, by_step.values())))]


def reference_with(codes):
    """The reference's text with each step's function replaced: ``codes`` is step -> code."""
    text = REFERENCE.read_text()
    for step, code in codes.items():
        text = replace_function(text, step, code)
    return text


def scores(report):
    return {s.name: s.score for s in report.steps}


def full(name):
    return curriculum.step(name).points


__all__ = ["grade", "scores", "full", "FAST_STEPS", "STEP_NAMES", "replace_function", "variant_grader",
           "one_of_each_step", "reference_with"]
