# Generated from solutions/network.py by `nnkata build`: this is your copy to fill in.
# Replace each `raise NotImplementedError(...)` with your code; run `nnkata check`.
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
    raise NotImplementedError("sigmoid: your code here")


def sigmoid_derivative(a):
    """The derivative of the sigmoid, written in terms of its output.

    a: activations a = sigmoid(z), any shape. Returns d sigmoid / dz = a * (1 - a), same
    shape. Note the argument is the activation a, not the pre-activation z: backprop has
    the activations at hand from the forward pass.
    """
    raise NotImplementedError("sigmoid_derivative: your code here")


def softmax(z):
    """Row-wise softmax: exp(z) / sum(exp(z)) over axis 1.

    z: logits, shape (n, k). Returns an (n, k) array whose rows are probability
    distributions (entries in [0, 1], each row summing to 1).

    Stability: logits go up to +-1000. Softmax does not change when a constant is subtracted
    from a row; use that so exp never overflows. Do not modify z.
    """
    raise NotImplementedError("softmax: your code here")


def cross_entropy(probs, targets):
    """The mean cross-entropy loss over the batch (the article's ``error``).

    probs: (n, 10) softmax outputs, every entry in (0, 1]. targets: (n, 10) one-hot.
    Returns a Python float: the mean over the n rows of -log(probability of the true class).
    """
    raise NotImplementedError("cross_entropy: your code here")


def cross_entropy_delta(probs, targets):
    """Gradient of the mean cross-entropy with respect to the output logits.

    probs: (n, 10) softmax outputs, targets: (n, 10) one-hot. With a softmax output the
    chain rule collapses to (probs - targets) / n, shape (n, 10) (the article's
    ``cross_entropy``). The 1/n comes from the mean in the loss.
    """
    raise NotImplementedError("cross_entropy_delta: your code here")


def feedforward(params, x):
    """The forward pass: returns the three layers' activations (a1, a2, a3).

    x: (n, 64). a1 = sigmoid(x @ w1 + b1) is (n, 128), a2 = sigmoid(a1 @ w2 + b2) is
    (n, 128), a3 = softmax(a2 @ w3 + b3) is (n, 10). Use sigmoid and softmax above.
    Do not modify params or x.
    """
    raise NotImplementedError("feedforward: your code here")


def backprop(params, x, y, activations):
    """Gradients of the mean cross-entropy loss with respect to every parameter.

    x: (n, 64), y: (n, 10) one-hot, activations: (a1, a2, a3) from feedforward.
    Returns a dict with the keys of params and the same shapes: dw3 is a2^T delta3, db3 sums
    delta3 over the batch, and each hidden layer's delta is the next delta pulled back
    through its weights times sigmoid_derivative of that layer's activation.
    Use cross_entropy_delta and sigmoid_derivative above. Do not modify the inputs.
    """
    raise NotImplementedError("backprop: your code here")


def update(params, grads, lr):
    """One step of gradient descent: every parameter moves by -lr times its gradient.

    Returns the new params dict (updating params in place and returning it is fine).
    Must not modify grads.
    """
    raise NotImplementedError("update: your code here")


def predict(params, x):
    """Class labels for a batch: the most probable class of each row.

    x: (n, 64). Returns an integer array of shape (n,).
    """
    raise NotImplementedError("predict: your code here")


def train(x, y, *, epochs=50, batch_size=64, lr=0.5, seed=0):
    """Mini-batch gradient descent from standard-normal initial weights.

    x: (n, 64), y: (n, 10) one-hot. Draw the initial weights (standard normal, as in the
    article) and biases (zeros) from np.random.default_rng(seed), then for each epoch
    shuffle the rows and take one update per batch of batch_size rows, using feedforward,
    backprop and update. Returns the trained params.
    """
    raise NotImplementedError("train: your code here")
