"""The second set of bugs written without reading the grader, its catalogue or the first set
(issue 14).

Held out until its first measurement: 38 of 45 named (84%), after the first set's six had been
added. The seven it missed were then named (four new catalogue entries; floor division, a
skipped last row, math.exp's OverflowError and a clip below 1 as heuristics), so it is a
development set now, like the first."""
from kata.held_out_bugs import Bug

BUGS = [
    # ---------------------------------------------------------------- sigmoid
    Bug(
        "h2-sigmoid-naive-exp",
        "sigmoid",
        '''def sigmoid(z):
    return 1 / (1 + np.exp(-z))
''',
        "Evaluates 1/(1 + e^-z) as written, so e^-z overflows for large negative z.",
        r"overflow|stab|large|exp|warn|inf",
    ),
    Bug(
        "h2-sigmoid-where-both-branches",
        "sigmoid",
        '''def sigmoid(z):
    # the "stable" version: but np.where evaluates both branches for every entry
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
''',
        "Splits on the sign of z with np.where, but np.where computes both branches everywhere,"
        " so e^-z and e^z still overflow at |z| = 1000.",
        r"overflow|warn|both|np\.where|stab|exp|inf",
    ),
    Bug(
        "h2-sigmoid-math-vectorize",
        "sigmoid",
        '''def sigmoid(z):
    import math
    f = np.vectorize(lambda t: 1.0 / (1.0 + math.exp(-t)))
    return f(z)
''',
        "Applies math.exp elementwise to -z, which raises OverflowError for large negative z.",
        r"overflow|stab|large|exp|math|inf|crash|rais",
    ),
    Bug(
        "h2-sigmoid-abs-loses-sign",
        "sigmoid",
        '''def sigmoid(z):
    # abs() so exp never overflows
    return 1.0 / (1.0 + np.exp(-np.abs(z)))
''',
        "Takes |z| to keep exp safe but never restores the sign, so it returns sigmoid(|z|) >= 0.5"
        " for negative z.",
        r"abs|negative|sign|\|z\||0\.5|symmetr|below",
    ),
    Bug(
        "h2-sigmoid-swapped-branches",
        "sigmoid",
        '''def sigmoid(z):
    e = np.exp(-np.abs(z))
    pos = e / (1.0 + e)
    neg = 1.0 / (1.0 + e)
    return np.where(z >= 0, pos, neg)
''',
        "Swaps the two branches of the stable sigmoid, which computes sigmoid(-z) = 1 - sigmoid(z).",
        r"sign|swap|branch|revers|negat|-z|flip|1 ?- ?sig|mirror|opposite",
    ),
    Bug(
        "h2-sigmoid-tanh-no-half",
        "sigmoid",
        '''def sigmoid(z):
    # sigmoid via tanh, which never overflows
    return 0.5 * (1.0 + np.tanh(z))
''',
        "Uses the tanh identity without halving z: 0.5 (1 + tanh z) is sigmoid(2z), not sigmoid(z).",
        r"2 ?z|tanh|scale|steep|factor|twice|double|z ?/ ?2|half",
    ),
    # ---------------------------------------------------------------- sigmoid_derivative
    Bug(
        "h2-sigd-treats-a-as-z",
        "sigmoid_derivative",
        '''def sigmoid_derivative(a):
    s = sigmoid(a)
    return s * (1 - s)
''',
        "Applies the sigmoid again to a, as if it were the pre-activation z, before forming s(1 - s).",
        r"pre-?activation|\bz\b|sigmoid\(a\)|again|twice|activation|already",
    ),
    Bug(
        "h2-sigd-sign",
        "sigmoid_derivative",
        '''def sigmoid_derivative(a):
    return a * (a - 1)
''',
        "Writes a(a - 1) instead of a(1 - a), so the derivative has the wrong sign.",
        r"sign|negat|a ?- ?1|1 ?- ?a|minus",
    ),
    Bug(
        "h2-sigd-tanh-formula",
        "sigmoid_derivative",
        '''def sigmoid_derivative(a):
    return 1.0 - a ** 2
''',
        "Uses the tanh derivative 1 - a^2 instead of the sigmoid's a(1 - a).",
        r"tanh|1 ?- ?a ?(\^|\*\*) ?2|square|a ?\* ?\(1 ?- ?a\)|a\(1 ?- ?a\)",
    ),
    Bug(
        "h2-sigd-precedence",
        "sigmoid_derivative",
        '''def sigmoid_derivative(a):
    return a * 1 - a
''',
        "Drops the parentheses: a * 1 - a is zero, not a(1 - a).",
        r"precedence|paren|bracket|zero|1 ?- ?a|a ?\* ?\(1",
    ),
    # ---------------------------------------------------------------- softmax
    Bug(
        "h2-softmax-sum-axis0",
        "softmax",
        '''def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''',
        "Normalises by the sum over axis 0 (each column, across the batch) instead of each row.",
        r"axis ?0|axis|column|row",
    ),
    Bug(
        "h2-softmax-global-max",
        "softmax",
        '''def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=1, keepdims=True)
''',
        "Subtracts the maximum of the whole batch instead of each row's maximum, so a row far below"
        " it underflows to 0/0.",
        r"global|whole|entire|row|max|underflow|nan|stab|0 ?/ ?0",
    ),
    Bug(
        "h2-softmax-no-shift",
        "softmax",
        '''def softmax(z):
    exps = np.exp(z)
    return exps / np.sum(exps, axis=1, keepdims=True)
''',
        "Exponentiates the raw logits without subtracting the row maximum, so exp overflows at 1000.",
        r"overflow|stab|shift|max|subtract|inf|nan",
    ),
    Bug(
        "h2-softmax-inplace-shift",
        "softmax",
        '''def softmax(z):
    z -= np.max(z, axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= np.sum(z, axis=1, keepdims=True)
    return z
''',
        "Shifts, exponentiates and normalises z in place, overwriting the caller's logits.",
        r"modif|in.?place|mutat|input|overwr|-=|chang",
    ),
    Bug(
        "h2-softmax-loop-off-by-one",
        "softmax",
        '''def softmax(z):
    n, k = z.shape
    out = np.zeros((n, k))
    for i in range(n - 1):
        row = np.exp(z[i] - np.max(z[i]))
        out[i] = row / np.sum(row)
    return out
''',
        "Loops over rows with range(n - 1), so the last row is never computed and stays zero.",
        r"last row|off.?by.?one|range|row|loop|zero|sum",
    ),
    # ---------------------------------------------------------------- cross_entropy
    Bug(
        "h2-ce-sum-not-mean",
        "cross_entropy",
        '''def cross_entropy(probs, targets):
    return float(-np.sum(targets * np.log(probs)))
''',
        "Sums the per-example losses over the batch instead of averaging them (no 1/n).",
        r"mean|1 ?/ ?n|divid|average|batch size|\bn\b|sum",
    ),
    Bug(
        "h2-ce-mean-all-entries",
        "cross_entropy",
        '''def cross_entropy(probs, targets):
    return float(np.mean(-targets * np.log(probs)))
''',
        "Takes np.mean over all n x 10 entries, dividing by 10n instead of n.",
        r"mean|10|class|all entries|every entry|divid|n ?\* ?10|10 ?n|too small",
    ),
    Bug(
        "h2-ce-binary",
        "cross_entropy",
        '''def cross_entropy(probs, targets):
    n = probs.shape[0]
    total = 0.0
    for p, t in zip(probs, targets):
        total += -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))
    return float(total / n)
''',
        "Uses the binary cross-entropy, adding -log(1 - p) for every wrong class, instead of only"
        " -log p of the true class.",
        r"binary|1 ?- ?p|1 ?- ?t|wrong class|other class|all class|false class|extra",
    ),
    Bug(
        "h2-ce-no-minus",
        "cross_entropy",
        '''def cross_entropy(probs, targets):
    n = len(targets)
    return float(np.sum(targets * np.log(probs)) / n)
''',
        "Forgets the minus sign, returning the mean log-likelihood (negative) instead of the loss.",
        r"sign|negat|minus",
    ),
    Bug(
        "h2-ce-fancy-index-matrix",
        "cross_entropy",
        '''def cross_entropy(probs, targets):
    labels = np.argmax(targets, axis=1)
    return float(-np.mean(np.log(probs[:, labels])))
''',
        "Indexes probs[:, labels], which takes every row's probability of every example's label"
        " (an n x n matrix), instead of pairing row i with its own label.",
        r"index|fancy|arange|n ?x ?n|\(n, ?n\)|every row|pair|diagonal|own label|true class",
    ),
    Bug(
        "h2-ce-clip-too-tight",
        "cross_entropy",
        '''def cross_entropy(probs, targets):
    p = np.clip(probs, 1e-2, 1 - 1e-2)  # avoid log(0)
    return float(-np.sum(targets * np.log(p)) / targets.shape[0])
''',
        "Clips the probabilities to [0.01, 0.99], far too tightly, which changes the loss of"
        " confident or badly wrong predictions.",
        r"clip|clamp|epsilon|eps|1e-?2|0\.01|0\.99|bound",
    ),
    # ---------------------------------------------------------------- cross_entropy_delta
    Bug(
        "h2-ced-no-n",
        "cross_entropy_delta",
        '''def cross_entropy_delta(probs, targets):
    return probs - targets
''',
        "Returns probs - targets without the 1/n that comes from the mean in the loss.",
        r"1 ?/ ?n|mean|divid|\bn\b|batch|times too large",
    ),
    Bug(
        "h2-ced-reversed",
        "cross_entropy_delta",
        '''def cross_entropy_delta(probs, targets):
    n = probs.shape[0]
    return (targets - probs) / n
''',
        "Subtracts the wrong way round, (targets - probs) / n, so the gradient has the wrong sign.",
        r"sign|revers|negat|minus|order|wrong way|opposite",
    ),
    Bug(
        "h2-ced-wrt-probs",
        "cross_entropy_delta",
        '''def cross_entropy_delta(probs, targets):
    n = probs.shape[0]
    return -targets / probs / n
''',
        "Returns the gradient with respect to the probabilities, -y/p / n, instead of with respect"
        " to the logits through the softmax.",
        r"logit|probab|softmax|-y ?/ ?p|-t ?/ ?p|chain|with respect|p ?- ?y|probs ?- ?targets",
    ),
    Bug(
        "h2-ced-floor-division",
        "cross_entropy_delta",
        '''def cross_entropy_delta(probs, targets):
    n = targets.shape[0]
    return (probs - targets) // n
''',
        "Uses floor division // instead of true division by n, rounding every entry down to -1 or 0.",
        r"floor|//|integer|round|divi",
    ),
    # ---------------------------------------------------------------- feedforward
    Bug(
        "h2-ff-sigmoid-output",
        "feedforward",
        '''def feedforward(params, x):
    a1 = sigmoid(np.dot(x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["w2"]) + params["b2"])
    a3 = sigmoid(np.dot(a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        "Uses the sigmoid on the output layer instead of softmax, so a3's rows are not"
        " probability distributions.",
        r"softmax|sigmoid|output|a3|last layer|sum to 1",
    ),
    Bug(
        "h2-ff-returns-z1",
        "feedforward",
        '''def feedforward(params, x):
    z1 = x @ params["w1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = a1 @ params["w2"] + params["b2"]
    a2 = sigmoid(z2)
    z3 = a2 @ params["w3"] + params["b3"]
    a3 = softmax(z3)
    return z1, a2, a3
''',
        "Returns the first layer's pre-activation z1 in place of its activation a1.",
        r"pre-?activation|\bz1?\b|a1|before the sigmoid|first|activation",
    ),
    Bug(
        "h2-ff-z1-feeds-layer2",
        "feedforward",
        '''def feedforward(params, x):
    z1 = x @ params["w1"] + params["b1"]
    a1 = sigmoid(z1)
    z2 = z1 @ params["w2"] + params["b2"]
    a2 = sigmoid(z2)
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        "Feeds the first layer's pre-activation z1, not its activation a1, into the second layer.",
        r"z1|pre-?activation|a1|input|layer 2|second|activation",
    ),
    Bug(
        "h2-ff-w2-transposed",
        "feedforward",
        '''def feedforward(params, x):
    w1, w2, w3 = params["w1"], params["w2"], params["w3"]
    a1 = sigmoid(np.einsum("ni,ij->nj", x, w1) + params["b1"])
    a2 = sigmoid(np.einsum("ni,ji->nj", a1, w2) + params["b2"])
    a3 = softmax(np.einsum("ni,ij->nj", a2, w3) + params["b3"])
    return a1, a2, a3
''',
        "Multiplies a1 by the transpose of w2 (silently, since w2 is square) instead of by w2.",
        r"transpos|w2|\.T|square|index",
    ),
    Bug(
        "h2-ff-b1-in-layer2",
        "feedforward",
        '''def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b1"])
    a3 = softmax(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        "Adds the first layer's bias b1 in the second layer instead of b2.",
        r"b1|b2|bias|wrong param|second",
    ),
    Bug(
        "h2-ff-loop-softmax-of-sigmoid",
        "feedforward",
        '''def feedforward(params, x):
    acts = []
    a = x
    for i in range(1, 4):
        a = sigmoid(a @ params["w" + str(i)] + params["b" + str(i)])
        if i == 3:
            a = softmax(a)
        acts.append(a)
    return tuple(acts)
''',
        "Applies the sigmoid to every layer in the loop, so the output is softmax(sigmoid(z3))"
        " instead of softmax(z3).",
        r"sigmoid|softmax|output|twice|both|logit|z3|a3|last",
    ),
    # ---------------------------------------------------------------- backprop
    Bug(
        "h2-bp-no-sigmoid-derivative",
        "backprop",
        '''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = d3 @ params["w3"].T
    d1 = d2 @ params["w2"].T
    return {
        "w3": a2.T @ d3, "b3": d3.sum(axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": d2.sum(axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": d1.sum(axis=0, keepdims=True),
    }
''',
        "Pulls the deltas back through the weights but never multiplies by the sigmoid's"
        " derivative a(1 - a) of the hidden layers.",
        r"sigmoid.?derivative|derivative|a ?\(1 ?- ?a\)|a ?\* ?\(1 ?- ?a\)|forgot|missing|activation",
    ),
    Bug(
        "h2-bp-derivative-layers-swapped",
        "backprop",
        '''def backprop(params, x, y, activations):
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
        "Multiplies layer 2's delta by sigmoid_derivative(a1) and layer 1's by"
        " sigmoid_derivative(a2): the two hidden layers' activations are swapped.",
        r"a1|a2|swap|wrong layer|layer|derivative",
    ),
    Bug(
        "h2-bp-w2-not-transposed",
        "backprop",
        '''def backprop(params, x, y, activations):
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
        "Pulls delta2 back through w2 instead of its transpose (silently, since w2 is square).",
        r"transpos|w2|\.T|square",
    ),
    Bug(
        "h2-bp-dw2-own-activation",
        "backprop",
        '''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a2.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        "Forms dw2 from the layer's own output a2 instead of its input a1: dw2 should be a1^T delta2.",
        r"a1|a2|input|off.?by.?one|layer|previous|w2",
    ),
    Bug(
        "h2-bp-mean-again",
        "backprop",
        '''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    n = x.shape[0]
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)
    grads = {}
    for i, (inp, d) in enumerate([(x, d1), (a1, d2), (a2, d3)], start=1):
        grads["w%d" % i] = inp.T @ d / n
        grads["b%d" % i] = np.mean(d, axis=0, keepdims=True)
    return grads
''',
        "Divides every gradient by n again (and averages the bias deltas), though the 1/n is"
        " already inside delta3: the gradients are n times too small.",
        r"1 ?/ ?n|twice|double|again|divid|mean|too small|\bn\b",
    ),
    Bug(
        "h2-bp-z-into-derivative",
        "backprop",
        '''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    z1 = x @ params["w1"] + params["b1"]
    z2 = a1 @ params["w2"] + params["b2"]
    d3 = cross_entropy_delta(a3, y)
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(z2)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(z1)
    return {
        "w3": a2.T @ d3, "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        "Passes the pre-activations z to sigmoid_derivative, which expects the activations a.",
        r"pre-?activation|\bz[12]?\b|activation|sigmoid_derivative|instead of a",
    ),
    Bug(
        "h2-bp-reused-delta",
        "backprop",
        '''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    grads = {}
    delta = cross_entropy_delta(a3, y)
    delta = (delta @ params["w3"].T) * sigmoid_derivative(a2)
    grads["w3"] = a2.T @ cross_entropy_delta(a3, y)
    grads["b3"] = np.sum(cross_entropy_delta(a3, y), axis=0, keepdims=True)
    grads["w2"] = a1.T @ delta
    grads["b2"] = np.sum(delta, axis=0, keepdims=True)
    delta = delta @ params["w2"].T
    grads["w1"] = x.T @ delta
    grads["b1"] = np.sum(delta, axis=0, keepdims=True)
    return grads
''',
        "Reuses the delta variable and forgets to multiply by sigmoid_derivative(a1) for layer 1,"
        " so delta1 is only delta2 w2^T.",
        r"sigmoid.?derivative|derivative|a1|layer 1|first|w1|b1|missing|forgot",
    ),
    Bug(
        "h2-bp-inplace-a3",
        "backprop",
        '''def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    n = y.shape[0]
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
        "Builds delta3 with in-place -= and /= on a3 itself, overwriting the caller's activations.",
        r"modif|mutat|in.?place|a3|activation|input|overwr|-=|chang",
    ),
    # ---------------------------------------------------------------- update
    Bug(
        "h2-update-plus",
        "update",
        '''def update(params, grads, lr):
    return {k: params[k] + lr * grads[k] for k in params}
''',
        "Adds lr times the gradient, stepping uphill instead of against the gradient.",
        r"sign|plus|uphill|ascent|\+|direction|against|opposite|minus",
    ),
    Bug(
        "h2-update-mutates-grads",
        "update",
        '''def update(params, grads, lr):
    for name in params:
        grads[name] *= lr
        params[name] -= grads[name]
    return params
''',
        "Scales the gradients in place with grads[name] *= lr, modifying the caller's grads.",
        r"grad|modif|mutat|in.?place|\*=|chang",
    ),
    Bug(
        "h2-update-weights-only",
        "update",
        '''def update(params, grads, lr):
    new = dict(params)
    for i in range(1, 4):
        new["w%d" % i] = params["w%d" % i] - lr * grads["w%d" % i]
    return new
''',
        "Updates only the weights w1, w2, w3 and leaves the biases unchanged.",
        r"bias|b1|b2|b3|\bb\b",
    ),
    # ---------------------------------------------------------------- predict
    Bug(
        "h2-predict-argmax-no-axis",
        "predict",
        '''def predict(params, x):
    a1, a2, a3 = feedforward(params, x)
    return np.argmax(a3)
''',
        "Calls np.argmax without an axis, which returns one index into the flattened array"
        " instead of one label per row.",
        r"axis|flat|single|scalar|one (index|number|value)|shape|per row",
    ),
    Bug(
        "h2-predict-hidden-layer",
        "predict",
        '''def predict(params, x):
    activations = feedforward(params, x)
    return np.argmax(activations[1], axis=1)
''',
        "Takes the argmax of the second hidden layer a2 instead of the output layer a3.",
        r"a2|hidden|a3|output|last|layer|index|\[1\]|\[2\]|\[-1\]",
    ),
    Bug(
        "h2-predict-one-hot",
        "predict",
        '''def predict(params, x):
    probs = feedforward(params, x)[2]
    return (probs == probs.max(axis=1, keepdims=True)).astype(int)
''',
        "Returns a one-hot (n, 10) matrix marking the most probable class instead of the (n,)"
        " integer labels.",
        r"one.?hot|label|shape|\(n, ?10\)|\(n,\)|argmax|integer|index",
    ),
]
