"""A copy of the grader to run elsewhere (Gradescope's image, a GitHub Classroom repository):
its files in the installed layout, and the pins of the numerics it was checked with."""

import platform
from importlib import metadata

from grader import __version__
from grader import paths
from grader.errors import HarnessError

PINNED = ("numpy", "scikit-learn", "hypothesis")
SECRET = 0o600  # the reference and the notebook that holds it


def pins():
    """``name==version`` for each numeric dependency, as installed where this runs."""
    found = []
    for name in PINNED:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            raise HarnessError(f"{name} is not installed here: build where nnkata grades, so "
                               "that the versions can be pinned") from None
    return found


def requirements():
    """requirements.txt: the pins, and what they were pinned for."""
    head = f"# nnkata {__version__}, built with Python {platform.python_version()}"
    return "\n".join([head, *pins()]) + "\n"


def grader_files(prefix):
    """``prefix/grader/...`` -> (bytes, mode) for the running grader, reference included: every
    module of the package, its records and its templates, found by walking it."""
    package, files = paths.PACKAGE, {}
    for path in sorted(package.rglob("*")):
        inside = path.relative_to(package)
        if (not path.is_file() or path.is_symlink() or "__pycache__" in inside.parts
                or inside.parts[0] in ("solutions", "exercises")):  # the kata's files: below, by their paths
            continue
        if path.suffix in (".py", ".json") or inside.parts[:2] == ("deploy", "templates"):
            files[f"{prefix}/grader/{inside.as_posix()}"] = (path.read_bytes(), 0o644)
    for name, path, mode in (("solutions/network.py", paths.reference_file(), SECRET),
                             ("solutions/nn_kata.ipynb", paths.notebook_file(), SECRET),
                             ("exercises/network.py", paths.exercise_file(), 0o644)):
        if not path.is_file():
            raise HarnessError(f"{path} is missing: run `nnkata build`, or reinstall nnkata")
        files[f"{prefix}/grader/{name}"] = (path.read_bytes(), mode)
    return files
