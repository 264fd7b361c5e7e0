"""Where no sandbox tier isolates, instructors' paths refuse unless told; a student's check goes on.

"No tier works" is made in-process (``sandbox.usable`` answers only for ``none``), so these
tests do not depend on what the machine has; the command line runs in this process.
"""

import json
import shutil

import pytest

from conftest import REFERENCE
from grader import cli, paths
from grader.sandbox import isolation, tiers


@pytest.fixture
def nothing_isolates(monkeypatch):
    monkeypatch.setattr(tiers, "usable", lambda name: name == "none")
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    monkeypatch.delenv(isolation.NO_SANDBOX_ENV, raising=False)


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(paths.exercise_file(), folder / "ada.py")
    return folder


@pytest.mark.parametrize("extra", [[], ["--out", "OUT"], ["--format", "gradescope"],
                                   ["--format", "classroom"]], ids=["folder", "out", "gradescope", "classroom"])
def test_instructors_paths_refuse_without_isolation(nothing_isolates, klass, tmp_path, capsys, extra):
    target = klass if "--format" not in extra else klass / "ada.py"
    extra = [str(tmp_path / "out") if a == "OUT" else a for a in extra]
    code = cli.main(["grade", str(target), "--step", "sigmoid", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert "no sandbox tier works" in err and "--no-sandbox" in err and "NNKATA_NO_SANDBOX=1" in err
    assert not (tmp_path / "out").exists()  # refused before anything was graded or written


@pytest.mark.parametrize("how", ["flag", "environment", "forced tier"])
def test_an_explicit_waiver_grades_without_isolation(nothing_isolates, monkeypatch, klass, tmp_path,
                                                      capsys, how):
    args = ["grade", str(klass), "--step", "sigmoid", "--out", str(tmp_path / "out")]
    if how == "flag":
        args.append("--no-sandbox")
    elif how == "environment":
        monkeypatch.setenv(isolation.NO_SANDBOX_ENV, "1")
    else:
        monkeypatch.setenv("NNKATA_ISOLATION", "none")
    assert cli.main(args) == 0, capsys.readouterr().err
    row = (tmp_path / "out" / "grades.csv").read_text().splitlines()[1]
    assert row.startswith("ada,")


def test_a_students_own_check_goes_on_and_says_it_is_not_isolated(nothing_isolates, capsys):
    assert cli.main(["grade", str(REFERENCE), "--step", "sigmoid", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["isolation"]["isolated"] is False and "NOT ISOLATED" in doc["isolation"]["note"]
    assert doc["steps"][0]["status"] == "passed"


def test_with_a_working_tier_nothing_is_asked(monkeypatch):
    monkeypatch.setattr(tiers, "usable", lambda name: name in ("unshare", "none"))
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    assert isolation.require("grading").name == "unshare"


@pytest.mark.parametrize("value, waived", [("", False), ("0", False), ("1", True), ("yes", True)])
def test_the_environment_variable(monkeypatch, value, waived):
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    monkeypatch.setenv(isolation.NO_SANDBOX_ENV, value)
    assert isolation.waived() is waived
