"""Finding submissions: in a class folder, each ``NAME.py``, ``NAME.ipynb`` or ``NAME/`` holding one.

A folder submission (a student's repository, an unzipped upload) is searched for the one file
to grade: ``exercises/network.py`` first, then ``network.py`` or ``network.ipynb`` anywhere,
then the only ``.py`` or ``.ipynb`` file there is. A folder with none, or with several and no
clear choice, is still a submission: it is reported with that problem, never skipped.
"""

from dataclasses import dataclass
from pathlib import Path

from .errors import HarnessError

SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", "node_modules", "venv", ".venv"}
CANDIDATES_SHOWN = 4


@dataclass(frozen=True)
class Entry:
    name: str  # the file or folder name without its extension: the gradebook's row
    source: Path  # what the class folder holds: the file, or the folder
    file: Path | None  # the file to grade; None when there is no single one
    problem: str = ""  # why there is no file to grade


def _visible(path, root):
    return not any(part.startswith(".") or part in SKIPPED_DIRS
                   for part in path.relative_to(root).parts)


def candidates(folder):
    """Every .py and .ipynb file under ``folder``, hidden and tool folders left out."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                  and _visible(p, folder))


def locate(folder):
    """(the file to grade, '') or (None, why there is none) for a submission folder."""
    folder = Path(folder)
    preferred = folder / "exercises" / "network.py"
    if preferred.is_file():
        return preferred, ""
    found = candidates(folder)
    named = [p for p in found if p.stem == "network"]
    for choice in (named, found):
        if len(choice) == 1:
            return choice[0], ""
    if not found:
        return None, (f"no .py or .ipynb file was found in {folder.name}/: submit "
                      "exercises/network.py or the kata's notebook")
    shown = ", ".join(str(p.relative_to(folder)) for p in (named or found)[:CANDIDATES_SHOWN])
    more = f" and {len(named or found) - CANDIDATES_SHOWN} more" if len(named or found) > CANDIDATES_SHOWN else ""
    return None, (f"{folder.name}/ holds {len(named or found)} files that could be the submission "
                  f"({shown}{more}): keep one, or name it exercises/network.py")


def collect(paths, *, exclude=()):
    """The submissions named on a command line, sorted by name: files as they are, folders
    searched by ``find``. Two with one name would share a gradebook row: that is the
    instructor's to resolve, so it is an error before anything is graded."""
    entries = {}
    for path in map(Path, paths):
        if path.is_dir():
            found = find(path, exclude=exclude)
        elif path.is_file():
            found = [Entry(path.stem, path, path)]
        else:
            raise HarnessError(f"no such file or folder: {path}")
        for entry in found:
            if entry.name in entries:
                raise HarnessError(f"two submissions are named {entry.name!r}: "
                                   f"{entries[entry.name].source} and {entry.source}; rename one")
            entries[entry.name] = entry
    return sorted(entries.values(), key=lambda e: e.name)


def find(folder, *, exclude=()):
    """The submissions in a class folder, in the folder's order.

    ``exclude`` lists paths that are not submissions (the output folder, when it is inside).
    Two entries with one name (``alice.py`` and ``alice/``) are left to ``collect`` to refuse.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise HarnessError(f"no such folder: {folder}")
    skip = {Path(p).resolve() for p in exclude}
    entries = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name in SKIPPED_DIRS or path.resolve() in skip:
            continue
        if path.is_dir():
            file, problem = locate(path)
            entry = Entry(path.name, path, file, problem)
        elif path.suffix in SUFFIXES and path.is_file():
            entry = Entry(path.stem, path, path)
        else:
            continue
        entries.append(entry)
    if not entries:
        raise HarnessError(f"{folder} holds no submissions (NAME.py, NAME.ipynb, or NAME/ holding one)")
    return entries
