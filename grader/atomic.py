"""Files written whole or not at all: any text (a report's JSON, a gradebook's CSV, a page's
HTML, a workflow's YAML) or a document as strict JSON; and a JSON record so written, read back
with an error that says how to remake it."""

import json
import os
import tempfile
from pathlib import Path

from grader.errors import HarnessError


def read_json(path, what, remedy):
    """A committed JSON record, or a HarnessError that says which and how to remake it."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise HarnessError(f"{what} is unreadable ({path}): {exc}. {remedy}") from None


def write_text(path, text, mode=0o644):
    """Write ``text`` to ``path`` whole or not at all: a temporary file in the same folder,
    fsync, rename over the old one, fsync the folder (so the rename survives a crash)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_json(path, document, indent=1, mode=0o644):
    """Write ``document`` as strict JSON (no NaN) to ``path``, whole or not at all."""
    write_text(path, json.dumps(document, indent=indent, allow_nan=False) + "\n", mode)
