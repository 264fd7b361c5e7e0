"""The kata's steps, in the order they are taught: one line each.

A step is declared in its topic's module (its checks, named mistakes and hints beside it);
this list is the only place that orders them. Everything else is derived from it: the stubs
and the notebook, the README's tables, the command line's list, the report, nbgrader's grade
cells, Gradescope's tests, the pytest ids, the functions graded code may call back.

The core steps are the article's network and its 100 points. The bonus steps go beyond it:
graded once train passes (or when asked for), outside the core 100; nothing that iterates
``STEPS`` (the CSV, Gradescope, nbgrader, pytest --nnkata) sees them.
"""

import difflib

from grader.errors import HarnessError
from grader.judge import reference
from grader.kata import (activations, backward, bonus_activations, forward, initialisers, loss, optimisers,
                         regularisation, softmax, training)
from grader.sandbox.contract import Callback

STEPS = (
    activations.SIGMOID,
    activations.SIGMOID_DERIVATIVE,
    softmax.SOFTMAX,
    loss.CROSS_ENTROPY,
    loss.CROSS_ENTROPY_DELTA,
    forward.FEEDFORWARD,
    backward.BACKPROP,
    backward.UPDATE,
    forward.PREDICT,
    training.TRAIN,
)

BONUS = (
    bonus_activations.RELU,
    bonus_activations.RELU_DERIVATIVE,
    bonus_activations.TANH,
    bonus_activations.TANH_DERIVATIVE,
    initialisers.HE_INIT,
    initialisers.XAVIER_INIT,
    optimisers.MOMENTUM_UPDATE,
    optimisers.ADAM_UPDATE,
    regularisation.L2_PENALTY,
    regularisation.L2_GRADIENTS,
    softmax.LOG_SOFTMAX,
)

BY_NAME = {s.name: s for s in STEPS}
TOTAL = sum(s.points for s in STEPS)
BONUS_BY_NAME = {s.name: s for s in BONUS}
BONUS_TOTAL = sum(s.points for s in BONUS)
CATALOGUE = tuple((s.name, m) for s in (*STEPS, *BONUS) for m in s.mistakes)  # (step, mistake): every named mistake
CALLED_BACK = {s.name: s.arguments for s in (*STEPS, *BONUS) if s.arguments}  # function -> its arguments' kind


def callbacks():
    """name -> ``contract.Callback``: the reference's functions graded code may call back, each
    with the kind of arguments its step declares."""
    module = reference.load()
    return {name: Callback(getattr(module, name), kind) for name, kind in CALLED_BACK.items()}


def step(name):
    """A core step or a bonus step, by name."""
    if name not in BY_NAME and name not in BONUS_BY_NAME:
        near = difflib.get_close_matches(name, [*BY_NAME, *BONUS_BY_NAME], n=1)
        hint = f" Did you mean {near[0]}?" if near else ""
        raise HarnessError(f"there is no step {name!r}.{hint} Steps: {', '.join(BY_NAME)}; "
                           f"bonus steps: {', '.join(BONUS_BY_NAME)}")
    return BY_NAME.get(name) or BONUS_BY_NAME[name]


def index(spec):
    """A step's place: its curriculum number for the hidden inputs' seed, bonus steps after the core."""
    return STEPS.index(spec) if spec in STEPS else len(STEPS) + BONUS.index(spec)


def hint_tiers(which):
    """A step's hints (a Step or its name), from the question to the near-solution."""
    return (step(which) if isinstance(which, str) else which).hints
