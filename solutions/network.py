"""The article's network, written from scratch in numpy.

A 64 -> 128 -> 128 -> 10 classifier for scikit-learn's 8x8 digits: two sigmoid hidden
layers, a softmax output, the mean cross-entropy loss, and plain mini-batch gradient descent.
Everything is a plain function over a ``params`` dict; every array is float64.

    x       (n, 64)    pixels divided by 16
    y       (n, 10)    one-hot targets
    params  w1 (64, 128)  b1 (1, 128)
            w2 (128, 128) b2 (1, 128)
            w3 (128, 10)  b3 (1, 10)

Write each function below, in order, and run ``nnkata check`` after each one.
``nnkata hint STEP`` helps when you are stuck.
"""

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), elementwise.

    z: an array of any shape. Returns an array of the same shape with every entry in [0, 1].

    Stability: it must stay finite and warning-free for |z| up to 1000. np.exp(1000)
    overflows; arrange the computation so that exp only ever sees a non-positive argument.
    """
    ### BEGIN SOLUTION
    # For z >= 0, 1 / (1 + e^-z) is safe. For z < 0 multiply top and bottom by e^z:
    # e^z / (1 + e^z). Either way exp gets -|z| <= 0 and cannot overflow.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def sigmoid_derivative(a):
    """The derivative of the sigmoid, written in terms of its output.

    a: activations a = sigmoid(z), any shape. Returns d sigmoid / dz = a * (1 - a), same
    shape. Note the argument is the activation a, not the pre-activation z: backprop has
    the activations at hand from the forward pass.
    """
    ### BEGIN SOLUTION
    # sigma'(z) = sigma(z) (1 - sigma(z)), and sigma(z) is exactly a.
    return a * (1.0 - a)
    ### END SOLUTION


def softmax(z):
    """Row-wise softmax: exp(z) / sum(exp(z)) over axis 1.

    z: logits, shape (n, k). Returns an (n, k) array whose rows are probability
    distributions (entries in [0, 1], each row summing to 1).

    Stability: logits go up to +-1000. Softmax does not change when a constant is subtracted
    from a row; use that so exp never overflows. Do not modify z.
    """
    ### BEGIN SOLUTION
    # Shift each row by its own maximum: the largest exponent becomes e^0 = 1, so the sum
    # is at least 1 and nothing overflows. A new array is made; z is left untouched.
    shifted = z - np.max(z, axis=1, keepdims=True)  # (n, k)
    e = np.exp(shifted)  # (n, k)
    return e / np.sum(e, axis=1, keepdims=True)  # (n, k)
    ### END SOLUTION


def cross_entropy(probs, targets):
    """The mean cross-entropy loss over the batch (the article's ``error``).

    probs: (n, 10) softmax outputs, every entry in (0, 1]. targets: (n, 10) one-hot.
    Returns a Python float: the mean over the n rows of -log(probability of the true class).

    Graded on batches whose probabilities are all at least 1e-6 (a guard such as
    np.clip(probs, 1e-12, 1) changes nothing there), and for stability on one fixed batch
    with entries as small as 1e-300 beside true-class probabilities close to 1.
    """
    ### BEGIN SOLUTION
    n = targets.shape[0]
    true_class = np.argmax(targets, axis=1)  # (n,)
    log_p = np.log(probs[np.arange(n), true_class])  # (n,)
    return float(-np.sum(log_p) / n)
    ### END SOLUTION


def cross_entropy_delta(probs, targets):
    """Gradient of the mean cross-entropy with respect to the output logits.

    probs: (n, 10) softmax outputs, targets: (n, 10) one-hot. With a softmax output the
    chain rule collapses to (probs - targets) / n, shape (n, 10) (the article's
    ``cross_entropy``). The 1/n comes from the mean in the loss.
    """
    ### BEGIN SOLUTION
    n = targets.shape[0]
    return (probs - targets) / n  # (n, 10)
    ### END SOLUTION


def feedforward(params, x):
    """The forward pass: returns the three layers' activations (a1, a2, a3).

    x: (n, 64). a1 = sigmoid(x @ w1 + b1) is (n, 128), a2 = sigmoid(a1 @ w2 + b2) is
    (n, 128), a3 = softmax(a2 @ w3 + b3) is (n, 10). Use sigmoid and softmax above.
    Do not modify params or x.
    """
    ### BEGIN SOLUTION
    a1 = sigmoid(x @ params["w1"] + params["b1"])  # (n, 128)
    a2 = sigmoid(a1 @ params["w2"] + params["b2"])  # (n, 128)
    a3 = softmax(a2 @ params["w3"] + params["b3"])  # (n, 10)
    return a1, a2, a3
    ### END SOLUTION


def backprop(params, x, y, activations):
    """Gradients of the mean cross-entropy loss with respect to every parameter.

    x: (n, 64), y: (n, 10) one-hot, activations: (a1, a2, a3) from feedforward.
    Returns a dict with the keys of params and the same shapes: dw3 is a2^T delta3, db3 sums
    delta3 over the batch, and each hidden layer's delta is the next delta pulled back
    through its weights times sigmoid_derivative of that layer's activation.
    Use cross_entropy_delta and sigmoid_derivative above. Do not modify the inputs.
    """
    ### BEGIN SOLUTION
    a1, a2, a3 = activations
    # Output layer: softmax + cross-entropy give the logits' gradient directly.
    d3 = cross_entropy_delta(a3, y)  # (n, 10)
    # Hidden layers: back through the weights, then through the sigmoid.
    d2 = (d3 @ params["w3"].T) * sigmoid_derivative(a2)  # (n, 128)
    d1 = (d2 @ params["w2"].T) * sigmoid_derivative(a1)  # (n, 128)
    # Each weight gradient is (input to the layer)^T (delta); each bias sums the delta
    # over the batch (the 1/n is already inside d3).
    return {
        "w3": a2.T @ d3,  # (128, 10)
        "b3": np.sum(d3, axis=0, keepdims=True),  # (1, 10)
        "w2": a1.T @ d2,  # (128, 128)
        "b2": np.sum(d2, axis=0, keepdims=True),  # (1, 128)
        "w1": x.T @ d1,  # (64, 128)
        "b1": np.sum(d1, axis=0, keepdims=True),  # (1, 128)
    }
    ### END SOLUTION


def update(params, grads, lr):
    """One step of gradient descent: every parameter moves by -lr times its gradient.

    Returns the new params dict (updating params in place and returning it is fine).
    Must not modify grads.
    """
    ### BEGIN SOLUTION
    # Downhill: against the gradient. reshape accepts a (k,) bias gradient for a (1, k) bias.
    return {name: p - lr * np.reshape(grads[name], p.shape) for name, p in params.items()}
    ### END SOLUTION


def predict(params, x):
    """Class labels for a batch: the most probable class of each row.

    x: (n, 64). Returns an integer array of shape (n,).
    """
    ### BEGIN SOLUTION
    probs = feedforward(params, x)[2]  # (n, 10)
    return np.argmax(probs, axis=1)  # (n,)
    ### END SOLUTION


def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
    """Mini-batch gradient descent from standard-normal initial weights.

    x: (n, 64), y: (n, 10) one-hot. Draw the initial weights (standard normal, as in the
    article) and biases (zeros) from np.random.default_rng(seed), then for each epoch
    shuffle the rows and take one update per batch of batch_size rows, using feedforward,
    backprop and update. Returns the trained params.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    sizes = [(64, 128), (128, 128), (128, 10)]
    params = {}
    for i, (fan_in, fan_out) in enumerate(sizes, start=1):
        params[f"w{i}"] = rng.standard_normal((fan_in, fan_out))
        params[f"b{i}"] = np.zeros((1, fan_out))
    n = x.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start:start + batch_size]
            xb, yb = x[rows], y[rows]  # (batch, 64), (batch, 10)
            activations = feedforward(params, xb)
            grads = backprop(params, xb, yb, activations)
            params = update(params, grads, lr)
    return params
    ### END SOLUTION


# ======================================================================================
# Bonus: beyond the article. `nnkata check` unlocks these once `train` passes; they earn
# bonus points outside the core 100. The same conventions hold: float64 arrays, params
# dicts with the keys and shapes above, and no argument modified unless a spec allows it.
# ======================================================================================


def relu(z):
    """The rectified linear unit max(0, z), elementwise.

    z: an array of any shape. Returns a new float64 array of the same shape: z where z > 0,
    else 0. Do not modify z: z[z < 0] = 0 writes into the caller's array.
    """
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)  # a new array; z is left untouched
    ### END SOLUTION


def relu_derivative(z):
    """The derivative of relu, elementwise: 1.0 where z > 0, 0.0 where z < 0.

    z: the pre-activation, any shape. Returns a float64 array of the same shape (a boolean
    array is not float64: convert it). Since relu(z) > 0 exactly when z > 0, the same code
    also works when given the activation a = relu(z). At z = 0 exactly relu has no
    derivative: either 0 or 1 is accepted there (this reference uses 0).
    """
    ### BEGIN SOLUTION
    return np.where(z > 0, 1.0, 0.0)
    ### END SOLUTION


def tanh(z):
    """The hyperbolic tangent (e^z - e^-z) / (e^z + e^-z), elementwise.

    z: an array of any shape. Returns an array of the same shape with every entry in
    [-1, 1]. Stability: it must stay finite and warning-free for |z| up to 1000, where the
    formula as written overflows. np.tanh is stable and allowed; if you write it yourself,
    arrange it so that exp only ever sees a non-positive argument.
    """
    ### BEGIN SOLUTION
    # tanh is odd, and for |z| it equals (1 - e^-2|z|) / (1 + e^-2|z|): exp sees -2|z| <= 0.
    # expm1 keeps 1 - e^-2|z| accurate when |z| is tiny. np.tanh(z) gives the same.
    e = np.exp(-2.0 * np.abs(z))
    return np.sign(z) * -np.expm1(-2.0 * np.abs(z)) / (1.0 + e)
    ### END SOLUTION


def tanh_derivative(a):
    """The derivative of tanh, written in terms of its output: 1 - a^2.

    a: activations a = tanh(z), any shape, entries in [-1, 1]. Returns d tanh / dz = 1 - a**2,
    same shape. As with sigmoid_derivative, the argument is the activation a, not z.
    """
    ### BEGIN SOLUTION
    return 1.0 - a * a
    ### END SOLUTION


def he_init(fan_in, fan_out, rng):
    """He (Kaiming) initialisation, for a layer followed by relu: weights ~ N(0, 2 / fan_in).

    fan_in, fan_out: the layer's numbers of inputs and outputs. rng: a np.random.Generator
    or an int seed (the grader passes a seed). Start with rng = np.random.default_rng(rng),
    which accepts both and hands a Generator back unchanged. Returns a (fan_in, fan_out)
    float64 array of normal draws with mean 0 and standard deviation sqrt(2 / fan_in): the 2
    makes up for relu zeroing half of its inputs. The same seed gives the same weights.
    Weights only: biases start at zero.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))  # (fan_in, fan_out)
    ### END SOLUTION


def xavier_init(fan_in, fan_out, rng):
    """Xavier (Glorot) uniform initialisation, for tanh or sigmoid layers.

    fan_in, fan_out, rng: as in he_init. Returns a (fan_in, fan_out) float64 array of
    uniform draws from [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)), so that
    the variance, limit^2 / 3, is 2 / (fan_in + fan_out). The uniform variant, not the
    normal one. The same seed gives the same weights.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))  # (fan_in, fan_out)
    ### END SOLUTION


def momentum_update(params, grads, velocity, lr, beta=0.9):
    """One step of gradient descent with (heavy-ball) momentum.

    velocity: a dict with the keys and shapes of params (it starts at zeros). For every
    parameter p with gradient g and velocity v, in this order:
        v <- beta * v - lr * g      (the velocity is the step itself)
        p <- p + v                  (with the new velocity)
    Returns (new params, new velocity), two dicts. With beta = 0 this is update(). Updating
    params and velocity in place and returning them is fine; grads must not be modified.
    """
    ### BEGIN SOLUTION
    new_v = {k: beta * velocity[k] - lr * np.reshape(grads[k], p.shape) for k, p in params.items()}
    return {k: p + new_v[k] for k, p in params.items()}, new_v
    ### END SOLUTION


def adam_update(params, grads, state, lr, t, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of Adam.

    state: {"m": ..., "v": ...}, the moving averages of the gradient and of its square, each
    a dict with the keys and shapes of params; both start at zeros. t: this step's number,
    counting from 1. For every parameter p with gradient g:
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t),   v_hat = v / (1 - beta2**t)    (bias correction)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)
    Returns (new params, new state); the state keeps m and v, not m_hat and v_hat. The bias
    correction matters: m and v start at 0, so for small t they are far too small without
    it. grads must not be modified.
    """
    ### BEGIN SOLUTION
    new_p, m, v = {}, {}, {}
    for k, p in params.items():
        g = np.reshape(grads[k], p.shape)
        m[k] = beta1 * state["m"][k] + (1 - beta1) * g
        v[k] = beta2 * state["v"][k] + (1 - beta2) * g * g
        m_hat = m[k] / (1 - beta1 ** t)
        v_hat = v[k] / (1 - beta2 ** t)
        new_p[k] = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new_p, {"m": m, "v": v}
    ### END SOLUTION


def l2_penalty(params, lam):
    """The L2 penalty on the weights: (lam / 2) times the sum of the squares of every entry
    of w1, w2 and w3.

    The biases (b1, b2, b3) are not penalised: a bias only shifts a unit's input, and
    shrinking it does not make the network any smoother. Returns a Python float. The
    regularised loss is cross_entropy + l2_penalty; the 1/2 makes its gradient lam * w.
    """
    ### BEGIN SOLUTION
    return float(lam / 2 * sum(np.sum(p * p) for k, p in params.items() if k.startswith("w")))
    ### END SOLUTION


def l2_gradients(params, grads, lam):
    """The gradients of the regularised loss: grads plus the gradient of l2_penalty.

    Returns a new dict with the keys of grads: grads[k] + lam * params[k] for the weights
    w1, w2, w3 (the gradient of (lam / 2) * w^2 is lam * w), and the bias gradients as they
    are. Must not modify params or grads.
    """
    ### BEGIN SOLUTION
    return {k: g + lam * params[k] if k.startswith("w") else np.array(g) for k, g in grads.items()}
    ### END SOLUTION


def log_softmax(z):
    """Row-wise log of the softmax: log(exp(z) / sum(exp(z))) over axis 1, computed so that it
    stays finite.

    z: logits, shape (n, k). Returns an (n, k) array of log-probabilities (entries <= 0, the
    exponentials of each row summing to 1). Stability: logits go up to +-1000. Where softmax
    underflows to 0 (a logit 2000 below its row's maximum), its log is -inf; the log-softmax
    of that logit is -2000, and it must come out as -2000. Do not modify z.
    """
    ### BEGIN SOLUTION
    # log softmax(z) = z - m - log(sum(exp(z - m))) with m each row's maximum: exp sees only
    # numbers <= 0 and the sum is at least 1, so its log is finite; no probability is formed.
    shifted = z - np.max(z, axis=1, keepdims=True)  # (n, k)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))  # (n, k)
    ### END SOLUTION
