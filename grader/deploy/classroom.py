"""GitHub Classroom: ``nnkata classroom init DIR`` writes an assignment's starter repository.

On every push its workflow grades the student's ``exercises/network.py`` with the ``classroom``
format and hands the result to GitHub Classroom's reporter
(``classroom-resources/autograding-grading-reporter``), which shows each step and posts
"Points X/Y" for the gradebook. The grader travels inside the repository (``.grader/``, pinned
to this machine's numerics), so nothing is fetched from anywhere but PyPI.

GitHub Classroom grades in the student's own repository, where the student can read every
file and change the workflow: nothing, the reference included, can be kept secret there. It
is the place for practice and formative grades; Gradescope and nbgrader keep the reference
away from students.
"""

import json
import platform
from pathlib import Path

from grader import __version__, atomic, paths
from grader.deploy import bundle
from grader.errors import HarnessError
from grader.kata import curriculum

VENDOR = ".grader"
STEP = "grade"  # the grading step's id: its outputs are the runners' results
# The reporter looks for the check run by this name: the workflow must be called so.
WORKFLOW_NAME = "Autograding Tests"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "classroom"  # the repository's files, with @KEYS@


def _fill(name, **values):
    template = (TEMPLATES / name).read_text()
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


FAILED = ("the grader did not finish: the steps above this one in the Actions log say why "
          "(0 points until a push is graded)")


def fallback():
    """Each runner's base64 result when grading did not finish: 0 points, and why."""
    from grader.grade import not_graded
    from grader.views import classroom
    doc = classroom.runners(not_graded("exercises/network.py", FAILED))
    return dict(line.split("=", 1) for line in classroom.github_output(doc).splitlines())


def outputs(path):
    """The ``$GITHUB_OUTPUT`` lines for a ``--format classroom`` result file: one base64
    result per runner. A file without both runners is the harness's error."""
    from grader.views import classroom
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        doc = {r: doc[r] for r in classroom.RUNNERS}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HarnessError(f"{path} is not a --format classroom result: {exc}") from None
    return classroom.github_output(doc)


def files():
    """Every file of the starter repository: relative path -> (bytes, mode)."""
    python = ".".join(platform.python_version_tuple()[:2])
    out = {".github/workflows/classroom.yml": _fill(
        "classroom.yml", VERSION=__version__, NAME=WORKFLOW_NAME, PYTHON=python, VENDOR=VENDOR,
        STEP=STEP, **{f"{r.upper()}_FALLBACK": v for r, v in fallback().items()})}
    out[f"{VENDOR}/pyproject.toml"] = _fill("pyproject.toml", VERSION=__version__, PYTHON=python,
                                            PINS=", ".join(f'"{p}"' for p in bundle.pins()))
    steps = "\n".join(f"{i}. `{s.signature}` ({s.points} points): {s.goal}"
                      for i, s in enumerate(curriculum.STEPS, 1))
    out["README.md"] = _fill("README.md", STEPS=steps)
    out["exercises/network.py"] = paths.exercise_file().read_text()
    out[".gitignore"] = ".venv/\n__pycache__/\n*.png\n.nnkata/\n"  # .nnkata/: the student's progress
    encoded = {name: (text.encode(), 0o644) for name, text in out.items()}
    # In the repository every file is readable: the reference too (see the module's note).
    encoded.update({name: (data, 0o644) for name, (data, _) in bundle.grader_files(VENDOR).items()})
    return encoded


def init(directory):
    """Write the starter repository into ``directory`` (new or empty); return the paths written."""
    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HarnessError(f"{root} exists and is not empty: choose a new folder")
    written = []
    for name, (data, mode) in sorted(files().items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, data.decode())
        path.chmod(mode)
        written.append(path)
    return written
