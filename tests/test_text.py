"""grader.text: any str a submission controls becomes text every view can show and write."""

import json

import pytest

from grader import text
from grader.judge.result import CheckResult, Report, StepResult

HOSTILE = "a\ud800b\x1b[2J\nc\td\x00e\x7ff\x85g\rh\u202ei\u2028j"


def test_clean_replaces_lone_surrogates_and_escapes_controls_but_keeps_newlines_and_tabs():
    out = text.clean(HOSTILE)
    assert out == "a\ufffdb\\x1b[2J\nc\td\\x00e\\x7ff\\x85g\\rh\\u202ei\\u2028j"
    out.encode("utf-8")  # writable by any UTF-8 writer


def test_clean_joins_surrogate_pairs_and_keeps_plain_unicode():
    assert text.clean("\ud83d\ude00") == "😀"
    plain = "é ∑ 中文 😀 \\x1b"  # a backslash is just a backslash
    assert text.clean(plain) == plain


def test_name_is_one_line_and_shows_each_lone_surrogate():
    out = text.name(HOSTILE + "\udc80")
    assert "\n" not in out and "\t" not in out
    assert out == "a\\ud800b\\x1b[2J\\nc\\td\\x00e\\x7ff\\x85g\\rh\\u202ei\\u2028j\\udc80"
    assert out.isprintable()


@pytest.mark.parametrize("f", [text.clean, text.name])
def test_cleaning_twice_changes_nothing(f):
    once = f(HOSTILE)
    assert f(once) == once


def test_non_strings_are_shown_as_their_text():
    assert text.clean(None) == "None" and text.name(3) == "3"


def test_the_result_model_cleans_every_text_it_is_given_at_once_and_later():
    check = CheckResult("shape", 1.0, 0.0, "failed", HOSTILE)
    assert check.message == text.clean(HOSTILE)
    check.message = "\x1b[31mred\ud800"  # a later assignment too
    assert check.message == "\\x1b[31mred\ufffd"
    step = StepResult("sig\x1bmoid", 1.0, [check])
    report = Report("name\n\x1b[2J\ud800.py", [step], "1", "seed")
    assert report.submission == "name\\n\\x1b[2J\\ud800.py" and step.name == "sig\\x1bmoid"
    doc = json.dumps(report.to_dict(), ensure_ascii=False)  # strict UTF-8 JSON: no surrogate
    doc.encode("utf-8")
    assert "\x1b" not in doc and "\\x1b" in json.loads(doc)["steps"][0]["feedback"]
    back = Report.from_dict(json.loads(doc))
    assert back.submission == report.submission and back.steps[0].checks[0].message == check.message
