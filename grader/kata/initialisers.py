"""Bonus steps: He and Xavier initialisation. A draw is judged by its statistics: shape, the
same seed giving the same weights, and the mean, spread and shape of one large draw's
distribution. A wrong scale is named by the statistic it gives (``named_by="numbers"``)."""

import numpy as np

from grader.judge.compare import Fail, Tol, expect_array, failing, fmt
from grader.judge.mistakes import Mistake, code
from grader.kata.step import SHAPE, Check, Step
from grader.sandbox.runner import Raised


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
    # the shape of the distribution and its spread first: a wrong scale also moves the mean
    # by more than 6 of the right scale's standard errors, and is named by its scale
    if he and kurt < -0.6:  # the standard error of the kurtosis is under 0.02
        raise Fail(f"{what} they look uniform (excess kurtosis {kurt:.2f}; normal 0, uniform -1.2). "
                   "He draws from a normal distribution: rng.normal.")
    if not he and largest > limit * (1 + 1e-12):
        normal = " and they look normal: Xavier's normal variant; the spec asks for the uniform one"
        head = f"{what} a draw reaches {fmt(largest)}, beyond the limit {fmt(limit)}"
        if kurt > -0.6:
            raise Fail(f"{head}{normal}.")
        raise failing(f"{head}.", _scale_mistake(largest, fi, fo, he))
    if not he and largest < limit * (1 - 1e-3):  # 65 000 uniform draws all miss this: p < 1e-28
        raise failing(f"{what} the largest |w| is {fmt(largest)}, but uniform draws reach the limit "
                      f"{fmt(limit)}.", _scale_mistake(largest, fi, fo, he))
    if abs(std / sigma - 1) > 0.03:  # the standard error of std is under 0.3 %
        raise failing(f"{what} their standard deviation is {fmt(std)}, expected {fmt(sigma)} (within "
                      f"3 %).", _scale_mistake(std if he else std * np.sqrt(3), fi, fo, he))
    within = 6 * sigma / np.sqrt(w.size)  # 6 standard errors: a correct draw fails 1 in 5e8
    if abs(mean) > within:
        raise Fail(f"{what} their mean is {fmt(mean)}, not 0 (within {fmt(within)}).")


def _scale(slug, says, scale, draw):
    """(a wrong scale, the std (He) or limit (Xavier) it gives at (fi, fo)); its code is an
    example that draws it."""
    return Mistake(slug, says, draw, named_by="numbers"), scale


def _he(scale):
    return code("he_init(fan_in, fan_out, rng)", "rng = np.random.default_rng(rng)",
                f"return rng.normal(0.0, {scale}, size=(fan_in, fan_out))")


def _xavier(limit):
    return code("xavier_init(fan_in, fan_out, rng)", "rng = np.random.default_rng(rng)",
                f"return rng.uniform(-{limit}, {limit}, size=(fan_in, fan_out))")


HE_SCALES = (  # (mistake, its standard deviation at (fan_in, fan_out))
    _scale("he-init-fan-out", "the standard deviation matches 2 / fan_out: He uses fan_in, the number of inputs "
           "each unit sums.", lambda fi, fo: np.sqrt(2 / fo), _he("np.sqrt(2 / fan_out)")),
    _scale("he-init-lecun", "the standard deviation matches 1 / fan_in (LeCun's): He's 2 makes up for relu "
           "zeroing half its inputs.", lambda fi, fo: np.sqrt(1 / fi), _he("np.sqrt(1 / fan_in)")),
    _scale("he-init-variance-as-std", "the standard deviation matches the variance used as the standard "
           "deviation: take its square root.", lambda fi, fo: 2 / fi, _he("2 / fan_in")),
    _scale("he-init-xavier-scale", "the standard deviation matches 2 / (fan_in + fan_out), Xavier's.",
           lambda fi, fo: np.sqrt(2 / (fi + fo)), _he("np.sqrt(2 / (fan_in + fan_out))")),
    _scale("he-init-no-scale", "the standard deviation matches 1: the scale is missing.",
           lambda fi, fo: 1.0, _he("1.0")),
)
XAVIER_SCALES = (  # (mistake, its limit at (fan_in, fan_out))
    _scale("xavier-init-std-as-limit", "the limit matches sqrt(2 / (fan_in + fan_out)), the standard "
           "deviation: uniform on +-L has std L / sqrt(3), so L = sqrt(6 / (fan_in + fan_out)).",
           lambda fi, fo: np.sqrt(2 / (fi + fo)), _xavier("np.sqrt(2 / (fan_in + fan_out))")),
    _scale("xavier-init-fan-in", "the limit matches sqrt(6 / fan_in): the limit uses fan_in + fan_out.",
           lambda fi, fo: np.sqrt(6 / fi), _xavier("np.sqrt(6 / fan_in)")),
    _scale("xavier-init-fan-out", "the limit matches sqrt(6 / fan_out): the limit uses fan_in + fan_out.",
           lambda fi, fo: np.sqrt(6 / fo), _xavier("np.sqrt(6 / fan_out)")),
    _scale("xavier-init-no-limit", "the limit matches 1: the limit is missing.", lambda fi, fo: 1.0, _xavier("1.0")),
)


def _scale_mistake(got, fi, fo, he):
    """The known wrong scale that ``got`` (He's std, Xavier's limit) matches within 3 %, or None
    when none does or several do (at fan_out = 2 fan_in, 2 / fan_out is 1 / fan_in)."""
    found = [m for m, value in (HE_SCALES if he else XAVIER_SCALES) if abs(got / value(fi, fo) - 1) < 0.03]
    return found[0] if len(found) == 1 else None


# -- the steps ----------------------------------------------------------------------------
def initialiser(name, goal, hints, scales):
    return Step(name, f"{name}(fan_in, fan_out, rng) -> ndarray", goal, hints, Tol(1e-9, 1e-12), (
        Check("shape", 1, init_shape), Check("same seed, same weights", 1, init_seeded, SHAPE),
        Check("statistics of a large draw", 1, init_stats(False), SHAPE),
        Check("statistics of a large draw (hidden sizes)", 1, init_stats(True), SHAPE, hidden=True)),
        mistakes=tuple(m for m, _ in scales), budget=5.0)


HE_INIT = initialiser(
    "he_init", "N(0, 2 / fan_in) weights (fan_in, fan_out)",
    ("relu zeroes about half of a unit's inputs: how must the weights' variance grow to "
     "keep the signal's variance from layer to layer, and which fan counts?",
     "w ~ N(0, sigma^2) with sigma = sqrt(2 / fan_in), shape (fan_in, fan_out). rng may be "
     "an int seed: what does np.random.default_rng(rng) make of a seed, or of a Generator?",
     "rng = np.random.default_rng(rng)\nreturn rng.normal(0.0, ___, size=(___, ___))"), HE_SCALES)


XAVIER_INIT = initialiser(
    "xavier_init", "U(-L, L) weights, L = sqrt(6 / (fan_in + fan_out))",
    ("A uniform draw on [-L, L] has variance L^2 / 3: which L gives the variance "
     "2 / (fan_in + fan_out)?",
     "L = sqrt(6 / (fan_in + fan_out)), w ~ U(-L, L), shape (fan_in, fan_out). Normal "
     "or uniform: which does the spec ask for, and which method of rng draws it?",
     "rng = np.random.default_rng(rng)\nlimit = ___\nreturn rng.uniform(___, ___, size=(fan_in, fan_out))"),
    XAVIER_SCALES)
