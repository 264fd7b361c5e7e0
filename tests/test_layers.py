"""The import contracts of pyproject.toml ([tool.importlinter]), checked by the real lint-imports:
kept on this tree, and broken by an import that goes the wrong way."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = str(Path(sys.executable).with_name("lint-imports"))


def lint(cwd, pythonpath):
    return subprocess.run([LINT, "--config", str(cwd / "pyproject.toml"), "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(pythonpath)})


def test_every_contract_is_kept():
    done = lint(ROOT, ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
    kept = int(done.stdout.split("Contracts: ")[1].split(" kept")[0])
    assert kept >= 3 and "0 broken" in done.stdout


def test_the_child_importing_the_grader_breaks_a_contract(tmp_path):
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    wire = tmp_path / "grader" / "sandbox" / "child" / "wire.py"
    wire.write_text(wire.read_text() + "\nfrom grader.judge import reference  # the wrong way\n")
    done = lint(tmp_path, tmp_path)
    assert done.returncode != 0
    assert "grader.sandbox.child is not allowed to import grader.judge" in done.stdout


def test_a_layer_importing_one_above_it_breaks_the_layers(tmp_path):
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    compare = tmp_path / "grader" / "judge" / "compare.py"
    compare.write_text(compare.read_text() + "\nfrom grader.views import table  # the wrong way\n")
    done = lint(tmp_path, tmp_path)
    assert done.returncode != 0
    assert "grader.judge is not allowed to import grader.views" in done.stdout
