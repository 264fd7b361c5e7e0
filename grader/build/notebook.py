"""The nbgrader source notebook, generated from the reference like the stubs are: for each step
a markdown cell with the spec, a solution cell (``grade_id`` = the step's name) holding the
reference between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, and a locked grade cell
(``grade_id`` = ``<step>_tests``) whose points come from the curriculum and which calls
``grader.study.notebook.check``."""

import ast
import copy
import json

from grader.kata import curriculum
from grader.kata.notebook import HEADER
from grader.kata.source import functions, without_markers
from grader.paths import reference_file

SCHEMA = 3  # nbgrader's cell metadata schema


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


def answered(notebook, text):
    """A copy of ``notebook`` (a parsed release) whose solution cells hold the functions of the
    module ``text``, as a student who wrote them would hand it in."""
    notebook = copy.deepcopy(notebook)
    defined = functions(text)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in curriculum.BY_NAME and grade_id in defined:
            code = defined[grade_id][0]
            cell["source"] = without_markers(code)
    return notebook


def grade_cell_source(step):
    public = sum(c.points for c in step.checks if not c.hidden)
    lines = ["from grader.study.notebook import check", "",
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
    for number, step in enumerate(curriculum.STEPS, start=1):
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
