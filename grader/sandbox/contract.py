"""The arguments the contract allows for each reference function a submission may call back.

While a step is graded in isolation, the child asks the grading process to run the reference's
``softmax`` (say) on arrays the student's code built. Those arrays are the student's to shape,
so before the reference runs, ``check(name, args, kwargs)`` holds them to the shapes the
contract gives that function: a (16384, 1) and a (1, 16384) array would otherwise broadcast into
a 2 GiB array inside the grader. What is wrong is said in the student's terms.

Only plain data reaches here (``grader.sandbox.child.wire`` decoded it): arrays, numbers, lists, dicts.
"""

import inspect
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

MAX_ROWS = 4096  # n: far above every check's batch (the largest is 50 rows)
INPUT, HIDDEN, OUTPUT = 64, 128, 10  # the network's widths: 64 -> 128 -> 128 -> 10
WIDTHS = (OUTPUT, HIDDEN)  # k of an activation's input or output
PARAMS = {"w1": (INPUT, HIDDEN), "b1": (1, HIDDEN), "w2": (HIDDEN, HIDDEN), "b2": (1, HIDDEN),
          "w3": (HIDDEN, OUTPUT), "b3": (1, OUTPUT)}


class Refused(Exception):
    """Arguments outside the contract; the message is for the student."""


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _called(fn, name, value, alone=False):
    """How ``fn`` was called, in the student's terms: "softmax was called with an array of
    shape (16384, 1)", or, for a function of several arguments (not ``alone``), "... with
    targets of shape ..."."""
    if type(value) is np.ndarray:
        what = f"an array of shape {_shape_text(value.shape)}" if alone else \
            f"{name} of shape {_shape_text(value.shape)}"
        if value.dtype.kind not in "fiub":
            what += f" and dtype {value.dtype}"
    else:
        kind = "None" if value is None else f"a {type(value).__name__}"
        what = kind if alone else f"{name} = {kind}"
    return f"{fn} was called with {what}"


def _rows(fn, name, value, wants, widths, alone=False):
    """A real-valued 2-D (n, k) array with k in ``widths`` and n <= MAX_ROWS; returns n."""
    if (type(value) is not np.ndarray or value.dtype.kind not in "fiub" or value.ndim != 2
            or value.shape[1] not in widths):
        raise Refused(f"{_called(fn, name, value, alone)}: the contract's {fn} takes {wants}")
    if value.shape[0] > MAX_ROWS:
        raise Refused(f"{_called(fn, name, value, alone)}: the contract's {fn} takes {wants}, with n at "
                      f"most {MAX_ROWS}")
    return value.shape[0]


def _widths_text(widths):
    return " or ".join(str(k) for k in widths)


def _elementwise(fn, args):
    """sigmoid(z), sigmoid_derivative(a) and the like: (n, k) or one row (k,), k a layer's width."""
    (name, value), = args.items()
    if (type(value) is np.ndarray and value.ndim == 1 and value.shape[0] in WIDTHS
            and value.dtype.kind in "fiub"):
        return  # one row: harmless, and the reference copes
    _rows(fn, name, value, f"(n, k) with k = {_widths_text(WIDTHS)}", WIDTHS, alone=True)


def _rows_of_logits(fn, args):
    """softmax(z): (n, k), k a layer's width."""
    (name, value), = args.items()
    _rows(fn, name, value, f"(n, k) with k = {_widths_text(WIDTHS)}", WIDTHS, alone=True)


def _loss(fn, args):
    """cross_entropy, cross_entropy_delta(probs, targets): both (n, 10), the same n."""
    wants = f"probs and targets of the same shape (n, {OUTPUT})"
    n = _rows(fn, "probs", args["probs"], wants, (OUTPUT,))
    if _rows(fn, "targets", args["targets"], wants, (OUTPUT,)) != n:
        raise Refused(f"{fn} was called with probs of shape {_shape_text(args['probs'].shape)} and "
                      f"targets of shape {_shape_text(args['targets'].shape)}: the contract's {fn} "
                      f"takes {wants}")


def _params(fn, name, value):
    """A dict with exactly the contract's keys and shapes (a bias may be (k,))."""
    wants = ("a dict of w1 (64, 128), b1 (1, 128), w2 (128, 128), b2 (1, 128), w3 (128, 10), "
             "b3 (1, 10)")
    if type(value) is not dict or set(value) != set(PARAMS):
        keys = f" with keys {', '.join(sorted(map(str, value)))}" if type(value) is dict else ""
        raise Refused(f"{_called(fn, name, value)}{keys}: the contract's {fn} takes {name} as "
                      f"{wants}")
    for key, shape in PARAMS.items():
        array = value[key]
        if (type(array) is not np.ndarray or array.dtype.kind not in "fiub"
                or (array.shape != shape and not (key[0] == "b" and array.shape == shape[1:]))):
            raise Refused(f"{_called(fn, f'{name}[{key!r}]', array)}: the contract's {fn} takes "
                          f"{name} as {wants}")


def _network(fn, args):
    """feedforward(params, x), predict(params, x), backprop(params, x, y, activations)."""
    _params(fn, "params", args["params"])
    n = _rows(fn, "x", args["x"], f"x of shape (n, {INPUT})", (INPUT,))
    if "activations" not in args:
        return
    y = _rows(fn, "y", args["y"], f"y of shape (n, {OUTPUT})", (OUTPUT,))
    activations = args["activations"]
    widths = (HIDDEN, HIDDEN, OUTPUT)
    wants = f"activations (a1, a2, a3) of shapes (n, {HIDDEN}), (n, {HIDDEN}), (n, {OUTPUT})"
    if type(activations) not in (tuple, list) or len(activations) != 3:
        raise Refused(f"{_called(fn, 'activations', activations)}: the contract's backprop takes "
                      f"{wants}")
    rows = [_rows(fn, f"a{i}", a, wants, (k,)) for i, (a, k) in enumerate(zip(activations, widths), 1)]
    if len({n, y, *rows}) != 1:
        raise Refused(f"backprop was called with x, y and activations of different numbers of "
                      f"rows ({n}, {y}, {', '.join(map(str, rows))}): the contract's backprop "
                      "takes one batch of n rows")


def _update(fn, args):
    _params(fn, "params", args["params"])
    _params(fn, "grads", args["grads"])
    lr = args["lr"]
    number = isinstance(lr, (int, float, np.integer, np.floating)) and not isinstance(lr, bool)
    if not (number and math.isfinite(lr)):
        raise Refused(f"{_called(fn, 'lr', lr)}: the contract's update takes lr as a finite number")


KINDS = {"elementwise": _elementwise, "rows": _rows_of_logits, "loss": _loss, "network": _network,
         "update": _update}  # a step's ``arguments``: how its reference may be called back


def bind(fn, names, args, kwargs):
    """The arguments by the reference's parameter names, as Python would bind them."""
    called = f"{fn}({', '.join(names)})"
    if type(args) not in (list, tuple) or type(kwargs) is not dict:
        raise Refused(f"{fn} was called with arguments that could not be read")
    if len(args) > len(names):
        raise Refused(f"{fn} was called with {len(args)} arguments: the contract's {called} takes "
                      f"{len(names)}")
    bound = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names or key in bound:
            why = "twice" if key in bound else "which it does not have"
            raise Refused(f"{fn} was called with the argument {str(key)[:50]!r} {why}: the "
                          f"contract's is {called}")
        bound[key] = value
    missing = [n for n in names if n not in bound]
    if missing:
        raise Refused(f"{fn} was called without {', '.join(missing)}: the contract's is {called}")
    return bound


@dataclass(frozen=True)
class Callback:
    """A reference function graded code may call back, and the contract's ``kind`` of its
    arguments (a key of ``KINDS``, declared with its step)."""

    function: Callable
    kind: str

    def check(self, fn, args, kwargs):
        """Raise ``Refused`` unless ``fn(*args, **kwargs)`` is a call the contract allows."""
        names = tuple(inspect.signature(self.function).parameters)  # the reference's, in order
        KINDS[self.kind](fn, bind(fn, names, args, kwargs))
