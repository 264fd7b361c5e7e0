"""The kata as a Jupyter notebook: the nbgrader source notebook, its grade cells, and
grading a student's notebook without executing it.

The source notebook is generated from the reference like the stubs are: for each step a
markdown cell with the spec, a solution cell (``grade_id`` = the step's name) holding the
reference between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, and a locked grade cell
(``grade_id`` = ``<step>_tests``) whose points come from the registry.

A grade cell calls ``check``. It never judges in the kernel: it writes the notebook's own
functions to a file and grades that file with ``nnkata grade`` in a subprocess, which runs
them in a child of its own as every grade does. It prints feedback on stdout, never
anything on stderr (nbgrader zeroes a cell with stderr), and returns a plain float.
"""

import ast
import inspect
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

from . import registry
from .paths import reference_file

SCHEMA = 3
HEADER = "import numpy as np\n"
KATA = "nn_kata"


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(kind, source, cell_id, metadata):
    cell = {"cell_type": kind, "id": cell_id, "metadata": metadata, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def functions(text):
    """name -> (source of the top-level function, its docstring) in a module's text."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    ends = [node.lineno - 1 for node in tree.body[1:]] + [len(lines)]
    # up to the next top-level statement: trailing comments (### END SOLUTION) belong here,
    # but not a comment at column 0 after the function (a banner before the next section)
    for i, end in enumerate(ends):
        while end > tree.body[i].lineno and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        ends[i] = end
    return {node.name: ("".join(lines[node.lineno - 1:end]).rstrip() + "\n", ast.get_docstring(node))
            for node, end in zip(tree.body, ends, strict=True) if isinstance(node, ast.FunctionDef)}


def answered(notebook, text):
    """A copy of ``notebook`` (a parsed release) whose solution cells hold the functions of the
    module ``text``, as a student who wrote them would hand it in."""
    import copy
    notebook = copy.deepcopy(notebook)
    defined = functions(text)
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in registry.BY_NAME and grade_id in defined:
            code = defined[grade_id][0]
            cell["source"] = "".join(line for line in code.splitlines(keepends=True)
                                     if line.strip() not in markers)
    return notebook


def grade_cell_source(step):
    public = sum(c.points for c in step.checks if not c.hidden)
    lines = ["from grader.notebook import check", "",
             f"# {step.name}: {step.points:g} points. Outside the hidden region below, the public",
             f"# checks ({public:g} points) are scaled to {step.points:g}: a self-check.",
             f'score = check("{step.name}", globals())']
    if any(c.hidden for c in step.checks):
        lines += ["### BEGIN HIDDEN TESTS", f'score = check("{step.name}", globals(), hidden=True)',
                  "### END HIDDEN TESTS"]
    return "\n".join(lines + ["score"])


def source_notebook():
    """The nbgrader source notebook, as nbformat 4.5 JSON."""
    module = reference_file().read_text()
    defined = functions(module)
    intro = ("# A neural network from scratch\n\n"
             + ast.get_docstring(ast.parse(module)).replace("``nnkata check``", "each grade cell")
             + "\n\nRun each grade cell after writing its step; it prints what to fix. "
               "Validate the whole notebook before you submit it.")
    cells = [_cell("markdown", intro, "intro", _meta("intro", locked=True)),
             _cell("code", HEADER.strip(), "setup", _meta("setup", locked=True))]
    for number, step in enumerate(registry.STEPS, start=1):
        code, doc = defined[step.name]
        spec = f"## {number}. `{step.signature}` ({step.points:g} points)\n\n{doc}"
        cells += [
            _cell("markdown", spec, f"{step.name}-spec", _meta(f"{step.name}_spec", locked=True)),
            _cell("code", code.rstrip(), step.name, _meta(step.name, solution=True)),
            _cell("code", grade_cell_source(step), f"{step.name}-tests",
                  _meta(f"{step.name}_tests", grade=True, locked=True, points=step.points)),
        ]
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}}}


def dumps(notebook):
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


# -- grading a notebook file, without executing it ----------------------------------------
MAX_ITEMS = 1_000_000  # JSON values, bounded before parsing: the grader's memory is not the student's


def _damaged(why):
    return f"the notebook could not be read as a Jupyter notebook ({why})"


def _load(path):
    """The parsed notebook at ``path``, read without following a link; or the problem (str)."""
    from .files import MAX_NOTEBOOK, Unreadable, read_bytes
    try:
        data = read_bytes(path, limit=MAX_NOTEBOOK)
    except Unreadable as exc:
        return exc.message
    except OSError as exc:
        return _damaged(type(exc).__name__)
    # Each value but the first in a container follows a comma or a colon: this bounds how
    # many objects json.loads could build before it builds any.
    if sum(data.count(c) for c in (b",", b":", b"[", b"{")) > MAX_ITEMS:
        return _damaged(f"more than {MAX_ITEMS:,} items: clear its outputs and submit it again")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return _damaged(type(exc).__name__)


def _text(source):
    """A cell's ``source`` as text: a string, or a list of strings (nbformat's two forms)."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return None


def _kind(value):
    """What a JSON value that is not text is, in a student's words."""
    kinds = {type(None): "null", bool: "a boolean", int: "a number", float: "a number",
             dict: "an object", list: "a list with something else than text in it"}
    return kinds.get(type(value), "not text")


def _solution(step, cell):
    """(the solution cell's code, '') or ('', the problem with it) for one step."""
    if cell.get("cell_type") != "code":
        kind = cell.get("cell_type")
        return "", (f"the solution cell for {step} is now a {kind if isinstance(kind, str) else 'broken'} "
                    "cell: change it back to code.")
    source = cell.get("source", "")
    code = _text(source)
    if code is None:
        return "", (f"the solution cell for {step} is damaged: its source is {_kind(source)}, not "
                    "text. Copy the cell from a fresh release and write your code in it again.")
    try:
        code.encode("utf-8")
    except UnicodeEncodeError:
        return "", (f"the solution cell for {step} holds a character that is not valid Unicode "
                    "(a lone surrogate): remove it.")
    return code, ""


def extract(path):
    """(module text, {step: problem}) from a notebook's solution cells, found by grade_id.

    Whatever the file holds (a link, a huge or deeply nested document, cells or sources of the
    wrong type) is a problem in the report, never an exception."""
    notebook = _load(path)
    if isinstance(notebook, str):
        return HEADER, {s.name: notebook for s in registry.STEPS}
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        problem = _damaged("it has no list of cells")
        return HEADER, {s.name: problem for s in registry.STEPS}
    found, problems = {}, {}
    for cell in cells:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(grade_id, str) and grade_id in registry.BY_NAME:
            found.setdefault(grade_id, []).append(cell)
    parts = [HEADER]
    for step in registry.STEPS:
        matches = found.get(step.name, [])
        if not matches:
            problems[step.name] = (f"the notebook has no solution cell for {step.name} (grade_id "
                                   f"{step.name!r}): was it deleted? Copy it from a fresh release.")
        elif len(matches) > 1:
            problems[step.name] = (f"the notebook has {len(matches)} cells with grade_id "
                                   f"{step.name!r}: a cell was duplicated. Keep one and delete the rest.")
        else:
            code, problem = _solution(step.name, matches[0])
            if problem:
                problems[step.name] = problem
            else:
                parts.append(code)
    return "\n\n".join(p.rstrip() for p in parts) + "\n", problems


# -- the grade cell's side ----------------------------------------------------------------
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


def feedback(step, report, *, hidden, points=None):
    """(score, text) for one step's report (its JSON form) as its grade cell shows it.

    ``hidden=True``: the grade, every check counted; ``hidden=False``: the public checks scaled
    to the step's points (the released notebook's self-check). ``points``: the cell's, when
    nbgrader's database says otherwise than the registry. nbgrader's feedback shows this text
    to students, so a hidden check says which and whether, never its inputs or values."""
    spec = registry.BY_NAME[step]
    points = spec.points if points is None else points
    if hidden:
        scale = points / spec.points
        score = float(min(max(report["score"] * scale, 0.0), points))
        lines = [f"{step}: {report['status']}, {score:g} of {points:g} points, hidden checks included"]
    else:
        scale = points / report["max_score"] if report["max_score"] else 0.0
        score = float(min(max(report["score"] * scale, 0.0), points))
        lines = [f"{step}: {report['status']}, public checks {report['score']:g} of "
                 f"{report['max_score']:g} points (worth {score:g} of {points:g} here; hidden "
                 "checks run when it is graded)"]
    for c in report["checks"]:
        mark = "✓" if c["status"] == "passed" else "✗"
        if c["status"] == "passed" or not c["hidden"]:
            lines.append(f"  {mark} {c['name']}" + (f": {c['message']}" if c["status"] != "passed" else ""))
        else:
            lines.append(f"  {mark} {c['name']}: {c['status']} (the details of hidden checks stay hidden)")
    return round(score, 6), "\n".join(lines)
