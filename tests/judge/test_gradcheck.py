"""Central differences and the relative error the gradient checks use."""

import numpy as np

from grader.judge import gradcheck


def test_numeric_gradient_of_a_known_function():
    w = np.random.default_rng(0).normal(size=(4, 3))
    before = w.copy()
    indices = gradcheck.sample(w.shape, np.random.default_rng(1), count=5)
    numeric = gradcheck.numeric(lambda: float(np.sum(np.sin(w))), w, indices)
    np.testing.assert_allclose(numeric, np.cos(w).ravel()[indices], rtol=1e-8)
    np.testing.assert_array_equal(w, before)  # perturbations are undone
    assert len(set(indices)) == 5


def test_relative_error_scale():
    g = np.array([1.0, 2.0, 3.0])
    assert gradcheck.relative_error(g, g) == 0
    assert gradcheck.relative_error(g, 2 * g) == 1 / 3
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0
