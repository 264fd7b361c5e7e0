"""The digits are scikit-learn's, split exactly as train_test_split(test_size=0.1, random_state=20)."""

import numpy as np

from grader.judge import data


def test_split_matches_scikit_learn():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, labels = load_digits(return_X_y=True)
    x_train, x_val, l_train, l_val = train_test_split(x / 16.0, labels, test_size=0.1, random_state=20)
    digits = data.load()
    assert digits.x_train.shape == (1617, 64) and digits.x_val.shape == (180, 64)
    np.testing.assert_array_equal(digits.x_train, x_train)
    np.testing.assert_array_equal(digits.x_val, x_val)
    np.testing.assert_array_equal(digits.y_train, np.eye(10)[l_train])
    np.testing.assert_array_equal(digits.labels_val, l_val)
    assert digits.y_train.dtype == np.float64 and digits.x_train.max() == 1.0
