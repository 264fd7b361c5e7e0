"""What a step of the kata is: its declaration, made in its topic's module and listed, one line
each, in ``curriculum``.

A step has its points (the sum of its checks'), its checks in the order type/shape -> values ->
stability -> properties -> gradients, the tolerance its values are compared with, a time
budget, its named mistakes, and its hints.

Hints come in three tiers, from question to near-solution: (1) a question that points at the
concept, (2) the formula in the maths' terms and numpy shapes, still asking where it can, (3)
the shape of the code with the key pieces left blank (``___``), never the whole answer.
"""

from dataclasses import dataclass
from typing import Callable

from grader.judge.compare import Tol

SHAPE = ("shape",)  # what most checks need first
PUBLIC = ("values on public inputs",)  # what an input-unchanged check needs: a function that computes nothing keeps nothing


@dataclass(frozen=True)
class Check:
    name: str
    points: float
    run: Callable  # run(ctx) -> None or a note; raises compare.Fail
    needs: tuple = ()  # checks of the same step that must pass first
    hidden: bool = False  # uses inputs the student cannot see


@dataclass(frozen=True)
class Step:
    name: str
    signature: str
    goal: str
    hints: tuple  # (question, formula, near-solution): see the module docstring
    tol: Tol
    checks: tuple
    mistakes: tuple = ()  # its named mistakes (judge.mistakes.Mistake), in the order they are tried
    budget: float = 10.0  # seconds for all of the step's checks (the reference needs < 0.4)
    isolate: bool = True  # the functions in ``uses`` are the reference's while it is graded
    uses: tuple = ()  # the steps' functions it may call; only these are answered by the reference
    arguments: str = ""  # the contract's kind of arguments when another step calls it back
    own_process: bool = False  # long: graded in a child of its own, beside the others
    # What every grade of a class on one hidden seed shares, computed once for the class
    # (``grade.prepare``): ``prepare(ctx)`` on a Ctx with no submission gives a JSON value,
    # which the step's checks find in ``ctx.options["shared"][name]``.
    prepare: object = None

    @property
    def hint(self):
        """The first tier: the question."""
        return self.hints[0]

    @property
    def points(self):
        return sum(c.points for c in self.checks)


def value_check(run, points, needs, hidden):
    """The check of values on public or hidden inputs: ``run(hidden)`` makes its function."""
    name = "values on hidden inputs" if hidden else "values on public inputs"
    return Check(name, points, run(hidden), needs=needs, hidden=hidden)
