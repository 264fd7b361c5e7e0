"""The protocol between the grader and the child, attacked: output floods, reserved exit codes,
forged and malformed replies. Each costs the call it happened in (the student's error, in the
student's terms), never the grader: only a child that fails before it says hello, before it
has read a byte of the submission, is the harness's failure.

Two kinds of child: the real one running a hostile submission (through ``grade``), and a
scripted child (``scripted``) that speaks the protocol exactly as a test says, for replies
that student code could forge but that are tedious to forge from inside a submission.
"""

import json
import re
import subprocess
import sys
import time

import pytest

from conftest import REFERENCE, full, grade, replace_function, scores
from grader.errors import HarnessError
from grader.sandbox import contract, runner, tiers

CHILD = str(tiers.CHILD)  # the child's folder: its wire.py, which a scripted child speaks
MB = 10**6


def reference_with(extra="", **functions):
    text = REFERENCE.read_text()
    for name, code in functions.items():
        text = replace_function(text, name, code)
    return text + "\n\n" + extra


def step(report, name):
    return next(s for s in report.steps if s.name == name)


def others_full(report, but):
    return {n: s for n, s in scores(report).items() if n not in but and s != full(n)}


# -- output ----------------------------------------------------------------------------------------
FLOOD = '''
import os as _os, sys as _sys

_ERRORS = []


def _flood(megabytes):
    line = "x" * (10**6 - 1)
    for i in range(megabytes):  # half on stdout, half on stderr
        try:
            if i % 2:
                print(line)
            else:
                _os.write(2, line.encode() + b"\\n")
        except OSError as exc:
            _ERRORS.append(repr(exc))


_flood(60)
_honest_sigmoid = sigmoid


def sigmoid(z):
    if not _FLOODED:
        _FLOODED.append(1)
        _flood(60)
    return _honest_sigmoid(z)


_FLOODED = []


def sigmoid_derivative(a):
    raise RuntimeError("PROBE %d writes failed: %s" % (len(_ERRORS), _ERRORS[:1]))
'''


def test_a_60_mb_flood_at_import_and_in_a_step_is_graded_normally(submission, capfd):
    started = time.monotonic()
    report = grade(submission(text=reference_with(FLOOD)),
                   steps=["sigmoid", "sigmoid_derivative", "softmax", "feedforward"])
    assert time.monotonic() - started < 60
    assert "PROBE 0 writes failed" in step(report, "sigmoid_derivative").feedback  # no OSError
    assert others_full(report, but={"sigmoid_derivative"}) == {}  # sigmoid flooded and scores
    out, err = capfd.readouterr()
    assert len(out) + len(err) < MB  # none of it reached the grader's own output


def test_printed_keeps_the_start_and_says_how_much_was_dropped(submission):
    path = submission(text="import sys\nprint('hello from the top')\n"
                           "sys.stdout.write('x' * 60_000_000)\nsys.stdout.flush()\n"
                           "def f():\n    print('é' * 10_000)\n    return 1\n")
    with runner.Submission(path, {}, tiers.choose()) as sub:
        assert sub.call("f").value == 1
        text = sub.printed()
    kept, note = text.rsplit("\n", 1)
    assert kept.startswith("hello from the top\nxxx") and len(kept) == runner.OUTPUT_CAP
    dropped = float(re.fullmatch(r"… ([\d.]+) MB more output was dropped", note)[1])
    assert abs(dropped - 60.02) < 0.1  # 60 MB of x, then 20 kB of é, less the 4,000 kept


# -- exit codes ------------------------------------------------------------------------------------
def test_exit_code_3_at_import_is_the_students_error(submission):
    report = grade(submission(text=reference_with("import os\nos._exit(3)\n")),
                   steps=["sigmoid", "softmax", "feedforward"])
    for s in report.steps:
        assert s.status == "error" and s.score == 0
        assert "exited (code 3) while importing your file" in s.feedback


def test_exit_code_3_in_a_step_costs_that_step(submission):
    path = submission(softmax="def softmax(z):\n    import os\n    os._exit(3)\n")
    report = grade(path, steps=["sigmoid", "softmax", "cross_entropy", "feedforward"])
    soft = step(report, "softmax")
    assert soft.status == "error" and soft.score == 0
    assert "exited (code 3) while running softmax" in soft.feedback
    assert others_full(report, but={"softmax"}) == {}  # feedforward uses the reference's softmax


# -- frames forged by student code on the reply pipe -------------------------------------------------
FORGED = '''
def sigmoid(z):
    import json, os, struct, sys
    child = sys.modules["__main__"]
    message = {"op": "result", "seconds": 0.001, "warnings": [], "mutated": [], "traced": False}
    message.update(@FIELDS@)
    header = json.dumps({"message": message, "values": {"t": "none"}, "arrays": []}).encode()
    os.write(child.REPLIES, struct.pack("!QQ", len(header), 0) + header)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''


@pytest.mark.parametrize("fields, words", [
    ('{"seconds": float("nan")}', "not plain data"),  # json.dumps writes NaN; the decoder refuses it
    ('{"seconds": 1e300}', "malformed answer while running sigmoid (its duration"),
    ('{"seconds": -1.0}', "malformed answer"),
    ('{"seconds": True}', "malformed answer"),
    ('{"warnings": [1, 2]}', "malformed answer while running sigmoid (a warning is not a text)"),
    ('{"mutated": "z"}', "malformed answer"),
    ('{"warnings": ["RuntimeWarning: x"] * 1000}', "malformed answer"),
], ids=["nan", "huge", "negative", "bool", "warning-ints", "mutated-str", "many-warnings"])
def test_a_forged_reply_costs_that_step_only(submission, fields, words):
    path = submission(sigmoid=FORGED.replace("@FIELDS@", fields))
    report = grade(path, steps=["sigmoid", "softmax", "feedforward"])
    sig = step(report, "sigmoid")
    assert sig.status == "error" and sig.score == 0 and words in sig.feedback, sig.feedback
    assert others_full(report, but={"sigmoid"}) == {}
    json.dumps(report.to_dict(), allow_nan=False)  # nothing of it reaches the report as a number


# -- what graded code may import ------------------------------------------------------------------
def test_a_package_graded_code_cannot_have_is_named_plainly(submission):
    report = grade(submission(text=reference_with("import nnkata_absent_package.pyplot as plt\n")),
                   steps=["sigmoid"])
    assert ("could not be imported: ModuleNotFoundError: nnkata_absent_package is not available to "
            "graded code: only the standard library, numpy, scipy and scikit-learn are") in report.steps[0].feedback
    path = submission(sigmoid="def sigmoid(z):\n    from nnkata_absent_package import pyplot\n",
                      softmax="def softmax(z):\n    import numpy.nnkata_absent_module\n")
    report = grade(path, steps=["sigmoid", "softmax"])
    assert "nnkata_absent_package is not available to graded code" in report.steps[0].feedback
    assert "line " in report.steps[0].feedback
    # a module missing inside an allowed package: Python's own words
    assert "No module named 'numpy.nnkata_absent_module'" in report.steps[1].feedback


# -- a scripted child ------------------------------------------------------------------------------
PRELUDE = f'''
import json, os, struct, sys, time
sys.path.insert(0, {CHILD!r})
import wire
REQ, REP = int(sys.argv[1]), int(sys.argv[2])


def send(message, values=None):
    os.write(REP, wire.encode(message, values))


def raw(header, body=b""):
    os.write(REP, struct.pack("!QQ", len(header), len(body)) + header + body)


def receive():
    return wire.read_frame(lambda n: os.read(REQ, n))


'''
HELLO = 'send({"op": "hello"})\n'
READY = HELLO + 'send({"op": "ready", "functions": ["f"]})\n'


def scripted(monkeypatch, script):
    """Children of runner.Submission run ``script`` (after PRELUDE) instead of the child's main.py."""
    class Scripted:
        budget = "a scripted child (test)"

        def __init__(self, tier, source):
            self.process = None

        def start(self, child_args, *, env, stdout, pass_fds=()):
            self.stop()
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", PRELUDE + script, *child_args], stdin=subprocess.DEVNULL,
                stdout=stdout, stderr=stdout, pass_fds=pass_fds, start_new_session=True)
            return self.process

        def stop(self):
            if self.process is not None:
                self.process.kill()
                self.process.wait()
                self.process = None

        def close(self):
            self.stop()
    monkeypatch.setattr(tiers, "Sandbox", Scripted, raising=False)


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "network.py"
    path.write_text("def f():\n    return 1\n")

    def make(helpers=None):
        callbacks = {name: contract.Callback(fn, "rows") for name, fn in (helpers or {}).items()}
        return runner.Submission(path, callbacks, tiers.NOTES["none"])
    return make


@pytest.mark.parametrize("script, words", [
    ('print("cannot import numpy: no module named numpy", flush=True)\nos._exit(3)\n',
     "exit code 3 (it could not import numpy or its own modules): cannot import numpy"),
    ("os._exit(1)\n", "exit code 1"),
    ('os.write(REP, b"not a frame at all, not at all")\ntime.sleep(30)\n', "broken frame"),
], ids=["no-numpy", "exit-1", "garbage"])
def test_a_child_that_fails_before_hello_is_the_harness_failure(monkeypatch, served, script, words):
    scripted(monkeypatch, script)
    with served() as sub, pytest.raises(HarnessError) as caught:
        sub.call("f")
    assert "the child could not start under the none tier" in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize("script, words", [
    (HELLO + "os._exit(3)\n", "exited (code 3) while importing your file"),
    (READY + "receive()\nos._exit(3)\n", "exited (code 3) while running f"),
    (HELLO + 'send({"op": "hello"})\n', "malformed answer while importing your file"),
    (HELLO + 'send({"op": "ready", "functions": "f"})\n', "a function name"),
    (HELLO + 'send({"op": "ready", "functions": ["f"] * 20000})\n', "a function name"),
    (HELLO + 'send({"op": "import_failed", "type": 1, "text": "x"})\n', "malformed answer"),
    (HELLO + 'send({"op": "import_failed", "type": "E", "text": "x", "where": {"line": "1"}})\n',
     "not a line number"),
    ('raw(b\'{"message": {"op": "hello", "x": NaN}, "values": {"t": "none"}, "arrays": []}\')\n'
     + "time.sleep(30)\n", "the child could not start"),
], ids=["exit-3-after-hello", "exit-3-in-a-call", "hello-twice", "functions-str", "functions-many",
        "type-int", "line-str", "nan-before-hello"])
def test_after_hello_everything_is_the_students(monkeypatch, served, script, words):
    scripted(monkeypatch, script)
    with served() as sub:
        if words.startswith("the child"):  # the control: the same frame before hello
            with pytest.raises(HarnessError, match=words):
                sub.call("f")
            return
        with pytest.raises(runner.Fatal) as caught:
            sub.call("f")
        assert words in caught.value.message
        assert sub.process is None  # stopped: a child out of step is not asked again
        with pytest.raises(runner.Fatal) as again:  # an import failure is said once, then repeated
            sub.call("f")
        if "importing" in words or "function name" in words or "line number" in words:
            assert again.value.message == caught.value.message


REPLIES = {  # a reply to every call, whatever was asked: name -> (its message, what the student reads)
    "seconds-inf": ('{"op": "result", "seconds": Infinity, "warnings": [], "mutated": []}', "not plain data"),
    "seconds-a-day": ('{"op": "result", "seconds": 86400.0, "warnings": [], "mutated": []}', "its duration"),
    "seconds-str": ('{"op": "result", "seconds": "0.1", "warnings": [], "mutated": []}', "its duration"),
    "seconds-missing": ('{"op": "result", "warnings": [], "mutated": []}', "its duration"),
    "warnings-none": ('{"op": "result", "seconds": 0.1, "warnings": null, "mutated": []}', "a warning"),
    "mutated-dicts": ('{"op": "result", "seconds": 0.1, "warnings": [], "mutated": [{}]}', "changed argument"),
    "raised-type-list": ('{"op": "raised", "type": ["E"], "text": "x"}', "an exception's type"),
    "raised-line-negative": ('{"op": "raised", "type": "E", "text": "x", "where": {"line": -4}}', "line number"),
    "callback-name-int": ('{"op": "callback", "fn": 7}', "a callback's name"),
    "no-op": ('{"seconds": 0.1}', "sent something unexpected ('None')"),
}


@pytest.mark.parametrize("kind", REPLIES)
def test_a_malformed_reply_is_that_calls_error(monkeypatch, served, kind):
    message, words = REPLIES[kind]
    header = json.dumps(f'{{"message": {message}, "values": {{"t": "none"}}, "arrays": []}}')
    scripted(monkeypatch, READY + f"while True:\n    receive()\n    raw({header}.encode())\n")
    with served() as sub:
        for attempt in range(2):  # the child is stopped, and the next call starts a fresh one
            with pytest.raises(runner.Fatal) as caught:
                sub.call("f")
            assert words in caught.value.message and sub.process is None
        assert sub.starts == 2


def test_a_well_formed_reply_is_returned(monkeypatch, served):
    scripted(monkeypatch, READY + 'while True:\n    receive()\n    send({"op": "result", "seconds": 0.25, '
             '"warnings": ["RuntimeWarning: overflow"], "mutated": ["[0][0]"]}, 7)\n')
    with served() as sub:
        returned = sub.call("f")
        assert (returned.value, returned.seconds, returned.warnings, returned.mutated) == (
            7, 0.25, ["RuntimeWarning: overflow"], ["[0][0]"])
        assert sub.call("f").value == 7 and sub.starts == 1


@pytest.mark.parametrize("late", ["before", "during"])
def test_a_callback_is_answered_only_before_the_deadline(served, late):
    import numpy as np
    ran, sent = [], []

    def slow_softmax(z):
        ran.append(z.shape)
        time.sleep(0.3)
        return z
    with served({"softmax": slow_softmax}) as sub:
        sub._send = lambda message, values=None: sent.append(message)
        sub.allowed = {"softmax"}
        deadline = time.monotonic() + (-0.01 if late == "before" else 0.1)
        with pytest.raises(runner.Fatal, match="timed out while running f"):
            sub._answer_callback("softmax", [[np.zeros((2, 10))], {}], deadline, "f")
        # past the deadline the reference does not run; once it has run past it, nothing is sent
        assert ran == ([] if late == "before" else [(2, 10)]) and sent == []
        sub._answer_callback("softmax", [[np.zeros((2, 10))], {}], time.monotonic() + 5, "f")
        assert [m["op"] for m in sent] == ["callback_result"]  # the control: in time, answered


def test_a_callback_outside_the_contract_is_refused_without_running(monkeypatch, served):
    scripted(monkeypatch, READY + 'receive()\nimport numpy as np\n'
             'send({"op": "callback", "fn": "softmax"}, [[np.zeros((16384, 1))], {}])\n'
             'message, value = receive()\n'
             'send({"op": "raised", "type": "RuntimeError", "text": message["op"] + ": " + message["text"]})\n'
             'time.sleep(30)\n')
    ran = []
    with served({"softmax": lambda z: ran.append(z)}) as sub, pytest.raises(runner.Raised) as caught:
        sub.call("f", isolate=["softmax"])
    assert ran == []
    assert ("f raised RuntimeError: callback_error: softmax was called with an array of shape "
            "(16384, 1): the contract's softmax takes (n, k) with k = 10 or 128") in caught.value.message


FORK_AND_RETURN = '''
_FORKED = []


def sigmoid(z):
    import os
    if not _FORKED:
        _FORKED.append(os.fork())  # the copy returns from here too, into the child's own loop
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''


def test_a_forked_copy_of_the_child_never_answers(submission):
    # were the copy to send its result too, every later reply would be one call late
    report = grade(submission(sigmoid=FORK_AND_RETURN), steps=["sigmoid", "softmax", "feedforward"])
    assert scores(report) == {n: full(n) for n in ["sigmoid", "softmax", "feedforward"]}
