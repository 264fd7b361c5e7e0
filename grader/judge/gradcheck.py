"""Numeric gradients by central differences, and the norm-based relative error.

Field notes: float64, h = 1e-5, a batch of n = 7; correct code lands near 1e-8 or below;
pass at 1e-6. Entries are sampled (about 20 per tensor) so the whole check stays fast.
"""

import numpy as np

H = 1e-5
PASS = 1e-6


def relative_error(g, g_num):
    """||g - g_num|| / max(||g|| + ||g_num||, 1e-12)."""
    g, g_num = np.ravel(g), np.ravel(g_num)
    return float(np.linalg.norm(g - g_num) / max(np.linalg.norm(g) + np.linalg.norm(g_num), 1e-12))


def sample(shape, rng, count=20):
    """Up to ``count`` distinct flat indices into an array of ``shape``."""
    size = int(np.prod(shape))
    return np.sort(rng.choice(size, size=min(count, size), replace=False))


def numeric(f, array, flat_indices, h=H):
    """d f / d array at the given flat indices; ``array`` is perturbed in place and restored."""
    flat = array.reshape(-1)
    out = np.empty(len(flat_indices))
    for j, i in enumerate(flat_indices):
        keep = flat[i]
        flat[i] = keep + h
        up = f()
        flat[i] = keep - h
        down = f()
        flat[i] = keep
        out[j] = (up - down) / (2 * h)
    return out
