"""nnkata: a kata and autograder for a neural network written from scratch in numpy."""

import os

__version__ = "0.1.0"

ONE_BLAS_THREAD = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def one_blas_thread():
    """Before numpy loads, in every entry point: one BLAS thread, so the bits reproduce."""
    for name, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(name, value)
