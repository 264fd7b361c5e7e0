"""Hints in tiers (issue 7): a question, then the formula, then a near-solution that is never
the reference's code, written with the contract's names."""

import ast
import re
import subprocess
import sys

import numpy as np
import pytest

from grader import paths
from grader.errors import HarnessError
from grader.kata import curriculum, source

# the contract's steps, in its order
CORE = ("sigmoid", "sigmoid_derivative", "softmax", "cross_entropy", "cross_entropy_delta",
        "feedforward", "backprop", "update", "predict", "train")
PARAM_KEYS = {"w1", "b1", "w2", "b2", "w3", "b3"}
BUILTINS = {"range", "len", "float", "int"}
LIMIT = 400
REFERENCE = paths.reference_file().read_text()
FUNCTIONS = source.functions(REFERENCE)


def squeeze(text):
    return re.sub(r"\s+", "", text)


def solution_lines(name):
    """The code lines (comments dropped) between the step's solution markers."""
    source = FUNCTIONS[name][0]
    region = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
    lines = []
    for line in region.splitlines():
        code = line.split("  #", 1)[0] if not line.lstrip().startswith("#") else ""
        if len(squeeze(code)) >= 8:
            lines.append(squeeze(code))
    return lines


def parameters(name):
    fn = ast.parse(FUNCTIONS[name][0]).body[0]
    return [a.arg for a in fn.args.args + fn.args.kwonlyargs]


def word(name, text):
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def tiers(name):
    return curriculum.BY_NAME[name].hints


def test_the_core_steps_are_the_contracts():
    assert [s.name for s in curriculum.STEPS][:len(CORE)] == list(CORE)


@pytest.mark.parametrize("name", CORE)
def test_three_distinct_tiers_of_at_most_400_characters(name):
    hints = tiers(name)
    assert isinstance(hints, tuple) and len(hints) == 3
    assert all(isinstance(t, str) and t.strip() for t in hints)
    assert len(set(hints)) == 3
    assert [len(t) for t in hints] == [min(len(t), LIMIT) for t in hints]


@pytest.mark.parametrize("name", CORE)
def test_the_tiers_ask_and_leave_blanks(name):
    question, formula, near = tiers(name)
    assert question.rstrip().endswith("?")
    assert "?" in formula  # the formula still makes the student think
    assert "___" in near  # a near-solution leaves the key pieces to the student


@pytest.mark.parametrize("name", CORE)
def test_no_tier_holds_a_line_of_the_reference(name):
    lines = {line: step for step in CORE for line in solution_lines(step)}
    assert lines  # the reference's regions were found
    for i, text in enumerate(tiers(name), start=1):
        flat = squeeze(text)
        leaked = [(step, line) for line, step in lines.items() if line in flat]
        assert not leaked, f"{name} tier {i} holds the reference's {leaked}"


@pytest.mark.parametrize("name", CORE)
def test_tiers_use_the_step_parameter_names(name):
    text = "\n".join(tiers(name)[1:])
    missing = [p for p in parameters(name) if not word(p, text)]
    assert not missing, f"{name}: tiers 2 and 3 never name {missing}"


@pytest.mark.parametrize("name", CORE)
def test_tiers_name_only_the_contract_and_real_numpy(name):
    formula, near = tiers(name)[1:]
    for text in (formula, near):
        for key in re.findall(r"""["']([a-z]\d)["']""", text):
            assert key in PARAM_KEYS, f"{name}: params has no key {key!r}"
        for chain in re.findall(r"(?<![A-Za-z0-9_.])np((?:\.[A-Za-z_]\w*)+)", text):
            obj = np
            for attr in chain.split(".")[1:]:
                assert hasattr(obj, attr), f"{name}: numpy has no {chain}"
                obj = getattr(obj, attr)
        for attr in re.findall(r"(?<![A-Za-z0-9_.])rng\.([A-Za-z_]\w*)", text):
            assert hasattr(np.random.Generator, attr), f"{name}: a Generator has no {attr}"
    called = set(re.findall(r"(?<![A-Za-z0-9_.])([A-Za-z_]\w*)\(", near))
    unknown = called - set(CORE) - BUILTINS - {"___"}  # a blank may stand for a function
    assert not unknown, f"{name}: tier 3 calls {unknown}, which the contract does not define"


@pytest.mark.parametrize("name", CORE)
def test_hint_is_the_first_tier_and_hint_tiers_the_api(name):
    spec = curriculum.BY_NAME[name]
    assert spec.hint == spec.hints[0]
    assert curriculum.hint_tiers(name) == curriculum.hint_tiers(spec) == spec.hints


def test_hint_tiers_of_an_unknown_step_suggests_the_nearest():
    with pytest.raises(HarnessError, match="Did you mean softmax"):
        curriculum.hint_tiers("sofmax")


def test_nnkata_hint_gives_the_next_tier_each_time(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "network.py").write_text(paths.exercise_file().read_text())
    shown = []
    for _ in range(4):
        run = subprocess.run([sys.executable, "-m", "grader", "hint", "softmax"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        shown.append(run.stdout)
    hints = tiers("softmax")

    def shows(out, hint):  # a near-solution's lines are printed indented, on lines of their own
        return all(line.strip() in out for line in hint.splitlines())

    for out, tier in zip(shown, (0, 1, 2, 2), strict=True):
        assert f"Hint {tier + 1} of 3:" in out
        assert shows(out, hints[tier]) and not any(shows(out, h) for h in hints if h != hints[tier])
    assert "last hint" in shown[-1]
    run = subprocess.run([sys.executable, "-m", "grader", "hint", "softmax", "--tier", "1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "Hint 1 of 3:" in run.stdout and shows(run.stdout, hints[0])
