"""A grade cell's side, run in the notebook's kernel.

A grade cell calls ``check``. It never judges in the kernel: it writes the notebook's own
functions to a file and grades that file with ``nnkata grade`` in a subprocess, which runs
them in a child of its own as every grade does. It prints feedback on stdout, never
anything on stderr (nbgrader zeroes a cell with stderr), and returns a plain float.
"""

import inspect
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

from grader.kata.notebook import HEADER
from grader.views.cell import feedback


def namespace_source(namespace):
    """A module holding the notebook's imports and the functions it defined."""
    lines, bodies = [HEADER.strip()], []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if isinstance(value, types.ModuleType):
            line = f"import {value.__name__} as {name}"
            if line not in lines:
                lines.append(line)
        elif isinstance(value, types.FunctionType) and value.__module__ == "__main__":
            try:
                bodies.append(inspect.getsource(value))
            except (OSError, TypeError):
                pass
    return "\n".join(lines) + "\n\n\n" + "\n\n".join(bodies)


def check(step, namespace, hidden=False):
    """Grade one step of the notebook's functions; print feedback, return the score (a float).

    ``hidden=False`` runs the public checks and scales them to the step's points (what the
    released notebook shows); ``hidden=True`` runs every check: the grade.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        # nnkata's course never executes a submission at autograde (grader/nbgrader_autograde.py):
        # a grade cell running now means nbgrader_config.py did not load that. Fail closed.
        raise RuntimeError("not graded: nbgrader autograde is executing the student's notebook, "
                           "so nbgrader_config.py did not load nnkata's preprocessor (see the log "
                           "for why; `nnkata nbgrader init` writes a course that does)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "network.py"
        path.write_text(namespace_source(namespace))
        command = [sys.executable, "-m", "grader", "grade", str(path), "--step", step, "--format", "json"]
        if not hidden:
            command.append("--public-only")
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=600)
            report = json.loads(run.stdout)["steps"][0]
        except (subprocess.TimeoutExpired, ValueError, KeyError, IndexError, OSError) as exc:
            print(f"{step}: the grader could not run ({type(exc).__name__}); no credit given.")
            return 0.0
    score, text = feedback(step, report, hidden=hidden)
    print(text)
    return score
