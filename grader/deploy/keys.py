"""What a class's reports are keyed by: a submission's content, the grader's version, the checks'
version and the grading options. A report whose key matches is kept, so a rerun of the batch
grades only what is new or changed (and a new view of the grades regrades nothing)."""

import ast
import functools
import hashlib
import os
from pathlib import Path

from grader import files
from grader.paths import PACKAGE, RECORDS, reference_file
from grader.sandbox import tiers


def grading_modules():
    """The files of the modules a grade runs: ``grader.grade`` and every grader module it
    imports, followed through the package (imports inside functions too), and the child's
    folder, which runs as a script. Derived from the code, so a new check module is in it."""
    seen, todo = set(), [PACKAGE / "grade.py"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):  # from grader.kata import curriculum: a module too
                names += [f"{node.module}.{a.name}" for a in node.names]
            for name in (n for n in names if n == "grader" or n.startswith("grader.")):
                parts = name.split(".")[1:]
                for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"), PACKAGE.joinpath(*parts, "__init__.py")):
                    if parts and candidate.is_file():
                        todo.append(candidate)
    return sorted(seen | set(tiers.CHILD.glob("*.py")))


@functools.lru_cache(maxsize=1)  # once per process: 0.1 s of parsing and hashing, not once per submission
def checks_version():
    """A digest of what decides a grade: the modules a grade runs (``grading_modules``), the
    records and the reference. Views, study, deployment and the command line are left out:
    a new format does not regrade a class."""
    digested = grading_modules() + sorted(RECORDS.glob("*.json")) + [reference_file()]
    digest = hashlib.sha256()
    for path in digested:
        name = path.relative_to(PACKAGE) if path.is_relative_to(PACKAGE) else path.name
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def content_digest(entry):
    """The submission's identity for the key: which file, and its bytes, read as the grade
    reads them (without following a link); a submission with no file, by its problem."""
    def problem(message):
        return "none:" + hashlib.sha256(message.encode("utf-8", "replace")).hexdigest()[:16]

    if entry.file is None:
        return problem(entry.problem)
    relative = entry.file.relative_to(entry.source) if entry.file != entry.source else Path(entry.file.suffix)
    digest = hashlib.sha256(str(relative).encode("utf-8", "surrogateescape") + b"\0")
    try:
        why = files.problem(entry.file.name, os.lstat(entry.file))
        if why:  # a link now, or too large to be read: the grade says so, unread
            return problem(why)
        files.digest_into(digest, entry.file)
    except files.Unreadable as exc:  # changed since it was found: the grade says so too
        return problem(exc.message)
    except OSError as exc:
        return problem(f"{type(exc).__name__}: {exc.strerror}")
    return digest.hexdigest()[:16]


MAX_FILE_NAME = 200  # bytes of a report's file name before its extension


def report_file(out, name):
    """``out/NAME.json``; a name too long for a file name is cut and told apart by a digest."""
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_FILE_NAME:
        cut = encoded[:MAX_FILE_NAME - 17].decode("utf-8", "ignore")
        name = f"{cut}-{hashlib.sha256(encoded).hexdigest()[:16]}"
    return Path(out) / f"{name}.json"
