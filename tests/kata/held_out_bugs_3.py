"""The third set of bugs written without reading the grader, its catalogue or the earlier sets
(issue 14).

Held out until its first measurement: 38 of 45 named (84%), and one (sigmoid_derivative
computed in place) lost no points at all: sigmoid and sigmoid_derivative had no "input
unchanged" check. Its misses were then fixed (that check; the lost batch axis, float labels and
in-place writes named as heuristics; four catalogue entries), so it is a development set now."""
from kata.held_out_bugs import Bug

_MUTATE = r"modif|mutat|in.?place|overwr|changes? (the |its )?(input|argument)|copy"

BUGS = [
    # ---------------------------------------------------------------- sigmoid (5)
    Bug(
        id="h3-sigmoid-naive-exp",
        step="sigmoid",
        code='''\
def sigmoid(z):
    denominator = 1.0 + np.exp(-z)
    return 1.0 / denominator
''',
        about="Computes 1/(1+e^-z) directly, so e^-z overflows for large negative z (e.g. -1000).",
        says=r"overflow|stab|large|warn|exp\(|non-?positive|inf",
    ),
    Bug(
        id="h3-sigmoid-precedence",
        step="sigmoid",
        code='''\
def sigmoid(z):
    return 1 / 1 + np.exp(-z)
''',
        about="Operator precedence: 1 / 1 + e^-z is 1 + e^-z, not 1 / (1 + e^-z).",
        says=r"precedence|parenthes|bracket|1 ?\+ ?e|order of operations|range|\[0, ?1\]|greater than 1|above 1",
    ),
    Bug(
        id="h3-sigmoid-branches-swapped",
        step="sigmoid",
        code='''\
def sigmoid(z):
    e = np.exp(-np.abs(z))
    pos = e / (1.0 + e)
    neg = 1.0 / (1.0 + e)
    return np.where(z >= 0, pos, neg)
''',
        about="The stable two-branch form with its branches swapped, so it computes sigmoid(-z) = 1 - sigmoid(z).",
        says=r"swap|branch|revers|sign|negat|-z|1 ?- ?sigmoid|mirror|flip",
    ),
    Bug(
        id="h3-sigmoid-abs-only",
        step="sigmoid",
        code='''\
def sigmoid(z):
    # keep exp's argument non-positive
    return 1.0 / (1.0 + np.exp(-np.abs(z)))
''',
        about="Uses |z| for stability but forgets the negative branch, so sigmoid(z) = sigmoid(|z|) is never below 1/2.",
        says=r"negative|abs|branch|\|z\||symmetr|below 0\.5|half|z ?< ?0",
    ),
    Bug(
        id="h3-sigmoid-tanh",
        step="sigmoid",
        code='''\
def sigmoid(z):
    return np.tanh(z)
''',
        about="Uses the hyperbolic tangent instead of the logistic function; its range is [-1, 1].",
        says=r"tanh|wrong (function|activation)|range|\[-1|negative|logistic",
    ),
    # ------------------------------------------------------ sigmoid_derivative (4)
    Bug(
        id="h3-sigderiv-sigmoid-again",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    s = sigmoid(a)
    return s * (1 - s)
''',
        about="Treats the activation a as the pre-activation z and applies sigmoid to it again.",
        says=r"sigmoid\(a\)|again|twice|already|pre-?activation|activation|\bz\b",
    ),
    Bug(
        id="h3-sigderiv-plus",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return a * (1 + a)
''',
        about="Sign error: a(1 + a) instead of a(1 - a).",
        says=r"sign|1 ?\+ ?a|plus|1 ?- ?a|minus",
    ),
    Bug(
        id="h3-sigderiv-precedence",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return a * 1 - a
''',
        about="Missing parentheses: a * 1 - a is a - a = 0, not a(1 - a).",
        says=r"precedence|parenthes|bracket|zero|\b0\b|1 ?- ?a",
    ),
    Bug(
        id="h3-sigderiv-inplace",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    a *= (1.0 - a)
    return a
''',
        about="Computes a(1 - a) in place with *=, overwriting the caller's activations.",
        says=_MUTATE,
    ),
    # ----------------------------------------------------------------- softmax (5)
    Bug(
        id="h3-softmax-no-shift",
        step="softmax",
        code='''\
def softmax(z):
    exps = np.exp(z)
    return exps / exps.sum(axis=1, keepdims=True)
''',
        about="No max subtraction, so e^z overflows for logits near 1000.",
        says=r"overflow|stab|max|shift|subtract|nan|inf|large",
    ),
    Bug(
        id="h3-softmax-axis0",
        step="softmax",
        code='''\
def softmax(z):
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=0, keepdims=True)
''',
        about="Normalises over axis 0 (each column over the batch) instead of over each row.",
        says=r"axis|column|row",
    ),
    Bug(
        id="h3-softmax-global-max",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=1, keepdims=True)
''',
        about="Subtracts the maximum of the whole array rather than each row's maximum, so a row far below it underflows to 0/0.",
        says=r"global|whole|each row|per.?row|row'?s? max|underflow|nan|0/0|axis|stab",
    ),
    Bug(
        id="h3-softmax-inplace-shift",
        step="softmax",
        code='''\
def softmax(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
''',
        about="Does the shift, exponential and normalisation in place, overwriting the caller's logits.",
        says=_MUTATE,
    ),
    Bug(
        id="h3-softmax-loop-last-row",
        step="softmax",
        code='''\
def softmax(z):
    for i in range(z.shape[0]):
        row = z[i] - np.max(z[i])
        out = np.exp(row) / np.sum(np.exp(row))
    return out
''',
        about="Loops over the rows but keeps only the last row's result, returning a (k,) vector instead of (n, k).",
        says=r"last row|only one row|shape|\(n, ?k\)|loop|overwr|rows",
    ),
    # ----------------------------------------------------------- cross_entropy (5)
    Bug(
        id="h3-ce-sum-not-mean",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    total = 0.0
    for p_row, t_row in zip(probs, targets):
        total -= np.log(p_row[np.argmax(t_row)])
    return float(total)
''',
        about="Sums -log p(true class) over the batch but never divides by n.",
        says=r"mean|1/n|divid|average|batch size|sum",
    ),
    Bug(
        id="h3-ce-mean-all-entries",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return float(-np.mean(targets * np.log(probs)))
''',
        about="Takes the mean over all n*10 entries instead of over the n rows, dividing the loss by an extra 10.",
        says=r"10|classes|entries|n ?\* ?k|n ?\* ?10|all elements|axis|mean over|sum over",
    ),
    Bug(
        id="h3-ce-predicted-class",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    best = np.max(probs, axis=1)
    return float(-np.mean(np.log(best)))
''',
        about="Uses the probability of the predicted (most probable) class instead of the true class from the targets.",
        says=r"true class|target|predicted|max|one-?hot|label",
    ),
    Bug(
        id="h3-ce-missing-minus",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = probs.shape[0]
    log_likelihood = np.log(np.sum(probs * targets, axis=1))
    return float(np.sum(log_likelihood) / n)
''',
        about="Forgets the minus sign: returns the mean log-likelihood, which is negative, not the loss.",
        says=r"sign|negat|minus|-log",
    ),
    Bug(
        id="h3-ce-returns-vector",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    idx = targets.argmax(axis=1)
    return -np.log(probs[np.arange(len(idx)), idx])
''',
        about="Returns the per-example losses as an (n,) array instead of their mean as a float.",
        says=r"float|scalar|mean|array|shape|single number|average",
    ),
    # ----------------------------------------------------- cross_entropy_delta (5)
    Bug(
        id="h3-ced-no-n",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    return probs - targets
''',
        about="Forgets the 1/n that comes from the mean in the loss.",
        says=r"1/n|divid|mean|batch size|\bn\b|average",
    ),
    Bug(
        id="h3-ced-sign",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = len(targets)
    return (targets - probs) / n
''',
        about="Sign error: (targets - probs) / n, the negative of the gradient.",
        says=r"sign|revers|negat|minus|targets ?- ?probs|opposite",
    ),
    Bug(
        id="h3-ced-divide-by-classes",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = probs.shape[1]
    return (probs - targets) / n
''',
        about="Divides by shape[1], the number of classes (10), instead of the batch size n = shape[0].",
        says=r"shape\[1\]|shape\[0\]|class|10|axis|column|batch size|\bn\b|rows",
    ),
    Bug(
        id="h3-ced-floor-division",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = targets.shape[0]
    return (probs - targets) // n
''',
        about="Uses floor division // for the 1/n, rounding every gradient entry down to an integer value (0 or -1).",
        says=r"//|floor|integer|round|division",
    ),
    Bug(
        id="h3-ced-mean-axis0",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    return np.mean(probs - targets, axis=0)
''',
        about="Averages the delta over the batch, collapsing it to shape (10,) instead of one row per example.",
        says=r"shape|\(n, ?10\)|axis|mean|per.?example|row|collaps|average",
    ),
    # ------------------------------------------------------------- feedforward (6)
    Bug(
        id="h3-ff-sigmoid-output",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(np.dot(x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["w2"]) + params["b2"])
    a3 = sigmoid(np.dot(a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Applies sigmoid instead of softmax at the output layer.",
        says=r"softmax|sigmoid|output|a3|sum to 1|distribution",
    ),
    Bug(
        id="h3-ff-missing-b2",
        step="feedforward",
        code='''\
def feedforward(params, x):
    w1, b1 = params["w1"], params["b1"]
    w2, b2 = params["w2"], params["b2"]
    w3, b3 = params["w3"], params["b3"]
    a1 = sigmoid(x @ w1 + b1)
    a2 = sigmoid(a1 @ w2)
    a3 = softmax(a2 @ w3 + b3)
    return a1, a2, a3
''',
        about="Forgets the second layer's bias b2.",
        says=r"b2|bias",
    ),
    Bug(
        id="h3-ff-skip-layer",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    a3 = softmax(a1 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Wires the output layer to a1 instead of a2, skipping the second hidden layer.",
        says=r"a1|a2|skip|wir|second|layer|input",
    ),
    Bug(
        id="h3-ff-returns-z",
        step="feedforward",
        code='''\
def feedforward(params, x):
    z1 = x @ params["w1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ params["w2"] + params["b2"]
    a2 = sigmoid(z2)
    z3 = a2 @ params["w3"] + params["b3"]
    a3 = softmax(z3)
    return z1, z2, a3
''',
        about="Returns the hidden layers' pre-activations z1, z2 instead of their activations a1, a2.",
        says=r"pre-?activ|z1|z2|\bz\b|before (the )?sigmoid|activation|sigmoid",
    ),
    Bug(
        id="h3-ff-w2-transposed",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(np.einsum("ni,ij->nj", x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.einsum("ni,ji->nj", a1, params["w2"]) + params["b2"])
    a3 = softmax(np.einsum("ni,ij->nj", a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Multiplies by the transpose of the square matrix w2 (the einsum indices are swapped).",
        says=r"transpos|w2\.T|\.T\b|w2|index|indices|einsum",
    ),
    Bug(
        id="h3-ff-bias-after-activation",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"]) + params["b1"]
    a2 = sigmoid(a1 @ params["w2"]) + params["b2"]
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Adds the hidden biases after the sigmoid instead of inside it, to the pre-activation.",
        says=r"bias|after|inside|b1|b2|pre-?activ",
    ),
    # ---------------------------------------------------------------- backprop (7)
    Bug(
        id="h3-bp-derivative-of-sigmoid-of-a",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(sigmoid(a2))
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(sigmoid(a1))
    return {
        "w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
    }
''',
        about="Feeds sigmoid(a) to sigmoid_derivative, applying the sigmoid a second time to values that are already activations.",
        says=r"sigmoid_derivative|sigmoid\(a|twice|again|already|activation|\bz\b",
    ),
    Bug(
        id="h3-bp-wrong-layer-activation",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    n = x.shape[0]
    d3 = cross_entropy_delta(a3, y)
    d2 = np.dot(d3, params["w3"].T) * sigmoid_derivative(a1)
    d1 = np.dot(d2, params["w2"].T) * sigmoid_derivative(a1)
    grads = {}
    grads["w3"] = np.dot(a2.T, d3)
    grads["b3"] = np.sum(d3, axis=0, keepdims=True)
    grads["w2"] = np.dot(a1.T, d2)
    grads["b2"] = np.sum(d2, axis=0, keepdims=True)
    grads["w1"] = np.dot(x.T, d1)
    grads["b1"] = np.sum(d1, axis=0, keepdims=True)
    return grads
''',
        about="The second layer's delta uses sigmoid_derivative(a1) instead of sigmoid_derivative(a2).",
        says=r"a1|a2|layer|wrong activation|sigmoid_derivative",
    ),
    Bug(
        id="h3-bp-bias-mean",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.mean(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.mean(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.mean(d1, axis=0, keepdims=True),
    }
''',
        about="Averages the bias deltas over the batch, dividing by n a second time (the 1/n is already in delta3).",
        says=r"mean|sum|1/n|\bn\b|twice|double|bias|divid",
    ),
    Bug(
        id="h3-bp-w2-not-transposed",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"]) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Pulls delta2 back through w2 instead of w2 transposed (it runs only because w2 is square).",
        says=r"transpos|w2\.T|\.T\b|w2",
    ),
    Bug(
        id="h3-bp-dw1-uses-a1",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": a1.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="The first layer's weight gradient uses a1 instead of the layer's input x, giving the wrong shape (128, 128).",
        says=r"\bx\b|input|a1|w1|shape|\(64, ?128\)",
    ),
    Bug(
        id="h3-bp-inplace-delta",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    n = x.shape[0]
    d3 = a3
    d3 -= y
    d3 /= n
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Builds delta3 in place on a3 (d3 = a3; d3 -= y), overwriting the caller's activations.",
        says=_MUTATE + r"|a3|activations",
    ),
    Bug(
        id="h3-bp-delta-args-swapped",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(y, a3)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Calls cross_entropy_delta(y, a3) with the arguments swapped, so every gradient has the wrong sign.",
        says=r"sign|order|swap|revers|negat|opposite|argument",
    ),
    # ------------------------------------------------------------------ update (4)
    Bug(
        id="h3-update-ascent",
        step="update",
        code='''\
def update(params, grads, lr):
    new = {}
    for key in params:
        new[key] = params[key] + lr * grads[key]
    return new
''',
        about="Adds lr times the gradient (gradient ascent) instead of subtracting it.",
        says=r"sign|ascent|uphill|minus|subtract|\+|opposite|against",
    ),
    Bug(
        id="h3-update-scales-grads",
        step="update",
        code='''\
def update(params, grads, lr):
    for k in grads:
        grads[k] *= lr
    return {k: params[k] - grads[k] for k in params}
''',
        about="Scales the gradients by lr in place, overwriting the caller's grads.",
        says=_MUTATE + r"|grads",
    ),
    Bug(
        id="h3-update-no-lr",
        step="update",
        code='''\
def update(params, grads, lr):
    return {k: p - grads[k] for k, p in params.items()}
''',
        about="Forgets the learning rate: steps by the full gradient instead of lr times it.",
        says=r"\blr\b|learning rate|step size",
    ),
    Bug(
        id="h3-update-weights-only",
        step="update",
        code='''\
def update(params, grads, lr):
    for name in ["w1", "w2", "w3"]:
        params[name] = params[name] - lr * grads[name]
    return params
''',
        about="Updates only the weights; the biases b1, b2, b3 are never moved.",
        says=r"bias|b1|b2|b3|every parameter|all param",
    ),
    # ----------------------------------------------------------------- predict (4)
    Bug(
        id="h3-predict-axis0",
        step="predict",
        code='''\
def predict(params, x):
    a1, a2, a3 = feedforward(params, x)
    return np.argmax(a3, axis=0)
''',
        about="Takes argmax over axis 0 (the batch) instead of over each row's classes.",
        says=r"axis|column|row|shape",
    ),
    Bug(
        id="h3-predict-returns-probs",
        step="predict",
        code='''\
def predict(params, x):
    _, _, probs = feedforward(params, x)
    return probs
''',
        about="Returns the class probabilities instead of the argmax class labels.",
        says=r"argmax|label|class|probab|integer|shape",
    ),
    Bug(
        id="h3-predict-hidden-layer",
        step="predict",
        code='''\
def predict(params, x):
    out = feedforward(params, x)
    return np.argmax(out[1], axis=1)
''',
        about="Takes argmax of the second hidden layer a2 instead of the output layer a3.",
        says=r"a2|a3|layer|last|output|\[1\]|\[2\]|\[-1\]|hidden|range|0.{0,8}9",
    ),
    Bug(
        id="h3-predict-float-labels",
        step="predict",
        code='''\
def predict(params, x):
    probs = feedforward(params, x)[2]
    labels = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        labels[i] = np.argmax(probs[i])
    return labels
''',
        about="Collects the labels in a float64 array from np.zeros, so it returns floats rather than integers.",
        says=r"\bint|float|dtype|type",
    ),
]
