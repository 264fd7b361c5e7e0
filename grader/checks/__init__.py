"""The checks of each step, one module per part of the maths. ``grader.registry`` orders them."""
