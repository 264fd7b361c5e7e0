"""nnkata watch, driven in a pseudo-terminal: save a file, see the result change, press keys."""

import os
import re
import sys

import pexpect
import pytest

from conftest import REFERENCE
from grader import paths
from grader.kata import curriculum, source


def reference_of(name):
    code = source.functions(REFERENCE.read_text())[name][0]
    return "".join(l for l in code.splitlines(keepends=True) if "SOLUTION" not in l)


def save(path, name, code):
    """Save as an editor does: write a new file and rename it over the old one."""
    text = path.read_text()
    new = text.replace(source.functions(text)[name][0], code, 1)
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(new)
    os.replace(tmp, path)


@pytest.fixture
def ws(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "network.py").write_text(paths.exercise_file().read_text())
    return tmp_path


@pytest.mark.parametrize("mode", ["events", "poll"])
def test_watch_regrades_on_save_moves_on_and_answers_keys(ws, mode):
    args = ["-m", "grader", "watch"] + (["--poll"] if mode == "poll" else [])
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1"}
    child = pexpect.spawn(sys.executable, args, cwd=str(ws), env=env, encoding="utf-8", timeout=60,
                          dimensions=(50, 120))
    try:
        child.expect(r"▶ sigmoid .*pending")
        child.expect("watching for saves")
        child.expect("file events" if mode == "events" else "polling")
        save(ws / "exercises" / "network.py", "sigmoid", reference_of("sigmoid"))
        child.expect(r"Progress .* 1/10 steps passed, 8/100 points")
        child.expect(r"▶ sigmoid_derivative ")
        child.expect(r"✓ sigmoid passes after 1 attempt\. On to sigmoid_derivative\.")
        child.send("h")
        tiers = curriculum.step("sigmoid_derivative").hints
        child.expect(r"Hint 1 of \d for sigmoid_derivative: " + re.escape(tiers[0][:30]))
        child.send("h")
        child.expect(r"Hint 2 of \d for sigmoid_derivative")
        child.send("l")
        child.expect(r"✓ sigmoid +8/8")
        child.expect(r"▶· sigmoid_derivative")
        child.send("n")
        child.expect(r"▶ softmax ")
        save(ws / "exercises" / "network.py", "softmax", "def softmax(z):\n    return z / z.sum()\n")
        child.expect(r"softmax .*failed")  # the step in hand stays: it failed, and says why
        child.expect(r"✗ values on public inputs")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    # what it saw is progress: the hint tiers shown and the pass survive the session
    import json
    state = json.loads((ws / ".nnkata" / "progress.json").read_text())
    track = state["tracks"]["exercises/network.py"]
    assert track["steps"]["sigmoid"]["passed_at"] and track["hints"]["sigmoid_derivative"] == 2
    assert track["steps"]["softmax"]["attempts"] == 1
