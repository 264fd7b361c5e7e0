"""The sixth set of bugs written without reading the grader, its catalogue or the earlier sets
(issue 14): still held out.

Its first measurement, after the fifth set's misses were fixed: 45 of 45 named, every one losing
points in its own step. Nothing was changed because of it."""
from kata.held_out_bugs import Bug

BUGS = [
    # ------------------------------------------------------------------ sigmoid (5)
    Bug(
        id="h6-sigmoid-naive-overflow",
        step="sigmoid",
        code='''def sigmoid(z):
    return 1 / (1 + np.exp(-z))
''',
        about="Used the textbook 1/(1+e^-z) as written, so exp(-z) overflows with a warning for large negative z.",
        says=r"overflow|stab|warn|large|exp\(-?z\)|1000|inf",
    ),
    Bug(
        id="h6-sigmoid-sign-flipped",
        step="sigmoid",
        code='''def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(z))
''',
        about="Dropped the minus in the exponent, computing 1/(1+e^z) = sigmoid(-z), a decreasing curve.",
        says=r"sign|minus|negat|flip|mirror|revers|decreas|1 ?- ?sigm|sigmoid\(-z\)|e\^z|exp\(z\)",
    ),
    Bug(
        id="h6-sigmoid-where-evaluates-both",
        step="sigmoid",
        code='''def sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
''',
        about="Split the stable cases with np.where, but np.where evaluates both branches on every entry, so exp still overflows and warns for |z| near 1000.",
        says=r"overflow|warn|stab|both|where|branch|exp|1000|inf",
    ),
    Bug(
        id="h6-sigmoid-exp-over-one-plus-exp",
        step="sigmoid",
        code='''def sigmoid(z):
    ez = np.exp(z)
    return ez / (1 + ez)
''',
        about="Wrote sigmoid as e^z / (1 + e^z) for every z, which overflows to inf/inf = nan for large positive z.",
        says=r"overflow|nan|stab|warn|large|inf|1000",
    ),
    Bug(
        id="h6-sigmoid-writes-into-z",
        step="sigmoid",
        code='''def sigmoid(z):
    pos = z >= 0
    e = np.exp(-np.abs(z))
    z[pos] = 1.0 / (1.0 + e[pos])
    z[~pos] = e[~pos] / (1.0 + e[~pos])
    return z
''',
        about="Reused the input array z as the output buffer, overwriting the caller's pre-activations.",
        says=r"modif|in.?place|mutat|overwr|input|caller|copy|argument",
    ),
    # ------------------------------------------------------- sigmoid_derivative (3)
    Bug(
        id="h6-sigder-sigmoid-of-activation",
        step="sigmoid_derivative",
        code='''def sigmoid_derivative(a):
    s = sigmoid(a)
    return s * (1 - s)
''',
        about="Treated the argument as the pre-activation z and applied sigmoid again, although it is already the activation a.",
        says=r"activation|pre.?activation|\bz\b|sigmoid\(a\)|again|twice|already|a ?\* ?\(1 ?- ?a\)",
    ),
    Bug(
        id="h6-sigder-tanh-formula",
        step="sigmoid_derivative",
        code='''def sigmoid_derivative(a):
    return 1 - a ** 2
''',
        about="Used the tanh derivative 1 - a^2 instead of the sigmoid's a(1 - a).",
        says=r"tanh|1 ?- ?a\s*(\^|\*\*)\s*2|square|a ?\* ?\(1 ?- ?a\)|a\(1 ?- ?a\)|formula",
    ),
    Bug(
        id="h6-sigder-inplace",
        step="sigmoid_derivative",
        code='''def sigmoid_derivative(a):
    a *= 1 - a
    return a
''',
        about="Computed a(1 - a) in place with *=, overwriting the caller's activations.",
        says=r"modif|in.?place|mutat|overwr|input|caller|copy|argument",
    ),
    # ------------------------------------------------------------------ softmax (6)
    Bug(
        id="h6-softmax-no-max-shift",
        step="softmax",
        code='''def softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
''',
        about="Exponentiated the raw logits without subtracting the row maximum, so exp overflows to inf and nan for large logits.",
        says=r"overflow|stab|max|shift|subtract|nan|inf|1000",
    ),
    Bug(
        id="h6-softmax-sum-whole-array",
        step="softmax",
        code='''def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e)
''',
        about="Normalised by the sum over the whole batch instead of each row's sum, so rows do not sum to 1.",
        says=r"axis|row|whole|entire|all entries|global|sum to 1|normali",
    ),
    Bug(
        id="h6-softmax-axis0",
        step="softmax",
        code='''def softmax(z):
    shifted = z - z.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=0, keepdims=True)
''',
        about="Took the softmax down each column (axis 0) instead of across each row (axis 1).",
        says=r"axis|column|row",
    ),
    Bug(
        id="h6-softmax-sum-without-keepdims",
        step="softmax",
        code='''def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1)
''',
        about="Summed the rows without keepdims, so the (n, k) / (n,) division broadcasts against the wrong axis and fails.",
        says=r"keepdims|broadcast|shape|axis|\(n,\)|reshape|column",
    ),
    Bug(
        id="h6-softmax-global-max",
        step="softmax",
        code='''def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)
''',
        about="Subtracted the largest logit of the whole batch instead of each row's maximum, so a row far below it underflows to 0/0 = nan.",
        says=r"max|row|stab|underflow|nan|0/0|divi|zero|shift",
    ),
    Bug(
        id="h6-softmax-shifts-input-inplace",
        step="softmax",
        code='''def softmax(z):
    z -= np.max(z, axis=1, keepdims=True)
    exps = np.exp(z)
    return exps / np.sum(exps, axis=1, keepdims=True)
''',
        about="Subtracted the row maximum with -=, modifying the caller's logits in place.",
        says=r"modif|in.?place|mutat|overwr|input|caller|copy|argument",
    ),
    # ------------------------------------------------------------- cross_entropy (5)
    Bug(
        id="h6-ce-sum-not-mean",
        step="cross_entropy",
        code='''def cross_entropy(probs, targets):
    return float(-np.sum(targets * np.log(probs)))
''',
        about="Summed the loss over the batch instead of taking the mean over the n rows.",
        says=r"mean|sum|divid|\bn\b|average|batch|scale|factor",
    ),
    Bug(
        id="h6-ce-mean-over-all-entries",
        step="cross_entropy",
        code='''def cross_entropy(probs, targets):
    return float(np.mean(-targets * np.log(probs)))
''',
        about="Averaged over all n x 10 entries instead of over the n rows, dividing the loss by an extra factor of 10.",
        says=r"mean|10|class|entries|average|divid|size|factor|scale|row",
    ),
    Bug(
        id="h6-ce-missing-minus",
        step="cross_entropy",
        code='''def cross_entropy(probs, targets):
    n = probs.shape[0]
    return float(np.sum(np.log(probs[np.arange(n), targets.argmax(axis=1)])) / n)
''',
        about="Forgot the minus sign, returning the mean log-probability (negative) instead of the loss.",
        says=r"sign|minus|negat",
    ),
    Bug(
        id="h6-ce-fancy-index-columns",
        step="cross_entropy",
        code='''def cross_entropy(probs, targets):
    labels = np.argmax(targets, axis=1)
    return float(-np.mean(np.log(probs[:, labels])))
''',
        about="Indexed probs[:, labels], which picks whole columns (an n x n block) instead of each row's own true-class probability.",
        says=r"index|fancy|\[:|arange|row|pair|true class|n ?x ?n|\(n, ?n\)|column",
    ),
    Bug(
        id="h6-ce-binary-formula",
        step="cross_entropy",
        code='''def cross_entropy(probs, targets):
    n = len(probs)
    loss = targets * np.log(probs) + (1 - targets) * np.log(1 - probs)
    return float(-loss.sum() / n)
''',
        about="Used the binary cross-entropy, adding (1 - y) log(1 - p) terms for the wrong classes, which the categorical loss does not have (and log(1 - p) blows up when p is 1).",
        says=r"binary|1 ?- ?p|1 ?- ?y|1 ?- ?target|log\(1|wrong class|other class|false class|formula|nan|inf",
    ),
    # -------------------------------------------------------- cross_entropy_delta (4)
    Bug(
        id="h6-ced-missing-1-over-n",
        step="cross_entropy_delta",
        code='''def cross_entropy_delta(probs, targets):
    return probs - targets
''',
        about="Returned probs - targets without dividing by the batch size n that comes from the mean in the loss.",
        says=r"\bn\b|mean|divid|batch|1/n|average|scale|factor",
    ),
    Bug(
        id="h6-ced-sign",
        step="cross_entropy_delta",
        code='''def cross_entropy_delta(probs, targets):
    return (targets - probs) / len(targets)
''',
        about="Subtracted the wrong way round, (targets - probs) / n, flipping the gradient's sign.",
        says=r"sign|minus|negat|revers|flip|opposite|target.?s? ?- ?prob",
    ),
    Bug(
        id="h6-ced-divides-by-size",
        step="cross_entropy_delta",
        code='''def cross_entropy_delta(probs, targets):
    return (probs - targets) / probs.size
''',
        about="Divided by probs.size (n times 10) instead of the number of rows n.",
        says=r"size|10|class|entries|rows|\bn\b|divid|factor|scale",
    ),
    Bug(
        id="h6-ced-extra-softmax-derivative",
        step="cross_entropy_delta",
        code='''def cross_entropy_delta(probs, targets):
    n = probs.shape[0]
    return (probs - targets) * probs * (1 - probs) / n
''',
        about="Multiplied by an extra softmax derivative p(1 - p), although with softmax and cross-entropy the chain rule already collapses to (p - y)/n.",
        says=r"deriv|p ?\(1 ?- ?p\)|p ?\* ?\(1 ?- ?p\)|extra|factor|chain|already|collapse|jacobian",
    ),
    # --------------------------------------------------------------- feedforward (5)
    Bug(
        id="h6-ff-sigmoid-output",
        step="feedforward",
        code='''def feedforward(params, x):
    a1 = sigmoid(np.dot(x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["w2"]) + params["b2"])
    a3 = sigmoid(np.dot(a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Applied sigmoid to the output layer instead of softmax, so a3's rows are not probability distributions.",
        says=r"softmax|output|sigmoid|a3|last|sum to 1|probab",
    ),
    Bug(
        id="h6-ff-output-from-a1",
        step="feedforward",
        code='''def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    a3 = softmax(a1 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Fed the first hidden layer a1 into the output layer instead of a2, skipping the second hidden layer.",
        says=r"a1|a2|skip|previous|wrong (layer|input|activation)|layer|input",
    ),
    Bug(
        id="h6-ff-returns-logits",
        step="feedforward",
        code='''def feedforward(params, x):
    a = x
    outs = []
    for i in (1, 2):
        a = sigmoid(a @ params[f"w{i}"] + params[f"b{i}"])
        outs.append(a)
    outs.append(a @ params["w3"] + params["b3"])
    return tuple(outs)
''',
        about="Returned the output layer's logits without applying softmax.",
        says=r"softmax|logit|probab|a3|output|sum to 1|last",
    ),
    Bug(
        id="h6-ff-missing-b2",
        step="feedforward",
        code='''def feedforward(params, x):
    a1 = sigmoid(np.einsum("ij,jk->ik", x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.einsum("ij,jk->ik", a1, params["w2"]))
    a3 = softmax(np.einsum("ij,jk->ik", a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Left out the second layer's bias b2.",
        says=r"bias|b2",
    ),
    Bug(
        id="h6-ff-w2-transposed",
        step="feedforward",
        code='''def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"].T + params["b2"])
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Multiplied by the transpose of w2, which the square shape lets through silently.",
        says=r"transpos|w2|\.T\b",
    ),
    # ------------------------------------------------------------------ backprop (8)
    Bug(
        id="h6-bp-derivative-wrong-layers",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = np.dot(d3, params["w3"].T) * sigmoid_derivative(a1)
    d1 = np.dot(d2, params["w2"].T) * sigmoid_derivative(a2)
    return {
        "w3": np.dot(a2.T, d3), "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": np.dot(a1.T, d2), "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": np.dot(x.T, d1), "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Swapped the hidden layers' activations in the sigmoid-derivative factors: delta2 uses a1 and delta1 uses a2.",
        says=r"a1|a2|layer|activation|swap|sigmoid.?deriv",
    ),
    Bug(
        id="h6-bp-no-sigmoid-derivative",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    acts = [x, a1, a2]
    delta = cross_entropy_delta(a3, y)
    grads = {}
    for i in (3, 2, 1):
        grads[f"w{i}"] = acts[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0, keepdims=True)
        delta = delta @ params[f"w{i}"].T
    return grads
''',
        about="Pulled the delta back through the weights but never multiplied by the sigmoid derivative of the hidden activations.",
        says=r"sigmoid.?deriv|derivative|a ?\(1 ?- ?a\)|chain|activation",
    ),
    Bug(
        id="h6-bp-w2-not-transposed",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"]) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
    }
''',
        about="Pulled delta2 back through w2 instead of its transpose, which the square shape lets through silently.",
        says=r"transpos|w2|\.T\b",
    ),
    Bug(
        id="h6-bp-dw2-uses-a2",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    grads = {}
    grads["w3"] = a2.T @ d3
    grads["b3"] = d3.sum(axis=0, keepdims=True)
    grads["w2"] = a2.T @ d2
    grads["b2"] = d2.sum(axis=0, keepdims=True)
    grads["w1"] = x.T @ d1
    grads["b1"] = d1.sum(axis=0, keepdims=True)
    return grads
''',
        about="Computed dw2 from the layer's own output a2 instead of its input a1.",
        says=r"a1|a2|input|wrong (layer|activation)|previous|w2",
    ),
    Bug(
        id="h6-bp-bias-mean",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    grads = {}
    for k, inp, d in (("1", x, d1), ("2", a1, d2), ("3", a2, d3)):
        grads["w" + k] = inp.T @ d
        grads["b" + k] = np.mean(d, axis=0, keepdims=True)
    return grads
''',
        about="Averaged the bias gradients over the batch although delta already carries the 1/n, dividing them by n twice.",
        says=r"mean|sum|bias|\bn\b|1/n|average|twice|double|divid|scale",
    ),
    Bug(
        id="h6-bp-bias-sum-axis1",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w1": x.T @ d1, "b1": d1.sum(axis=1, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.sum(axis=1, keepdims=True),
        "w3": a2.T @ d3, "b3": d3.sum(axis=1, keepdims=True),
    }
''',
        about="Summed the bias deltas over axis 1 (the units) instead of axis 0 (the batch), giving (n, 1) bias gradients.",
        says=r"axis|bias|shape|batch|row|column|unit",
    ),
    Bug(
        id="h6-bp-divides-by-n-again",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    n = x.shape[0]
    d3 = cross_entropy_delta(a3, y)
    d2 = np.dot(d3, params["w3"].T) * sigmoid_derivative(a2)
    d1 = np.dot(d2, params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": np.dot(a2.T, d3) / n, "b3": np.sum(d3, axis=0, keepdims=True) / n,
        "w2": np.dot(a1.T, d2) / n, "b2": np.sum(d2, axis=0, keepdims=True) / n,
        "w1": np.dot(x.T, d1) / n, "b1": np.sum(d1, axis=0, keepdims=True) / n,
    }
''',
        about="Divided every gradient by n although cross_entropy_delta already includes the 1/n, averaging twice.",
        says=r"\bn\b|1/n|twice|double|mean|divid|average|scale|factor",
    ),
    Bug(
        id="h6-bp-inplace-a3",
        step="backprop",
        code='''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = a3
    d3 -= y
    d3 /= len(y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
    }
''',
        about="Formed delta3 with -= and /= on an alias of a3, overwriting the caller's output activations.",
        says=r"modif|in.?place|mutat|overwr|input|caller|copy|alias|activation",
    ),
    # -------------------------------------------------------------------- update (5)
    Bug(
        id="h6-update-gradient-ascent",
        step="update",
        code='''def update(params, grads, lr):
    return {k: p + lr * grads[k] for k, p in params.items()}
''',
        about="Added lr times the gradient instead of subtracting it, stepping uphill.",
        says=r"sign|plus|\+|uphill|ascent|minus|against|opposite|direction",
    ),
    Bug(
        id="h6-update-scales-grads-inplace",
        step="update",
        code='''def update(params, grads, lr):
    for k in params:
        grads[k] *= lr
        params[k] -= grads[k]
    return params
''',
        about="Scaled the gradients by lr in place with *=, modifying the caller's grads.",
        says=r"grad|modif|mutat|in.?place|input|overwr|caller|copy",
    ),
    Bug(
        id="h6-update-range-off-by-one",
        step="update",
        code='''def update(params, grads, lr):
    new = dict(params)
    for i in range(1, 3):
        new[f"w{i}"] = params[f"w{i}"] - lr * grads[f"w{i}"]
        new[f"b{i}"] = params[f"b{i}"] - lr * grads[f"b{i}"]
    return new
''',
        about="Looped over range(1, 3), so the output layer's w3 and b3 are never updated.",
        says=r"w3|b3|range|off.by.one|layer 3|last layer|output layer|not (all|every)|missing|unchanged|every param",
    ),
    Bug(
        id="h6-update-no-return",
        step="update",
        code='''def update(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
''',
        about="Updated params in place but forgot to return them, so the function returns None.",
        says=r"return|None",
    ),
    Bug(
        id="h6-update-return-inside-loop",
        step="update",
        code='''def update(params, grads, lr):
    for key, value in params.items():
        params[key] = value - lr * grads[key]
        return params
''',
        about="Indented the return inside the loop, so only the first parameter (w1) is updated.",
        says=r"return|loop|indent|only|first|w1|not (all|every)|unchanged|every param|missing",
    ),
    # ------------------------------------------------------------------- predict (4)
    Bug(
        id="h6-predict-argmax-axis0",
        step="predict",
        code='''def predict(params, x):
    probs = feedforward(params, x)[2]
    return np.argmax(probs, axis=0)
''',
        about="Took the argmax down the columns (axis 0) instead of along each row, returning one index per class.",
        says=r"axis|row|column|shape",
    ),
    Bug(
        id="h6-predict-argmax-flat",
        step="predict",
        code='''def predict(params, x):
    _, _, out = feedforward(params, x)
    return np.argmax(out)
''',
        about="Called argmax without an axis, getting a single index into the flattened array instead of one label per row.",
        says=r"axis|flat|scalar|shape|row|single|one (label|index)",
    ),
    Bug(
        id="h6-predict-max-not-argmax",
        step="predict",
        code='''def predict(params, x):
    return np.max(feedforward(params, x)[2], axis=1)
''',
        about="Returned each row's largest probability (max) instead of its position (argmax), the class label.",
        says=r"argmax|max|probab|label|index|integer|\bint",
    ),
    Bug(
        id="h6-predict-float-labels",
        step="predict",
        code='''def predict(params, x):
    probs = feedforward(params, x)[2]
    labels = np.zeros(len(x))
    for i, row in enumerate(probs):
        labels[i] = np.argmax(row)
    return labels
''',
        about="Collected the labels in np.zeros, a float64 array, so the labels come back as floats, not integers.",
        says=r"int|float|dtype|zeros|type",
    ),
]
