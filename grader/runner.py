"""The parent's handle on the child process that runs a submission.

``Submission.call`` sends one request and waits, with a deadline it enforces itself, for
the child's reply. While it waits it answers the child's callbacks (the reference's
helpers, see ``child.py``). A child that hangs is killed with its whole process group; one
that dies is noted; either way the next call starts a fresh child, up to a bound.
"""

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import ONE_BLAS_THREAD, sandbox, wire
from .errors import HarnessError

NO_NUMPY = 3  # child.py's exit code when its own imports fail (it cannot import grader)

MAX_STARTS = 12  # fresh children per grade before giving up on the submission
IMPORT_TIMEOUT = 10.0  # seconds to import the submission (numpy included)
MAX_REPLY = 64 * 2**20  # bytes in one answer from the child (a traced train sends ~14 MB)
OUTPUT_CAP = 4000  # characters of the student's prints kept for feedback


class StudentError(Exception):
    """The student's code did not give an answer. ``message`` is in the student's terms."""

    status = "error"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Pending(StudentError):
    """The stub still raises NotImplementedError."""

    status = "pending"


class Raised(StudentError):
    """The function raised an exception (a failed check, not the end of the step)."""

    status = "failed"


class Fatal(StudentError):
    """The step cannot go on: a timeout, a crash, a missing function, an import failure."""


@dataclass
class Returned:
    """What a call gave back: the plain value and what the child observed around it."""

    value: object
    seconds: float
    warnings: list = field(default_factory=list)
    mutated: list = field(default_factory=list)
    trace: list = None  # snapshots of a traced function's results, when asked for


def _where(info):
    where = info.get("where")
    if not where:
        return ""
    place = f"line {where['line']}"
    if where.get("function"):
        place += f", in {where['function']}"
    code = f": {where['code']}" if where.get("code") else ""
    return f" (at {place}{code})"


class Submission:
    """A submission file served by a child process. Use as a context manager."""

    def __init__(self, path, helpers, tier=None):
        self.helpers = helpers  # name -> the reference's function, for callbacks
        self.tier = tier or sandbox.NOTES["none"]
        self.process = None
        self.starts = 0
        self.functions = None
        self.import_error = None
        self.output = tempfile.TemporaryFile(mode="w+b")
        # The child sees a copy, alone in a folder of its own: no neighbours (a numpy.py beside
        # it), no edits while it is graded, and readable by the sandbox's unprivileged user.
        self.stage = Path(tempfile.mkdtemp(prefix="nnkata-"))
        self.stage.chmod(0o711)
        self.path = self.stage / "network.py"
        shutil.copyfile(path, self.path)
        self.path.chmod(0o644)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the child's life -------------------------------------------------------------
    def _start(self, timeout):
        if self.import_error:
            raise Fatal(self.import_error)
        if self.starts >= MAX_STARTS:
            raise Fatal(f"not run: your code was restarted {MAX_STARTS} times after crashes "
                        "or timeouts, so the remaining checks were abandoned")
        self.starts += 1
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1", **ONE_BLAS_THREAD}
        argv, preexec = sandbox.launch(self.tier, self.path, [str(req_r), str(rep_w)])
        try:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=self.output, stderr=self.output,
                pass_fds=(req_r, rep_w), env=env, start_new_session=True, cwd=self.stage,
                preexec_fn=preexec)
        finally:
            os.close(req_r)
            os.close(rep_w)
        self.req, self.rep = req_w, rep_r
        try:
            message, _ = self._read(time.monotonic() + min(timeout, IMPORT_TIMEOUT), "importing your file")
        except Fatal as exc:  # a file that hangs or dies at import does so every time: once is enough
            self.import_error = exc.message
            raise
        if message["op"] == "import_failed":
            self.import_error = ("your file could not be imported: "
                                 f"{message['type']}: {message['text']}{_where(message)}")
            self._stop()
            raise Fatal(self.import_error)
        self.functions = set(message["functions"])

    def _stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        for fd in (self.req, self.rep):
            try:
                os.close(fd)
            except OSError:
                pass
        self.process = None

    def close(self):
        self._stop()
        self.output.close()
        shutil.rmtree(self.stage, ignore_errors=True)

    def printed(self):
        """The start of what the student's code printed so far."""
        self.output.seek(0)
        text = self.output.read(OUTPUT_CAP).decode("utf-8", "replace")
        self.output.seek(0, os.SEEK_END)
        return text

    # -- one request --------------------------------------------------------------------
    def _read(self, deadline, doing):
        def read(n):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.rep], [], [], left)[0]:
                raise TimeoutError
            return os.read(self.rep, n)
        try:
            return wire.read_frame(read, MAX_REPLY)
        except TimeoutError:
            self._stop()
            if doing == "importing your file":
                raise Fatal("your file did not finish importing within the time limit: does it run "
                            "something at the top level (a training run, a sleep, input())? Put "
                            'that under `if __name__ == "__main__":`.') from None
            raise Fatal(f"timed out while {doing}: no answer within the step's time limit. "
                        "Is there an infinite loop, or a loop over every row that could be "
                        "one array operation?") from None
        except (EOFError, wire.WireError) as exc:
            code = None
            if self.process is not None:  # a child that sent garbage may still be running
                try:
                    code = self.process.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    pass
            self._stop()
            if code == NO_NUMPY and doing == "importing your file":
                raise HarnessError(f"the child could not start under the {self.tier.name} tier: "
                                   f"{self.printed().strip()[-500:]}") from None
            why = (f"the process running your code exited (code {code}) while {doing}"
                   if isinstance(exc, EOFError) else f"your code's answer was not plain data ({exc})")
            raise Fatal(why + ". Did it call exit(), os._exit() or crash the interpreter?") from None

    def _send(self, message, values=None):
        data = memoryview(wire.encode(message, values))
        try:
            while data:
                data = data[os.write(self.req, data):]
        except (BrokenPipeError, OSError):
            self._stop()
            raise Fatal("the process running your code stopped before it could be asked "
                        "anything. Did it exit at import?") from None

    def call(self, fn, args=(), kwargs=None, *, isolate=(), timeout=10.0, trace=None):
        """Call the submission's ``fn``; returns ``Returned`` or raises ``StudentError``.

        ``trace`` ({"fn", "every", "limit"}) keeps every ``every``-th result of another of
        the submission's functions while ``fn`` runs (see ``child.tracer``).
        """
        deadline = time.monotonic() + timeout
        if self.process is None:
            self._start(timeout)
        if fn not in self.functions:
            raise Fatal(self._missing(fn))
        self.allowed = set(isolate)  # the only callbacks this call may ask for
        self._send({"op": "call", "fn": fn, "isolate": list(isolate), "trace": trace},
                   [list(args), kwargs or {}])
        while True:
            message, value = self._read(deadline, f"running {fn}")
            op = message.get("op")
            if op == "callback":
                self._answer_callback(message, value)
            elif op == "result":
                snapshots = None
                if message.get("traced"):
                    value, snapshots = value
                return Returned(value, message["seconds"], message["warnings"], message["mutated"],
                                snapshots)
            elif op == "raised":
                kind = message["type"]
                where = _where(message)
                if kind == "NotImplementedError":
                    line = (message.get("where") or {}).get("line")
                    at = f" (line {line} raises NotImplementedError)" if line else ""
                    raise Pending(f"{fn} is not written yet{at}")
                text = f": {message['text']}" if message["text"] else ""
                if kind == "SystemExit":
                    raise Raised(f"{fn} called exit(){where}")
                raise Raised(f"{fn} raised {kind}{text}{where}")
            elif op == "missing":
                raise Fatal(self._missing(fn))
            else:
                self._stop()
                raise Fatal(f"the process running your code sent something unexpected ({op!r})")

    def _missing(self, fn):
        import difflib
        near = difflib.get_close_matches(fn, sorted(self.functions or ()), n=1)
        also = f" (there is a {near[0]}: a typo?)" if near else ""
        return f"your file has no function named {fn}{also}"

    def _answer_callback(self, message, value):
        name = message["fn"]
        helper = self.helpers.get(name) if name in self.allowed else None
        if helper is None:
            self._send({"op": "callback_error", "text": f"{name} is not one of the reference "
                        "functions this step may use"})
            return
        try:
            args, kwargs = value
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = helper(*args, **kwargs)
        except Exception as exc:  # the reference, fed what the student passed it
            self._send({"op": "callback_error", "text": f"{type(exc).__name__}: {exc}"})
            return
        self._send({"op": "callback_result"}, result)
