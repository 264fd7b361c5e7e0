"""The reference's source as the kata reads it: its top-level functions, and the markers around
each solution region (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) that the stubs and the
notebook are generated from."""

import ast

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


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


def without_markers(code):
    """``code`` with its solution markers' lines left out."""
    return "".join(line for line in code.splitlines(keepends=True) if line.strip() not in MARKERS)
