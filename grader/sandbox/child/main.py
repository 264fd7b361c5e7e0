"""The process that runs student code. It computes; it never judges.

Started by ``grader.sandbox.runner`` as ``python -I child.py SUBMISSION REQUEST_FD REPLY_FD``: the
protocol runs over those two pipes, and the student's prints go to stdout and stderr, which
the parent captures separately. It imports the submission, then answers one
request at a time: call a named function on fresh copies of the arguments and send back
what came out, as plain data, with the warnings it raised and the arguments it modified.

Its first message, ``hello``, is sent once its own imports worked and before a byte of the
submission is read: the parent blames itself for a child that dies before it, and the
student for one that dies after. The submission is decoded and compiled as ``python
network.py`` would (its encoding declaration, strict decoding, no bytecode beside it).

While a step is graded in isolation, the other functions of the contract are replaced in
the submission's namespace by proxies that ask the parent to run the reference. The
reference itself never enters this process. Only the standard library, numpy and the
sibling ``wire`` module are imported here.
"""

import io
import linecache
import os
import sys
import time
import tokenize
import traceback
import types
import warnings

NO_NUMPY = 3  # exit code: the harness's environment is broken, not the student's file
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import numpy as np
    import site
    import wire
    site.setquit()  # exit() and quit(), which -S leaves out (no paths are added: -S holds)
except ImportError as exc:
    print(f"nnkata's child could not import its own modules: {exc}", file=sys.stderr)
    os._exit(NO_NUMPY)

REQUESTS, REPLIES = int(sys.argv[2]), int(sys.argv[3])
# What graded code may import beyond the standard library (and what those need themselves).
AVAILABLE = {"numpy", "scipy", "sklearn", "joblib", "threadpoolctl"}


MAIN = os.getpid()  # a copy of this process forked by student code never speaks the protocol
PRINTED = (sys.stdout, sys.stderr)  # the pipe's own streams, whatever student code rebinds


def flush_printed():
    """What the student printed goes down the pipe before the reply: the parent reads it as the
    step's output (a pipe is block-buffered). A stream that fails to flush is not our concern."""
    for stream in PRINTED:
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - closed or replaced by student code
            pass


def send(message, values=None):
    if os.getpid() != MAIN:  # a fork returning into this module: it must not answer for us
        os._exit(0)
    flush_printed()
    data = wire.encode(message, values)
    view = memoryview(data)
    while view:
        view = view[os.write(REPLIES, view):]


def receive():
    if os.getpid() != MAIN:
        os._exit(0)
    return wire.read_frame(lambda n: os.read(REQUESTS, n))


def where_in_submission(exc, path):
    """The innermost frame of the traceback that lies in the submission."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) == path]
    if not frames:
        return None
    f = frames[-1]
    return {"line": f.lineno, "function": f.name, "code": (f.line or "").strip()}


def unavailable(exc):
    """The top-level package an import failed to find, when graded code may not have it."""
    if not isinstance(exc, ModuleNotFoundError) or not isinstance(exc.name, str):
        return None
    top = exc.name.partition(".")[0]
    if not top or top in AVAILABLE or top in sys.stdlib_module_names:
        return None
    return top


def describe_exception(exc, path):
    text = str(exc)
    missing = unavailable(exc)
    if missing:
        text = (f"{missing} is not available to graded code: only the standard library, numpy, "
                "scipy and scikit-learn are")
    return {"type": type(exc).__name__, "text": text[:2000], "where": where_in_submission(exc, path)}


def source_text(data, path):
    """The submission's text, decoded as Python decodes a source file: its coding declaration
    (or BOM), else UTF-8, strictly. Bytes that do not decode are a SyntaxError at their line."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an unknown or impossible declaration; or a first line not UTF-8
        if "invalid or missing encoding declaration" not in str(exc):
            raise SyntaxError(str(exc).replace(" for '<unknown>'", "")) from None
        encoding = "utf-8"  # the strict decoding below says where
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        line = data[start:len(data) if end < 0 else end]
        raise SyntaxError(
            f"(unicode error) '{exc.encoding}' codec can't decode byte 0x{data[exc.start]:02x} "
            f"in position {exc.start - start}: {exc.reason}",
            (path, data.count(b"\n", 0, exc.start) + 1, exc.start - start + 1,
             line.decode(encoding, "replace"))) from None


def compile_source(text, path):
    """The submission's code object. A null byte is refused by compile() without its line
    (a ValueError on some versions): the line is added, as ``python network.py`` gives it."""
    try:
        return compile(text, path, "exec", dont_inherit=True)
    except (ValueError, SyntaxError) as exc:
        at = text.find("\0")
        if at < 0 or getattr(exc, "lineno", None) is not None:
            raise
        line = text.count("\n", 0, at) + 1
        code = text.splitlines()[line - 1].replace("\0", "")
        raise SyntaxError(exc.msg if isinstance(exc, SyntaxError) else str(exc),
                          (path, line, None, code)) from None


def load_submission(path):
    """The submission as the module ``network``: read, decoded and compiled here, then run."""
    with open(path, "rb") as f:
        data = f.read()
    text = source_text(data, path)
    linecache.cache[path] = (len(text), None, text.splitlines(True), path)  # tracebacks show this text
    module = types.ModuleType("network")
    module.__file__ = path
    sys.modules["network"] = module
    with warnings.catch_warnings():  # SyntaxWarnings and import-time warnings are not graded
        warnings.simplefilter("ignore")
        exec(compile_source(text, path), module.__dict__)  # noqa: S102 - this process's job
    return module


def make_proxy(name):
    def proxy(*args, **kwargs):
        if os.getpid() != MAIN:
            raise RuntimeError(f"the reference {name} can only be called from the process that "
                               "runs your code, not from a process it forked")
        send({"op": "callback", "fn": name}, [list(args), kwargs])
        message, value = receive()
        if message.get("op") != "callback_result":
            raise RuntimeError(f"the reference {name} could not run on the arguments your code "
                               f"gave it: {message.get('text', '')}")
        return value
    proxy.__name__ = name
    return proxy


def snapshot(values, path="", out=None):
    """(path, copy) for every array inside the arguments, to spot in-place changes."""
    out = [] if out is None else out
    if type(values) is np.ndarray:
        out.append((path, values, values.copy()))
    elif type(values) in (list, tuple):
        for i, v in enumerate(values):
            snapshot(v, f"{path}[{i}]", out)
    elif type(values) is dict:
        for k, v in values.items():
            snapshot(v, f"{path}[{k!r}]", out)
    return out


def changed(snapshots):
    return [path for path, array, before in snapshots
            if array.shape != before.shape or not np.array_equal(array, before, equal_nan=True)]


MAX_TRACED = 65536  # entries of one traced array; a larger one is kept as its shape


def kept(value):
    """A traced argument as plain arrays: a real array (or its shape when large), a number."""
    if type(value) is np.ndarray and value.dtype.kind in "fiub":
        return np.array(value, dtype=np.float64) if value.size <= MAX_TRACED else np.array(value.shape, dtype=np.float64)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return np.array(float(value))
    return None


def tracer(module, spec, sink):
    """Wrap the module's ``spec["fn"]`` so that every ``every``-th call is recorded in ``sink``:
    its result (a dict of arrays: ``keep`` = "result") or its arguments (``keep`` = "args":
    positional ones by their index, keyword ones by name, and a dict result's arrays under
    "=name"; arrays and numbers only).

    Used while ``train`` runs: one snapshot of the params per epoch (``update``'s results) draws
    the learning curve; the batches ``backprop`` receives and the ``lr`` ``update`` receives
    audit the loop. Nothing the student computed about its own loop is asked for.
    """
    name, every, limit, keep = spec["fn"], spec["every"], spec["limit"], spec.get("keep", "result")
    original = module.__dict__[name]
    calls = [0]

    def traced(*args, **kwargs):
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] % every or len(sink) >= limit:
            return result
        if keep == "args":  # and a dict result's arrays, under "=name"
            named = [(str(i), a) for i, a in enumerate(args)] + list(kwargs.items())
            if type(result) is dict:
                named += [(f"={k}", v) for k, v in result.items() if type(v) is np.ndarray]
            sink.append({k: v for k, v in ((str(k), kept(a)) for k, a in named) if v is not None})
        elif type(result) is dict:
            sink.append({k: np.array(v, dtype=np.float64) for k, v in result.items()
                         if type(v) is np.ndarray and v.dtype.kind in "fiub"})
        return result
    traced.__name__ = name
    return traced


def call(module, path, message, values):
    fn_name = message["fn"]
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        send({"op": "missing", "fn": fn_name})
        return
    args, kwargs = values
    before = snapshot([args, kwargs])
    swapped = {}
    for name in message.get("isolate", []):
        swapped[name] = module.__dict__.get(name, _MISSING)
        module.__dict__[name] = make_proxy(name)
    trace = message.get("trace") or []  # a list of specs, one per traced function
    sinks = [[] for _ in trace]
    for spec, sink in zip(trace, sinks):
        if spec["fn"] not in swapped and callable(module.__dict__.get(spec["fn"])):
            swapped[spec["fn"]] = module.__dict__[spec["fn"]]
            module.__dict__[spec["fn"]] = tracer(module, spec, sink)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
                result = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are student errors too
        send({"op": "raised", "seconds": time.perf_counter() - started,
              **describe_exception(exc, path)})
        return
    finally:
        for name, original in swapped.items():
            if original is _MISSING:
                module.__dict__.pop(name, None)
            else:
                module.__dict__[name] = original
    seconds = time.perf_counter() - started
    notes = []
    for w in caught[:20]:
        text = f"{w.category.__name__}: {w.message}"
        if text not in notes:
            notes.append(text)
    try:  # encoding happens before any byte is written, so a failure sends nothing
        send({"op": "result", "seconds": seconds, "warnings": notes,
              "mutated": changed(before), "traced": bool(trace)},
             [result, sinks] if trace else result)
    except wire.WireError as exc:
        send({"op": "raised", "type": "ValueError", "seconds": seconds, "where": None,
              "text": f"what {fn_name} returned could not be sent back: {exc}"})


_MISSING = object()


def main():
    send({"op": "hello"})  # numpy and wire imported: from here on, a failure is the submission's
    path = os.path.abspath(sys.argv[1])
    try:
        module = load_submission(path)
    except BaseException as exc:  # noqa: BLE001
        info = describe_exception(exc, path)
        if isinstance(exc, SyntaxError):
            info["where"] = None if exc.lineno is None else {
                "line": exc.lineno, "function": None, "code": (exc.text or "").strip()}
            info["text"] = exc.msg
        send({"op": "import_failed", **info})
        return
    functions = sorted(k for k, v in vars(module).items()
                       if callable(v) and not k.startswith("__"))
    send({"op": "ready", "functions": functions})
    while True:
        try:
            message, values = receive()
        except EOFError:
            return
        if message.get("op") == "call":
            call(module, path, message, values)
        elif message.get("op") == "quit":
            return


if __name__ == "__main__":
    main()
