"""``nnkata watch``: re-grade on every save, show the step in hand, move on when it passes.

Saves are seen through Linux's inotify on the file's folder (editors often write a new file
and rename it over the old one), else by polling the file every 0.3 s. Keys, read one at a
time from a plain terminal: h a hint (the next tier), l the list of steps, n the next step,
q quit. Grading is the same as ``nnkata check``'s, and every grade is recorded as progress.
"""

import ctypes
import hashlib
import os
import select
import struct
import sys
import time
from pathlib import Path

from grader.kata import curriculum
from grader.views import table
from grader.views.marks import MARKS

POLL = 0.3  # seconds between looks at the file, without inotify
SETTLE = 0.15  # seconds to let an editor finish writing before grading
IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x2, 0x8, 0x80, 0x100
KEYS = "[h] hint  [l] list  [n] next step  [q] quit"


class Watcher:
    """Tells when the watched file's content has changed: inotify, or polling."""

    def __init__(self, path, poll=False):
        self.path = Path(path)
        self.digest = self._digest()
        self.fd = None if poll else self._inotify()

    def _inotify(self):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
            if fd < 0:
                return None
            mask = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
            if libc.inotify_add_watch(fd, str(self.path.parent).encode(), mask) < 0:
                os.close(fd)
                return None
            return fd
        except (OSError, AttributeError):  # not Linux: poll
            return None

    @property
    def kind(self):
        return "file events" if self.fd is not None else "polling"

    def _digest(self):
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None

    def _events(self):
        """Drain inotify; whether any event named our file."""
        ours = False
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return False
        offset = 0
        while offset + 16 <= len(data):
            _, _, _, size = struct.unpack_from("iIII", data, offset)
            name = data[offset + 16:offset + 16 + size].rstrip(b"\0").decode(errors="replace")
            ours |= name == self.path.name
            offset += 16 + size
        return ours

    def changed(self, ready=()):
        """Whether the content differs from the last time it was looked at."""
        if self.fd is not None and self.fd in ready and not self._events():
            return False
        digest = self._digest()
        if digest is None or digest == self.digest:
            return False
        time.sleep(SETTLE)
        self.digest = self._digest()
        return True

    def close(self):
        if self.fd is not None:
            os.close(self.fd)


class Session:
    """What the watch shows: the step in hand, its checks, the progress bar, the keys."""

    def __init__(self, path, progress, grade, out, colour):
        self.path, self.progress, self.grade = Path(path), progress, grade
        self.out, self.colour = out, colour
        self.report, self.focus, self.note = None, None, ""

    def regrade(self):
        self.report = self.grade(self.path)
        newly = self.progress.record(self.path, self.report) if self.progress else []
        by = {s.name: s for s in self.report.steps}
        if self.focus is None or by[self.focus].status == "passed":
            before = self.focus
            self.focus = next((s.name for s in self.report.steps if s.status != "passed"), None)
            if before and before in newly:
                attempts = self.progress.step(before)["attempts"] if self.progress else 0
                tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
                self.note = (f"{MARKS['passed']} {before} passes{tries}."
                             + (f" On to {self.focus}." if self.focus else ""))
        self.show()

    def key(self, k):
        if k == "q":
            return False
        if k == "n" and self.report:
            names = [s.name for s in self.report.steps]
            i = names.index(self.focus) if self.focus in names else -1
            self.focus, self.note = names[(i + 1) % len(names)], ""
            self.show()
        elif k == "h" and self.focus:
            spec = curriculum.step(self.focus)
            tiers = getattr(spec, "hints", None) or (spec.hint,)
            tier = self.progress.next_hint(self.focus) if self.progress else 1
            self.note = f"Hint {tier} of {len(tiers)} for {self.focus}: {tiers[tier - 1]}"
            self.show()
        elif k == "l" and self.report:
            self.show(listing=True)
        return True

    def show(self, listing=False):
        lines = []
        if self.out.isatty() and os.environ.get("TERM") != "dumb":
            lines.append("\033[H\033[2J")
        else:
            lines.append("─" * 72)
        r = self.report
        lines.append(f"nnkata watch · {self.path}")
        passed = sum(s.status == "passed" for s in r.steps)
        done = int(round(20 * r.score / r.max_score)) if r.max_score else 0
        lines.append(f"Progress {'█' * done}{'░' * (20 - done)} {passed}/{len(r.steps)} steps "
                     f"passed, {table.points_text(r.score)}/{table.points_text(r.max_score)} points")
        lines.append("")
        if listing or self.focus is None:
            for s in r.steps:
                mark = table.paint(MARKS[s.status], s.status, self.colour)
                here = "▶" if s.name == self.focus else " "
                lines.append(f" {here}{mark} {s.name:<20} {table.points_text(s.score):>4}/"
                             f"{table.points_text(s.max_score):<3} {s.status}")
            if self.focus is None:
                lines += ["", "Every step passes. `nnkata kata new` starts a fresh run from blank stubs."]
        else:
            s = next(s for s in r.steps if s.name == self.focus)
            spec = curriculum.step(s.name)
            status = table.paint(s.status, s.status, self.colour)
            lines.append(f"▶ {s.name}  ({spec.signature})  {table.points_text(s.score)}/"
                         f"{table.points_text(s.max_score)}  {status}")
            if s.status == "pending":
                lines.append(f"   {s.feedback}. Write it: {spec.goal}.")
            else:
                for c in s.checks:
                    mark = table.paint(MARKS.get(c.status, "?"), c.status, self.colour)
                    lines.append(f"   {mark} {c.name}  "
                                 f"{table.points_text(c.score)}/{table.points_text(c.max_score)}")
                    if c.status != "passed" and c.message:
                        lines.extend(f"       {m}" for m in table.wrap_lines(c.message, 80))
        if self.note:
            lines += ["", *table.wrap_lines(self.note, 88)]
        lines += ["", f"{KEYS}   · watching for saves"]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()


def run(path, progress, grade, *, poll=False, keys=None, out=None):
    """The watch loop, until q (or Ctrl-C). ``grade(path) -> Report``."""
    keys, out = keys or sys.stdin, out or sys.stdout
    watcher = Watcher(path, poll=poll or os.environ.get("NNKATA_WATCH_POLL") == "1")
    session = Session(path, progress, grade, out, table.use_colour(out))
    terminal = _cbreak(keys)
    try:
        session.regrade()
        out.write(f"(watching {path} by {watcher.kind})\n")
        out.flush()
        while True:
            fds = [keys] + ([watcher.fd] if watcher.fd is not None else [])
            ready, _, _ = select.select(fds, [], [], POLL)
            if keys in ready:
                k = os.read(keys.fileno(), 1).decode(errors="replace").lower()
                if not k or not session.key(k):  # q, or the end of the input
                    return 0
            if watcher.changed(ready):
                session.regrade()
    finally:
        watcher.close()
        if terminal:
            import termios
            termios.tcsetattr(keys.fileno(), termios.TCSADRAIN, terminal)


def _cbreak(stream):
    """One key at a time, without Enter, on a terminal; the old settings to restore."""
    try:
        import termios
        import tty
        if not stream.isatty():
            return None
        old = termios.tcgetattr(stream.fileno())
        tty.setcbreak(stream.fileno())
        return old
    except (ImportError, OSError):
        return None
