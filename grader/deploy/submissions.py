"""Finding submissions: in a class folder, each ``NAME.py``, ``NAME.ipynb`` or ``NAME/`` holding one.

A folder submission (a student's repository, an unzipped upload) is searched for the one file
to grade: ``exercises/network.py`` first, then ``network.py`` or ``network.ipynb`` anywhere,
then the only ``.py`` or ``.ipynb`` file there is. A folder with none, or with several and no
clear choice, is still a submission: it is reported with that problem, never skipped.

A submission is read, never followed. Every path is examined with ``lstat`` (folders listed
with ``os.scandir``, which does not follow links either) and read with ``O_NOFOLLOW`` and a
check that what was opened is a regular file: a symbolic link, a device, a FIFO or a socket
is that submission's problem ("network.py is a symbolic link: submit the file itself"), and
what it points to is never opened, so a link to the reference or to a secret earns nothing
and shows nothing. Walks are bounded in depth and in entries, iteratively: a folder nested
thousands deep, or holding a million files, is its own submission's problem, and the rest of
the class is graded.
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader import text
from grader.errors import HarnessError
from grader.files import Unreadable, refusal

SUFFIXES = (".py", ".ipynb")
SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", "node_modules", "venv", ".venv"}
CANDIDATES_SHOWN = 4
MAX_DEPTH = 32  # folders below a submission folder's top that are searched
MAX_ENTRIES = 10_000  # files and folders looked at in one submission folder
MAX_CLASS = 100_000  # entries of a class folder: beyond, it is not a class folder


@dataclass(frozen=True)
class Entry:
    name: str  # the file or folder name without its extension: the gradebook's row, one line
    source: Path  # what the class folder holds: the file, or the folder
    file: Path | None  # the file to grade; None when there is no single one
    problem: str = ""  # why there is no file to grade


# -- a submission folder ----------------------------------------------------------------------
def _hidden(name):
    return name.startswith(".") or name in SKIPPED_DIRS


class _Walk:
    """One bounded, iterative walk of a submission folder: what could be the submission, the
    links passed over, and why the walk stopped early (``problem``)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.found = []  # (relative path, lstat mode): .py/.ipynb files, links and oddities too
        self.links = []  # relative paths of linked folders (or links with no suffix), not followed
        self.problem = ""
        self._walk()

    def _walk(self):
        shown = f"{text.name(self.folder.name)}/"
        seen, stack = 0, [(Path(), 0)]
        while stack and not self.problem:
            relative, depth = stack.pop()
            try:
                with os.scandir(self.folder / relative) as listing:
                    for item in listing:
                        seen += 1
                        if seen > MAX_ENTRIES:
                            self.problem = (f"{shown} holds more than {MAX_ENTRIES:,} files and "
                                            "folders: submit exercises/network.py or the kata's "
                                            "notebook without the rest")
                            return
                        self._one(item, relative / item.name, depth, stack, shown)
                        if self.problem:
                            return
            except OSError as exc:  # below the top, a folder that cannot be listed is passed over
                if not relative.parts:
                    self.problem = f"{shown} could not be read ({exc.strerror or type(exc).__name__})"

    def _one(self, item, relative, depth, stack, shown):
        if _hidden(item.name):
            return
        mode = item.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            if depth + 1 > MAX_DEPTH:
                self.problem = (f"{shown} is nested more than {MAX_DEPTH} folders deep "
                                f"(at {text.name(relative.as_posix())}/): submit "
                                "exercises/network.py or the kata's notebook without the rest")
            else:
                stack.append((relative, depth + 1))
        elif relative.suffix in SUFFIXES:
            self.found.append((relative, mode))  # a link here is refused if it is chosen
        elif stat.S_ISLNK(mode):
            self.links.append(relative)


def _preferred(folder):
    """``exercises/network.py`` when it is there, ``None`` when it is not; ``Unreadable`` when
    it, or the ``exercises`` folder, is a link or not a regular file."""
    exercises = folder / "exercises"
    try:
        mode = os.lstat(exercises).st_mode
    except OSError:
        return None
    if not stat.S_ISDIR(mode):
        if stat.S_ISLNK(mode):
            raise Unreadable(refusal("exercises/", mode, folder=True))
        return None
    try:
        mode = os.lstat(exercises / "network.py").st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        raise Unreadable(refusal("exercises/network.py", mode))
    return exercises / "network.py"


_NOTHING = ("no .py or .ipynb file was found in {shown}{links}: submit exercises/network.py or "
            "the kata's notebook")


def locate(folder):
    """(the file to grade, '') or (None, why there is none) for a submission folder.

    The file returned is a regular file, found without following any link; a link or another
    non-file that would have been chosen is the problem instead, and is never opened."""
    folder = Path(folder)
    shown = f"{text.name(folder.name)}/"
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:  # nothing was uploaded
        return None, _NOTHING.format(shown=shown, links="")
    except OSError as exc:
        return None, f"{shown} could not be read ({exc.strerror or type(exc).__name__})"
    if not stat.S_ISDIR(mode):
        return None, refusal(shown, mode, folder=True)
    try:
        preferred = _preferred(folder)
        if preferred is not None:
            return preferred, ""
        walk = _Walk(folder)
    except Unreadable as exc:
        return None, exc.message
    if walk.problem:
        return None, walk.problem
    found = sorted(walk.found)
    named = [f for f in found if f[0].stem == "network"]
    for choice in (named, found):
        if len(choice) == 1:
            relative, mode = choice[0]
            if not stat.S_ISREG(mode):
                return None, refusal(relative.as_posix(), mode)
            return folder / relative, ""
    if not found:
        links = ""
        if walk.links:
            listed = ", ".join(text.name(p.as_posix()) for p in sorted(walk.links)[:CANDIDATES_SHOWN])
            links = f" (symbolic links are not followed: {listed})"
        return None, _NOTHING.format(shown=shown, links=links)
    many = named or found
    shown_files = ", ".join(text.name(p.as_posix()) for p, _ in many[:CANDIDATES_SHOWN])
    more = f" and {len(many) - CANDIDATES_SHOWN} more" if len(many) > CANDIDATES_SHOWN else ""
    return None, (f"{shown} holds {len(many)} files that could be the submission "
                  f"({shown_files}{more}): keep one, or name it exercises/network.py")


# -- a class ----------------------------------------------------------------------------------
def _file_entry(path, mode):
    """The entry for a class folder's ``NAME.py``/``NAME.ipynb``: graded if it is a regular
    file, the submission's problem if it is a link or another non-file."""
    stem = text.name(path.stem)
    if stat.S_ISREG(mode):
        return Entry(stem, path, path)
    return Entry(stem, path, None, refusal(path.name, mode))


def collect(paths, *, exclude=()):
    """The submissions named on a command line, sorted by name: files as they are, folders
    searched by ``find``. Two with one name would share a gradebook row: that is the
    instructor's to resolve, so it is an error before anything is graded.

    A folder named here is the instructor's (it may be reached through a link); a file named
    here is a submission, examined without following a link like every other."""
    entries = {}
    for path in map(Path, paths):
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            raise HarnessError(f"no such file or folder: {text.name(str(path))}") from None
        if stat.S_ISDIR(mode) or (stat.S_ISLNK(mode) and path.is_dir()):
            found = find(path, exclude=exclude)
        else:
            found = [_file_entry(path, mode)]
        for entry in found:
            if entry.name in entries:
                raise HarnessError(f"two submissions are named {entry.name!r}: "
                                   f"{text.name(str(entries[entry.name].source))} and "
                                   f"{text.name(str(entry.source))}; rename one")
            entries[entry.name] = entry
    return sorted(entries.values(), key=lambda e: e.name)


def _identities(paths):
    """(device, inode) of each path, followed and not: what ``find`` leaves out."""
    seen = set()
    for p in paths:
        for look in (os.stat, os.lstat):
            try:
                st = look(p)
                seen.add((st.st_dev, st.st_ino))
            except OSError:
                pass
    return seen


def find(folder, *, exclude=()):
    """The submissions in a class folder, in the folder's order.

    ``exclude`` lists paths that are not submissions (the output folder, when it is inside).
    Two entries with one name (``alice.py`` and ``alice/``) are left to ``collect`` to refuse.
    An entry that is a link (``alice.py``, ``bob/``) is a submission whose problem says so.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise HarnessError(f"no such folder: {text.name(str(folder))}")
    skip = _identities(exclude)
    items = []
    with os.scandir(folder) as listing:
        for item in listing:
            if len(items) >= MAX_CLASS:
                raise HarnessError(f"{text.name(str(folder))} holds more than {MAX_CLASS:,} "
                                   "entries: is it a class folder?")
            if not _hidden(item.name):
                items.append(item)
    entries = []
    for item in sorted(items, key=lambda i: i.name):
        try:
            st = item.stat(follow_symlinks=False)
        except OSError:  # gone since it was listed
            continue
        if (st.st_dev, st.st_ino) in skip:
            continue
        path = folder / item.name
        if stat.S_ISDIR(st.st_mode):
            file, problem = locate(path)
            entry = Entry(text.name(item.name), path, file, problem)
        elif path.suffix in SUFFIXES:
            entry = _file_entry(path, st.st_mode)
        elif stat.S_ISLNK(st.st_mode) and not path.suffix:  # perhaps a linked folder: refused
            entry = Entry(text.name(item.name), path, None, refusal(f"{item.name}/", st.st_mode,
                                                                     folder=True))
        else:
            continue
        entries.append(entry)
    if not entries:
        raise HarnessError(f"{text.name(str(folder))} holds no submissions (NAME.py, NAME.ipynb, "
                           "or NAME/ holding one)")
    return entries
