"""Grading a class folder: parallel, resumable after a SIGKILL, keyed by content, one gradebook."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import REFERENCE, STEP_NAMES, full, replace_function
from grader import paths
from grader.kata import curriculum
from grader.views import formats

SOFTMAX_AXIS0 = """
def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
"""
DELTA_NO_N = """
def cross_entropy_delta(probs, targets):
    return probs - targets
"""
PREDICT_NO_AXIS = """
def predict(params, x):
    return np.argmax(feedforward(params, x)[2])
"""
HOSTILE = """
import os
print('{"score": 100.0, "max_score": 100.0, "steps": []}')
def sigmoid(z):
    os._exit(0)
"""


def nnkata(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def make_class(root):
    """A class folder: correct, buggy in several steps, broken, hostile, a notebook, folders."""
    ref = REFERENCE.read_text()
    root.mkdir()
    (root / "ada.py").write_text(ref)
    (root / "bea.py").write_text(paths.exercise_file().read_text())
    buggy = replace_function(replace_function(ref, "softmax", SOFTMAX_AXIS0), "cross_entropy_delta", DELTA_NO_N)
    (root / "cal.py").write_text(buggy)
    (root / "dan.py").write_text("def sigmoid(z:\n    return z\n")
    (root / "eve.py").write_text(replace_function(ref, "sigmoid", HOSTILE))
    shutil.copy(paths.notebook_file(), root / "fay.ipynb")
    (root / "gus" / "exercises").mkdir(parents=True)
    (root / "gus" / "exercises" / "network.py").write_text(replace_function(ref, "predict", PREDICT_NO_AXIS))
    (root / "gus" / "README.md").write_text("my repo")
    (root / "hal").mkdir()  # an empty upload
    (root / "notes.txt").write_text("not a submission")
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    folder, out = make_class(base / "class"), base / "out"
    run = nnkata("grade", str(folder), "--out", str(out), "--jobs", "2")
    return folder, out, run


def reports(out):
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json") if not p.name.startswith(".")}


def step_scores(doc):
    return {s["name"]: s["score"] for s in doc["steps"]}


def test_every_submission_gets_a_report_and_a_gradebook_row(graded):
    folder, out, run = graded
    assert run.returncode == 0, run.stderr
    docs = reports(out)
    assert set(docs) == {"ada", "bea", "cal", "dan", "eve", "fay", "gus", "hal"}
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0].keys()) == ["submission", "score", "max_score", *STEP_NAMES]
    assert [r["submission"] for r in rows] == sorted(docs)
    for row in rows:  # the gradebook says what the reports say
        doc = docs[row["submission"]]
        assert float(row["score"]) == pytest.approx(doc["score"], abs=1e-4)
        for name, score in step_scores(doc).items():
            assert float(row[name]) == pytest.approx(score, abs=1e-4)
    assert {docs[n]["source"] for n in docs} >= {"ada.py", "fay.ipynb", "gus", "hal"}


def test_scores_land_in_the_right_steps(graded):
    docs = reports(graded[1])
    assert docs["ada"]["score"] == docs["fay"]["score"] == 100.0
    assert docs["bea"]["score"] == 0 and {s["status"] for s in docs["bea"]["steps"]} == {"pending"}
    cal = step_scores(docs["cal"])
    assert cal["softmax"] < full("softmax") and cal["cross_entropy_delta"] < full("cross_entropy_delta")
    assert all(cal[n] == full(n) for n in STEP_NAMES if n not in ("softmax", "cross_entropy_delta", "train"))
    gus = step_scores(docs["gus"])
    assert gus["predict"] < full("predict")
    assert all(gus[n] == full(n) for n in STEP_NAMES if n not in ("predict", "train"))
    assert docs["dan"]["score"] == 0 and "SyntaxError" in docs["dan"]["steps"][0]["feedback"]
    assert docs["hal"]["score"] == 0 and "no .py or .ipynb file" in docs["hal"]["steps"][0]["feedback"]


def test_a_hostile_submission_earns_only_its_honest_steps(graded):
    eve = step_scores(reports(graded[1])["eve"])
    assert eve["sigmoid"] == 0
    assert all(eve[n] == full(n) for n in STEP_NAMES if n not in ("sigmoid", "train"))


def test_the_summary_table_lists_each_submission(graded):
    run = graded[2]
    for name in ("ada", "bea", "hal"):
        assert name in run.stdout
    assert "100/100" in run.stdout and "8 graded" in run.stdout
    assert "[8/8]" in run.stderr  # one progress line per submission when not on a terminal


def test_a_rerun_over_an_unchanged_folder_changes_nothing(graded):
    folder, out, _ = graded
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir() if p.is_file()}
    run = nnkata("grade", str(folder), "--out", str(out), "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert "8 of 8 already graded and unchanged" in run.stderr and "graded 0" in run.stderr
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir() if p.is_file()}
    assert after == before


def test_a_changed_submission_alone_is_regraded(tmp_path):
    folder, out = make_class(tmp_path / "class"), tmp_path / "out"
    for p in list(folder.iterdir()):
        if p.name not in ("ada.py", "bea.py", "hal"):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    assert nnkata("grade", str(folder), "--out", str(out)).returncode == 0
    stamp = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    (folder / "bea.py").write_text(REFERENCE.read_text())  # bea finishes the kata
    run = nnkata("grade", str(folder), "--out", str(out))
    assert "2 of 3 already graded" in run.stderr and "graded 1," in run.stderr
    assert reports(out)["bea"]["score"] == 100.0
    now = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    assert now["ada.json"] == stamp["ada.json"] and now["hal.json"] == stamp["hal.json"]
    assert now["bea.json"] != stamp["bea.json"]
    assert "bea,100,100" in (out / "grades.csv").read_text()
    # Other options are another grade: only the asked-for step, every submission again.
    run = nnkata("grade", str(folder), "--out", str(out), "--step", "sigmoid")
    assert "graded 3," in run.stderr
    assert [s["name"] for s in reports(out)["ada"]["steps"]] == ["sigmoid"]


def test_killed_midway_then_resumed_loses_nothing_and_writes_nothing_twice(tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    for i in range(6):
        shutil.copy(REFERENCE, folder / f"s{i}.py")
    batch = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                              "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("s*.json"))) < 2:
        time.sleep(0.05)
    batch.send_signal(signal.SIGKILL)
    batch.wait()
    done = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("s*.json")}
    assert 2 <= len(done) < 6, "the batch should have been killed midway"
    for p in out.glob("s*.json"):  # whatever is there is whole
        assert json.loads(p.read_text())["score"] == 100.0
    time.sleep(1.0)  # a worker that outlived the batch would write a report in this time
    assert {p.name for p in out.glob("s*.json")} == set(done), "a worker outlived its batch"
    with open(out / "grades.csv") as f:
        assert len(list(csv.DictReader(f))) <= len(done)
    run = nnkata("grade", str(folder), "--out", str(out), "--jobs", "2")
    assert run.returncode == 0, run.stderr
    assert f"{len(done)} of 6 already graded" in run.stderr and f"graded {6 - len(done)}," in run.stderr
    for name, stamp in done.items():  # none written twice
        p = out / name
        assert (p.stat().st_ino, p.stat().st_mtime_ns) == stamp
    assert len(list(out.glob("s*.json"))) == 6
    assert not list(out.glob(".*.tmp"))
    with open(out / "grades.csv") as f:
        assert [r["score"] for r in csv.DictReader(f)] == ["100"] * 6


def test_the_hidden_seed_is_drawn_once_per_output_folder(tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.py")
    env = {k: v for k, v in os.environ.items() if k != "NNKATA_HIDDEN_SEED"}
    assert nnkata("grade", str(folder), "--out", str(out), env=env).returncode == 0
    seed = json.loads((out / ".nnkata-batch.json").read_text())["hidden_seed"]
    assert str(seed) not in (out / "ada.json").read_text()  # the report does not give it away
    run = nnkata("grade", str(folder), "--out", str(out), env=env)
    assert "1 of 1 already graded" in run.stderr
    assert json.loads((out / ".nnkata-batch.json").read_text())["hidden_seed"] == seed


def test_a_harness_failure_writes_no_report_and_says_so(tmp_path, monkeypatch):
    from grader.deploy import batch
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.py")
    # A worker whose harness fails: the real batch, a worker that exits 2 with the reason.
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'Traceback: noise' >&2\necho 'nnkata: error: the grader broke' >&2\n"
                      "exit 2\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    outcomes = batch.Batch(folder, out).run()
    assert outcomes["ada"].report is None
    assert outcomes["ada"].error == "the grader's worker died: the grader broke"
    assert not (out / "ada.json").exists()
    assert (out / "grades.csv").read_text().splitlines() == [",".join(formats.csv_header())]


def test_two_submissions_with_one_name_are_refused(tmp_path):
    folder = tmp_path / "class"
    (folder / "ada").mkdir(parents=True)
    shutil.copy(REFERENCE, folder / "ada.py")
    shutil.copy(REFERENCE, folder / "ada" / "network.py")
    run = nnkata("grade", str(folder), "--out", str(tmp_path / "out"))
    assert run.returncode == 2 and "two submissions are named 'ada'" in run.stderr


def test_one_submission_formats_are_refused_for_a_class(tmp_path):
    run = nnkata("grade", str(tmp_path), "--format", "gradescope")
    assert run.returncode == 2 and "describes one submission" in run.stderr


def test_several_files_on_the_command_line_are_a_class(tmp_path):
    run = nnkata("grade", str(REFERENCE), str(paths.exercise_file()), "--format", "csv",
                 "--step", "sigmoid")
    assert run.returncode == 2  # both are named network: one gradebook row each is impossible
    assert "two submissions are named 'network'" in run.stderr
    a = tmp_path / "a.py"
    shutil.copy(REFERENCE, a)
    run = nnkata("grade", str(a), str(paths.exercise_file()), "--format", "csv", "--step", "sigmoid")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(run.stdout.splitlines()))
    assert [(r["submission"], r["sigmoid"]) for r in rows] == [("a", "8"), ("network", "0")]
    assert curriculum.BY_NAME["sigmoid"].points == 8


def test_bonus_steps_are_graded_only_when_asked_and_never_enter_the_gradebook(tmp_path):
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.py")
    assert nnkata("grade", str(folder), "--out", str(out)).returncode == 0
    assert "bonus" not in reports(out)["ada"]
    run = nnkata("grade", str(folder), "--out", str(out), "--bonus")
    assert run.returncode == 0 and "graded 1," in run.stderr  # another option: graded again
    doc = reports(out)["ada"]
    assert doc["bonus_score"] == doc["bonus_max_score"] == curriculum.BONUS_TOTAL
    assert doc["score"] == 100.0
    assert (out / "grades.csv").read_text().splitlines()[0] == ",".join(formats.csv_header())
