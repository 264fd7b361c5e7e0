"""The first set of bugs written without reading the grader's catalogue (issue 14).

Held out until its first measurement: 39 of 45 named (87%), after the issue's own list of
bugs had been added to the catalogue. The six it missed were then added to the catalogue, so
it is a development set now: a regression test, no longer a measure."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    id: str        # short kebab-case id
    step: str      # the function it breaks (one of the 9 kata steps; NOT train)
    code: str      # the complete replacement function, 'def name(...):' at column 0 (dedented), using np
    about: str     # one sentence: what the student did wrong, in the maths' terms
    says: str      # a Python regex (re.I, searched) that a RIGHT diagnosis of this bug must match


MUTATE = r"modif|mutat|in.?place|overwr|changes? (the |its )?(input|argument)|copy"

BUGS = [
    # ---------------------------------------------------------------- sigmoid (5)
    Bug(
        id="sigmoid-textbook-overflow",
        step="sigmoid",
        code='''\
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))
''',
        about="The textbook formula 1/(1+e^-z) is right in value but np.exp(-z) overflows for "
              "z near -1000, so it warns instead of staying stable.",
        says=r"overflow|stab|large|warn|exp\(-?z\)|inf|negative z|exp only|non.?positive",
    ),
    Bug(
        id="sigmoid-exp-ratio-nan",
        step="sigmoid",
        code='''\
def sigmoid(z):
    ez = np.exp(z)
    return ez / (1.0 + ez)
''',
        about="Uses the equivalent form e^z/(1+e^z) everywhere, which is inf/inf = nan for large "
              "positive z: the stable rearrangement is only valid for z < 0.",
        says=r"overflow|stab|nan|large|warn|inf|exp\(z\)|positive z|non.?positive",
    ),
    Bug(
        id="sigmoid-swapped-branches",
        step="sigmoid",
        code='''\
def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
''',
        about="The stable two-branch form with the branches swapped, which computes sigmoid(-z) "
              "= 1 - sigmoid(z).",
        says=r"swap|branch|revers|sign|flip|negat|minus|1 ?- ?sigm|sigmoid\(-z\)|mirror|wrong side|backwards|invert",
    ),
    Bug(
        id="sigmoid-abs-only",
        step="sigmoid",
        code='''\
def sigmoid(z):
    # exp only ever sees a non-positive argument
    return 1.0 / (1.0 + np.exp(-np.abs(z)))
''',
        about="Replaces z by |z| to keep exp's argument non-positive but forgets the e^z/(1+e^z) "
              "branch for negative z, so it returns sigmoid(|z|) >= 0.5 everywhere.",
        says=r"negative|abs|\|z\||branch|z ?< ?0|sign|symmetr|0\.5|half",
    ),
    Bug(
        id="sigmoid-tanh-missing-half",
        step="sigmoid",
        code='''\
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(z))
''',
        about="Uses the identity sigmoid(z) = (1 + tanh(z/2))/2 but forgets to halve z, computing "
              "sigmoid(2z).",
        says=r"tanh|z ?/ ?2|half|halv|factor|scale|2 ?\*? ?z|twice|steep|slope",
    ),
    # ---------------------------------------------------------- sigmoid_derivative (4)
    Bug(
        id="sigmoid-derivative-of-z",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    s = sigmoid(a)
    return s * (1.0 - s)
''',
        about="Treats the argument as the pre-activation z and applies sigmoid again, although it "
              "is already the activation a = sigmoid(z).",
        says=r"sigmoid\(a\)|pre.?activation|\bz\b|already|again|twice|double|activation",
    ),
    Bug(
        id="sigmoid-derivative-tanh-formula",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return 1.0 - a ** 2
''',
        about="Uses the tanh derivative 1 - a^2 instead of the sigmoid's a(1 - a).",
        says=r"tanh|1 ?- ?a ?(\*\*|\^) ?2|1 ?- ?a\^?2|a ?\* ?\(1 ?- ?a\)|a\(1 ?- ?a\)|square",
    ),
    Bug(
        id="sigmoid-derivative-precedence",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return a * 1 - a
''',
        about="Forgets the parentheses in a * (1 - a): operator precedence makes it a*1 - a = 0.",
        says=r"parenth|bracket|precedence|zero|a ?\* ?1 ?- ?a|a ?\* ?\(1 ?- ?a\)|a\(1 ?- ?a\)",
    ),
    Bug(
        id="sigmoid-derivative-sign",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return a * (a - 1.0)
''',
        about="Writes a(a - 1) instead of a(1 - a), so the derivative has the wrong sign.",
        says=r"sign|negat|minus|a ?- ?1|1 ?- ?a|flip|opposite",
    ),
    # --------------------------------------------------------------------- softmax (6)
    Bug(
        id="softmax-axis-0",
        step="softmax",
        code='''\
def softmax(z):
    shifted = z - np.max(z, axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=0, keepdims=True)
''',
        about="Normalises over axis 0 (down each column, across the batch) instead of over each "
              "row's classes.",
        says=r"axis.?0|column|row|over the batch|across the batch|wrong axis",
    ),
    Bug(
        id="softmax-transposed-result",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e.T / np.sum(e, axis=1)
''',
        about="Transposes to make the (n,) row sums broadcast but never transposes back, "
              "returning a (k, n) array.",
        says=r"transpos|shape|\(10, ?7\)|\(k, ?n\)|keepdims|orient|\.T\b",
    ),
    Bug(
        id="softmax-no-shift",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)
''',
        about="Exponentiates the raw logits without subtracting the row maximum, so e^1000 "
              "overflows and gives nan.",
        says=r"overflow|stab|shift|max|subtract|nan|inf|large|warn",
    ),
    Bug(
        id="softmax-global-max",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=1, keepdims=True)
''',
        about="Subtracts the maximum of the whole array rather than each row's own maximum, so a "
              "row far below the global maximum underflows to 0/0 = nan.",
        says=r"global|whole|entire|each row|own row|row.?wise|per.?row|every row|axis|keepdims|underflow|nan|0 ?/ ?0",
    ),
    Bug(
        id="softmax-in-place-shift",
        step="softmax",
        code='''\
def softmax(z):
    z -= np.max(z, axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= np.sum(z, axis=1, keepdims=True)
    return z
''',
        about="Does the shift, exp and normalisation in place, overwriting the caller's logits.",
        says=MUTATE,
    ),
    Bug(
        id="softmax-sum-over-everything",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / e.sum()
''',
        about="Divides by the sum over the whole batch instead of each row's sum, so rows do not "
              "sum to 1.",
        says=r"whole|entire|all (the )?(entries|elements|rows)|global|axis|each row|row.?wise|per.?row|row sum|sum to 1|sums? to one",
    ),
    # --------------------------------------------------------------- cross_entropy (6)
    Bug(
        id="cross-entropy-sum-not-mean",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    total = 0.0
    for i in range(probs.shape[0]):
        k = int(np.argmax(targets[i]))
        total -= np.log(probs[i, k])
    return float(total)
''',
        about="Sums -log p over the batch but never divides by n, giving the total, not the mean.",
        says=r"mean|sum|total|1 ?/ ?n|divid|batch size|average|\bn\b|times n|factor",
    ),
    Bug(
        id="cross-entropy-mean-over-classes-too",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return float(-np.mean(targets * np.log(probs)))
''',
        about="Takes np.mean over all n*10 entries of t*log p, dividing by n*k instead of n.",
        says=r"mean|10|n ?\* ?k|k ?\* ?n|all (the )?(entries|elements)|every entry|divid|class|average|too small|factor",
    ),
    Bug(
        id="cross-entropy-missing-minus",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = targets.shape[0]
    return float(np.sum(targets * np.log(probs)) / n)
''',
        about="Forgets the minus sign, returning the mean log-likelihood (negative) instead of the "
              "loss.",
        says=r"sign|negat|minus|positive",
    ),
    Bug(
        id="cross-entropy-log10",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = targets.shape[0]
    return float(-np.sum(targets * np.log10(probs)) / n)
''',
        about="Uses the base-10 logarithm instead of the natural log.",
        says=r"log ?10|base|natural|\bln\b|log_?e",
    ),
    Bug(
        id="cross-entropy-binary",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = targets.shape[0]
    p = np.clip(probs, 1e-12, 1 - 1e-12)
    return float(-np.sum(targets * np.log(p) + (1 - targets) * np.log(1 - p)) / n)
''',
        about="Uses the binary cross-entropy, adding (1-t) log(1-p) terms for the wrong classes, "
              "instead of the categorical loss.",
        says=r"binary|1 ?- ?t|1 ?- ?p|1 ?- ?targets|1 ?- ?probs|wrong class|other class|extra term|bernoulli|sigmoid|categorical",
    ),
    Bug(
        id="cross-entropy-predicted-class",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = probs.shape[0]
    k = np.argmax(probs, axis=1)
    return float(-np.mean(np.log(probs[np.arange(n), k])))
''',
        about="Picks the probability of the predicted class (argmax of probs) rather than of the "
              "true class given by the targets.",
        says=r"argmax|target|true class|label|predict|most (likely|probable)|largest|highest|max",
    ),
    # --------------------------------------------------------- cross_entropy_delta (4)
    Bug(
        id="delta-missing-one-over-n",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    return probs - targets
''',
        about="Returns probs - targets without the 1/n that comes from averaging the loss.",
        says=r"1 ?/ ?n|mean|divid|batch|\bn\b|scale|factor|average|times n",
    ),
    Bug(
        id="delta-sign-flipped",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = targets.shape[0]
    return (targets - probs) / n
''',
        about="Computes (targets - probs)/n, the negative of the gradient.",
        says=r"sign|negat|revers|order|minus|opposite|flip|targets ?- ?probs|t ?- ?p|y ?- ?p",
    ),
    Bug(
        id="delta-divides-by-classes",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = targets.shape[1]
    return (probs - targets) / n
''',
        about="Takes n from shape[1] (the 10 classes) instead of shape[0] (the batch size).",
        says=r"shape\[1\]|shape\[0\]|10|class|axis|column|\bn\b|batch size|number of|rows|divid",
    ),
    Bug(
        id="delta-extra-softmax-derivative",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = targets.shape[0]
    return (probs - targets) * probs * (1.0 - probs) / n
''',
        about="Multiplies by p(1 - p) as if the softmax derivative still had to be applied, but "
              "p - t already is the gradient with respect to the logits.",
        says=r"softmax|derivative|p ?\(1 ?- ?p\)|p ?\* ?\(1 ?- ?p\)|probs ?\* ?\(1|extra|chain|sigmoid|twice|already|jacobian",
    ),
    # ----------------------------------------------------------------- feedforward (5)
    Bug(
        id="feedforward-sigmoid-output",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(np.dot(x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["w2"]) + params["b2"])
    a3 = sigmoid(np.dot(a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Uses sigmoid on the output layer instead of softmax, so a3's rows are not "
              "probability distributions.",
        says=r"softmax|sigmoid|output|a3|last layer|sum to 1|distribution",
    ),
    Bug(
        id="feedforward-output-from-a1",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    a3 = softmax(a1 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Feeds the first hidden layer a1 into the output layer instead of a2, skipping the "
              "second hidden layer.",
        says=r"a1|a2|wir|skip|bypass|input|layer|previous",
    ),
    Bug(
        id="feedforward-missing-b2",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"])
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Leaves out the second hidden layer's bias b2.",
        says=r"bias|b2|offset|intercept",
    ),
    Bug(
        id="feedforward-pre-activation-forward",
        step="feedforward",
        code='''\
def feedforward(params, x):
    z1 = x @ params["w1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = z1 @ params["w2"] + params["b2"]
    a2 = sigmoid(z2)
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Propagates the pre-activation z1 into the second layer instead of the activation "
              "a1 = sigmoid(z1).",
        says=r"pre.?activation|\bz1?\b|sigmoid|activation|a1|linear|non.?linear",
    ),
    Bug(
        id="feedforward-transposed-w2",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(np.einsum("ni,ij->nj", x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.einsum("ni,ji->nj", a1, params["w2"]) + params["b2"])
    a3 = softmax(np.einsum("ni,ij->nj", a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Multiplies by the transpose of the square matrix w2 (a1 @ w2.T), which the shapes "
              "do not catch.",
        says=r"transpos|w2|\.T\b|orient|index|einsum|ji|ij",
    ),
    # -------------------------------------------------------------------- backprop (7)
    Bug(
        id="backprop-swapped-derivatives",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a1)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a2)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Multiplies each hidden delta by the sigmoid derivative of the other hidden layer's "
              "activation (a1 for delta2, a2 for delta1).",
        says=r"a1|a2|swap|wrong (layer|activation)|mismatch|other layer|sigmoid.?derivative|layer",
    ),
    Bug(
        id="backprop-w2-not-transposed",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = np.dot(d3, params["w3"].T) * sigmoid_derivative(a2)
    d1 = np.dot(d2, params["w2"]) * sigmoid_derivative(a1)
    return {
        "w3": np.dot(a2.T, d3), "b3": d3.sum(axis=0, keepdims=True),
        "w2": np.dot(a1.T, d2), "b2": d2.sum(axis=0, keepdims=True),
        "w1": np.dot(x.T, d1), "b1": d1.sum(axis=0, keepdims=True),
    }
''',
        about="Pulls delta2 back through w2 instead of its transpose; w2 is square, so the shapes "
              "do not complain.",
        says=r"transpos|w2|\.T\b|orient",
    ),
    Bug(
        id="backprop-weights-divided-by-n-again",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    n = x.shape[0]
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3 / n, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2 / n, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1 / n, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Divides the weight gradients by n although the 1/n is already inside delta3, so "
              "they are n times too small.",
        says=r"1 ?/ ?n|twice|double|divid|\bn\b|mean|average|already|too small|scale|factor",
    ),
    Bug(
        id="backprop-bias-sum-wrong-axis",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=1, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=1, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=1, keepdims=True),
    }
''',
        about="Sums the deltas over axis 1 (each example's units) instead of over the batch axis 0, "
              "so the bias gradients have shape (n, 1).",
        says=r"axis|bias|shape|sum over|batch|row|column|\(7, ?1\)|\(n, ?1\)",
    ),
    Bug(
        id="backprop-w2-gradient-transposed",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": d2.T @ a1, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Computes dw2 as delta2^T a1, the transpose of a1^T delta2; being square, it keeps "
              "w2's shape.",
        says=r"transpos|w2|order|a1\.T|\.T\b|orient|swap",
    ),
    Bug(
        id="backprop-missing-derivative-layer1",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    grads = {}
    delta = cross_entropy_delta(a3, y)
    grads["w3"] = a2.T @ delta
    grads["b3"] = delta.sum(axis=0, keepdims=True)
    delta = (delta @ params["w3"].T) * sigmoid_derivative(a2)
    grads["w2"] = a1.T @ delta
    grads["b2"] = delta.sum(axis=0, keepdims=True)
    delta = delta @ params["w2"].T
    grads["w1"] = x.T @ delta
    grads["b1"] = delta.sum(axis=0, keepdims=True)
    return grads
''',
        about="Forgets to multiply the first hidden layer's delta by sigmoid_derivative(a1), "
              "skipping the sigmoid in the chain rule.",
        says=r"sigmoid.?derivative|sigmoid'|derivative|a1|chain|activation|delta ?1|d1|first (hidden )?layer|layer 1",
    ),
    Bug(
        id="backprop-derivative-on-output",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y) * sigmoid_derivative(a3)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Multiplies the output delta by sigmoid_derivative(a3), although softmax with "
              "cross-entropy already gives the logits' gradient p - t.",
        says=r"output|a3|softmax|sigmoid.?derivative|extra|d3|delta ?3|already|twice|chain",
    ),
    # ---------------------------------------------------------------------- update (4)
    Bug(
        id="update-gradient-ascent",
        step="update",
        code='''\
def update(params, grads, lr):
    return {k: params[k] + lr * np.reshape(grads[k], params[k].shape) for k in params}
''',
        about="Adds lr times the gradient instead of subtracting it: gradient ascent.",
        says=r"sign|plus|\+|ascent|uphill|minus|direction|against|subtract|opposite",
    ),
    Bug(
        id="update-scales-grads-in-place",
        step="update",
        code='''\
def update(params, grads, lr):
    for k in params:
        grads[k] *= lr
        params[k] = params[k] - grads[k]
    return params
''',
        about="Scales each gradient by lr in place, so the caller's grads are modified.",
        says=r"grads|" + MUTATE,
    ),
    Bug(
        id="update-ignores-lr",
        step="update",
        code='''\
def update(params, grads, lr):
    new = {}
    for k, p in params.items():
        new[k] = p - grads[k]
    return new
''',
        about="Subtracts the raw gradient, never multiplying it by the learning rate.",
        says=r"\blr\b|learning.?rate|rate|step.?size|scale",
    ),
    Bug(
        id="update-weights-only",
        step="update",
        code='''\
def update(params, grads, lr):
    new = dict(params)
    for k in ("w1", "w2", "w3"):
        new[k] = params[k] - lr * grads[k]
    return new
''',
        about="Updates only the weights w1, w2, w3 and leaves the biases unchanged.",
        says=r"bias|b1|b2|b3|every param|all (the )?param|unchanged|not updated|never updated",
    ),
    # --------------------------------------------------------------------- predict (4)
    Bug(
        id="predict-argmax-axis-0",
        step="predict",
        code='''\
def predict(params, x):
    probs = feedforward(params, x)[2]
    return np.argmax(probs, axis=0)
''',
        about="Takes argmax over axis 0 (the batch) instead of over each row's classes.",
        says=r"axis.?0|column|row|axis|shape|over the batch|\(10,?\)",
    ),
    Bug(
        id="predict-hidden-layer",
        step="predict",
        code='''\
def predict(params, x):
    _, a2, _ = feedforward(params, x)
    return np.argmax(a2, axis=1)
''',
        about="Takes the argmax of the second hidden layer's activations a2 instead of the "
              "output probabilities a3.",
        says=r"a2|a3|hidden|output|layer|index|\[1\]|\[2\]|last|probab",
    ),
    Bug(
        id="predict-one-based",
        step="predict",
        code='''\
def predict(params, x):
    a3 = feedforward(params, x)[-1]
    return np.argmax(a3, axis=1) + 1
''',
        about="Adds 1 to the argmax, labelling the digits 1..10 instead of 0..9.",
        says=r"\+ ?1|off.?by.?one|1.?based|one.?based|zero.?based|0.?based|index|shift",
    ),
    Bug(
        id="predict-max-not-argmax",
        step="predict",
        code='''\
def predict(params, x):
    a3 = feedforward(params, x)[2]
    return np.max(a3, axis=1)
''',
        about="Returns the largest probability of each row (np.max) instead of its index "
              "(np.argmax), so the result is not a class label.",
        says=r"argmax|np\.max|\bmax\b|probab|label|index|class|integer|float",
    ),
]
