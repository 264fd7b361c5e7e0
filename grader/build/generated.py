"""Generated files: the stubs in ``exercises/`` come from the reference in ``solutions/``.

Every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region of the reference becomes a
``raise NotImplementedError`` that names its step; everything else (docstrings that are the
spec, signatures, imports) is kept as it is. ``check()`` says which generated files are
stale, so a test and ``nnkata build --check`` catch a reference edited without a rebuild.
"""

import re

from grader.errors import HarnessError
from grader.kata.source import MARKERS
from grader.paths import exercise_file, notebook_file, reference_file

BEGIN, END = MARKERS
HEADER = ("# Generated from solutions/network.py by `nnkata build`: this is your copy to fill in.\n"
          "# Replace each `raise NotImplementedError(...)` with your code; run `nnkata check`.\n")
DEF = re.compile(r"^(\s*)def (\w+)\(")


def stub_source(reference_text):
    """The exercise module for a reference module's text."""
    out, function, inside = [], None, False
    for number, line in enumerate(reference_text.splitlines(keepends=True), start=1):
        match = DEF.match(line)
        if match and not inside:
            function = match.group(2)
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise HarnessError(f"solutions/network.py line {number}: {BEGIN} inside another region")
            if function is None:
                raise HarnessError(f"solutions/network.py line {number}: {BEGIN} outside a function")
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{function}: your code here")\n')
        elif stripped == END:
            if not inside:
                raise HarnessError(f"solutions/network.py line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise HarnessError(f"solutions/network.py: a {BEGIN} region is never closed")
    return HEADER + "".join(out)


def _cell(text):
    return text.replace("|", "\\|")


def step_table(steps, numbered=True):
    """A markdown table of ``steps`` from their declarations: signature, points, goal."""
    head = ["| # | step | points | what it must do |", "|---|---|---|---|"] if numbered else \
        ["| step | points | what it must do |", "|---|---|---|"]
    rows = []
    for i, s in enumerate(steps, start=1):
        call = s.signature.split(" -> ")[0]
        cells = [f"`{_cell(call)}`", f"{s.points:g}", _cell(s.goal)]
        rows.append("| " + " | ".join(([str(i)] if numbered else []) + cells) + " |")
    return "\n".join(head + rows)


def readme_tables():
    """marker name -> the README region it opens, generated from the curriculum."""
    from grader.kata import curriculum
    return {"steps": step_table(curriculum.STEPS), "bonus steps": step_table(curriculum.BONUS, numbered=False)}


def readme_source(text):
    """The README with each generated region (between ``<!-- generated: NAME -->`` and
    ``<!-- end: NAME -->``) rewritten; a region's markers missing is an error."""
    for name, table in readme_tables().items():
        start, end = f"<!-- generated: {name} -->", f"<!-- end: {name} -->"
        before, found, rest = text.partition(start)
        _, found_end, after = rest.partition(end)
        if not (found and found_end):
            raise HarnessError(f"README.md has no {start} ... {end} region for the {name} table")
        text = f"{before}{start}\n{table}\n{end}{after}"
    return text


def targets():
    """generated path -> the text it must hold (the README's tables in a checkout)."""
    from grader.build import notebook
    found = {exercise_file(): stub_source(reference_file().read_text()),
             notebook_file(): notebook.dumps(notebook.source_notebook())}
    readme = reference_file().parent.parent / "README.md"
    if readme.is_file() and (readme.parent / "pyproject.toml").is_file():  # a checkout, not an install
        found[readme] = readme_source(readme.read_text())
    return found


def stale():
    """The generated files whose content is not what ``build`` would write."""
    return [path for path, text in targets().items()
            if not path.is_file() or path.read_text() != text]


def build():
    """Write every generated file; returns the paths written."""
    written = []
    for path, text in targets().items():
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written
