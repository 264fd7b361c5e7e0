"""The steps of the kata, in curriculum order: the one place each step is declared.

Each step has its points (100 in all), its checks in the order type/shape -> values ->
stability -> properties -> gradients, the tolerance its values are compared with, a time
budget, and its hints. The command line's list, the report, and the tests' parametrisation
all read this table.

Hints come in three tiers, ``Step.hints`` (also ``hint_tiers(step)``), from question to
near-solution: (1) a question that points at the concept, (2) the formula in the maths' terms
and numpy shapes, still asking where it can, (3) the shape of the code with the key pieces
left blank (``___``), never the whole answer. ``Step.hint`` is the first tier.
"""

from dataclasses import dataclass
from typing import Callable

from grader.kata import activations
from grader.kata import backward
from grader.kata import bonus
from grader.kata import bonus_optim
from grader.kata import forward
from grader.kata import loss
from grader.kata import softmax
from grader.kata import training
from grader.judge.compare import Tol


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
    budget: float = 10.0  # seconds for all of the step's checks (the reference needs < 0.4)
    isolate: bool = True  # the functions in ``uses`` are the reference's while it is graded
    uses: tuple = ()  # the contract functions it may call; only these are answered by the reference
    own_process: bool = False  # long: graded in a child of its own, beside the others

    def __post_init__(self):
        if isinstance(self.hints, str):  # a step declared with one hint: its only tier
            object.__setattr__(self, "hints", (self.hints,))

    @property
    def hint(self):
        """The first tier: the question."""
        return self.hints[0]

    @property
    def points(self):
        return sum(c.points for c in self.checks)


def _values(run, points, needs, hidden):
    name = "values on hidden inputs" if hidden else "values on public inputs"
    return Check(name, points, run(hidden), needs=needs, hidden=hidden)


SHAPE = ("shape",)

STEPS = (
    Step("sigmoid", "sigmoid(z) -> ndarray", "the logistic function 1/(1+e^-z), elementwise",
         ("What is e^1000 in float64? For a negative z, can you rewrite 1/(1+e^-z) so that exp "
          "only sees a number <= 0?",
          "For z ≥ 0, σ(z) = 1/(1 + e^−z); for z < 0, multiply top and bottom by e^z: σ(z) = "
          "e^z/(1 + e^z). With e = e^−|z| ∈ (0, 1], which branch is 1/(1 + e) and which e/(1 + "
          "e)? The result has z's shape. np.where(c, A, B) computes A and B for every entry "
          "before choosing: can either of yours overflow?",
          "e = np.exp(___)  # which argument is never positive?\n"
          "return np.where(z >= 0, 1 / (1 + e), ___)  # the z < 0 branch, written with e"),
         Tol(1e-9, 1e-12), (
             Check("shape", 1, activations.sigmoid_shape),
             _values(activations.sigmoid_values, 2, SHAPE, False),
             _values(activations.sigmoid_values, 2, SHAPE, True),
             Check("stable at |z| up to 1000", 2, activations.sigmoid_stable, SHAPE),
             Check("properties: range, symmetry, monotone", 1, activations.sigmoid_properties, SHAPE),
         )),
    Step("sigmoid_derivative", "sigmoid_derivative(a) -> ndarray",
         "the sigmoid's derivative in terms of its activation: a(1-a)",
         ("You are given a = sigmoid(z), not z. If s = sigmoid(z), what is ds/dz written with s "
          "alone?",
          "σ(z) = 1/(1 + e^−z) gives σ′(z) = e^−z/(1 + e^−z)² = σ(z)·(1 − σ(z)). Here a = σ(z) "
          "already, so σ′ = a ⊙ (1 − a): elementwise, the shape of a, at most 1/4 (at a = 1/2). "
          "What would sigmoid(a) * (1 - sigmoid(a)) compute instead?",
          "return a * (___)  # elementwise *, not @; no exp, no sigmoid call"),
         Tol(1e-9, 1e-12), (
             Check("shape", 1, activations.derivative_shape),
             _values(activations.derivative_values, 2, SHAPE, False),
             _values(activations.derivative_values, 2, SHAPE, True),
             Check("properties: range [0, 1/4], symmetry", 1, activations.derivative_properties, SHAPE),
         )),
    Step("softmax", "softmax(z) -> ndarray", "row-wise softmax over axis 1, stable for +-1000",
         ("Which axis holds one example's 10 logits? What happens to softmax when you subtract "
          "the same number from every logit of a row, and which number makes exp safe?",
          "softmax(z)ᵢⱼ = e^(zᵢⱼ − mᵢ) / Σₖ e^(zᵢₖ − mᵢ), mᵢ = maxₖ zᵢₖ: the shift cancels, the "
          "largest exponent is e^0 = 1 and the row sum is ≥ 1. z is (n, k); mᵢ and the row sums "
          "must be (n, 1) to broadcast along the row: what would (n,) do? And z -= m: whose "
          "array does that change?",
          "e = np.exp(z - np.max(z, axis=___, keepdims=True))  # a new array: z is untouched\n"
          "return e / e.sum(axis=___, keepdims=True)"),
         Tol(1e-9, 1e-12), (
             Check("shape", 1, softmax.shape),
             _values(softmax.values, 2, SHAPE, False),
             _values(softmax.values, 2, SHAPE, True),
             Check("stable at logits of +-1000", 3, softmax.stability, SHAPE),
             Check("input unchanged", 1, softmax.input_unchanged, SHAPE),
             Check("properties: distributions, shift, batch, permutation", 3, softmax.properties, SHAPE),
         )),
    Step("cross_entropy", "cross_entropy(probs, targets) -> float",
         "the mean over the batch of -log(probability of the true class)",
         ("For one example, which single probability does the loss look at? And over a batch: is "
          "the article's error a sum or a mean?",
          "L = −(1/n) Σᵢ Σⱼ targetsᵢⱼ log probsᵢⱼ. One-hot targets keep only the true class tᵢ "
          "of row i: L = −(1/n) Σᵢ log probsᵢ,tᵢ, a mean over the n rows, returned as one Python "
          "float. Why take the log of that one entry only? probs and targets are (n, 10): what "
          "does np.mean over the whole (n, 10) array divide by?",
          "n = probs.shape[0]\n"
          "t = np.argmax(targets, axis=___)  # (n,): each row's true class\n"
          "return float(-np.sum(np.log(probs[np.arange(n), ___])) / n)"),
         Tol(1e-9, 1e-12), (
             Check("type", 1, loss.ce_type),
             _values(loss.ce_values, 2, ("type",), False),
             _values(loss.ce_values, 2, ("type",), True),
             Check("stable at saturated probabilities", 1, loss.ce_saturated, ("type",)),
             Check("properties: >= 0, uniform gives ln 10, batch-size free", 2, loss.ce_properties,
                   ("type",)),
         )),
    Step("cross_entropy_delta", "cross_entropy_delta(probs, targets) -> ndarray",
         "the gradient of the mean loss with respect to the logits: (probs - targets) / n",
         ("Differentiate -log(softmax(z)[true]) with respect to z: what do you get for the true "
          "class and for the others? Then: where does the mean over n rows go?",
          "One row, p = softmax(z), true class t: ∂(−log pₜ)/∂zⱼ = pⱼ − 1 for j = t and pⱼ "
          "otherwise, i.e. p − y: the softmax Jacobian and log′ collapse into it. The loss "
          "averages n rows, so each row's gradient carries 1/n: δ = (probs − targets)/n, shape "
          "(n, 10) like the logits. Is n the number of rows or of classes?",
          "n = ___.shape[___]  # rows, not classes\n"
          "return (probs - targets) / ___"),
         Tol(1e-9, 1e-12), (
             Check("shape", 1, loss.delta_shape),
             _values(loss.delta_values, 2, SHAPE, False),
             _values(loss.delta_values, 2, SHAPE, True),
             Check("numeric gradient", 3, loss.delta_gradient, SHAPE),
         )),
    Step("feedforward", "feedforward(params, x) -> (a1, a2, a3)",
         "the three layers' activations",
         ("A layer is activation(input @ w + b). Which activation does each of the three layers "
          "use, and what is each layer's input?",
          "a1 = σ(x W1 + b1): (n, 64)(64, 128) → (n, 128), b1 (1, 128) broadcast over the n "
          "rows; a2 = σ(a1 W2 + b2) → (n, 128); a3 = softmax(a2 W3 + b3) → (n, 10). Matrix "
          "product @, not *. Why x @ W1 and not W1 @ x? Which earlier outputs must you also "
          "return, and in what order?",
          "z1 = x @ params[\"w1\"] + params[\"b1\"]  # (n, 128)\n"
          "a1 = sigmoid(z1)\n"
          "a2 = sigmoid(___ @ params[\"w2\"] + params[\"b2\"])  # (n, 128)\n"
          "a3 = ___(a2 @ params[\"w3\"] + params[\"b3\"])  # (n, 10)\n"
          "return ___  # all three, in order"),
         Tol(1e-9, 1e-12), uses=("sigmoid", "softmax"), checks=(
             Check("shapes", 2, forward.ff_shapes),
             _values(forward.ff_values, 3, ("shapes",), False),
             _values(forward.ff_values, 3, ("shapes",), True),
             Check("params and x unchanged", 2, forward.ff_unchanged, ("shapes",)),
         )),
    Step("backprop", "backprop(params, x, y, activations) -> grads",
         "the gradient of the mean loss for every parameter",
         ("Start at the output: what is dL/dz3? A weight gradient is (the layer's input)^T times "
          "its delta: which shape must it have? To pass a delta down a layer, what do you "
          "multiply by, and which activation's derivative appears?",
          "δ3 = (a3 − y)/n (n, 10); dW3 = a2ᵀ δ3 (128, 10); db3 = Σ of δ3 over the batch axis, "
          "keepdims (1, 10); δ2 = (δ3 W3ᵀ) ⊙ a2(1 − a2) (n, 128); dW2 = a1ᵀ δ2; δ1 = (δ2 W2ᵀ) ⊙ "
          "a1(1 − a1); dW1 = xᵀ δ1 (64, 128). The 1/n lives in δ3: divide again and what "
          "happens? Which axis is the batch, 0 or 1?",
          "# a1, a2, a3 come from activations\n"
          "d3 = ___  # (n, 10): you wrote it in step 5\n"
          "d2 = (d3 @ params[\"w3\"].T) * sigmoid_derivative(___)\n"
          "d1 = (d2 @ ___) * sigmoid_derivative(a1)\n"
          "return {\"w3\": a2.T @ ___, \"b3\": d3.sum(axis=___, keepdims=True),\n"
          "        \"w2\": ___, \"b2\": ..., \"w1\": ___.T @ d1, \"b1\": ...}"),
         Tol(1e-7, 1e-10), uses=("sigmoid", "sigmoid_derivative", "softmax", "cross_entropy",
                                 "cross_entropy_delta", "feedforward"), checks=(
             Check("shapes", 2, backward.bp_shapes),
             _values(backward.bp_values, 3, ("shapes",), False),
             _values(backward.bp_values, 3, ("shapes",), True),
             Check("numeric gradient at a well-scaled init", 3, backward.bp_gradcheck("scaled"), ("shapes",)),
             Check("numeric gradient at the article's init", 3, backward.bp_gradcheck("normal"), ("shapes",)),
             Check("trajectory with the reference's update", 3, backward.bp_trajectory, ("shapes",)),
             Check("inputs unchanged", 1, backward.bp_unchanged, ("shapes",)),
         )),
    Step("update", "update(params, grads, lr) -> params", "one gradient-descent step",
         ("Which way is downhill: along the gradient or against it? How far does lr take you?",
          "θ ← θ − lr · ∂L/∂θ for each of the six names w1 … b3: params[k] − lr · grads[k], of "
          "params[k]'s shape. A bias gradient may come as (k,) for a (1, k) bias: what shape "
          "does broadcasting give? grads must come back untouched: what does grads[k] *= lr do "
          "to the caller's array?",
          "new = {}\n"
          "for name, p in params.items():\n"
          "    new[name] = p ___ lr * grads[___]  # a new array; grads untouched\n"
          "return new"),
         Tol(1e-12, 1e-12), (
             _values(backward.up_values, 2, (), False),
             _values(backward.up_values, 2, (), True),
             Check("grads unchanged", 2, backward.up_grads_unchanged),
             Check("trajectory with the reference's backprop", 2, backward.up_trajectory),
         )),
    Step("predict", "predict(params, x) -> ndarray", "integer class labels, shape (n,)",
         ("Each row of the output is a distribution over 10 classes: which class do you pick, "
          "and along which axis?",
          "a3 = softmax(a2 W3 + b3) is (n, 10); row i's label is argmaxⱼ a3ᵢⱼ, an integer in "
          "0…9, so the result is (n,). What would the argmax over axis 0 give you, and what "
          "shape? Softmax keeps the order of a row's logits: would the logits' argmax give the "
          "same labels?",
          "probs = feedforward(params, x)[___]  # which of the three activations?\n"
          "return np.argmax(probs, axis=___)  # (n,) integers"),
         Tol(0, 0), uses=("sigmoid", "softmax", "feedforward"), checks=(
             Check("shape", 2, forward.predict_shape),
             _values(forward.predict_values, 2, SHAPE, False),
             _values(forward.predict_values, 2, SHAPE, True),
         )),
    Step("train", "train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0) -> params",
         "mini-batch gradient descent, end to end",
         ("Per epoch: shuffle, then for each batch of batch_size rows, forward, backward, "
          "update. Where do the initial weights come from, and are you using the seed?",
          "One generator, np.random.default_rng(seed), for everything: w1 (64, 128), w2 (128, "
          "128), w3 (128, 10) from its standard_normal, b1, b2, b3 zeros (1, k). Each of the "
          "epochs: a new permutation of the n rows, the same for x and y, then "
          "⌈n / batch_size⌉ updates of step lr, the last batch smaller. What goes wrong with a "
          "new rng made inside the epoch loop, or with all-zero weights?",
          "rng = np.random.default_rng(___)\n"
          "params = {\"w1\": rng.standard_normal((64, 128)), \"b1\": np.zeros((1, 128)), ...}\n"
          "for epoch in range(epochs):\n"
          "    order = ___  # a new order every epoch\n"
          "    for s in range(0, len(x), batch_size):\n"
          "        xb, yb = x[order[s:s + batch_size]], ___\n"
          "        grads = backprop(params, xb, yb, feedforward(params, xb))\n"
          "        params = ___"),
         Tol(0, 0), (
             Check("returns trained params", 1, training.returns_params),
             Check("different seeds, different networks", 1, training.uses_seed,
                   ("returns trained params",)),
             Check("validation accuracy against the reference", 14, training.reaches_accuracy,
                   ("returns trained params",)),
         ), budget=180.0, isolate=False, own_process=True),
)

BY_NAME = {s.name: s for s in STEPS}
TOTAL = sum(s.points for s in STEPS)


def _bonus(name, signature, goal, hints, checks, tol=Tol(1e-9, 1e-12)):
    return Step(name, signature, goal, hints, tol, checks, budget=5.0)


def _elementwise(name, signature, goal, hints, *more):
    return _bonus(name, signature, goal, hints, (
        Check("shape", 1, bonus.shape), _values(bonus.values, 1, SHAPE, False),
        _values(bonus.values, 1, SHAPE, True), *more))


def _initialiser(name, signature, goal, hints):
    return _bonus(name, signature, goal, hints, (
        Check("shape", 1, bonus.init_shape), Check("same seed, same weights", 1, bonus.init_seeded, SHAPE),
        Check("statistics of a large draw", 1, bonus.init_stats(False), SHAPE),
        Check("statistics of a large draw (hidden sizes)", 1, bonus.init_stats(True), SHAPE, hidden=True)))


def _optimiser(name, signature, goal, hints):
    return _bonus(name, signature, goal, hints, (
        Check("shape", 1, bonus_optim.opt_shape), _values(bonus_optim.opt_values, 1, SHAPE, False),
        _values(bonus_optim.opt_values, 1, SHAPE, True), Check("grads unchanged", 1, bonus_optim.opt_grads_unchanged, SHAPE),
        Check("trajectory over 10 steps", 1, bonus_optim.opt_trajectory, SHAPE)))


# Beyond the article: graded once train passes (or when asked for), outside the core 100.
# Nothing that iterates STEPS (the CSV, Gradescope, nbgrader, pytest --nnkata) sees them.
BONUS = (
    _elementwise("relu", "relu(z) -> ndarray", "max(0, z), elementwise; z unchanged",
                 ("Which entries of z does relu keep, and what does it put in place of the others?",
                  "relu(z) = max(0, z) entrywise, the shape of z. Which numpy function takes an "
                  "elementwise maximum of z and a number? Why not z[z < 0] = 0?",
                  "return np.___(z, ___)  # a new array; z stays as it was"),
                 Check("input unchanged", 1, bonus.input_unchanged, SHAPE),
                 Check("properties: >= 0, relu(z) - relu(-z) = z", 1, bonus.relu_properties, SHAPE)),
    _elementwise("relu_derivative", "relu_derivative(z) -> ndarray", "1.0 where z > 0, else 0.0 (0 or 1 at 0)",
                 ("Where is max(0, z) flat and where is it the line z: what is its slope on each side?",
                  "d relu / dz is 1 for z > 0 and 0 for z < 0 (at 0 either is accepted). A comparison "
                  "z > 0 gives booleans: which dtype must the result have?",
                  "return np.where(___, 1.0, ___)"),
                 Check("properties: 0 or 1, central differences of relu", 1,
                       bonus.relu_derivative_gradient, SHAPE)),
    _elementwise("tanh", "tanh(z) -> ndarray", "the hyperbolic tangent, stable for +-1000",
                 ("What is e^1000 in float64, and what does (e^z - e^-z) / (e^z + e^-z) give there?",
                  "tanh is odd and, for |z|, (1 - e^(-2|z|)) / (1 + e^(-2|z|)): which argument does "
                  "exp see then? Or: does numpy have tanh already?",
                  "e = np.exp(-2 * np.abs(z))\nreturn np.sign(z) * (___) / (___)"),
                 Check("stable at |z| up to 1000", 1, bonus.tanh_stable, SHAPE),
                 Check("properties: range, odd, monotone", 1, bonus.tanh_properties, SHAPE)),
    _elementwise("tanh_derivative", "tanh_derivative(a) -> ndarray", "1 - a^2, in terms of a = tanh(z)",
                 ("You are given a = tanh(z), not z. If t = tanh(z), what is dt/dz written with t alone?",
                  "d tanh / dz = 1 - tanh(z)^2, and tanh(z) is a already: elementwise, the shape of "
                  "a. What would 1 - np.tanh(a)**2 compute instead?",
                  "return 1.0 - ___  # no exp, no tanh call"),
                 Check("numeric gradient of tanh", 1, bonus.tanh_derivative_gradient, SHAPE)),
    _initialiser("he_init", "he_init(fan_in, fan_out, rng) -> ndarray", "N(0, 2 / fan_in) weights (fan_in, fan_out)",
                 ("relu zeroes about half of a unit's inputs: how must the weights' variance grow to "
                  "keep the signal's variance from layer to layer, and which fan counts?",
                  "w ~ N(0, sigma^2) with sigma = sqrt(2 / fan_in), shape (fan_in, fan_out). rng may be "
                  "an int seed: what does np.random.default_rng(rng) make of a seed, or of a Generator?",
                  "rng = np.random.default_rng(rng)\nreturn rng.normal(0.0, ___, size=(___, ___))")),
    _initialiser("xavier_init", "xavier_init(fan_in, fan_out, rng) -> ndarray",
                 "U(-L, L) weights, L = sqrt(6 / (fan_in + fan_out))",
                 ("A uniform draw on [-L, L] has variance L^2 / 3: which L gives the variance "
                  "2 / (fan_in + fan_out)?",
                  "L = sqrt(6 / (fan_in + fan_out)), w ~ U(-L, L), shape (fan_in, fan_out). Normal "
                  "or uniform: which does the spec ask for, and which method of rng draws it?",
                  "rng = np.random.default_rng(rng)\nlimit = ___\nreturn rng.uniform(___, ___, size=(fan_in, fan_out))")),
    _optimiser("momentum_update", "momentum_update(params, grads, velocity, lr, beta=0.9) -> (params, velocity)",
               "v = beta v - lr g, then p + v, for every parameter",
               ("The velocity remembers past steps: what is the new one made of, and do the params "
                "move by the old velocity or the new one?",
                "For each key k: v[k] = beta * velocity[k] - lr * grads[k], then params[k] + v[k]. "
                "With beta = 0, which step of the kata is this?",
                "v = {k: beta * velocity[k] - ___ for k in params}\nreturn {k: ___ for k in params}, v")),
    _optimiser("adam_update", "adam_update(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8) "
               "-> (params, state)", "Adam with bias correction, for every parameter",
               ("m and v start at 0: after one step, how far below the gradient's true average is m, "
                "and what undoes that?",
                "m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2; m_hat = m / (1 - "
                "beta1^t), v_hat likewise with beta2; p - lr m_hat / (sqrt(v_hat) + eps). Which of "
                "these goes into the returned state?",
                "m_hat = m[k] / (1 - beta1 ** t)\nv_hat = ___\nnew[k] = params[k] - lr * ___ / (np.sqrt(___) + eps)")),
    _bonus("l2_penalty", "l2_penalty(params, lam) -> float", "(lam / 2) * the sum of the squared weights",
               ("Which parameters does weight decay shrink, and what does the 1/2 buy in the gradient?",
                "(lam / 2) * (sum(w1^2) + sum(w2^2) + sum(w3^2)), a float; b1, b2, b3 are left out. Is "
                "it a sum or a mean over the entries?",
                "return float(lam / 2 * sum(np.sum(___) for k, p in params.items() if ___))"),
           (Check("type", 1, bonus_optim.l2_type), _values(bonus_optim.l2_values, 1, ("type",), False),
            _values(bonus_optim.l2_values, 1, ("type",), True),
            Check("biases excluded", 1, bonus_optim.l2_biases_excluded, ("type",)))),
    _bonus("l2_gradients", "l2_gradients(params, grads, lam) -> grads", "grads + lam * w for the weights only",
               ("What is the derivative of (lam / 2) * w^2 with respect to w, and of it with respect to a bias?",
                "For w1, w2, w3: grads[k] + lam * params[k]; the bias gradients as they are, in a new "
                "dict. Why must grads itself stay unchanged?",
                "return {k: (___ if k.startswith(\"w\") else ___) for k, g in grads.items()}"),
           (Check("shape", 1, bonus_optim.l2g_shape), _values(bonus_optim.l2_values, 1, SHAPE, False),
            _values(bonus_optim.l2_values, 1, SHAPE, True),
            Check("numeric gradient of the regularised loss", 1, bonus_optim.l2g_gradcheck, SHAPE),
            Check("inputs unchanged", 1, bonus_optim.l2g_unchanged, SHAPE))),
)
BONUS_BY_NAME = {s.name: s for s in BONUS}
BONUS_TOTAL = sum(s.points for s in BONUS)


def step(name):
    """A core step or a bonus step, by name."""
    from grader.errors import HarnessError
    if name not in BY_NAME and name not in BONUS_BY_NAME:
        import difflib
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
    return (which if isinstance(which, Step) else step(which)).hints
