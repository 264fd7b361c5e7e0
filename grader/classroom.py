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

import platform
from pathlib import Path

from . import __version__, bundle, jsonfile, paths, registry
from .errors import HarnessError

VENDOR = ".grader"
RUNNER = "nnkata"  # the reporter reads the result from NNKATA_RESULTS
# The reporter looks for the check run by this name: the workflow must be called so.
WORKFLOW_NAME = "Autograding Tests"

WORKFLOW = """\
# Grades exercises/network.py on every push and reports the points to GitHub Classroom.
# Written by `nnkata classroom init` (nnkata @VERSION@).
name: @NAME@
"on":
  - push
  - repository_dispatch
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "@PYTHON@"
      - name: Install bubblewrap, the sandbox student code runs in
        run: sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap
      - name: Install the grader
        run: python -m pip install --quiet ./@VENDOR@
      - name: Grade exercises/network.py
        id: @RUNNER@
        run: |
          nnkata grade exercises/network.py --format classroom > "$RUNNER_TEMP/nnkata.json"
          echo "result=$(base64 -w0 "$RUNNER_TEMP/nnkata.json")" >> "$GITHUB_OUTPUT"
      - name: Report the points
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          @ENV@: "${{ steps.@RUNNER@.outputs.result }}"
        with:
          runners: @RUNNER@
"""

PYPROJECT = """\
# The grader, vendored by `nnkata classroom init`: `pip install ./.grader` gives `nnkata`.
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "nnkata"
version = "@VERSION@"
requires-python = ">=@PYTHON@"
dependencies = [@PINS@]

[project.scripts]
nnkata = "grader.cli:main"

[project.entry-points.pytest11]
nnkata = "grader.pytest_plugin"

[tool.setuptools]
packages = ["grader", "grader.checks", "grader.solutions", "grader.exercises"]

[tool.setuptools.package-data]
grader = ["records/*.json"]
"grader.solutions" = ["network.py", "nn_kata.ipynb"]
"grader.exercises" = ["network.py"]
"""

README = """\
# The neural network kata

Write, in numpy, the network of "a neural network from scratch" (64 → 128 → 128 → 10 on the
digits), one function at a time, in `exercises/network.py`. Each function's docstring is its spec.

```sh
python3 -m venv .venv && . .venv/bin/activate && pip install ./.grader
nnkata check            # which step is wrong, why, and what to try next
nnkata hint STEP        # a question that leads to the answer
```

Every push is graded by the workflow in `.github/workflows/classroom.yml`: the Actions tab shows
each step, and GitHub Classroom records the points. The steps, in order:

@STEPS@
"""


def _fill(template, **values):
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


def files():
    """Every file of the starter repository: relative path -> (bytes, mode)."""
    python = ".".join(platform.python_version_tuple()[:2])
    out = {".github/workflows/classroom.yml": _fill(
        WORKFLOW, VERSION=__version__, NAME=WORKFLOW_NAME, PYTHON=python, VENDOR=VENDOR,
        RUNNER=RUNNER, ENV=f"{RUNNER.upper()}_RESULTS")}
    out[f"{VENDOR}/pyproject.toml"] = _fill(PYPROJECT, VERSION=__version__, PYTHON=python,
                                            PINS=", ".join(f'"{p}"' for p in bundle.pins()))
    steps = "\n".join(f"{i}. `{s.signature}` ({s.points} points): {s.goal}"
                      for i, s in enumerate(registry.STEPS, 1))
    out["README.md"] = _fill(README, STEPS=steps)
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
        jsonfile.write_text_atomic(path, data.decode())
        path.chmod(mode)
        written.append(path)
    return written
