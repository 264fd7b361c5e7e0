"""The kata as a Jupyter notebook, read without executing it: each step's solution cell is the
code cell whose nbgrader ``grade_id`` is the step's name; a grade cell's is ``<step>_tests``.
``extract`` takes the solution cells out of a student's notebook and makes them one module,
which is graded like any file (``grader.grade``). Building the notebook is ``grader.build.notebook``'s
job, and a grade cell's side is ``grader.study.notebook``'s."""

import json

from grader.kata import curriculum

HEADER = "import numpy as np\n"  # the notebook's first, locked code cell
KATA = "nn_kata"  # the notebook's name in an nbgrader course
MAX_ITEMS = 1_000_000  # JSON values, bounded before parsing: the grader's memory is not the student's


def _damaged(why):
    return f"the notebook could not be read as a Jupyter notebook ({why})"


def _load(path):
    """The parsed notebook at ``path``, read without following a link; or the problem (str)."""
    from grader.files import MAX_NOTEBOOK, Unreadable, read_bytes
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
        return HEADER, {s.name: notebook for s in curriculum.STEPS}
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        problem = _damaged("it has no list of cells")
        return HEADER, {s.name: problem for s in curriculum.STEPS}
    found, problems = {}, {}
    for cell in cells:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(grade_id, str) and grade_id in curriculum.BY_NAME:
            found.setdefault(grade_id, []).append(cell)
    parts = [HEADER]
    for step in curriculum.STEPS:
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
