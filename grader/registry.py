"""The steps of the kata, in curriculum order: the one place each step is declared.

Each step has its points (100 in all), its checks in the order type/shape -> values ->
stability -> properties -> gradients, the tolerance its values are compared with, a time
budget, and a hint. The command line's list, the report, and the tests' parametrisation
all read this table.
"""

from dataclasses import dataclass
from typing import Callable

from .checks import activations, backward, forward, loss, softmax, training
from .compare import Tol


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
    hint: str
    tol: Tol
    checks: tuple
    budget: float = 10.0  # seconds for all of the step's checks (the reference needs < 0.4)
    isolate: bool = True  # the functions in ``uses`` are the reference's while it is graded
    uses: tuple = ()  # the contract functions it may call; only these are answered by the reference
    own_process: bool = False  # long: graded in a child of its own, beside the others

    @property
    def points(self):
        return sum(c.points for c in self.checks)


def _values(run, points, needs, hidden):
    name = "values on hidden inputs" if hidden else "values on public inputs"
    return Check(name, points, run(hidden), needs=needs, hidden=hidden)


SHAPE = ("shape",)

STEPS = (
    Step("sigmoid", "sigmoid(z) -> ndarray", "the logistic function 1/(1+e^-z), elementwise",
         "What is e^1000 in float64? For a negative z, can you rewrite 1/(1+e^-z) so that exp "
         "only sees a number <= 0?",
         Tol(1e-9, 1e-12), (
             Check("shape", 1, activations.sigmoid_shape),
             _values(activations.sigmoid_values, 2, SHAPE, False),
             _values(activations.sigmoid_values, 2, SHAPE, True),
             Check("stable at |z| up to 1000", 2, activations.sigmoid_stable, SHAPE),
             Check("properties: range, symmetry, monotone", 1, activations.sigmoid_properties, SHAPE),
         )),
    Step("sigmoid_derivative", "sigmoid_derivative(a) -> ndarray",
         "the sigmoid's derivative in terms of its activation: a(1-a)",
         "You are given a = sigmoid(z), not z. If s = sigmoid(z), what is ds/dz written with s alone?",
         Tol(1e-9, 1e-12), (
             Check("shape", 1, activations.derivative_shape),
             _values(activations.derivative_values, 2, SHAPE, False),
             _values(activations.derivative_values, 2, SHAPE, True),
             Check("properties: range [0, 1/4], symmetry", 1, activations.derivative_properties, SHAPE),
         )),
    Step("softmax", "softmax(z) -> ndarray", "row-wise softmax over axis 1, stable for +-1000",
         "Which axis holds one example's 10 logits? What happens to softmax when you subtract "
         "the same number from every logit of a row, and which number makes exp safe?",
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
         "For one example, which single probability does the loss look at? And over a batch: "
         "is the article's error a sum or a mean?",
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
         "Differentiate -log(softmax(z)[true]) with respect to z: what do you get for the true "
         "class and for the others? Then: where does the mean over n rows go?",
         Tol(1e-9, 1e-12), (
             Check("shape", 1, loss.delta_shape),
             _values(loss.delta_values, 2, SHAPE, False),
             _values(loss.delta_values, 2, SHAPE, True),
             Check("numeric gradient", 3, loss.delta_gradient, SHAPE),
         )),
    Step("feedforward", "feedforward(params, x) -> (a1, a2, a3)",
         "the three layers' activations",
         "A layer is activation(input @ w + b). Which activation does each of the three layers "
         "use, and what is each layer's input?",
         Tol(1e-9, 1e-12), uses=("sigmoid", "softmax"), checks=(
             Check("shapes", 2, forward.ff_shapes),
             _values(forward.ff_values, 3, ("shapes",), False),
             _values(forward.ff_values, 3, ("shapes",), True),
             Check("params and x unchanged", 2, forward.ff_unchanged, ("shapes",)),
         )),
    Step("backprop", "backprop(params, x, y, activations) -> grads",
         "the gradient of the mean loss for every parameter",
         "Start at the output: what is dL/dz3? A weight gradient is (the layer's input)^T times "
         "its delta: which shape must it have? To pass a delta down a layer, what do you "
         "multiply by, and which activation's derivative appears?",
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
         "Which way is downhill: along the gradient or against it? How far does lr take you?",
         Tol(1e-12, 1e-12), (
             _values(backward.up_values, 2, (), False),
             _values(backward.up_values, 2, (), True),
             Check("grads unchanged", 2, backward.up_grads_unchanged),
             Check("trajectory with the reference's backprop", 2, backward.up_trajectory),
         )),
    Step("predict", "predict(params, x) -> ndarray", "integer class labels, shape (n,)",
         "Each row of the output is a distribution over 10 classes: which class do you pick, "
         "and along which axis?",
         Tol(0, 0), uses=("sigmoid", "softmax", "feedforward"), checks=(
             Check("shape", 2, forward.predict_shape),
             _values(forward.predict_values, 2, SHAPE, False),
             _values(forward.predict_values, 2, SHAPE, True),
         )),
    Step("train", "train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0) -> params",
         "mini-batch gradient descent, end to end",
         "Per epoch: shuffle, then for each batch of batch_size rows, forward, backward, update. "
         "Where do the initial weights come from, and are you using the seed?",
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


def step(name):
    from .errors import HarnessError
    if name not in BY_NAME:
        import difflib
        near = difflib.get_close_matches(name, BY_NAME, n=1)
        hint = f" Did you mean {near[0]}?" if near else ""
        raise HarnessError(f"there is no step {name!r}.{hint} Steps: {', '.join(BY_NAME)}")
    return BY_NAME[name]
