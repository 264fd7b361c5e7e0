"""The bonus steps (issue 7, item 6): relu, tanh, their derivatives, He and Xavier
initialisation, momentum, Adam and L2 regularisation, graded outside the core 100.

The reference earns every bonus point, the stubs are pending, and each known-wrong variant
costs points in its own bonus step only, with its diagnosis in the feedback. Bonus steps are
unlocked by a passing train and leave the contract's fields (score, max_score, steps) alone.
"""

import json
import re
from dataclasses import dataclass

import pytest

from conftest import REFERENCE, grade, variant_grader
from grader import paths
from grader.kata import curriculum
from grader.views import table
from grader.judge.result import Report

SEED = 11
BONUS = [s.name for s in curriculum.BONUS]
BANNER = "# Bonus: beyond the article"


def bonus_full(name):
    return curriculum.BONUS_BY_NAME[name].points


def core_with_bonus_stubs():
    """The reference's core steps with the bonus steps still stubs: a student who just passed train."""
    ref, stubs = REFERENCE.read_text(), paths.exercise_file().read_text()
    return ref[:ref.index(BANNER)] + stubs[stubs.index(BANNER):]


@pytest.fixture(scope="module")
def reference_report():
    return grade(paths.reference_file(), seed=SEED)


# -- the registry ---------------------------------------------------------------------------
def test_bonus_steps_are_declared_once_outside_the_core():
    assert curriculum.TOTAL == 100 and len(curriculum.STEPS) == 10
    assert len(BONUS) >= 10 and len(set(BONUS)) == len(BONUS)
    assert not set(BONUS) & set(curriculum.BY_NAME)
    assert all(3 <= s.points <= 5 for s in curriculum.BONUS)
    assert curriculum.BONUS_TOTAL == sum(s.points for s in curriculum.BONUS)
    assert curriculum.step("adam_update") is curriculum.BONUS_BY_NAME["adam_update"]
    assert curriculum.index(curriculum.BONUS[0]) == len(curriculum.STEPS)
    assert all(len(s.hints) == 3 and s.hints[0].endswith("?") and "___" in s.hints[2]
               for s in curriculum.BONUS)


def test_an_unknown_step_suggests_bonus_steps_too():
    from grader.errors import HarnessError
    with pytest.raises(HarnessError, match="Did you mean tanh_derivative"):
        curriculum.step("tanh_derivate")


# -- the fixed points -----------------------------------------------------------------------
def test_the_reference_earns_every_bonus_point_and_the_core_is_unchanged(reference_report):
    r = reference_report
    assert [s.name for s in r.steps] == [s.name for s in curriculum.STEPS]
    assert r.score == r.max_score == 100
    problems = [(s.name, c.name, c.message) for s in r.bonus for c in s.checks if c.status != "passed"]
    assert problems == []
    assert [s.name for s in r.bonus] == BONUS
    assert {s.name: s.score for s in r.bonus} == {n: bonus_full(n) for n in BONUS}
    doc = json.loads(table.to_json(r))
    assert doc["score"] == doc["max_score"] == 100.0 and len(doc["steps"]) == 10
    assert [s["name"] for s in doc["bonus"]] == BONUS
    assert doc["bonus_score"] == doc["bonus_max_score"] == curriculum.BONUS_TOTAL
    again = Report.from_dict(doc)
    assert again.bonus_score == curriculum.BONUS_TOTAL and again.score == 100


def test_the_bonus_checks_are_fast(reference_report):
    assert sum(s.seconds for s in reference_report.bonus) < 5
    assert all(s.seconds < curriculum.BONUS_BY_NAME[s.name].budget / 2 for s in reference_report.bonus)


def test_the_stubs_are_pending_and_train_does_not_unlock_them():
    report = grade(paths.exercise_file(), seed=SEED)
    assert report.bonus == [] and "bonus" not in report.to_dict()
    asked = grade(paths.exercise_file(), seed=SEED, steps=["sigmoid"], bonus=True)
    assert [s.name for s in asked.bonus] == BONUS
    assert all(s.status == "pending" and s.score == 0 and f"{s.name} is not written yet" in s.feedback
               for s in asked.bonus)
    assert asked.score == 0 and asked.max_score == 8  # the core steps asked for, nothing else


def test_a_passing_train_unlocks_the_bonus_with_a_nudge(submission):
    report = grade(submission(text=core_with_bonus_stubs()), seed=SEED)
    assert report.score == 100 and [s.name for s in report.bonus] == BONUS
    assert all(s.status == "pending" for s in report.bonus)
    shown = table.table(report)
    assert f"Bonus: beyond the article, {curriculum.BONUS_TOTAL:g} points outside the 100" in shown
    assert shown.index(" ✓ train") < shown.index(f" · {BONUS[0]} ")
    assert f"Bonus steps unlocked: {len(BONUS)} steps" in shown and f"Next: {BONUS[0]}" in shown


def test_a_failing_train_leaves_the_bonus_out(submission):
    path = submission(train="""
        def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
            return None
        """)
    report = grade(path, seed=SEED)
    assert next(s for s in report.steps if s.name == "train").status == "failed"
    assert report.bonus == [] and "bonus" not in report.to_dict()
    assert "Bonus" not in table.table(report)
    assert grade(path, seed=SEED, steps=["train"], bonus=False).bonus == []


def test_steps_grade_exactly_the_steps_they_name():
    assert grade(paths.reference_file(), seed=SEED, steps=["sigmoid"]).bonus == []  # no unlocking
    report = grade(paths.reference_file(), seed=SEED, steps=["relu"])
    assert report.steps == [] and [s.name for s in report.bonus] == ["relu"]
    assert report.bonus[0].score == 5 and report.to_dict()["max_score"] == 0
    shown = table.table(report, detail="relu")
    assert "✓ relu" in shown and "input unchanged" in shown and "Progress" not in shown


def test_a_notebook_is_graded_on_the_core_only():
    report = grade(paths.notebook_file(), seed=SEED)
    assert report.score == 100 and report.bonus == []


def test_relu_derivative_may_be_0_or_1_at_0(submission):
    path = submission(relu_derivative="""
        def relu_derivative(z):
            return np.where(z >= 0, 1.0, 0.0)
        """)
    step = grade(path, seed=SEED, steps=["relu_derivative"]).bonus[0]
    assert step.status == "passed", step.feedback


# -- known-wrong variants ---------------------------------------------------------------------
@dataclass
class Wrong:
    id: str
    step: str
    code: str
    says: str  # regex the step's feedback must match
    failing: frozenset = None  # when set: exactly these checks do not pass


W = Wrong
VALUES = frozenset({"values on public inputs", "values on hidden inputs"})
VARIANTS = [
    W("relu-in-place", "relu", """
        def relu(z):
            z[z < 0] = 0
            return z
        """, r"modified its argument z in place", frozenset({"input unchanged"})),
    W("relu-min", "relu", """
        def relu(z):
            return np.minimum(z, 0.0)
        """, r"min\(0, z\)"),
    W("relu-derivative-bool", "relu_derivative", """
        def relu_derivative(z):
            return z > 0
        """, r"boolean array"),
    W("relu-derivative-is-relu", "relu_derivative", """
        def relu_derivative(z):
            return np.maximum(z, 0.0)
        """, r"that is relu\(z\) itself"),
    W("tanh-naive", "tanh", """
        def tanh(z):
            return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
        """, r"overflow.*exp only ever sees non-positive", frozenset({"stable at |z| up to 1000"})),
    W("tanh-is-sigmoid", "tanh", """
        def tanh(z):
            return 1 / (1 + np.exp(-z))
        """, r"that is the sigmoid"),
    W("tanh-derivative-of-z", "tanh_derivative", """
        def tanh_derivative(a):
            return 1 - np.tanh(a) ** 2
        """, r"1 - tanh\(a\)\^2, the formula in terms of z",
      VALUES | {"numeric gradient of tanh"}),
    W("he-fan-out", "he_init", """
        def he_init(fan_in, fan_out, rng):
            rng = np.random.default_rng(rng)
            return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
        """, r"2 / fan_out: He uses fan_in"),
    W("he-uniform", "he_init", """
        def he_init(fan_in, fan_out, rng):
            limit = np.sqrt(6.0 / fan_in)
            return np.random.default_rng(rng).uniform(-limit, limit, size=(fan_in, fan_out))
        """, r"look uniform"),
    W("he-global-generator", "he_init", """
        def he_init(fan_in, fan_out, rng):
            return np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        """, r"global generator", frozenset({"same seed, same weights"})),
    W("he-rng-not-wrapped", "he_init", """
        def he_init(fan_in, fan_out, rng):
            return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
        """, r"rng = np\.random\.default_rng\(rng\)"),
    W("he-transposed", "he_init", """
        def he_init(fan_in, fan_out, rng):
            return np.random.default_rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
        """, r"so that x @ w works"),
    W("xavier-normal", "xavier_init", """
        def xavier_init(fan_in, fan_out, rng):
            std = np.sqrt(2.0 / (fan_in + fan_out))
            return np.random.default_rng(rng).normal(0.0, std, size=(fan_in, fan_out))
        """, r"Xavier's normal variant"),
    W("xavier-std-as-limit", "xavier_init", """
        def xavier_init(fan_in, fan_out, rng):
            limit = np.sqrt(2.0 / (fan_in + fan_out))
            return np.random.default_rng(rng).uniform(-limit, limit, size=(fan_in, fan_out))
        """, r"the limit matches sqrt\(2 / \(fan_in \+ fan_out\)\), the standard deviation"),
    W("momentum-uphill", "momentum_update", """
        def momentum_update(params, grads, velocity, lr, beta=0.9):
            v = {k: beta * velocity[k] + lr * grads[k] for k in params}
            return {k: params[k] + v[k] for k in params}, v
        """, r"moves along the gradient"),
    W("momentum-velocity-sign", "momentum_update", """
        def momentum_update(params, grads, velocity, lr, beta=0.9):
            v = {k: beta * velocity[k] + lr * grads[k] for k in params}
            return {k: params[k] - v[k] for k in params}, v
        """, r"velocity's sign is flipped"),
    W("momentum-old-velocity", "momentum_update", """
        def momentum_update(params, grads, velocity, lr, beta=0.9):
            new = {k: params[k] + velocity[k] for k in params}
            return new, {k: beta * velocity[k] - lr * grads[k] for k in params}
        """, r"moved by the old velocity"),
    W("momentum-pytorch-convention", "momentum_update", """
        def momentum_update(params, grads, velocity, lr, beta=0.9):
            v = {k: beta * velocity[k] + grads[k] for k in params}
            return {k: params[k] - lr * v[k] for k in params}, v
        """, r"PyTorch's convention", VALUES),  # the path of the params is the same
    W("momentum-grads-in-place", "momentum_update", """
        def momentum_update(params, grads, velocity, lr, beta=0.9):
            for k in grads:
                grads[k] *= lr
            v = {k: beta * velocity[k] - grads[k] for k in params}
            return {k: params[k] + v[k] for k in params}, v
        """, r"modified its argument grads", frozenset({"grads unchanged"})),
    W("adam-no-bias-correction", "adam_update", """
        def adam_update(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
            m = {k: beta1 * state["m"][k] + (1 - beta1) * grads[k] for k in params}
            v = {k: beta2 * state["v"][k] + (1 - beta2) * grads[k] ** 2 for k in params}
            return {k: params[k] - lr * m[k] / (np.sqrt(v[k]) + eps) for k in params}, {"m": m, "v": v}
        """, r"no bias correction"),
    W("adam-eps-inside-sqrt", "adam_update", """
        def adam_update(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
            m = {k: beta1 * state["m"][k] + (1 - beta1) * grads[k] for k in params}
            v = {k: beta2 * state["v"][k] + (1 - beta2) * grads[k] ** 2 for k in params}
            step = {k: m[k] / (1 - beta1 ** t) / np.sqrt(v[k] / (1 - beta2 ** t) + eps) for k in params}
            return {k: params[k] - lr * step[k] for k in params}, {"m": m, "v": v}
        """, r"eps is inside the square root"),
    W("adam-corrected-state", "adam_update", """
        def adam_update(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
            m = {k: (beta1 * state["m"][k] + (1 - beta1) * grads[k]) / (1 - beta1 ** t) for k in params}
            v = {k: (beta2 * state["v"][k] + (1 - beta2) * grads[k] ** 2) / (1 - beta2 ** t) for k in params}
            return {k: params[k] - lr * m[k] / (np.sqrt(v[k]) + eps) for k in params}, {"m": m, "v": v}
        """, r"uncorrected m and v"),
    W("l2-biases-penalised", "l2_penalty", """
        def l2_penalty(params, lam):
            return float(lam / 2 * sum(np.sum(p ** 2) for p in params.values()))
        """, r"biases are penalised too.*only w1, w2 and w3"),
    W("l2-without-the-half", "l2_penalty", """
        def l2_penalty(params, lam):
            return float(lam * sum(np.sum(params[k] ** 2) for k in ("w1", "w2", "w3")))
        """, r"twice the expected value: the penalty is \(lam / 2\)", VALUES),
    W("l2-gradient-factor-2", "l2_gradients", """
        def l2_gradients(params, grads, lam):
            return {k: g + 2 * lam * params[k] if k.startswith("w") else g for k, g in grads.items()}
        """, r"2 \* lam \* w is the gradient of lam \* sum\(w\^2\)",
      VALUES | {"numeric gradient of the regularised loss"}),
    W("l2-gradient-biases", "l2_gradients", """
        def l2_gradients(params, grads, lam):
            return {k: g + lam * params[k] for k, g in grads.items()}
        """, r"biases' gradients changed too", VALUES | {"numeric gradient of the regularised loss"}),
    W("l2-gradient-in-place", "l2_gradients", """
        def l2_gradients(params, grads, lam):
            for k in ("w1", "w2", "w3"):
                grads[k] += lam * params[k]
            return grads
        """, r"modified its argument grads", frozenset({"inputs unchanged"})),
]


@pytest.fixture(scope="module")
def bonus_of(tmp_path_factory):
    grade_variant = variant_grader(tmp_path_factory, SEED)

    def get(variant):
        report = grade_variant(variant.id, variant.step, variant.code, BONUS)
        assert report.steps == []
        return {s.name: s for s in report.bonus}

    return get


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_wrong_bonus_implementation_is_caught_and_named(bonus_of, variant):
    steps = bonus_of(variant)
    own = steps.pop(variant.step)
    assert own.score < bonus_full(variant.step) and own.status == "failed", own.feedback
    if variant.failing is not None:
        assert {c.name for c in own.checks if c.status != "passed"} == variant.failing, own.feedback
    assert {n: s.score for n, s in steps.items()} == {n: bonus_full(n) for n in steps}
    assert re.search(variant.says, own.feedback, re.S), own.feedback
    crashed = [c.name for c in own.checks if c.message.startswith("the grader could not run")]
    assert crashed == []
