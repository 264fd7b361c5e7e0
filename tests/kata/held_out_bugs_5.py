"""The fifth set of bugs written without reading the grader, its catalogue or the earlier sets
(issue 14).

Held out until its first measurement: 39 of 45 named (87%); one (predict caching its labels
by x's shape) lost no points: no check called predict twice on the same x. Its misses were then
fixed (predict's values checks call it again on the same x with new params; heuristics for a
clipped z, an epsilon inside the log after the mask, stale labels; three catalogue entries;
update's unmoved parameter now says "unchanged"), so it is a development set now."""
from kata.held_out_bugs import Bug

BUGS = [
    # ---------------------------------------------------------------- sigmoid
    Bug(
        id="h5-sigmoid-naive-exp",
        step="sigmoid",
        code='''\
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))
''',
        about="Uses the textbook 1 / (1 + e^-z) directly, so exp overflows for large negative z.",
        says=r"overflow|stab|large|warn|inf|exp\(",
    ),
    Bug(
        id="h5-sigmoid-tanh-no-half",
        step="sigmoid",
        code='''\
def sigmoid(z):
    # sigmoid via tanh, which never overflows
    return 0.5 * (1.0 + np.tanh(z))
''',
        about="Writes sigmoid as (1 + tanh(z)) / 2, forgetting that the identity needs tanh(z / 2).",
        says=r"tanh|z ?/ ?2|half|factor|scal|steep",
    ),
    Bug(
        id="h5-sigmoid-max-shift",
        step="sigmoid",
        code='''\
def sigmoid(z):
    # subtract the max like in softmax so exp cannot overflow
    e = np.exp(z - np.max(z))
    return e / (1.0 + e)
''',
        about="Borrows the softmax max-shift, but sigmoid is not shift invariant: it returns sigmoid(z - max(z)).",
        says=r"shift|max|subtract|invarian",
    ),
    Bug(
        id="h5-sigmoid-negative-branch-sign",
        step="sigmoid",
        code='''\
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    neg = ~pos
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    # for negative z use the other form so exp stays small
    out[neg] = 1.0 / (1.0 + np.exp(z[neg]))
    return out
''',
        about="The branch for negative z computes 1 / (1 + e^z), i.e. sigmoid(-z), so every negative entry is mirrored.",
        says=r"negative|z ?< ?0|sign|branch|sigma\(-z\)|sigmoid\(-z\)|mirror|1 - ",
    ),
    Bug(
        id="h5-sigmoid-clip-ten",
        step="sigmoid",
        code='''\
def sigmoid(z):
    z = np.clip(z, -10, 10)   # keep exp in range
    return 1.0 / (1.0 + np.exp(-z))
''',
        about="Clips z to [-10, 10] before the formula, so entries with |z| > 10 saturate too early at the wrong values.",
        says=r"clip|saturat|large|\|z\||range|10",
    ),
    # ---------------------------------------------------------------- sigmoid_derivative
    Bug(
        id="h5-sigder-sigmoid-again",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    s = sigmoid(a)
    return s * (1 - s)
''',
        about="Treats the activation a as the pre-activation z and applies sigmoid to it a second time.",
        says=r"sigmoid\(a\)|activation|pre-?activation|\bz\b|twice|again|already",
    ),
    Bug(
        id="h5-sigder-precedence",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return a * 1 - a
''',
        about="Drops the parentheses of a * (1 - a), so operator precedence gives a - a = 0.",
        says=r"precedence|parenthes|bracket|zero|a \* 1 - a|1 ?- ?a",
    ),
    Bug(
        id="h5-sigder-tanh-formula",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return 1.0 - np.square(a)
''',
        about="Uses the tanh derivative 1 - a^2 instead of the sigmoid's a (1 - a).",
        says=r"tanh|1 ?- ?a ?\*\* ?2|a\^2|squar|a\*\*2|a \* \(1 - a\)",
    ),
    Bug(
        id="h5-sigder-in-place",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    a *= (1.0 - a)
    return a
''',
        about="Computes a (1 - a) in place with *=, overwriting the caller's activations.",
        says=r"in[- ]place|modif|mutat|overwr|\*=|caller|input|argument",
    ),
    # ---------------------------------------------------------------- softmax
    Bug(
        id="h5-softmax-apply-axis0",
        step="softmax",
        code='''\
def softmax(z):
    def _row(v):
        e = np.exp(v - np.max(v))
        return e / np.sum(e)
    return np.apply_along_axis(_row, 0, z)
''',
        about="Applies the one-dimensional softmax along axis 0, normalising each column over the batch instead of each row.",
        says=r"axis ?0|column|axis|over the batch|direction|rows? (do not|don't) sum",
    ),
    Bug(
        id="h5-softmax-global-max",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=1, keepdims=True)
''',
        about="Shifts by the maximum of the whole array instead of each row's own maximum, so rows far below it underflow to 0/0.",
        says=r"global|whole|entire|each row|per[- ]row|row'?s (own )?max|stab|nan|underflow|keepdims|axis",
    ),
    Bug(
        id="h5-softmax-in-place-shift",
        step="softmax",
        code='''\
def softmax(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
''',
        about="Does the shift, exp and division in place, overwriting the caller's logits.",
        says=r"in[- ]place|modif|mutat|overwr|caller|input|argument",
    ),
    Bug(
        id="h5-softmax-sum-everything",
        step="softmax",
        code='''\
def softmax(z):
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e)
''',
        about="Divides by the sum over the whole array rather than each row's sum, so rows do not sum to 1.",
        says=r"axis|whole|entire|all entries|every entry|each row|row sum|per[- ]row|normali|sum to 1",
    ),
    Bug(
        id="h5-softmax-min-shift",
        step="softmax",
        code='''\
def softmax(z):
    shifted = z - np.min(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
''',
        about="Subtracts each row's minimum instead of its maximum, so exp still overflows for spread-out logits.",
        says=r"\bmin|overflow|stab|max|inf|nan",
    ),
    Bug(
        id="h5-softmax-loop-skips-first-row",
        step="softmax",
        code='''\
def softmax(z):
    out = np.zeros_like(z)
    for i in range(1, z.shape[0]):
        row = np.exp(z[i] - np.max(z[i]))
        out[i] = row / row.sum()
    return out
''',
        about="The row loop starts at 1, so the first row is never computed and stays all zeros.",
        says=r"first row|row 0|off[- ]by[- ]one|range\(1|skip|missing row|some rows?|zero|sum to 1",
    ),
    # ---------------------------------------------------------------- cross_entropy
    Bug(
        id="h5-ce-sum-not-mean",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return float(-np.sum(targets * np.log(probs)))
''',
        about="Sums the per-example losses instead of averaging them over the batch (missing 1/n).",
        says=r"mean|average|divid|\bn\b|1/n|batch size|sum",
    ),
    Bug(
        id="h5-ce-mean-over-all-entries",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return float(np.mean(-targets * np.log(probs)))
''',
        about="Takes the mean over all n x 10 entries instead of over the n rows, dividing the loss by an extra 10.",
        says=r"mean|average|10|class|divid|all entries|axis|\bn\b",
    ),
    Bug(
        id="h5-ce-predicted-class",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    import math
    n = len(probs)
    picks = np.argmax(probs, axis=1)
    return -sum(math.log(probs[i, j]) for i, j in enumerate(picks)) / n
''',
        about="Indexes with argmax of the probabilities (the predicted class) instead of the true class from the targets.",
        says=r"target|true class|label|argmax|predict|wrong (class|index)",
    ),
    Bug(
        id="h5-ce-returns-per-row",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    p_true = np.sum(probs * targets, axis=1)
    return -np.log(p_true)
''',
        about="Returns the vector of per-example losses instead of their mean as a single float.",
        says=r"float|scalar|mean|array|per[- ]row|per[- ]example|shape|return|average",
    ),
    Bug(
        id="h5-ce-binary-form",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = probs.shape[0]
    loss = targets * np.log(probs) + (1 - targets) * np.log(1 - probs)
    return float(-np.sum(loss) / n)
''',
        about="Uses the binary cross-entropy with an extra (1 - y) log(1 - p) term for every wrong class.",
        says=r"binary|1 ?- ?p|1 ?- ?targets|1 ?- ?y|log\(1|bce|extra term|false class|other class|wrong class",
    ),
    Bug(
        id="h5-ce-mask-inside-log",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    eps = 1e-12
    n = targets.shape[0]
    return float(-np.sum(np.log(targets * probs + eps)) / n)
''',
        about="Puts the one-hot mask and the epsilon inside the log, so every wrong class adds -log(1e-12) to the loss.",
        says=r"eps|epsilon|log|mask|1e-12|inside|other class|non[- ]true|wrong class|zero",
    ),
    # ---------------------------------------------------------------- cross_entropy_delta
    Bug(
        id="h5-ced-no-n",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    return probs - targets
''',
        about="Returns probs - targets without the 1/n that comes from the mean over the batch.",
        says=r"\bn\b|1/n|divid|batch|mean|scale|factor",
    ),
    Bug(
        id="h5-ced-reversed",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = len(targets)
    return np.subtract(targets, probs) / n
''',
        about="Computes (targets - probs) / n, the negative of the gradient.",
        says=r"sign|revers|negat|targets - probs|y - p|opposite|minus",
    ),
    Bug(
        id="h5-ced-n-from-columns",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = targets.shape[1]
    return (probs - targets) / n
''',
        about="Takes n from shape[1] (the 10 classes) instead of shape[0] (the batch size).",
        says=r"shape\[1\]|shape|axis|10|class|number of (rows|examples|samples)|batch|\bn\b",
    ),
    Bug(
        id="h5-ced-in-place",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = targets.shape[0]
    probs -= targets
    probs /= n
    return probs
''',
        about="Subtracts and divides in place, overwriting the caller's probs array.",
        says=r"in[- ]place|modif|mutat|overwr|caller|input|argument|probs",
    ),
    # ---------------------------------------------------------------- feedforward
    Bug(
        id="h5-ff-sigmoid-output",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(np.dot(x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["w2"]) + params["b2"])
    a3 = sigmoid(np.dot(a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Applies sigmoid to the output layer instead of softmax.",
        says=r"softmax|output|last layer|third|a3|sigmoid",
    ),
    Bug(
        id="h5-ff-b1-in-second-layer",
        step="feedforward",
        code='''\
def feedforward(params, x):
    w1, b1 = params["w1"], params["b1"]
    w2, b2 = params["w2"], params["b1"]
    w3, b3 = params["w3"], params["b3"]
    a1 = sigmoid(np.matmul(x, w1) + b1)
    a2 = sigmoid(np.matmul(a1, w2) + b2)
    a3 = softmax(np.matmul(a2, w3) + b3)
    return a1, a2, a3
''',
        about="Reads the second layer's bias from params['b1'] instead of params['b2'].",
        says=r"b1|b2|bias|key|second (hidden )?layer|a2",
    ),
    Bug(
        id="h5-ff-returns-logits",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    z3 = a2 @ params["w3"] + params["b3"]
    out = softmax(z3)
    return a1, a2, z3
''',
        about="Returns the output logits z3 instead of the softmax activations a3.",
        says=r"logit|pre-?activation|softmax|a3|z3|not applied|raw|sum to 1|probabilit",
    ),
    Bug(
        id="h5-ff-rescales-x-in-place",
        step="feedforward",
        code='''\
def feedforward(params, x):
    x /= 16.0   # normalise the pixels
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Divides x by 16 again inside the forward pass, in place, which both rescales the input and overwrites the caller's x.",
        says=r"in[- ]place|modif|mutat|overwr|16|scal|divid|normali",
    ),
    Bug(
        id="h5-ff-bias-after-sigmoid",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"]) + params["b1"]
    a2 = sigmoid(a1 @ params["w2"]) + params["b2"]
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Adds the hidden layers' biases after the sigmoid instead of inside it.",
        says=r"bias|after|inside|outside|b1|b2|before",
    ),
    # ---------------------------------------------------------------- backprop
    Bug(
        id="h5-bp-derivatives-swapped",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a1)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a2)
    return {
        "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
    }
''',
        about="Multiplies each hidden delta by the sigmoid derivative of the other hidden layer's activation (a1 and a2 swapped).",
        says=r"sigmoid_derivative|derivative|a1|a2|swap|wrong layer|activation",
    ),
    Bug(
        id="h5-bp-w2-not-transposed",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = np.dot(d3, params["w3"].T) * sigmoid_derivative(a2)
    d1 = np.dot(d2, params["w2"]) * sigmoid_derivative(a1)
    return {
        "w1": np.dot(x.T, d1), "b1": np.sum(d1, axis=0, keepdims=True),
        "w2": np.dot(a1.T, d2), "b2": np.sum(d2, axis=0, keepdims=True),
        "w3": np.dot(a2.T, d3), "b3": np.sum(d3, axis=0, keepdims=True),
    }
''',
        about="Pulls delta2 back through w2 instead of its transpose (w2 is square, so the shapes still fit).",
        says=r"transpose|\.T|w2",
    ),
    Bug(
        id="h5-bp-bias-mean",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w1": x.T @ d1, "b1": d1.mean(axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.mean(axis=0, keepdims=True),
        "w3": a2.T @ d3, "b3": d3.mean(axis=0, keepdims=True),
    }
''',
        about="Averages the deltas for the bias gradients, dividing by n a second time (the 1/n is already in delta3).",
        says=r"mean|1/n|twice|double|bias|db|\bn\b|sum",
    ),
    Bug(
        id="h5-bp-dw2-uses-a2",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = np.einsum("nk,jk->nj", d3, params["w3"]) * sigmoid_derivative(a2)
    d1 = np.einsum("nk,jk->nj", d2, params["w2"]) * sigmoid_derivative(a1)
    return {
        "w3": np.einsum("ni,nk->ik", a2, d3), "b3": d3.sum(axis=0, keepdims=True),
        "w2": np.einsum("ni,nk->ik", a2, d2), "b2": d2.sum(axis=0, keepdims=True),
        "w1": np.einsum("ni,nk->ik", x, d1), "b1": d1.sum(axis=0, keepdims=True),
    }
''',
        about="Forms the w2 gradient from the layer's own output a2 instead of its input a1.",
        says=r"dw2|w2|a1|a2|input|wrong layer|activation",
    ),
    Bug(
        id="h5-bp-extra-output-derivative",
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
        about="Multiplies the output delta by a3 (1 - a3) as well, though softmax with cross-entropy already gives (probs - targets) / n.",
        says=r"softmax|a3|sigmoid_derivative|extra|output|delta3|d3|twice|derivative",
    ),
    Bug(
        id="h5-bp-per-example-loop",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(x.shape[0]):
        d3 = cross_entropy_delta(a3[i:i + 1], y[i:i + 1])[0]
        d2 = (params["w3"] @ d3) * sigmoid_derivative(a2[i])
        d1 = (params["w2"] @ d2) * sigmoid_derivative(a1[i])
        grads["w3"] += np.outer(a2[i], d3)
        grads["b3"] += d3
        grads["w2"] += np.outer(a1[i], d2)
        grads["b2"] += d2
        grads["w1"] += np.outer(x[i], d1)
        grads["b1"] += d1
    return grads
''',
        about="Loops over examples calling cross_entropy_delta on one row at a time, so each delta has n = 1 and the summed gradients are n times too large.",
        says=r"\bn\b|1/n|mean|divid|scale|factor|times|batch|loop|average",
    ),
    # ---------------------------------------------------------------- update
    Bug(
        id="h5-update-ascent",
        step="update",
        code='''\
def update(params, grads, lr):
    return {k: params[k] + lr * np.reshape(grads[k], params[k].shape) for k in params}
''',
        about="Adds lr times the gradient instead of subtracting it: gradient ascent.",
        says=r"sign|\+|plus|ascent|uphill|minus|against|direction|subtract",
    ),
    Bug(
        id="h5-update-scales-grads-in-place",
        step="update",
        code='''\
def update(params, grads, lr):
    for k in params:
        g = grads[k]
        g *= lr
        params[k] = params[k] - g
    return params
''',
        about="Scales each gradient by lr in place, overwriting the caller's grads.",
        says=r"in[- ]place|modif|mutat|grads|overwr|caller",
    ),
    Bug(
        id="h5-update-misses-last-layer",
        step="update",
        code='''\
def update(params, grads, lr):
    for i in range(1, 3):
        params["w%d" % i] = params["w%d" % i] - lr * grads["w%d" % i]
        params["b%d" % i] = params["b%d" % i] - lr * grads["b%d" % i]
    return params
''',
        about="The layer loop runs range(1, 3), so w3 and b3 are never updated.",
        says=r"w3|b3|third|last layer|output layer|off[- ]by[- ]one|range|missing|not updated|unchanged|layer 3",
    ),
    Bug(
        id="h5-update-rebinds-loop-variable",
        step="update",
        code='''\
def update(params, grads, lr):
    for name, value in params.items():
        value = value - lr * grads[name]
    return params
''',
        about="Assigns the new value to the loop variable only, so params come back unchanged.",
        says=r"not updated|unchanged|rebind|loop variable|in[- ]place|never|no effect|same|nothing|not (changed|modified)",
    ),
    # ---------------------------------------------------------------- predict
    Bug(
        id="h5-predict-axis0",
        step="predict",
        code='''\
def predict(params, x):
    _, _, probs = feedforward(params, x)
    return np.argmax(probs, axis=0)
''',
        about="Takes argmax over axis 0 (the batch) instead of axis 1 (the classes).",
        says=r"axis|column|shape|\(n,\)",
    ),
    Bug(
        id="h5-predict-hidden-layer",
        step="predict",
        code='''\
def predict(params, x):
    _, probs, _ = feedforward(params, x)
    return np.argmax(probs, axis=1)
''',
        about="Unpacks the second activation (the hidden layer a2) instead of the softmax output a3.",
        says=r"a2|a3|hidden|output|softmax|layer|index|unpack",
    ),
    Bug(
        id="h5-predict-max-not-argmax",
        step="predict",
        code='''\
def predict(params, x):
    probs = feedforward(params, x)[2]
    return np.max(probs, axis=1)
''',
        about="Returns each row's highest probability instead of its index, the class label.",
        says=r"argmax|max|probabilit|label|index|integer|class|int",
    ),
    Bug(
        id="h5-predict-float-labels",
        step="predict",
        code='''\
def predict(params, x):
    probs = feedforward(params, x)[2]
    labels = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        labels[i] = np.argmax(probs[i])
    return labels
''',
        about="Fills a float array from np.zeros, so the labels come back as float64 instead of integers.",
        says=r"\bint|dtype|float|type",
    ),
    Bug(
        id="h5-predict-cached",
        step="predict",
        code='''\
def predict(params, x, _cache={}):
    key = x.shape
    if key not in _cache:
        _cache[key] = np.argmax(feedforward(params, x)[2], axis=1)
    return _cache[key]
''',
        about="Memoises the predictions in a mutable default dict keyed by x's shape, so later calls with new params or data return stale labels.",
        says=r"cache|stale|memo|default|mutable|same shape|params|state|previous|earlier",
    ),
]
