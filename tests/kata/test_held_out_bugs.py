"""Issue 14's measure of feedback: bugs written without reading the catalogue are named in
their own step, in words that fit the bug, at least 90% of them.

Named means: the bug's step loses points, one of its checks names a mistake (``Named mistake
(slug)``) and the step's feedback matches the bug's ``says``, a pattern written with the bug
before any grader output was seen. Each set's docstring says whether it is still held out or
has become a development set (its misses fixed after its first measurement). A file holds one
bug of every step (the i-th of each): a step is graded with the reference's functions for
every other one it calls, so the bugs do not meet.
"""

import importlib
import re
from collections import defaultdict

import pytest

from conftest import full, one_of_each_step, reference_with
from grader.grade import grade

SEED = 11
TARGET = 0.9
SETS = ("held_out_bugs", "held_out_bugs_2", "held_out_bugs_3", "held_out_bugs_4", "held_out_bugs_5",
        "held_out_bugs_6")


def bugs(name):
    return importlib.import_module(f"kata.{name}").BUGS


def verdicts(listed, tmp_path):
    """bug id -> (lost points, named, the step's feedback)."""
    found = {}
    for number, chosen in enumerate(one_of_each_step((bug.step, bug) for bug in listed)):
        path = tmp_path / f"file{number}" / "network.py"
        path.parent.mkdir()
        path.write_text(reference_with({step: bug.code for step, bug in chosen.items()}))
        for step in grade(path, steps=list(chosen), seed=SEED).steps:
            bug = chosen[step.name]
            named = any(c.cause for c in step.checks) and re.search(bug.says, step.feedback, re.I)
            found[bug.id] = (step.score < full(step.name), bool(named), step.feedback)
    return found


def test_the_sets_are_broad_and_distinct():
    listed = [b for name in SETS for b in bugs(name)]
    assert len({b.id for b in listed}) == len(listed)
    for name in SETS:
        steps = defaultdict(int)
        for b in bugs(name):
            steps[b.step] += 1
        assert len(bugs(name)) >= 40 and len(steps) == 9 and min(steps.values()) >= 3, (name, dict(steps))


@pytest.mark.parametrize("name", SETS)
def test_at_least_90_percent_are_named_and_every_one_loses_points(name, tmp_path, capsys):
    found = verdicts(bugs(name), tmp_path)
    assert {i: v[2] for i, v in found.items() if not v[0]} == {}  # every bug costs its step points
    unnamed = {i: v[2][:300] for i, v in found.items() if not v[1]}
    share = 1 - len(unnamed) / len(found)
    with capsys.disabled():
        print(f"\n{name}: {len(found) - len(unnamed)}/{len(found)} named ({share:.0%})")
    assert share >= TARGET, unnamed
