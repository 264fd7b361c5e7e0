"""The instructor's view of a running batch: a bar with an ETA on a terminal, a line per submission
elsewhere, every name on one line."""

import re

import pytest

from grader import grade
from grader.deploy.batch import Outcome
from grader.deploy.progress_bar import ProgressBar


class Terminal:
    """A stream that says it is a terminal, to see what the progress bar draws."""

    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_on_a_terminal_the_progress_bar_redraws_in_place_with_an_eta():
    term = Terminal()
    bar = ProgressBar(term)
    bar.start(4, 1)
    assert "1 of 4 already graded and unchanged: kept" in term.text
    assert bar.eta() is None  # nothing graded yet: no guess
    bar.began -= 10.0  # ten seconds ago
    bar.done(Outcome("ada", grade.not_graded("ada", "no file"), seconds=10.0))
    assert bar.eta() == pytest.approx(20.0, rel=0.05)  # 10 s each, two left
    last = term.text.rsplit("\r", 1)[-1]
    assert "2/4" in last and "ETA 0:2" in last and "█" * 12 in last and "\n" not in last
    bar.done(Outcome("bob", None, error="the grader did not finish"))
    bar.done(Outcome("cat", grade.not_graded("cat", "no file")))
    bar.finish()
    assert re.search(r"graded 3, kept 1, not graded 1, in \d+\.\d s\n$", term.text)


def test_names_are_printed_on_one_line_with_their_control_characters_escaped():
    for live in (False, True):
        term = Terminal()
        term.isatty = lambda live=live: live
        bar = ProgressBar(term)
        bar.start(2, 0)
        bar.done(Outcome("a\x1b[2J\nb\ud800", grade.not_graded("x", "no file")))
        bar.done(Outcome("c\x1b]0;t\x07", None, error="boom\x1b[31m\nsecond line"))
        bar.finish()
        drawn = term.text.replace("\r\033[K", "").replace("\033[K", "")  # the bar's own redraws
        assert "\x1b" not in drawn and "\x07" not in drawn and "\ud800" not in drawn
        if not live:
            assert "] a\\x1b[2J\\nb\\ud800: 0/100" in term.text
            assert "] c\\x1b]0;t\\x07: NOT GRADED: boom\\x1b[31m\\nsecond line" in term.text
