"""Bad input: each failure gets a clear message in its own step, and the rest is graded."""

import time

import pytest

from conftest import FAST_STEPS, full, grade, scores


def others_full(report, but):
    return {n: s for n, s in scores(report).items() if n not in but and s != full(n)}


def test_syntax_error_is_reported_with_its_line(submission):
    text = open(__import__("grader.paths").paths.reference_file()).read()
    path = submission(text=text.replace("def softmax(z):", "def softmax(z)"))
    report = grade(path, steps=["sigmoid", "softmax"])
    for step in report.steps:
        assert step.status == "error" and step.score == 0
        assert "could not be imported: SyntaxError" in step.feedback
        assert "line " in step.feedback


def test_missing_function_costs_its_step_only(submission):
    text = open(__import__("grader.paths").paths.reference_file()).read()
    path = submission(text=text.replace("def softmax(z):", "def sofmax(z):"))
    report = grade(path, steps=FAST_STEPS)
    step = report.steps[FAST_STEPS.index("softmax")]
    assert step.status == "error" and step.score == 0
    assert "no function named softmax" in step.feedback and "sofmax" in step.feedback
    # feedforward calls softmax: isolation gives it the reference's, so it loses nothing
    assert others_full(report, but={"softmax"}) == {}


def test_function_that_raises(submission):
    path = submission(sigmoid="def sigmoid(z):\n    raise ValueError('bad z')\n")
    report = grade(path, steps=FAST_STEPS)
    step = report.steps[0]
    assert step.status == "error" and step.score == 0
    assert "sigmoid raised ValueError: bad z" in step.feedback
    assert "line " in step.feedback  # where, in the student's file
    assert others_full(report, but={"sigmoid"}) == {}


@pytest.mark.parametrize("body, words", [
    ("return None", "forget a return statement"),
    ("return [float(v) for v in np.ravel(z)]", "got a list"),
    ("return z[:1]", "has shape"),
    ("return np.full(np.shape(z), np.nan)", "NaN"),
    ("return (1 / (1 + np.exp(-z))).astype(np.float32)", "dtype float32"),
], ids=["None", "list", "shape", "nan", "float32"])
def test_wrong_return_values(submission, body, words):
    path = submission(sigmoid=f"def sigmoid(z):\n    {body}\n")
    report = grade(path, steps=["sigmoid", "feedforward"])
    assert report.steps[0].score < full("sigmoid") and report.steps[0].status == "failed"
    assert words in report.steps[0].feedback
    assert report.steps[1].score == full("feedforward")


def test_infinite_loop_costs_one_step(submission):
    path = submission(softmax="def softmax(z):\n    while True:\n        pass\n")
    started = time.monotonic()
    report = grade(path, steps=["sigmoid", "softmax", "cross_entropy", "feedforward"], time_scale=0.1)
    assert time.monotonic() - started < 15
    step = report.steps[1]
    assert step.status == "error" and step.score == 0
    assert "timed out" in step.feedback and "infinite loop" in step.feedback
    assert [s.score for s in report.steps if s.name != "softmax"] == [
        full("sigmoid"), full("cross_entropy"), full("feedforward")]


def test_exit_inside_a_step_is_a_crash_of_that_step(submission):
    path = submission(sigmoid="def sigmoid(z):\n    import os\n    os._exit(0)\n")
    report = grade(path, steps=["sigmoid", "softmax"])
    assert report.steps[0].status == "error" and "exited" in report.steps[0].feedback
    assert report.steps[1].score == full("softmax")


def test_sys_exit_is_an_exception(submission):
    path = submission(sigmoid="def sigmoid(z):\n    import sys\n    sys.exit(0)\n")
    report = grade(path, steps=["sigmoid", "softmax"])
    assert report.steps[0].score == 0 and "called exit()" in report.steps[0].feedback
    assert report.steps[1].score == full("softmax")


def test_prints_do_not_disturb_the_protocol(submission):
    path = submission(sigmoid="def sigmoid(z):\n    print('x' * 100000)\n"
                              "    e = np.exp(-np.abs(z))\n"
                              "    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))\n")
    assert grade(path, steps=["sigmoid"]).score == full("sigmoid")


def test_empty_file_and_non_utf8(submission):
    for text in (b"", b"\xff\xfe not python \x00"):
        report = grade(submission(text=text), steps=["sigmoid"])
        assert report.steps[0].status == "error" and report.steps[0].score == 0
        assert report.steps[0].feedback


def test_exception_at_import(submission):
    text = open(__import__("grader.paths").paths.reference_file()).read() + "\nraise RuntimeError('boom')\n"
    report = grade(submission(text=text), steps=["sigmoid"])
    assert "could not be imported: RuntimeError: boom" in report.steps[0].feedback


def test_a_helper_the_student_passes_bad_arguments_to(submission):
    # feedforward hands softmax a 1-d array: the reference raises, which is the student's error
    path = submission(feedforward="""
        def feedforward(params, x):
            a1 = sigmoid(x @ params["w1"] + params["b1"])
            a2 = sigmoid(a1 @ params["w2"] + params["b2"])
            return a1, a2, softmax((a2 @ params["w3"] + params["b3"]).ravel())
        """)
    report = grade(path, steps=["feedforward"])
    assert report.steps[0].score == 0
    assert "the reference softmax could not run" in report.steps[0].feedback


# -- the submission's bytes, as Python reads them ---------------------------------------------------
def test_invalid_utf8_in_a_comment_is_a_syntax_error_at_its_line(submission):
    text = open(__import__("grader.paths").paths.reference_file()).read()
    lines = text.count("\n")
    path = submission(text=text.encode() + b"# caf\xe9 au lait\n")
    report = grade(path, steps=["sigmoid", "softmax"])
    for step in report.steps:
        assert step.status == "error" and step.score == 0
        assert ("could not be imported: SyntaxError: (unicode error) 'utf-8' codec can't decode "
                "byte 0xe9 in position 5: invalid continuation byte") in step.feedback
        assert f"line {lines + 1}: # caf\ufffd au lait" in step.feedback


def test_an_unknown_coding_declaration_is_a_syntax_error(submission):
    report = grade(submission(text=b"# -*- coding: nnkata-17 -*-\nx = 1\n"), steps=["sigmoid"])
    assert "could not be imported: SyntaxError" in report.steps[0].feedback
    assert "nnkata-17" in report.steps[0].feedback


def test_a_null_byte_is_a_syntax_error_at_its_line(submission):
    report = grade(submission(text=b"x = 1\ny = 2\x00\n"), steps=["sigmoid"])
    assert "could not be imported: SyntaxError" in report.steps[0].feedback
    assert "null bytes" in report.steps[0].feedback and "line 2" in report.steps[0].feedback


def test_the_child_runs_the_bytes_read_when_the_grade_began(submission):
    from grader.kata import curriculum
    from grader.sandbox import tiers
    from grader.sandbox.runner import Submission
    path = submission(sigmoid="def sigmoid(z):\n    return 'first'\n")
    with Submission(path, curriculum.callbacks(), tiers.choose()) as sub:
        path.write_text("def sigmoid(z):\n    return 'second'\n")
        assert sub.call("sigmoid", (1.0,)).value == "first"
        sub._stop()  # a fresh child: still the bytes read once, at the start
        assert sub.call("sigmoid", (1.0,)).value == "first"


def test_a_symbolic_link_is_not_followed(tmp_path):
    import os

    from grader.errors import HarnessError
    from grader.sandbox.runner import Submission
    target = tmp_path / "secret.py"
    target.write_text("SECRET = 1\n")
    link = tmp_path / "network.py"
    link.symlink_to(target)
    with pytest.raises(HarnessError, match="symbolic link"):
        Submission(link, {})
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)  # opening it for reading would block: it is refused first
    with pytest.raises(HarnessError, match="is a named pipe"):
        Submission(fifo, {})


def test_invalid_utf8_on_the_first_line_says_where_too(submission):
    report = grade(submission(text=b"# caf\xe9\nx = 1\n"), steps=["sigmoid"])
    assert "SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xe9" in report.steps[0].feedback
    assert "line 1" in report.steps[0].feedback


def test_a_file_too_large_to_be_a_kata_is_not_run(submission):
    # grade() refuses such a file before it gets here; the runner holds to it on its own too
    from grader.sandbox.runner import MAX_SOURCE, Fatal, Submission
    path = submission(text=b"x = 1\n#" + b"x" * MAX_SOURCE + b"\n")
    with Submission(path, {}) as sub:
        assert len(sub.source) == MAX_SOURCE + 1  # read no further than needed to know
        for _ in range(2):
            with pytest.raises(Fatal, match="larger than 8 MiB, so it was not run"):
                sub.call("sigmoid", (1.0,))
        assert sub.starts == 0
