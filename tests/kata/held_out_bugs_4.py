"""The fourth set of bugs written without reading the grader, its catalogue or the earlier sets
(issue 14).

Held out until its first measurement: 34 of 45 named (76%); two (a sigmoid that clips z in
place beyond |z| = 500, a cross_entropy_delta written into probs) lost no points. Its misses
were then fixed (inputs-unchanged checks for the loss and its delta, the sigmoid's at the
extremes; heuristics for a missing return, renamed keys, a skipped first row, a flattened or
n x n result, examples as columns, a floored scalar; two catalogue entries), so it is a
development set now."""
from kata.held_out_bugs import Bug

BUGS = [
    # ------------------------------------------------------------------ sigmoid (5)
    Bug(
        id="h4-sigmoid-naive-exp-overflow",
        step="sigmoid",
        code='''\
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))
''',
        about="Computes 1/(1+e^-z) directly, so e^-z overflows for large negative z "
              "(z = -1000) instead of only ever exponentiating a non-positive number.",
        says=r"overflow|stab|warn|large|exp\(-?z\)|non-?positive|negative z",
    ),
    Bug(
        id="h4-sigmoid-branches-swapped",
        step="sigmoid",
        code='''\
def sigmoid(z):
    e = np.exp(-np.abs(z))
    # stable form: pick the expression that cannot overflow
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))
''',
        about="Swaps the two branches of the stable formula, so it returns sigmoid(-z) = "
              "1 - sigmoid(z) instead of sigmoid(z).",
        says=r"swap|branch|sign|sigmoid\(-z\)|1 ?- ?sigmoid|revers|negat|mirror|flip",
    ),
    Bug(
        id="h4-sigmoid-math-loop-flattens",
        step="sigmoid",
        code='''\
def sigmoid(z):
    import math
    out = []
    for v in np.ravel(z):
        if v >= 0:
            out.append(1.0 / (1.0 + math.exp(-v)))
        else:
            ev = math.exp(v)
            out.append(ev / (1.0 + ev))
    return np.array(out)
''',
        about="Loops over the flattened input with math.exp and never restores the shape, "
              "so an (n, k) input comes back as a 1-D array of n*k values.",
        says=r"shape|flat|ravel|1-?d|reshape|dimension",
    ),
    Bug(
        id="h4-sigmoid-tanh-missing-half",
        step="sigmoid",
        code='''\
def sigmoid(z):
    # sigmoid is a shifted and scaled tanh
    return 0.5 * (1.0 + np.tanh(z))
''',
        about="Uses the tanh identity without halving the argument: sigmoid(z) = "
              "(1 + tanh(z/2))/2, not (1 + tanh(z))/2, so the curve is twice as steep.",
        says=r"tanh|z ?/ ?2|half|steep|scale|factor",
    ),
    Bug(
        id="h4-sigmoid-clips-input-in-place",
        step="sigmoid",
        code='''\
def sigmoid(z):
    np.clip(z, -500, 500, out=z)  # keep exp from overflowing
    return 1.0 / (1.0 + np.exp(-z))
''',
        about="Clips z in place (out=z) to avoid overflow, overwriting the caller's array "
              "whenever |z| > 500.",
        says=r"modif|mutat|in[- ]place|overwrit|caller|input|out=",
    ),
    # ------------------------------------------------------- sigmoid_derivative (4)
    Bug(
        id="h4-sigd-applies-sigmoid-to-activation",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    s = sigmoid(a)
    return s * (1 - s)
''',
        about="Treats the argument as the pre-activation z and applies the sigmoid again, "
              "computing sigmoid(a)(1 - sigmoid(a)) instead of a(1 - a).",
        says=r"sigmoid\(a\)|activation|pre-?activation|\bz\b|twice|again|already",
    ),
    Bug(
        id="h4-sigd-sign-flipped",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return a * (a - 1)
''',
        about="Writes a(a - 1) instead of a(1 - a), so the derivative has the wrong sign.",
        says=r"sign|negat|a ?- ?1|1 ?- ?a|opposite",
    ),
    Bug(
        id="h4-sigd-matrix-product",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    return np.dot(a, (1 - a).T)
''',
        about="Uses a matrix product (np.dot with a transpose) where the derivative is the "
              "elementwise product a * (1 - a), giving an (n, n) matrix.",
        says=r"matri(x|ces)|element-?wise|dot|@|shape|\(n, ?n\)",
    ),
    Bug(
        id="h4-sigd-overwrites-activation",
        step="sigmoid_derivative",
        code='''\
def sigmoid_derivative(a):
    a *= 1 - a
    return a
''',
        about="Computes a(1 - a) in place, overwriting the caller's activations with their "
              "derivative.",
        says=r"modif|mutat|in[- ]place|overwrit|caller|input|\*=",
    ),
    # ------------------------------------------------------------------ softmax (5)
    Bug(
        id="h4-softmax-matlab-column-sum",
        step="softmax",
        code='''\
def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=0)
''',
        about="Normalises down the columns (axis 0, MATLAB's default sum) instead of across "
              "each row, so the rows do not sum to 1.",
        says=r"axis ?0|column|axis|rows? (do not|don't)? ?sum|per row|each row",
    ),
    Bug(
        id="h4-softmax-sum-without-keepdims",
        step="softmax",
        code='''\
def softmax(z):
    shifted = z - np.max(z, axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=1)
''',
        about="Divides by the row sums without keepdims, so the (n,) sums broadcast against "
              "the columns instead of the rows (an error unless n == k).",
        says=r"keepdims|broadcast|shape|\(n,\)|column|axis",
    ),
    Bug(
        id="h4-softmax-no-max-shift",
        step="softmax",
        code='''\
def softmax(z):
    exps = np.exp(z)
    return exps / exps.sum(axis=1, keepdims=True)
''',
        about="Exponentiates the raw logits without subtracting each row's maximum, so "
              "exp overflows for logits near 1000 and the result is nan.",
        says=r"overflow|stab|max|shift|subtract|nan|inf|large",
    ),
    Bug(
        id="h4-softmax-in-place",
        step="softmax",
        code='''\
def softmax(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
''',
        about="Shifts, exponentiates and normalises z in place, so the caller's logits are "
              "overwritten by the probabilities.",
        says=r"modif|mutat|in[- ]place|overwrit|caller|input|copy|-=",
    ),
    Bug(
        id="h4-softmax-loop-skips-first-row",
        step="softmax",
        code='''\
def softmax(z):
    out = np.zeros_like(z)
    for i in range(1, z.shape[0]):
        row = np.exp(z[i] - np.max(z[i]))
        out[i] = row / np.sum(row)
    return out
''',
        about="Loops over the rows from 1 (a one-based habit), so the first row is never "
              "computed and stays all zeros.",
        says=r"off[- ]by[- ]one|first row|row 0|range|loop|one-based|1-based|zero",
    ),
    # ------------------------------------------------------------ cross_entropy (7)
    Bug(
        id="h4-ce-sum-not-mean",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return float(-np.sum(np.multiply(targets, np.log(probs))))
''',
        about="Sums the loss over the batch and never divides by n, returning the total "
              "instead of the mean.",
        says=r"mean|1 ?/ ?n|average|divid|total|sum|batch size",
    ),
    Bug(
        id="h4-ce-mean-over-every-entry",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return float(-np.mean(targets * np.log(probs)))
''',
        about="Takes np.mean over all n*10 entries of the (n, 10) matrix, dividing by n*10 "
              "instead of n.",
        says=r"mean|n ?\* ?10|10 ?\* ?n|entries|every element|all elements|class|1 ?/ ?n|ten|factor",
    ),
    Bug(
        id="h4-ce-binary-cross-entropy",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = probs.shape[0]
    loss = targets * np.log(probs) + (1 - targets) * np.log(1 - probs)
    return float(-np.sum(loss) / n)
''',
        about="Uses the binary cross-entropy, adding -log(1 - p) terms for every wrong "
              "class, instead of the categorical loss -log(p of the true class).",
        says=r"binary|1 ?- ?targets|1 ?- ?probs|log\(1 ?- ?p|wrong class|other class|categorical",
    ),
    Bug(
        id="h4-ce-returns-per-example-array",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    return -np.log(np.sum(probs * targets, axis=1))
''',
        about="Returns the (n,) array of per-example losses instead of their mean as a "
              "Python float.",
        says=r"float|scalar|array|mean|per[- ]example|shape|vector|single number|return",
    ),
    Bug(
        id="h4-ce-log-of-mean",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    p_true = np.einsum("ij,ij->i", probs, targets)
    return float(-np.log(np.mean(p_true)))
''',
        about="Takes the log of the mean true-class probability instead of the mean of the "
              "logs, swapping the order of log and mean.",
        says=r"log of (the )?mean|mean of (the )?log|order|jensen|outside|inside|average",
    ),
    Bug(
        id="h4-ce-log10",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    import math
    total = 0.0
    for p_row, t_row in zip(probs, targets):
        total -= math.log10(p_row[list(t_row).index(1.0)])
    return total / len(probs)
''',
        about="Uses the base-10 logarithm instead of the natural log, scaling the loss by "
              "1/ln(10).",
        says=r"log ?10|natural|base|\bln\b|ln\(10\)|2\.30",
    ),
    Bug(
        id="h4-ce-floor-division",
        step="cross_entropy",
        code='''\
def cross_entropy(probs, targets):
    n = len(targets)
    total = -np.sum(targets * np.log(probs))
    return float(total // n)
''',
        about="Divides the total by n with floor division //, rounding the mean loss down "
              "to a whole number.",
        says=r"floor|integer|//|round|whole|truncat|division",
    ),
    # ------------------------------------------------------- cross_entropy_delta (5)
    Bug(
        id="h4-ced-missing-one-over-n",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    return probs - targets
''',
        about="Returns probs - targets without the 1/n that comes from the mean in the loss.",
        says=r"1 ?/ ?n|mean|divid|batch size|scale|\bn\b|factor",
    ),
    Bug(
        id="h4-ced-sign-flipped",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    return (targets - probs) / targets.shape[0]
''',
        about="Computes (targets - probs)/n, the negative of the gradient.",
        says=r"sign|negat|targets ?- ?probs|revers|opposite|minus",
    ),
    Bug(
        id="h4-ced-divides-by-classes",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    m = targets.shape[1]  # number of examples
    return (probs - targets) / m
''',
        about="Takes the batch size from shape[1] (the column-convention m), dividing by the "
              "10 classes instead of the n examples.",
        says=r"shape\[1\]|class|batch size|1 ?/ ?n|\bn\b|number of (examples|rows)|axis|column|10",
    ),
    Bug(
        id="h4-ced-gradient-wrt-probs",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    n = len(probs)
    return -targets / probs / n
''',
        about="Returns the gradient of the loss with respect to the probabilities "
              "(-targets/probs)/n instead of with respect to the logits, skipping the "
              "softmax's Jacobian.",
        says=r"logit|probab|softmax|jacobian|with respect|wrt|targets ?/ ?probs|chain",
    ),
    Bug(
        id="h4-ced-overwrites-probs",
        step="cross_entropy_delta",
        code='''\
def cross_entropy_delta(probs, targets):
    probs -= targets
    probs /= len(targets)
    return probs
''',
        about="Subtracts and divides in place, overwriting the caller's probabilities with "
              "the delta.",
        says=r"modif|mutat|in[- ]place|overwrit|caller|input|-=",
    ),
    # -------------------------------------------------------------- feedforward (6)
    Bug(
        id="h4-ff-column-examples",
        step="feedforward",
        code='''\
def feedforward(params, x):
    X = x.T  # one example per column
    a1 = sigmoid(np.dot(params["w1"].T, X) + params["b1"].T)  # (128, n)
    a2 = sigmoid(np.dot(params["w2"].T, a1) + params["b2"].T)  # (128, n)
    a3 = softmax(np.dot(params["w3"].T, a2) + params["b3"].T)  # (10, n)
    return a1, a2, a3
''',
        about="Works with examples as columns (W^T X), so the activations come back "
              "transposed, (128, n) and (10, n), and the row-wise softmax normalises over "
              "examples instead of classes.",
        says=r"transpos|column|shape|\(128, ?n\)|\(10, ?n\)|orientation|row|convention",
    ),
    Bug(
        id="h4-ff-forgets-b2",
        step="feedforward",
        code='''\
def feedforward(params, x):
    w1, b1, w2, b2, w3, b3 = (params[k] for k in ("w1", "b1", "w2", "b2", "w3", "b3"))
    a1 = sigmoid(np.matmul(x, w1) + b1)
    a2 = sigmoid(np.matmul(a1, w2))
    a3 = softmax(np.matmul(a2, w3) + b3)
    return a1, a2, a3
''',
        about="Leaves the bias b2 out of the second hidden layer.",
        says=r"bias|b2",
    ),
    Bug(
        id="h4-ff-sigmoid-output-layer",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(x @ params["w1"] + params["b1"])
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])
    a3 = sigmoid(a2 @ params["w3"] + params["b3"])
    return a1, a2, a3
''',
        about="Applies the sigmoid to the output layer instead of the softmax, so a3's rows "
              "are not probability distributions.",
        says=r"softmax|sigmoid|output|sum to 1|distribution",
    ),
    Bug(
        id="h4-ff-returns-pre-activations",
        step="feedforward",
        code='''\
def feedforward(params, x):
    z1 = x @ params["w1"] + params["b1"]
    z2 = sigmoid(z1) @ params["w2"] + params["b2"]
    z3 = sigmoid(z2) @ params["w3"] + params["b3"]
    return z1, z2, softmax(z3)
''',
        about="Returns the hidden layers' pre-activations z1, z2 instead of their sigmoid "
              "activations a1, a2.",
        says=r"pre-?activation|\bz\b|z1|z2|activation|sigmoid|before",
    ),
    Bug(
        id="h4-ff-reused-hidden-variable",
        step="feedforward",
        code='''\
def feedforward(params, x):
    h = sigmoid(np.dot(x, params["w1"]) + params["b1"])
    h = sigmoid(np.dot(h, params["w2"]) + params["b2"])
    out = softmax(np.dot(h, params["w3"]) + params["b3"])
    return h, h, out
''',
        about="Reuses one variable for both hidden layers, so the first activation a1 is "
              "overwritten and a2 is returned in its place.",
        says=r"a1|reus|overwrit|same|first|variable",
    ),
    Bug(
        id="h4-ff-einsum-transposes-w2",
        step="feedforward",
        code='''\
def feedforward(params, x):
    a1 = sigmoid(np.einsum("ni,ij->nj", x, params["w1"]) + params["b1"])
    a2 = sigmoid(np.einsum("ni,ji->nj", a1, params["w2"]) + params["b2"])
    a3 = softmax(np.einsum("ni,ij->nj", a2, params["w3"]) + params["b3"])
    return a1, a2, a3
''',
        about="Contracts the second layer over w2's output index (a1 @ w2^T), using the "
              "square weight matrix transposed.",
        says=r"transpos|w2|\.T|einsum|orientation|index|indices",
    ),
    # ----------------------------------------------------------------- backprop (6)
    Bug(
        id="h4-bp-sigmoid-of-activation",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = np.dot(d3, params["w3"].T) * sigmoid(a2) * (1 - sigmoid(a2))
    d1 = np.dot(d2, params["w2"].T) * sigmoid(a1) * (1 - sigmoid(a1))
    return {
        "w3": np.dot(a2.T, d3), "b3": np.sum(d3, axis=0, keepdims=True),
        "w2": np.dot(a1.T, d2), "b2": np.sum(d2, axis=0, keepdims=True),
        "w1": np.dot(x.T, d1), "b1": np.sum(d1, axis=0, keepdims=True),
    }
''',
        about="Writes the sigmoid derivative as sigmoid(a)(1 - sigmoid(a)) on the "
              "activations, applying the sigmoid a second time instead of using a(1 - a).",
        says=r"sigmoid\(a|sigmoid_derivative|activation|pre-?activation|\bz\b|twice|again",
    ),
    Bug(
        id="h4-bp-w2-not-transposed",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
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
        about="Pulls delta2 back through w2 instead of w2 transposed; the square matrix "
              "hides the shape error.",
        says=r"transpos|w2|\.T",
    ),
    Bug(
        id="h4-bp-bias-grads-averaged",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    d3 = cross_entropy_delta(a3, y)
    d2 = np.multiply(d3 @ params["w3"].T, sigmoid_derivative(a2))
    d1 = np.multiply(d2 @ params["w2"].T, sigmoid_derivative(a1))
    return {
        "w3": a2.T @ d3, "b3": np.mean(d3, axis=0, keepdims=True),
        "w2": a1.T @ d2, "b2": np.mean(d2, axis=0, keepdims=True),
        "w1": x.T @ d1, "b1": np.mean(d1, axis=0, keepdims=True),
    }
''',
        about="Averages the deltas over the batch for the bias gradients, dividing by n a "
              "second time (the 1/n is already inside delta3).",
        says=r"bias|mean|average|1 ?/ ?n|twice|double|n\^?2|sum",
    ),
    Bug(
        id="h4-bp-w2-grad-wrong-activation",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
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
        about="Builds w2's gradient from the layer's own output a2 instead of its input a1 "
              "(dw2 = a1^T delta2).",
        says=r"a1|a2|input|activation|wir|layer|w2",
    ),
    Bug(
        id="h4-bp-ng-style-keys",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    dZ3 = cross_entropy_delta(a3, y)
    dZ2 = (dZ3 @ params["w3"].T) * sigmoid_derivative(a2)
    dZ1 = (dZ2 @ params["w2"].T) * sigmoid_derivative(a1)
    return {
        "dW3": a2.T @ dZ3, "db3": np.sum(dZ3, axis=0, keepdims=True),
        "dW2": a1.T @ dZ2, "db2": np.sum(dZ2, axis=0, keepdims=True),
        "dW1": x.T @ dZ1, "db1": np.sum(dZ1, axis=0, keepdims=True),
    }
''',
        about="Names the gradients dW1, db1, ... instead of using the keys of params "
              "(w1, b1, ...).",
        says=r"key|name|dW|dict",
    ),
    Bug(
        id="h4-bp-per-example-loop-sums",
        step="backprop",
        code='''\
def backprop(params, x, y, activations):
    a1, a2, a3 = activations
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for i in range(x.shape[0]):
        d3 = cross_entropy_delta(a3[i:i + 1], y[i:i + 1])[0]  # (10,)
        d2 = (params["w3"] @ d3) * sigmoid_derivative(a2[i])  # (128,)
        d1 = (params["w2"] @ d2) * sigmoid_derivative(a1[i])  # (128,)
        grads["w3"] += np.outer(a2[i], d3)
        grads["b3"] += d3
        grads["w2"] += np.outer(a1[i], d2)
        grads["b2"] += d2
        grads["w1"] += np.outer(x[i], d1)
        grads["b1"] += d1
    return grads
''',
        about="Calls cross_entropy_delta one example at a time, so each delta is divided by "
              "1 instead of n and the gradients are the batch sum, n times too large.",
        says=r"1 ?/ ?n|mean|sum|scale|batch|\bn\b|per[- ]example|loop|times",
    ),
    # ------------------------------------------------------------------- update (4)
    Bug(
        id="h4-upd-gradient-ascent",
        step="update",
        code='''\
def update(params, grads, lr):
    return {k: params[k] + lr * grads[k] for k in params}
''',
        about="Adds lr times the gradient, stepping uphill instead of against the gradient.",
        says=r"sign|ascent|\+|plus|uphill|direction|minus|subtract|against",
    ),
    Bug(
        id="h4-upd-scales-grads-in-place",
        step="update",
        code='''\
def update(params, grads, lr):
    for k in params:
        grads[k] *= lr
        params[k] -= grads[k]
    return params
''',
        about="Multiplies the gradients by lr in place before subtracting, overwriting the "
              "caller's grads.",
        says=r"grads|modif|mutat|in[- ]place|overwrit|\*=",
    ),
    Bug(
        id="h4-upd-weights-only",
        step="update",
        code='''\
def update(params, grads, lr):
    new = dict(params)
    for i in range(1, 4):
        new[f"w{i}"] = params[f"w{i}"] - lr * grads[f"w{i}"]
    return new
''',
        about="Updates only the weights w1, w2, w3 and leaves the biases unchanged.",
        says=r"bias|b1|b2|b3|every param|all param|unchanged",
    ),
    Bug(
        id="h4-upd-returns-none",
        step="update",
        code='''\
def update(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
''',
        about="Updates params in place but forgets to return them, so the function returns "
              "None.",
        says=r"return|None",
    ),
    # ------------------------------------------------------------------ predict (3)
    Bug(
        id="h4-pred-argmax-axis0",
        step="predict",
        code='''\
def predict(params, x):
    return np.argmax(feedforward(params, x)[-1], axis=0)
''',
        about="Takes the argmax down the columns (axis 0), giving the most confident "
              "example for each class instead of the class of each example.",
        says=r"axis ?0|axis|column|shape|\(10,\)",
    ),
    Bug(
        id="h4-pred-one-based-labels",
        step="predict",
        code='''\
def predict(params, x):
    _, _, probs = feedforward(params, x)
    return np.argmax(probs, axis=1) + 1
''',
        about="Adds 1 to the argmax (MATLAB's one-based labels), so every predicted class "
              "is off by one.",
        says=r"off[- ]by[- ]one|\+ ?1|1-based|one-based|index|matlab|shift",
    ),
    Bug(
        id="h4-pred-argsort-ascending",
        step="predict",
        code='''\
def predict(params, x):
    probs = feedforward(params, x)[2]
    return np.argsort(probs, axis=1)[:, 0]
''',
        about="Takes the first column of an ascending argsort, which is the least probable "
              "class of each row, not the most probable.",
        says=r"argsort|ascend|smallest|least|lowest|argmin|min|revers|last|most probable",
    ),
]
