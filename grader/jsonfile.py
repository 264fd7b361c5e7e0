"""Writing JSON files whole or not at all."""

import json
import os
from pathlib import Path

from .errors import HarnessError


def read_record(path, what, remedy):
    """A committed JSON record, or a HarnessError that says which and how to remake it."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise HarnessError(f"{what} is unreadable ({path}): {exc}. {remedy}") from None


def write_atomic(path, document, indent=1):
    """Write ``document`` to ``path`` via a temporary file and a rename: never a partial file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w") as f:
            f.write(json.dumps(document, indent=indent, allow_nan=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
