"""One path of a submission, read and never followed.

A path is examined with ``lstat`` and opened with ``O_NOFOLLOW``, then checked again on the open
descriptor: a symbolic link, a device, a FIFO or a socket is refused in the student's words
("network.py is a symbolic link: submit the file itself"), and what a link points to is never
opened. Sizes are bounded before anything is read past them. Every reader of a submission's
bytes (the class folder's walk, the grade, the notebook extractor, the batch's digest) uses this.
"""

import errno
import os
import stat
from pathlib import Path

from grader import text

MAX_SOURCE = 8 * 2**20  # bytes of a .py submission: the kata's file is some 20 KB
MAX_NOTEBOOK = 16 * 2**20  # bytes of a notebook: with its outputs cleared, far smaller
CHUNK = 1 << 16


class Unreadable(Exception):
    """A submission's path that is not a regular file (or folder) to read: its ``message`` is
    the student's to read, in their terms."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _what(mode):
    """What a path that is neither a regular file nor a folder is, in a student's words."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def refusal(shown, mode, folder=False):
    """The message for a path ``shown`` (as the student knows it) that is not what it should be."""
    what, shown = "folder" if folder else "file", text.name(shown)
    if stat.S_ISDIR(mode):
        return f"{shown} is a folder, not a file: submit the file itself"
    return f"{shown} is {_what(mode)}: submit the {what} itself"


def problem(shown, found):
    """Why the file ``shown`` (``os.lstat``'s result ``found``) cannot be graded, or ''."""
    if not stat.S_ISREG(found.st_mode):
        return refusal(shown, found.st_mode)
    limit = MAX_NOTEBOOK if shown.endswith(".ipynb") else MAX_SOURCE
    if found.st_size > limit:
        return too_large(shown, limit)
    return ""


def too_large(shown, limit):
    return (f"{text.name(shown)} is larger than {limit // 2**20} MiB: submit the file without "
            "what it does not need (a notebook: clear its outputs)")


def open_file(path, shown=None):
    """A file descriptor on the regular file at ``path``, opened without following a link in
    its last component and checked after opening (a path swapped since it was examined is
    caught here). ``Unreadable`` for anything but a regular file; ``OSError`` when absent."""
    shown = shown or Path(path).name
    mode = os.lstat(path).st_mode  # a device or a FIFO is refused before any open
    if not stat.S_ISREG(mode):
        raise Unreadable(refusal(shown, mode))
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # it became a link since the lstat
            raise Unreadable(refusal(shown, stat.S_IFLNK)) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Unreadable(refusal(shown, mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path, shown=None, limit=None):
    """The bytes of the regular file at ``path``, read without following a link (``open_file``).
    With ``limit``, a file larger than ``limit`` bytes is ``Unreadable``."""
    fd = open_file(path, shown)
    with os.fdopen(fd, "rb") as f:
        data = f.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        raise Unreadable(too_large(shown or Path(path).name, limit))
    return data


def digest_into(digest, path, shown=None):
    """Feed the bytes of the regular file at ``path`` into ``digest``, read as ``read_bytes``."""
    with os.fdopen(open_file(path, shown), "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)


