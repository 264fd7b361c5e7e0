"""Where the kata's files are: in a source checkout, or inside an installed package."""

from pathlib import Path

from grader.errors import HarnessError

PACKAGE = Path(__file__).resolve().parent
RECORDS = PACKAGE / "records"  # the reference's and the Keras baseline's recorded figures


def kata_dir(name):
    """``solutions`` or ``exercises``: beside ``grader/`` in a checkout, inside it when installed."""
    for candidate in (PACKAGE.parent / name, PACKAGE / name):
        if (candidate / "network.py").is_file():
            return candidate
    raise HarnessError(f"cannot find {name}/network.py next to the grader in {PACKAGE.parent}: "
                       "is nnkata installed from a complete checkout?")


def reference_file():
    return kata_dir("solutions") / "network.py"


def exercise_file():
    """The generated stubs: beside the reference's folder, wherever that is."""
    return reference_file().parent.with_name("exercises") / "network.py"


def notebook_file():
    """The nbgrader source notebook (with solutions), generated beside the reference."""
    return reference_file().with_name("nn_kata.ipynb")


def default_submission():
    """What ``nnkata check`` grades: ./exercises/network.py, else the checkout's own."""
    here = Path.cwd() / "exercises" / "network.py"
    return here if here.is_file() else exercise_file()
