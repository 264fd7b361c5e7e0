"""Checks for the bonus steps relu and tanh with their derivatives and He and Xavier
initialisation, and the helpers that the optimisers' checks (``bonus_optim``) share.

Known mistakes are recognised by running their formula on the student's own inputs: when
one reproduces the student's output, its words replace the generic diagnosis (``judge``)."""

import numpy as np

from grader.judge import gradcheck
from grader.judge.compare import Fail, Tol, compare, expect_array, fmt, show
from grader.sandbox.runner import Raised
from grader.judge.context import copy_args, finite_matrices, prop, stable, unchanged


def same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return isinstance(b, (tuple, list)) and len(a) == len(b) and all(map(same, a, b))
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-8, atol=1e-12))


def which(got, mistakes, args):
    """' Diagnosis: ...' for the first known mistake whose output is the student's, or ''."""
    with np.errstate(all="ignore"):
        return next((f" Diagnosis: {words}" for words, wrong in mistakes
                     if same(got, wrong(*copy_args(args)))), "")


def judge(got, expected, tol, what, whole, mistakes, args):
    """compare(), naming the known mistake that reproduces ``whole`` (the student's full output)."""
    try:
        compare(got, expected, tol, what=what)
    except Fail as fail:
        cause = which(whole, mistakes, args)
        head = getattr(fail, "head", None) or str(fail).split(" Diagnosis:")[0]  # without its diagnosis
        raise (Fail(head + cause) if cause else fail) from None


def _floats(value, shape, what):
    if isinstance(value, np.ndarray) and value.dtype == bool:
        raise Fail(f"{what} is a boolean array (a comparison like z > 0); return float64: "
                   "np.where(..., 1.0, 0.0) or .astype(float).")
    return expect_array(value, shape, what=what)


# -- elementwise: relu, relu_derivative, tanh, tanh_derivative ------------------------------
def _z(rng, hidden):
    if hidden:
        z = rng.normal(0, 6, (int(rng.integers(3, 16)), int(rng.integers(2, 40))))
        z.flat[rng.choice(z.size, 3, replace=False)] = 0.0
        return [z, rng.uniform(-30, 30, int(rng.integers(2, 30)))]
    z = rng.normal(0, 3, (7, 10))
    z[0, :9] = [-30, -2, -1e-3, -0.0, 0.0, 1e-3, 1, 2, 30]
    return [z]


def _arg(ctx, z):
    return np.tanh(z) if ctx.step.name == "tanh_derivative" else z  # its argument is a = tanh(z)


def shape(ctx):
    for z in (ctx.rng(False).normal(size=(7, 3)), np.linspace(-2, 2, 5)):
        _floats(ctx.value(_arg(ctx, z)), z.shape, f"{ctx.step.name} for an input of shape {z.shape}")


def values(hidden):
    def run(ctx):
        name = ctx.step.name
        for z in _z(ctx.rng(hidden), hidden):
            arg = _arg(ctx, z)
            expected = ctx.expected(arg.copy())
            got = _floats(ctx.value(arg), z.shape, f"{name} on {z.shape} inputs")
            if name == "relu_derivative":  # no derivative at 0: either 0 or 1 is accepted there
                got = np.where((z == 0) & ((got == 0) | (got == 1)), expected, got)
            judge(got, expected, ctx.tol, f"{name} on {z.shape} inputs", got, MISTAKES[name], (arg,))
    return run


MISTAKES = {
    "relu": [("that is the derivative (0 or 1), not relu itself: max(0, z).", lambda z: (z > 0) * 1.0),
             ("that is min(0, z): relu keeps the positive part.", lambda z: np.minimum(z, 0))],
    "relu_derivative": [("that is relu(z) itself; its derivative is 1 where z > 0, else 0.",
                         lambda z: np.maximum(z, 0)),
                        ("the two sides are swapped: 1 where z > 0.", lambda z: (z < 0) * 1.0)],
    "tanh": [("that is the sigmoid, 1/(1+e^-z); tanh(z) = 2 sigmoid(2z) - 1.",
              lambda z: 1 / (1 + np.exp(-z)))],
    "tanh_derivative": [("you computed 1 - tanh(a)^2, the formula in terms of z; the argument is already "
                         "the activation a = tanh(z), so it is 1 - a^2.", lambda a: 1 - np.tanh(a) ** 2),
                        ("the sign: 1 - a^2, not a^2 - 1.", lambda a: a * a - 1),
                        ("that is the sigmoid's a(1 - a); tanh's is 1 - a^2.", lambda a: a * (1 - a))],
}


def input_unchanged(ctx):
    unchanged(ctx.call(ctx.rng(False).normal(0, 3, (6, 5))), ["z"], what=ctx.step.name)


def relu_properties(ctx):
    def body(z):
        r, mirror = (_floats(ctx.value(s * z), z.shape, "relu(z)") for s in (1, -1))
        if np.any(r < 0) or not np.allclose(r - mirror, z, rtol=1e-15, atol=0):
            raise Fail(f"relu(z) >= 0 and relu(z) - relu(-z) = z for every z; not for z = {show(z)}")
    prop(finite_matrices(), body)


def relu_derivative_gradient(ctx):
    z = ctx.rng(False).uniform(-5, 5, (6, 8))
    z[np.abs(z) < 1e-3] = 0.5  # relu has a kink at 0: compare away from it
    d = _floats(ctx.value(z), z.shape, "relu_derivative(z)")
    if not np.all((d == 0) | (d == 1)):
        odd = d[(d != 0) & (d != 1)][0]
        raise Fail(f"relu_derivative takes only the values 0 and 1; it returned {fmt(odd)}")
    numeric = (np.maximum(z + gradcheck.H, 0) - np.maximum(z - gradcheck.H, 0)) / (2 * gradcheck.H)
    compare(d, numeric, Tol(1e-6, 1e-6), what="relu_derivative(z) against central differences of relu")


def tanh_stable(ctx):
    z = np.array([[-1000.0, -710.0, -355.0, -20.0, 0.0, 20.0, 355.0, 710.0, 1000.0]])
    stable(ctx, (z,), what="tanh(z) for z = [-1000, -710, -355, -20, 0, 20, 355, 710, 1000]")


def tanh_properties(ctx):
    def body(z):
        t, mirror = (_floats(ctx.value(s * z), z.shape, "tanh(z)") for s in (1, -1))
        if np.any(np.abs(t) > 1) or not np.allclose(mirror, -t, rtol=0, atol=1e-12):
            raise Fail(f"tanh lies in [-1, 1] and is odd, tanh(-z) = -tanh(z); not for z = {show(z)}")
        if np.any(np.diff(t.ravel()[np.argsort(z, axis=None, kind="stable")]) < -1e-15):
            raise Fail(f"tanh must be non-decreasing; for z = {show(z)} a larger z gave a smaller output")
    prop(finite_matrices(bound=50.0), body)  # the overflow at +-1000 is the stability check's


def tanh_derivative_gradient(ctx):
    z = ctx.rng(False).normal(0, 1.5, (6, 8))
    numeric = (np.tanh(z + gradcheck.H) - np.tanh(z - gradcheck.H)) / (2 * gradcheck.H)
    d = _floats(ctx.value(np.tanh(z)), z.shape, "tanh_derivative(a)")
    error = gradcheck.relative_error(d, numeric)
    if error > gradcheck.PASS:
        raise Fail(f"tanh_derivative(tanh(z)) disagrees with central differences of tanh at z (h = "
                   f"{gradcheck.H:g}): relative error {error:.2e}, pass at {gradcheck.PASS:g}."
                   + which(d, MISTAKES["tanh_derivative"], (np.tanh(z),)))


# -- initialisers: he_init, xavier_init -----------------------------------------------------
def _draw(ctx, fan_in, fan_out, seed):
    try:
        w = ctx.value(fan_in, fan_out, seed)
    except Raised as exc:
        if "'int' object has no attribute" not in exc.message:
            raise
        raise Fail(f"{exc.message}. The grader passes rng as an int seed: start with "
                   "rng = np.random.default_rng(rng), which takes a seed or a Generator.") from None
    what = f"{ctx.step.name}({fan_in}, {fan_out}, rng)"
    if isinstance(w, np.ndarray) and w.shape == (fan_out, fan_in) != (fan_in, fan_out):
        raise Fail(f"{what} has shape {w.shape}; expected ({fan_in}, {fan_out}): a layer's weights "
                   "are (fan_in, fan_out), so that x @ w works.")
    return expect_array(w, (fan_in, fan_out), what=what)


def init_shape(ctx):
    for fan_in, fan_out in ((3, 5), (64, 128), (128, 10)):
        _draw(ctx, fan_in, fan_out, 1)


def init_seeded(ctx):
    a, b, c = (_draw(ctx, 64, 128, s) for s in (5, 5, 6))
    if not np.array_equal(a, b):
        raise Fail("the same seed gave different weights: draw from np.random.default_rng(rng), "
                   "not from np.random's global generator.")
    if np.array_equal(a, c):
        raise Fail("seeds 5 and 6 gave the same weights: is rng ignored, or a seed fixed inside?")


def init_stats(hidden):
    """Mean, spread and shape of the distribution of one large draw (>= 65 000 weights)."""
    def run(ctx):
        rng = ctx.rng(hidden)
        fi, fo = (int(rng.integers(450, 700)), int(rng.integers(150, 300))) if hidden else (256, 512)
        w = _draw(ctx, fi, fo, int(rng.integers(2**31)))
        _judge_draw(ctx.step.name, w, fi, fo)
    return run


def _judge_draw(name, w, fi, fo):
    he, limit = name == "he_init", np.sqrt(6 / (fi + fo))
    if not np.all(np.isfinite(w)):
        raise Fail(f"{name}({fi}, {fo}, rng) contains NaN or inf.")
    sigma = np.sqrt(2 / fi) if he else limit / np.sqrt(3)
    mean, std, largest = float(w.mean()), float(w.std()), float(np.abs(w).max())
    kurt = float(np.mean((w - mean) ** 4) / std ** 4 - 3) if std > 0 else 0.0  # normal 0, uniform -1.2
    rule = "N(0, 2 / fan_in)" if he else "U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out))"
    what = f"{name}({fi}, {fo}, rng), {w.size} draws that should follow {rule}:"
    within = 6 * sigma / np.sqrt(w.size)  # 6 standard errors: a correct draw fails 1 in 5e8
    if abs(mean) > within:
        raise Fail(f"{what} their mean is {fmt(mean)}, not 0 (within {fmt(within)}).")
    if he and kurt < -0.6:  # the standard error of the kurtosis is under 0.02
        raise Fail(f"{what} they look uniform (excess kurtosis {kurt:.2f}; normal 0, uniform -1.2). "
                   "He draws from a normal distribution: rng.normal.")
    if not he and largest > limit * (1 + 1e-12):
        normal = " and they look normal: Xavier's normal variant; the spec asks for the uniform one"
        raise Fail(f"{what} a draw reaches {fmt(largest)}, beyond the limit {fmt(limit)}"
                   f"{normal if kurt > -0.6 else ''}.")
    if not he and largest < limit * (1 - 1e-3):  # 65 000 uniform draws all miss this: p < 1e-28
        raise Fail(f"{what} the largest |w| is {fmt(largest)}, but uniform draws reach the limit "
                   f"{fmt(limit)}.{_scale_cause(largest, fi, fo, he)}")
    if abs(std / sigma - 1) > 0.03:  # the standard error of std is under 0.3 %
        raise Fail(f"{what} their standard deviation is {fmt(std)}, expected {fmt(sigma)} (within "
                   f"3 %).{_scale_cause(std if he else std * np.sqrt(3), fi, fo, he)}")


def _scale_cause(got, fi, fo, he):
    """The known wrong scale that ``got`` (He's std, Xavier's limit) matches, in words, or ''."""
    if he:
        known = [("2 / fan_out: He uses fan_in, the number of inputs each unit sums", np.sqrt(2 / fo)),
                 ("1 / fan_in (LeCun's): He's 2 makes up for relu zeroing half its inputs", np.sqrt(1 / fi)),
                 ("the variance used as the standard deviation: take its square root", 2 / fi),
                 ("2 / (fan_in + fan_out), Xavier's", np.sqrt(2 / (fi + fo))),
                 ("1: the scale is missing", 1.0)]
    else:
        known = [("sqrt(2 / (fan_in + fan_out)), the standard deviation: uniform on +-L has std "
                  "L / sqrt(3), so L = sqrt(6 / (fan_in + fan_out))", np.sqrt(2 / (fi + fo))),
                 ("sqrt(6 / fan_in): the limit uses fan_in + fan_out", np.sqrt(6 / fi)),
                 ("sqrt(6 / fan_out): the limit uses fan_in + fan_out", np.sqrt(6 / fo)),
                 ("1: the limit is missing", 1.0)]
    return next((f" Diagnosis: the {'standard deviation' if he else 'limit'} matches {words}."
                 for words, v in known if abs(got / v - 1) < 0.03), "")
