"""What every check gets (``Ctx``) and the building blocks that several steps share."""

import re
import time

import numpy as np

from grader.judge import reference
from grader.judge.compare import Fail, compare, expect_array, failing, show
from grader.judge.mistakes import GENERIC
from grader.sandbox.runner import Raised, StudentError

PUBLIC_SEED = 20240611  # public inputs: the student may see them in feedback


class Ctx:
    """One step's view of the submission, the reference and the inputs."""

    def __init__(self, step, index, submission, hidden_seed, deadline, options=None):
        self.step, self.index, self.sub = step, index, submission
        self.hidden_seed = hidden_seed
        self.deadline = deadline
        self.ref = reference.load()
        self.tol = step.tol
        self.data = {}  # figures for the report (accuracies, timings)
        self.cache = {}  # results that several checks of the step share
        self.options = options or {}  # what grade() was asked for: a live baseline, curves
        self.last = None  # (args, kwargs, Returned or Raised) of the last call to the step's function

    def call(self, *args, fn=None, trace=None, sub=None, **kwargs):
        """Call the student's function (the step's own by default); returns ``Returned``.

        The contract functions the step declares it uses are the reference's while it runs
        (unless the step is graded end to end); any other is the student's own.
        """
        fn = fn or self.step.name
        isolate = [f for f in self.step.uses if f != fn] if self.step.isolate else []
        left = max(self.deadline - time.monotonic(), 0.05)
        try:
            returned = (sub or self.sub).call(fn, args, kwargs, isolate=isolate, timeout=left, trace=trace)
        except Raised as exc:
            if fn == self.step.name:
                self.last = (args, kwargs, exc)
            raise
        if fn == self.step.name:  # what a failed check's named mistake is matched on
            self.last = (args, kwargs, returned)
        return returned

    def value(self, *args, **kwargs):
        return self.call(*args, **kwargs).value

    def rng(self, hidden):
        """Inputs' generator: a public seed, or the instructor's hidden one, per step."""
        seed = self.hidden_seed if hidden else PUBLIC_SEED
        return np.random.default_rng([seed, self.index])

    def expected(self, *args, fn=None):
        return getattr(self.ref, fn or self.step.name)(*args)


def copy_args(args):
    """Deep copies of arrays inside args, so the reference sees what the student saw."""
    if isinstance(args, np.ndarray):
        return args.copy()
    if isinstance(args, dict):
        return {k: copy_args(v) for k, v in args.items()}
    if isinstance(args, (list, tuple)):
        return type(args)(copy_args(a) for a in args)
    return args


def array_cases(ctx, cases, *, what, n_of=None, k=10, extra=None, dtype_kind="f"):
    """Values check: the student's array equals the reference's on every case."""
    name = ctx.step.name
    for args in cases:
        expected = ctx.expected(*copy_args(args))
        got = ctx.value(*args)
        shown = what(args) if callable(what) else what
        got = expect_array(got, np.shape(expected), what=shown, dtype_kind=dtype_kind)
        if dtype_kind == "i":
            wrong = np.flatnonzero(got != expected)
            if wrong.size:
                i = wrong[0]
                raise Fail(f"{shown}: {wrong.size} of {got.size} labels differ, first at entry {i}: "
                           f"expected class {expected[i]}, got {got[i]}.")
            continue
        compare(got, expected, ctx.tol, what=f"{name}'s output" if shown is None else shown,
                n=n_of(args) if n_of else None, k=k, extra=extra)


def stable(ctx, args, *, what):
    """Stability: the output on extreme inputs is finite and no warning was raised."""
    returned = ctx.call(*args)
    expected = ctx.expected(*copy_args(args))
    got = expect_array(returned.value, np.shape(expected), what=what)
    numeric = [w for w in returned.warnings if w.startswith(("RuntimeWarning", "FloatingPointError"))]
    if numeric:  # floating-point trouble only: an unclosed file is not a stability problem
        warning = numeric[0]
        if "overflow" in warning:
            cause = "Rearrange the formula so that exp only ever sees non-positive numbers."
        else:
            cause = ("That is a 0/0 or inf/inf: every exp of a row underflowed to 0 or overflowed. "
                     "Is a maximum taken over the whole array instead of over each row?")
        raise Fail(f"{what} raised {warning}. {cause}", head=f"{what} raised {warning}.")
    compare(got, expected, ctx.tol, what=what)


class _Stop(Exception):
    """Carries a StudentError out of a Hypothesis run without shrinking on it."""


def prop(strategy, body, *, examples=40):
    """Run ``body(example)`` over Hypothesis examples: derandomized, no database, quiet.

    ``body`` raises ``Fail`` with a message that names the example; the message of the
    smallest failing example found is what the student reads. A timeout or crash in the
    student's code stops the search at once and is raised as it is.

    Hypothesis's explain phase is left out: it only annotates a failure for a reader of
    Hypothesis's report (which parts of the example could vary), which the student never
    sees, and it cost a second of CPU per failing property.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    stopped = []

    @settings(derandomize=True, database=None, deadline=None, max_examples=examples,
              verbosity=Verbosity.quiet, suppress_health_check=list(HealthCheck), print_blob=False,
              report_multiple_bugs=False, phases=[p for p in Phase if p.name != "explain"])
    @given(strategy)
    def run(example):
        if stopped:
            raise _Stop
        try:
            body(example)
        except StudentError as exc:
            stopped.append(exc)
            raise _Stop from None

    try:
        run()
    except Exception:
        # A timeout or crash stops the search, and Hypothesis may then call the run flaky:
        # what happened to the student's code is the message, not Hypothesis's complaint.
        if stopped:
            raise stopped[0] from None
        raise
    if stopped:
        raise stopped[0]


def finite_matrices(rows=(1, 8), cols=(1, 12), bound=1000.0):
    """Hypothesis strategy: float64 matrices with entries in [-bound, bound]."""
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    shape = st.tuples(st.integers(*rows), st.integers(*cols))
    return shape.flatmap(lambda s: hnp.arrays(np.float64, s, elements=st.floats(
        -bound, bound, allow_nan=False, allow_infinity=False)))


def unchanged(returned, names, *, what):
    """Fail if the call modified any of its arguments in place."""
    if returned.mutated:
        first = returned.mutated[0]  # "[0][i]..." is positional argument i
        m = re.match(r"\[0\]\[(\d+)\](.*)", first)
        arg = names[int(m[1])] + m[2] if m and int(m[1]) < len(names) else first
        raise failing(f"{what} modified its argument {arg} in place.", GENERIC["modifies-input"])


__all__ = ["Ctx", "Fail", "array_cases", "stable", "prop", "finite_matrices", "unchanged", "show"]
