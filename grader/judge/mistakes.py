"""Named mistakes: what a student would write, and the one matcher that recognises it.

A ``Mistake`` is declared with its step, in the step's topic module (``Step.mistakes``): a
stable slug, the words the student reads (``{n}``, ``{k}``: the rows and columns of the call's
first matrix; ``{c}``: a factor), and the code as a student would write it. It is named in one
of two ways, ``named_by``:

- ``"output"``: when a check fails, the grader runs the step's mistakes on the very arguments
  of the check's last call to the student's function (our own code, run here on copies, never
  in the child); a student whose output is one mistake's gets its name. Matching runs only on
  failure, so correct code is never named.
- ``"numbers"``: a heuristic names it from the numbers alone (a scalar multiple, a transpose,
  a partial match, a statistic of a random draw); its code is an example for the tests. The
  judge's own heuristics are ``GENERIC``; a topic module may declare more, named by its checks.

Either way the message has one form, ``"... Named mistake (slug): words"``, and the check's
``cause`` is the slug. The test suite and ``nnkata dev check`` write every mistake's code into
the reference and assert that its step names it, and nothing else.
"""

import collections
import dataclasses
import re
import functools
from dataclasses import dataclass

import numpy as np

from grader.judge import reference
from grader.sandbox.runner import StudentError

ORDER = ("w3", "b3", "w2", "b2", "w1", "b1")  # a dict's tensors from the output layer down


@dataclass(frozen=True)
class Mistake:
    slug: str
    says: str
    code: str = ""
    named_by: str = "output"  # or "numbers": see the module docstring

    def words(self, **values):
        """What the student reads, with n, k (and c) filled in."""
        return self.says.format_map(collections.defaultdict(lambda: "?", values))

    def sentence(self, **values):
        """The sentence that names it in a message."""
        text = self.words(**values)
        return f" Named mistake ({self.slug}): {text}" + ("" if text.endswith(("?", ".", "!")) else ".")

    def example(self, code):
        """This heuristic's mistake with ``code`` as its example: how a step declares one of
        ``GENERIC`` that its own numbers show."""
        return dataclasses.replace(self, code=code)


def code(signature, *body):
    """A function's source: ``def signature:`` and one line of body per argument."""
    return f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)


def _heuristic(slug, says):
    return Mistake(slug, says, named_by="numbers")


GENERIC = {m.slug: m for m in (  # named by compare's heuristics, whatever the step
    _heuristic("sign", "it is exactly -1 times the expected value: the sign is flipped"),
    _heuristic("times-n", "it is exactly n = {n} times too large: did you forget to divide by n (the batch size)?"),
    _heuristic("times-1/n", "it is exactly n = {n} times too small: is 1/n applied twice, or a mean taken where "
               "a sum belongs?"),
    _heuristic("sign-times-n", "it is exactly -n = -{n} times the expected value: the sign is flipped and the 1/n "
               "is missing"),
    _heuristic("times-1/k", "it is exactly 1/{k} of the expected value: did you average over the {k} classes as "
               "well as the batch?"),
    _heuristic("k-for-n", "it is exactly n/k = {n}/{k} times the expected value: did you divide by k = {k}, the "
               "number of classes (shape[1]), instead of n = {n}, the batch size (shape[0])?"),
    _heuristic("times-2", "it is exactly twice the expected value: is a term counted twice, or a factor 1/2 "
               "missing?"),
    _heuristic("times-1/2", "it is exactly half the expected value: is there a stray factor 1/2, or half of "
               "the terms missing?"),
    _heuristic("transposed", "it equals the expected value transposed: are the operands of @ in the wrong order?"),
    _heuristic("shape-transposed", "It is the transpose of the expected shape: are the operands of @ swapped?"),
    _heuristic("batch-axis-kept", "It keeps the batch axis: a bias gradient sums over the batch (np.sum(..., "
               "axis=0, keepdims=True))."),
    _heuristic("whole-numbers", "every entry is a whole number: // is floor division, and an integer array "
               "rounds too; divide with /"),
    _heuristic("last-row-skipped", "only the last row is wrong, and it is all 0: does a loop over the rows stop "
               "one short (range(n - 1) for n rows)?"),
    _heuristic("math-range", "math.exp takes one Python float and raises OverflowError beyond 709 (np.exp "
               "would give inf, with a warning). Keep exp's argument <= 0 instead, on the whole array: "
               "np.exp(-np.abs(z))."),
    _heuristic("modifies-input", "Operators like -= and *= (and out=) write into the caller's array: compute a "
               "new array instead"),
    _heuristic("float-labels", "the labels are whole numbers stored as floats (np.zeros makes float64): "
               "np.argmax(..., axis=1) gives integers, or convert with .astype(int)"),
    _heuristic("lost-batch-axis", "It is one row of k = {k} where the batch has n = {n}: a mean or sum over "
               "axis 0 (the batch), or a loop over the rows that keeps only its last result (out = ... where "
               "out[i] = ... belongs)?"),
    _heuristic("no-return", "did you forget a return statement? A function without one returns None"),
    _heuristic("renamed-keys", "the keys must be the parameters' own names, w1 … b3, so that each gradient "
               "meets its parameter in update"),
    _heuristic("first-row-skipped", "only the first row is wrong, and it is all 0: does a loop over the rows start "
               "at 1? Python counts from 0: range(n)."),
    _heuristic("flattened", "It has the right number of entries, flattened to one axis: a loop over z.flat or "
               "np.ravel loses the shape; reshape to the input's shape, or work on the whole array"),
    _heuristic("matrix-product", "It is n × n, the batch multiplied by itself: np.dot and @ are matrix products, "
               "and this operation is elementwise, with *"),
    _heuristic("examples-as-columns", "your arrays hold one example per column, (units, n), as some courses write "
               "W^T x; here each row is one example, (n, units): x @ w1 + b1, a1 @ w2 + b2, ..."),
    _heuristic("summed-over-units", "It has one entry per example, n = {n}, where the bias has one per unit, k = {k}: "
               "it was summed over axis 1, the units; a bias gradient sums over axis 0, the batch (np.sum(..., "
               "axis=0, keepdims=True))."),
)}


@functools.lru_cache(maxsize=None)
def _compiled(mistake, step):
    """The mistake's function, defined beside the reference's others (which it may call)."""
    namespace = dict(vars(reference.load()))
    exec(compile(mistake.code, f"<mistake {mistake.slug}>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace[step]


def _copy(v):
    if isinstance(v, (dict, list, tuple)):
        items = {k: _copy(x) for k, x in v.items()} if isinstance(v, dict) else type(v)(map(_copy, v))
        return items
    return v.copy() if isinstance(v, np.ndarray) else v


def _arrays(v, path=""):
    """(path, array) for every array in v, paths spelt as the child spells them."""
    if type(v) is np.ndarray:
        return [(path, v)]
    items = [(f"[{k!r}]", x) for k, x in v.items()] if type(v) is dict else \
        [(f"[{i}]", x) for i, x in enumerate(v)] if type(v) in (list, tuple) else []
    return [found for key, x in items for found in _arrays(x, path + key)]


def run(mistake, step, args, kwargs):
    """The variant on copies of the arguments: (value, error, first float warning, mutated)."""
    fn, warning = _compiled(mistake, step), ""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            fn(*_copy(args), **_copy(kwargs))
    except FloatingPointError as exc:
        warning = str(exc)
    except Exception:  # noqa: BLE001 - the second run says what
        pass
    values = _copy([list(args), kwargs])
    before = [(p, a.copy()) for p, a in _arrays(values)]
    try:
        with np.errstate(all="ignore"):
            value = fn(*values[0], **values[1])
    except Exception as exc:  # noqa: BLE001
        return None, f"{type(exc).__name__}: {exc}", warning, []
    after = _arrays(values)
    return value, "", warning, [p for (p, b), (_, a) in zip(before, after) if not np.array_equal(a, b, equal_nan=True)]


def _flat(value, path=()):
    """[(path, leaf)]: every array or number in ``value``, a dict's tensors from the output
    layer down (then its other keys in order), a tuple's in order, nested ones too."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (ORDER.index(k) if k in ORDER else 9, str(k)))
        return [leaf for k in keys for leaf in _flat(value[k], (*path, k))]
    if isinstance(value, (tuple, list)):
        return [leaf for i, x in enumerate(value) for leaf in _flat(x, (*path, i))]
    return [(path, value)]


def _same(a, b, tol):
    try:
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:  # a (k,) bias for a (1, k) one is allowed
        if a.size != b.size or a.squeeze().shape != b.squeeze().shape:
            return False
        a = a.reshape(b.shape)
    with np.errstate(invalid="ignore"):
        close = (np.abs(a - b) <= tol.atol + tol.rtol * np.abs(b)) & np.isfinite(b)
    return bool(np.all(close | (a == b) | (np.isnan(a) & np.isnan(b))))


def _agree(x, y, tol, upto=None):
    """Do two flat outputs agree, entirely or on their first ``upto`` + 1 tensors?"""
    if [k for k, _ in x] != [k for k, _ in y]:
        return False
    return all(_same(a, b, tol) for (_, a), (_, b) in list(zip(x, y))[: None if upto is None else upto + 1])


def match(ctx):
    """The mistake whose output the check's last call gave, or None.

    It must match the whole output, with evidence that something is wrong (the output is not
    the reference's, or the variant raised the same float warning or changed the same
    arguments); else the first wrong tensor of a tuple or dict. Two mistakes that fit the
    same output (all NaN, say) are no evidence for either: neither is named."""
    step, last = ctx.step, getattr(ctx, "last", None)
    variants = [m for m in step.mistakes if m.named_by == "output"]
    if not variants or last is None:
        return None
    args, kwargs, outcome = last
    if isinstance(outcome, StudentError):  # it raised: the variant must raise the same
        found = [m for m in variants if (e := run(m, step.name, args, kwargs)[1]) and f"raised {e}" in outcome.message]
        return found[0] if len(found) == 1 else None
    got, tol = _flat(outcome.value), ctx.tol
    try:
        with np.errstate(all="ignore"):
            expected = _flat(ctx.expected(*_copy(args), **_copy(kwargs)))
    except Exception:  # noqa: BLE001
        return None
    wrong = next((i for i, ((_, g), (_, e)) in enumerate(zip(got, expected)) if not _same(g, e, tol)), None)
    warned = [w.split(": ", 1)[-1] for w in outcome.warnings]
    full, partial = [], []
    for m in variants:
        value, error, warning, mutated = run(m, step.name, args, kwargs)
        if error:
            continue
        mine = _flat(value)
        evidence = (wrong is not None or (warning and warning in warned)
                    or (outcome.mutated and set(outcome.mutated) <= set(mutated)))
        if evidence and _agree(got, mine, tol):
            full.append(m)
        elif wrong is not None and len(got) > 1 and _agree(got, mine, tol, wrong):
            partial.append(m)  # it explains the first wrong tensor, not the rest
    found = full or partial
    return found[0] if len(found) == 1 else None


def sizes(args):
    """n and k: the rows and columns of the call's first matrix."""
    first = next((a for a in args if isinstance(a, np.ndarray) and a.ndim == 2), None)
    return {} if first is None else {"n": first.shape[0], "k": first.shape[1]}


def explain(ctx, base, cause):
    """(message, cause) for a failed check: ``base`` then the named mistake's words when the
    student's output is a catalogued variant's, else ``(None, cause)``."""
    try:
        m = match(ctx)
    except Exception:  # noqa: BLE001 - a failure to name is never a failure to grade
        m = None
    outcome = ctx.last[2] if getattr(ctx, "last", None) else None
    if m is None and isinstance(outcome, StudentError):
        if "OverflowError: math range error" in outcome.message:
            m = GENERIC["math-range"]
        elif re.search(r"was called with an array of shape \((10|64|128), \d+\)", outcome.message):
            m = GENERIC["examples-as-columns"]  # a contract function given (units, n)
    if m is None:
        return None, cause
    base += "" if base.endswith((".", "?", "!")) else "."
    return base + m.sentence(**sizes(ctx.last[0])), m.slug
