"""A catalogue of known-wrong implementations: each one must cost points in its own step
only, and the feedback must name the mistake in the maths' terms.

Every variant is the reference with one function rewritten. It is graded on every step but
``train`` (``FAST_STEPS``); the variants that only break training are graded on ``train``.
"""

import re
from dataclasses import dataclass

import pytest

from conftest import FAST_STEPS, full, variant_grader
from grader.kata import curriculum

SEED = 11  # hidden inputs: any fixed seed


@dataclass
class Wrong:
    id: str
    step: str
    code: str  # the replacement for the step's function
    says: str  # regex the step's feedback must match
    steps: tuple = tuple(FAST_STEPS)
    status: str = "failed"
    failing: frozenset = None  # when set: exactly these checks of the step do not pass
    gap: str = None  # a known grader gap: the test is expected to fail (strict xfail)
    crash: str = None  # a known grader crash in one of the step's checks (strict xfail)


W = Wrong
CATALOGUE = {m.slug: (step, m) for step, m in curriculum.CATALOGUE}


def from_catalogue(slug, says, **more):
    """A named mistake of the curriculum, its code taken from its declaration."""
    step, m = CATALOGUE[slug]
    return Wrong(slug, step, m.code, says, **more)
VARIANTS = [
    # -- sigmoid ------------------------------------------------------------------------
    W("sigmoid-exponent-sign", "sigmoid", """
        def sigmoid(z):
            return 1.0 / (1.0 + np.exp(z))
        """, r"sigmoid\(-z\): the exponent's sign"),
    from_catalogue('sigmoid-naive-exp', r"raised RuntimeWarning: overflow.*exp only ever sees non-positive",
      failing=frozenset({"stable at |z| up to 1000"})),
    # -- sigmoid_derivative ---------------------------------------------------------------
    from_catalogue('sigmoid-derivative-of-z', r"sigmoid\(a\) \* \(1 - sigmoid\(a\)\), the formula in terms of z"),
    from_catalogue('sigmoid-derivative-tanh', r"lies in \[0, 0\.25\]"),
    # -- softmax ------------------------------------------------------------------------
    from_catalogue('softmax-axis-0', r"normalise over axis 0"),
    from_catalogue('softmax-no-max-shift', r"stable at logits.*(overflow|Subtract each row's maximum)",
      failing=frozenset({"stable at logits of +-1000",
                         "properties: distributions, shift, batch, permutation"})),
    from_catalogue('softmax-global-max', r"each row's maximum|maximum is taken over the whole array",
      failing=frozenset({"stable at logits of +-1000",
                         "properties: distributions, shift, batch, permutation"})),
    W("softmax-in-place", "softmax", """
        def softmax(z):
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / np.sum(e, axis=1, keepdims=True)
        """, r"modified its argument z in place", failing=frozenset({"input unchanged"})),
    from_catalogue('softmax-whole-array', r"the whole array sums to 1"),
    from_catalogue('softmax-no-keepdims', r"could not be broadcast", status="error"),
    # -- cross_entropy --------------------------------------------------------------------
    W("cross-entropy-summed", "cross_entropy", """
        def cross_entropy(probs, targets):
            rows = np.arange(len(targets))
            return float(-np.sum(np.log(probs[rows, np.argmax(targets, axis=1)])))
        """, r"n = 7 times too large.*mean over the batch"),
    W("cross-entropy-no-minus", "cross_entropy", """
        def cross_entropy(probs, targets):
            rows = np.arange(len(targets))
            return float(np.mean(np.log(probs[rows, np.argmax(targets, axis=1)])))
        """, r"the sign.*never negative"),
    from_catalogue('cross-entropy-mean-over-classes', r"1/10 of the expected value.*average over the 10 classes"),
    # -- cross_entropy_delta ----------------------------------------------------------------
    from_catalogue('delta-no-1/n', r"n = 7 times too large: did you forget to divide by n"),
    from_catalogue('delta-sign', r"-1 times the expected value: the sign is flipped"),
    from_catalogue('delta-over-all-entries', r"1/10 of the expected value.*average over the 10 classes"),
    # -- feedforward ----------------------------------------------------------------------
    W("feedforward-sigmoid-output", "feedforward", """
        def feedforward(params, x):
            a1 = sigmoid(x @ params["w1"] + params["b1"])
            a2 = sigmoid(a1 @ params["w2"] + params["b2"])
            return a1, a2, sigmoid(a2 @ params["w3"] + params["b3"])
        """, r"a3 is a sigmoid of the output logits; the output layer is a softmax"),
    W("feedforward-missing-b2", "feedforward", """
        def feedforward(params, x):
            a1 = sigmoid(x @ params["w1"] + params["b1"])
            a2 = sigmoid(a1 @ params["w2"])
            return a1, a2, softmax(a2 @ params["w3"] + params["b3"])
        """, r"a2 is the activation of a1 @ w2 without \+ b2: the bias is missing"),
    # -- backprop -------------------------------------------------------------------------
    W("backprop-dw2-transposed", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = cross_entropy_delta(a3, y)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": d2.T @ a1, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"gradient for w2.*expected value transposed"),
    W("backprop-sigma-prime-twice", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = cross_entropy_delta(a3, y)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"gradient for w2.*error starts at layer 2"),
    W("backprop-no-sigma-prime-layer1", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = cross_entropy_delta(a3, y)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = d2 @ params["w2"].T
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"gradient for w1.*error starts at layer 1"),
    W("backprop-sigma-prime-of-wrong-layer", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = cross_entropy_delta(a3, y)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a1)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"gradient for w2.*error starts at layer 2"),
    W("backprop-bias-mean", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = cross_entropy_delta(a3, y)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.mean(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.mean(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.mean(axis=0, keepdims=True)}
        """, r"gradient for b3.*n = 7 times too small.*mean taken where a sum belongs"),
    W("backprop-bias-not-summed", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = cross_entropy_delta(a3, y)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3, "w2": a1.T @ d2, "b2": d2,
                    "w1": x.T @ d1, "b1": d1}
        """, r"\['b\d'\] has shape \(7, 1[02]8?\).*keeps the batch axis"),
    W("backprop-no-1/n", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = a3 - y
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"n = 7 times too large: did you forget to divide by n"),
    W("backprop-sign", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = (y - a3) / len(x)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"-1 times the expected value: the sign is flipped"),
    W("backprop-modifies-activations", "backprop", """
        def backprop(params, x, y, activations):
            a1, a2, a3 = activations
            d3 = a3
            d3 -= y
            d3 /= len(x)
            d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
            d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
            return {"w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
                    "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
                    "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True)}
        """, r"modified its argument activations\[2\] in place",
      failing=frozenset({"inputs unchanged"})),
    # -- update ---------------------------------------------------------------------------
    W("update-plus", "update", """
        def update(params, grads, lr):
            return {k: p + lr * np.reshape(grads[k], p.shape) for k, p in params.items()}
        """, r"the step is \+lr \* grad"),
    W("update-ignores-lr", "update", """
        def update(params, grads, lr):
            return {k: p - np.reshape(grads[k], p.shape) for k, p in params.items()}
        """, r"the gradient without lr"),
    W("update-modifies-grads", "update", """
        def update(params, grads, lr):
            new = {}
            for k, p in params.items():
                g = grads[k]
                g *= lr
                new[k] = p - np.reshape(g, p.shape)
            return new
        """, r"modified its argument grads\['w1'\] in place",
      failing=frozenset({"grads unchanged"})),
    # -- predict --------------------------------------------------------------------------
    from_catalogue('predict-no-axis', r"np\.argmax without axis= looks at the whole flattened array"),
    from_catalogue('predict-probabilities', r"the probabilities.*argmax over axis 1"),
    from_catalogue('predict-axis-0', r"shape \(10,\).*axis"),
    # -- train (graded on its own: the slow step) ----------------------------------------------
    W("train-one-epoch", "train", """
        def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
            rng = np.random.default_rng(seed)
            params = {}
            for i, (m, k) in enumerate([(64, 128), (128, 128), (128, 10)], start=1):
                params[f"w{i}"] = rng.standard_normal((m, k))
                params[f"b{i}"] = np.zeros((1, k))
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                rows = order[start:start + batch_size]
                grads = backprop(params, x[rows], y[rows], feedforward(params, x[rows]))
                params = update(params, grads, lr)
            return params
        """, r"ran 1 epoch\(s\) \(100 examples through backprop\), not 3", steps=("train",)),
    W("train-zero-init", "train", """
        def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
            rng = np.random.default_rng(seed)
            params = {}
            for i, (m, k) in enumerate([(64, 128), (128, 128), (128, 10)], start=1):
                params[f"w{i}"] = np.zeros((m, k))
                params[f"b{i}"] = np.zeros((1, k))
            for _ in range(epochs):
                order = rng.permutation(len(x))
                for start in range(0, len(x), batch_size):
                    rows = order[start:start + batch_size]
                    grads = backprop(params, x[rows], y[rows], feedforward(params, x[rows]))
                    params = update(params, grads, lr)
            return params
        """, r"validation accuracy on a hidden task.*yours 0\.\d+.*the reference 0\.9\d\d \(on the same task\), Keras 0\.9\d\d.*units that start equal.*at random", steps=("train",)),
    W("train-ignores-seed", "train", """
        def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
            rng = np.random.default_rng(0)
            params = {}
            for i, (m, k) in enumerate([(64, 128), (128, 128), (128, 10)], start=1):
                params[f"w{i}"] = rng.standard_normal((m, k))
                params[f"b{i}"] = np.zeros((1, k))
            for _ in range(epochs):
                order = rng.permutation(len(x))
                for start in range(0, len(x), batch_size):
                    rows = order[start:start + batch_size]
                    grads = backprop(params, x[rows], y[rows], feedforward(params, x[rows]))
                    params = update(params, grads, lr)
            return params
        """, r"train ignores its seed", steps=("train",),
      failing=frozenset({"the same seed, the same network; another, another"})),
]


def _param(v, gap):
    marks = [pytest.mark.xfail(strict=True, reason=f"grader gap: {gap}")] if gap else []
    return pytest.param(v, id=v.id, marks=marks)


@pytest.fixture(scope="module")
def report_of(tmp_path_factory):
    """Each variant graded once, shared by the tests below."""
    grade_variant = variant_grader(tmp_path_factory, SEED)

    def get(variant):
        report = grade_variant(variant.id, variant.step, variant.code, variant.steps)
        return {s.name: s for s in report.steps}

    return get


@pytest.mark.parametrize("variant", [_param(v, v.gap) for v in VARIANTS])
def test_wrong_implementation_is_caught_and_named(report_of, variant):
    steps = report_of(variant)
    own = steps.pop(variant.step)

    # (a) it costs points in its own step
    assert own.score < full(variant.step), own.feedback
    assert own.status == variant.status, own.feedback
    if variant.failing is not None:
        assert {c.name for c in own.checks if c.status != "passed"} == variant.failing, own.feedback
    # (b) and nowhere else
    assert {n: s.score for n, s in steps.items()} == {n: full(n) for n in steps}
    # (c) the feedback names the mistake
    assert re.search(variant.says, own.feedback, re.S), own.feedback


@pytest.mark.parametrize("variant", [_param(v, v.crash) for v in VARIANTS])
def test_every_check_judges_it_without_crashing(report_of, variant):
    own = report_of(variant)[variant.step]
    crashed = [(c.name, c.message) for c in own.checks
               if c.message.startswith("the grader could not run this check")]
    assert crashed == []
