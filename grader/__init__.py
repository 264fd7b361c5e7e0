"""nnkata: a kata and autograder for a neural network written from scratch in numpy."""

__version__ = "0.1.0"
