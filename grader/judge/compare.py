"""Comparing a student's array with the expected one, and saying what went wrong.

Every failure raises ``Fail`` with a message that says what was expected, what came back,
where, the tolerance, and, when the numbers show one, the likely cause: a scalar multiple
(x n, x -1, x 1/k), a transpose, NaN or inf from an overflow.
"""

from dataclasses import dataclass

import numpy as np

from grader.judge.mistakes import GENERIC
from grader.sandbox.child.wire import Opaque


class Fail(Exception):
    """A check found the student's answer wrong. The message is the feedback.

    ``fraction`` is the share of the check's points still earned (partial credit). ``cause``
    is the slug of the named mistake the message gives (``mistakes.Mistake``), or ''.
    ``head`` is the message without its diagnosis: what a named mistake's words follow.
    """

    def __init__(self, message, fraction=0.0, *, cause="", head=None):
        super().__init__(message)
        self.fraction, self.cause = fraction, cause
        self.head = message if head is None else head


def failing(head, mistake=None, text="", fraction=0.0, **values):
    """A ``Fail``: ``head``, then the named ``mistake`` (a ``mistakes.Mistake``) or the plain
    diagnosis ``text``."""
    if mistake is None:
        return Fail(head + text, fraction, head=head)
    return Fail(head + mistake.sentence(**values), fraction, cause=mistake.slug, head=head)


@dataclass(frozen=True)
class Tol:
    """Entries match when |got - expected| <= atol + rtol * |expected|."""

    rtol: float
    atol: float

    def __str__(self):
        return f"rtol {self.rtol:g}, atol {self.atol:g}"


def fmt(x):
    """A number, short."""
    x = float(x)
    if np.isnan(x) or np.isinf(x):
        return str(x)
    return f"{x:.6g}"


def show(a, limit=6):
    """A short text for an array: all-equal arrays by their value, others by a few entries."""
    a = np.asarray(a)
    if a.size and np.all(a == a.flat[0]):
        return f"a {a.shape} array of {fmt(a.flat[0])}" if a.ndim else fmt(a)
    flat = ", ".join(fmt(v) for v in a.flat[:limit])
    more = ", ..." if a.size > limit else ""
    return f"a {a.shape} array [{flat}{more}]"


def where(index, shape):
    """Row and column words for an index, for feedback."""
    if len(shape) == 2:
        return f"row {index[0]}, column {index[1]}"
    if len(shape) == 1:
        return f"entry {index[0]}"
    return f"index {tuple(int(i) for i in index)}"


def type_name(value):
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, np.ndarray):
        return f"numpy array of dtype {value.dtype}"
    if value is None:
        return "None"
    return type(value).__name__


def expect_array(value, shape, *, what, dtype_kind="f", bias_ok=False):
    """The value as an ndarray of ``shape``, or ``Fail`` saying why it is not one.

    ``bias_ok`` accepts (k,) for an expected (1, k) and returns it reshaped.
    """
    if value is None:
        raise failing(f"{what} is None.", GENERIC["no-return"])
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        hint = " Wrap it with np.array(...)." if isinstance(value, (list, tuple)) else ""
        raise Fail(f"{what} should be a numpy array of shape {shape}, got a {type_name(value)}.{hint}")
    kinds = {"f": "float64", "i": "integer"}
    if dtype_kind == "f" and value.dtype != np.float64:
        raise Fail(f"{what} has dtype {value.dtype}; expected float64. Did an integer or "
                   "float32 array slip in?")
    if dtype_kind == "i" and value.dtype.kind not in "iu":
        head = f"{what} has dtype {value.dtype}; expected {kinds['i']} class labels."
        if value.dtype.kind == "f" and value.size and np.all(value == np.round(value)):
            raise failing(head, GENERIC["float-labels"])
        raise Fail(f"{head[:-1]} (np.argmax gives them).", head=head)
    shape = tuple(shape)
    if value.shape == shape:
        return value
    if bias_ok and len(shape) == 2 and shape[0] == 1 and value.shape == (shape[1],):
        return value.reshape(shape)
    head = f"{what} has shape {value.shape}; expected {shape}."
    if bias_ok and len(shape) == 2 and shape[0] == 1 and value.shape[1:] in ((), (1,)) \
            and value.shape[0] not in (1, shape[1]):  # a bias's gradient with one entry per example
        raise failing(head, GENERIC["summed-over-units"], n=value.shape[0], k=shape[1])
    mistake, text = shape_diagnosis(value.shape, shape)
    values = text if isinstance(text, dict) else {}
    raise failing(head, mistake, "" if values else text, **values)


def shape_diagnosis(got, expected):
    """A likely reason for a shape mismatch: (named mistake, '' or its values), or (None, plain
    words), or (None, '')."""
    if len(got) == 2 and len(expected) == 2 and got == expected[::-1]:
        return GENERIC["shape-transposed"], ""
    if len(expected) == 2 and expected[0] == 1 and len(got) == 2 and got[1] == expected[1]:
        return GENERIC["batch-axis-kept"], ""
    if got == () and expected:
        return None, " It is a single number: did you sum over every axis?"
    if len(expected) == 2 and got == expected[1:] and expected[0] != expected[1]:
        return GENERIC["lost-batch-axis"], {"n": expected[0], "k": expected[1]}
    if len(got) == 1 and len(expected) > 1 and got[0] == int(np.prod(expected)):
        return GENERIC["flattened"], ""
    if len(expected) == 2 and got == (expected[0], expected[0]) and expected[0] != expected[1]:
        return GENERIC["matrix-product"], ""
    if len(got) + 1 == len(expected) or len(got) == len(expected) + 1:
        return None, " One axis too many or too few: check keepdims=True on sums and maxima."
    return None, ""


def multiple(c, n=None, k=None):
    """The named mistake of a value that is exactly c times the expected one, when c means
    something (-1, n, 1/n, -n, 1/k, n/k, 2, 1/2); else None: any number is some multiple of
    another, and "exactly 0.0638 times" names nothing."""
    near = lambda a, b: abs(a - b) <= 1e-6 * max(abs(a), abs(b))  # noqa: E731
    meaningful = [("sign", -1), ("times-2", 2), ("times-1/2", 0.5)]
    if n:
        meaningful += [("times-n", n), ("times-1/n", 1 / n), ("sign-times-n", -n)]
    if k:
        meaningful.append(("times-1/k", 1 / k))
    if n and k:
        meaningful.append(("k-for-n", n / k))
    found = [slug for slug, ratio in meaningful if near(c, ratio)]
    return GENERIC[found[0]] if len(set(found)) == 1 or found[:1] == ["sign"] else None


def diagnosis(got, expected, *, n=None, k=None):
    """(mistake, values) of a named mistake the numbers show, or (None, plain words), or (None, '')."""
    if not np.all(np.isfinite(got)):
        return None, ""
    g, e = got.ravel(), expected.ravel()
    ee = float(e @ e)
    if ee > 0:
        c = float(g @ e) / ee
        residual = np.linalg.norm(g - c * e) / max(np.linalg.norm(g), 1e-300)
        if residual < 1e-7 and abs(c - 1) > 1e-6 and c != 0:
            mistake = multiple(c, n, k)
            if mistake:
                return mistake, {"n": n, "k": k}
            if got.size > 1:  # a whole array in proportion says the formula's form is right
                return None, (f" Every entry is {fmt(c)} times the expected one: the formula's form is right "
                              "and a constant factor is wrong.")
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got, expected.T, rtol=1e-7, atol=1e-12):
        return GENERIC["transposed"], {}
    if np.all(got == 0):
        return None, " Every entry is 0."
    if np.all(got == np.round(got)) and not np.all(expected == np.round(expected)) and \
            (got.size > 1 or got == np.floor(expected) or got == np.trunc(expected)):
        return GENERIC["whole-numbers"], {}
    if got.ndim == 2 and got.shape[0] > 1 and got.shape == expected.shape:
        rows_right = np.all(np.isclose(got, expected, rtol=1e-9, atol=1e-12), axis=1)  # (n,)
        for row, slug in ((-1, "last-row-skipped"), (0, "first-row-skipped")):
            if np.all(got[row] == 0) and not rows_right[row] and rows_right.sum() == len(rows_right) - 1:
                return GENERIC[slug], {}
    return None, ""


def diagnose(got, expected, *, n=None, k=None):
    """A likely cause for values that differ from the expected ones, or ''."""
    mistake, found = diagnosis(got, expected, n=n, k=k)
    return mistake.sentence(**found) if mistake else found


def diagnosed(head, got, expected, *, n=None, k=None):
    """A ``Fail``: ``head``, then what the numbers show (``diagnosis``)."""
    mistake, found = diagnosis(np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64), n=n, k=k)
    return failing(head, mistake, "" if mistake else found, **(found if mistake else {}))


def compare(got, expected, tol, *, what, n=None, k=None, extra=None):
    """Raise ``Fail`` unless ``got`` matches ``expected`` entrywise within ``tol``.

    ``extra(got, expected)`` may add a step-specific diagnosis: plain words, or a named
    mistake as ``(mistake, values)``.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    bad_nan = np.isnan(got) & ~np.isnan(expected)
    if bad_nan.any():
        idx = np.argwhere(bad_nan)[0]
        head = (f"{what} contains NaN ({int(bad_nan.sum())} of {got.size} entries, first at "
                f"{where(idx, got.shape)}; expected {fmt(expected[tuple(idx)])}).")
        raise Fail(f"{head} NaN comes from inf - inf, 0 * inf or 0 / 0: did an exp overflow?", head=head)
    bad_inf = np.isinf(got) & ~np.isinf(expected)
    if bad_inf.any():
        idx = np.argwhere(bad_inf)[0]
        at = f" at {where(idx, got.shape)}" if got.ndim else ""
        head = f"{what} contains {fmt(got[tuple(idx)])}{at} (expected {fmt(expected[tuple(idx)])})."
        raise Fail(f"{head[:-2]}): an overflow, or a log of 0?", head=head)
    with np.errstate(invalid="ignore"):
        err = np.abs(got - expected)
        limit = tol.atol + tol.rtol * np.abs(expected)
        off = ~(err <= limit) & ~(np.isnan(got) & np.isnan(expected))
    if not off.any():
        return
    idx = tuple(np.argwhere(off)[np.argmax((err - limit)[off])]) if got.ndim else ()
    mistake, found = diagnosis(got, expected, n=n, k=k)
    if extra and not (mistake or found):
        found = extra(got, expected) or ""
        if isinstance(found, tuple):
            mistake, found = found
    at = f" at {where(idx, got.shape)}" if got.ndim else ""
    count = f"; {int(off.sum())} of {got.size} entries are off" if got.size > 1 else ""
    head = (f"{what} is wrong{at}: expected {fmt(expected[idx])}, got {fmt(got[idx])} "
            f"(tolerance {tol}){count}.")
    raise failing(head, mistake, "" if mistake else found, **(found if mistake else {}))
