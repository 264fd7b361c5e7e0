"""A hidden draw changes the numbers, never how hard they are: every known-wrong implementation
and every correct alternative earns the same score in its step under 20 hidden seeds.

Only a step's hidden checks draw from the seed (``Ctx.rng(True)``); the others use the public
seed. So each step runs here as its hidden checks and the checks they need, in one child per
file, 20 times. A file holds one variant of every step (the i-th of each), since a step is
graded with the reference's functions for every other step it calls (``isolate``).
"""

import dataclasses
from collections import defaultdict

import numpy as np
import pytest

from conftest import one_of_each_step, reference_with
from grader.grade import run_step
from grader.judge.context import Ctx
from grader.kata import curriculum
from grader.sandbox import tiers
from grader.sandbox.runner import Submission
from kata.test_correct_alternatives import ALTERNATIVES
from kata.test_wrong_implementations import VARIANTS

SEEDS = range(20)  # default_rng([seed, step]): small seeds draw as any other


def _variants():
    """(id, step, code): the curriculum's named mistakes, the tests' other wrong ones and the
    correct alternatives, each once; train is not among them (its task, not its inputs, is
    drawn from the seed: see test_training)."""
    seen, found = set(), []
    listed = [(f"{step}:{m.slug}", step, m.code) for step, m in curriculum.CATALOGUE]
    listed += [(v.id, v.step, v.code) for v in VARIANTS]
    listed += [(a.id, a.step, a.code) for a in ALTERNATIVES]
    for ident, step, code in listed:
        if step != "train" and code not in seen:
            seen.add(code)
            found.append((ident, step, code))
    return found


def _files():
    """[{step: (id, code)}]: the i-th variant of every step in file i."""
    return one_of_each_step((step, (ident, code)) for ident, step, code in _variants())


def hidden_part(step):
    """The step as its hidden checks and, before them, the checks they need."""
    needed = {n for c in step.checks if c.hidden for n in c.needs}
    return dataclasses.replace(step, checks=tuple(c for c in step.checks if c.hidden or c.name in needed))


def test_only_hidden_checks_read_the_hidden_seed():
    """What the test below relies on: the public generator ignores the hidden seed."""
    step = curriculum.step("softmax")
    one, other = (Ctx(step, 2, None, seed, 0.0) for seed in (1, 2))
    assert np.array_equal(one.rng(False).random(5), other.rng(False).random(5))
    assert not np.array_equal(one.rng(True).random(5), other.rng(True).random(5))


def test_the_variants_cover_every_step_with_hidden_checks():
    stepped = {step for _, step, _ in _variants()}
    hidden = {s.name for s in (*curriculum.STEPS, *curriculum.BONUS) if any(c.hidden for c in s.checks)}
    assert hidden <= stepped


@pytest.mark.parametrize("index", range(len(_files())), ids=lambda i: f"file{i}")
def test_every_variant_scores_the_same_under_20_hidden_seeds(tmp_path, index):
    chosen = _files()[index]
    path = tmp_path / "network.py"
    path.write_text(reference_with({step: code for step, (_, code) in chosen.items()}))
    scores = defaultdict(dict)  # id -> seed -> (score, checks' statuses)
    with np.errstate(all="ignore"), Submission(path, curriculum.callbacks(), tiers.choose()) as sub:
        for seed in SEEDS:
            for name, (ident, _) in chosen.items():
                spec = curriculum.step(name)
                result = run_step(hidden_part(spec), curriculum.index(spec), sub, seed)
                scores[ident][seed] = (result.score, tuple(c.status for c in result.checks))
    varying = {ident: {s: v for s, v in by_seed.items()}
               for ident, by_seed in scores.items() if len(set(by_seed.values())) > 1}
    assert varying == {}
