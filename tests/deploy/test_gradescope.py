"""nnkata gradescope: the autograder zip, then its real setup.sh and run_autograder, end to end,
in a temporary AUTOGRADER_ROOT as Gradescope lays it out (setup.sh builds a venv with pip:
about 50 s, once for the module)."""

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from conftest import REFERENCE, replace_function
from grader import paths
from grader.deploy import gradescope
from grader.kata import curriculum
from grader.sandbox import tiers

PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FAILED = "The autograder failed"
BUGGY_SOFTMAX = """
    def softmax(z):
        e = np.exp(z)
        return e / np.sum(e, axis=1, keepdims=True)
    """


def strict(text):
    """JSON as Gradescope reads it: NaN and Infinity are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} in results.json")
    return json.loads(text, parse_constant=refuse)


def valid(doc):
    """The checks every results.json must pass; returns the step tests by name."""
    assert isinstance(doc["score"], float) and 0.0 <= doc["score"] <= 100.0
    assert isinstance(doc["output"], str) and doc["visibility"] in VISIBILITY
    assert doc["tests"]
    for t in doc["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t), t
        assert t["status"] in ("passed", "failed") and t["visibility"] in VISIBILITY
        assert isinstance(t["output"], str) and 0.0 <= t["score"] <= t["max_score"]
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))
    return {t["name"]: t for t in doc["tests"] if t["name"] in curriculum.BY_NAME}


def unzip(archive, dest):
    """Extract as Info-ZIP's unzip does: with each entry's Unix mode."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            os.chmod(z.extract(info, dest), (info.external_attr >> 16) & 0o7777)


def traversable_dir():
    """A folder the nnkata user can reach (pytest's tmp_path lies under a 0700 one)."""
    root = Path(tempfile.mkdtemp(prefix="nnkata-gradescope-", dir="/tmp"))
    root.chmod(0o755)
    return root


def autograde(root, files, links=None, **env):
    """Put ``files`` in ROOT/submission (and ``links``: name -> where each symbolic link points),
    run ROOT/run_autograder; (results.json, process)."""
    upload = root / "submission"
    shutil.rmtree(upload, ignore_errors=True)
    upload.mkdir()
    for name, text in files.items():
        (upload / name).parent.mkdir(parents=True, exist_ok=True)
        (upload / name).write_text(text)
    for name, target in (links or {}).items():
        (upload / name).parent.mkdir(parents=True, exist_ok=True)
        (upload / name).symlink_to(target)
    environ = {k: v for k, v in os.environ.items() if k != "NNKATA_ISOLATION"}
    environ.update(AUTOGRADER_ROOT=str(root), **env)
    environ = {k: v for k, v in environ.items() if v is not None}
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=environ, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = root / "results"
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]  # no temporary left
    return strict((results / "results.json").read_text()), done


def as_nnkata(*argv):
    return subprocess.run(argv, user="nnkata", group="nnkata", extra_groups=[], cwd="/",
                          capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return gradescope.build(tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module")
def root(archive):
    """AUTOGRADER_ROOT after the real setup.sh, as root, and run_autograder where Gradescope
    copies it."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("setup.sh runs as root (it creates a user), as on Gradescope")
    ready = (shutil.which("bwrap") and Path(f"/usr/bin/{PY}").exists()
             and subprocess.run([f"/usr/bin/{PY}", "-c", "import ensurepip, venv"]).returncode == 0)
    root = traversable_dir()
    try:
        unzip(archive, root / "source")
        started = time.monotonic()
        done = subprocess.run([str(root / "source" / "setup.sh")], cwd=root / "source",
                              env={**os.environ, "AUTOGRADER_ROOT": str(root)},
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
        yield {"root": root, "output": done.stdout + done.stderr, "ready": ready,
               "seconds": time.monotonic() - started}
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- the zip ----------------------------------------------------------------------------------
def test_the_zip_holds_the_scripts_the_pins_and_the_grader_in_its_installed_layout(archive):
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds the reference
    with zipfile.ZipFile(archive) as z:
        infos = {i.filename: i for i in z.infolist()}
        assert list(infos) == sorted(infos)
        package = {f"nnkata/grader/{p.relative_to(paths.PACKAGE).as_posix()}"
                   for g in ("**/*.py", "records/*.json", "deploy/templates/*/*") for p in paths.PACKAGE.glob(g)
                   if "__pycache__" not in p.parts}
        kata = {"nnkata/grader/solutions/network.py": REFERENCE,
                "nnkata/grader/solutions/nn_kata.ipynb": paths.notebook_file(),
                "nnkata/grader/exercises/network.py": paths.exercise_file()}
        assert set(infos) == {"setup.sh", "run_autograder", "requirements.txt"} | package | set(kata)
        for name, source in kata.items():
            assert z.read(name) == source.read_bytes()
        for module in tiers.CHILD.glob("*.py"):
            assert z.read(f"nnkata/grader/sandbox/child/{module.name}") == module.read_bytes()
        for name, info in infos.items():
            mode = info.external_attr >> 16
            want = 0o755 if name in ("setup.sh", "run_autograder") else \
                0o600 if "/solutions/" in name else 0o644
            assert (stat.S_ISREG(mode), stat.S_IMODE(mode), info.create_system) == (True, want, 3), name
            assert info.date_time == gradescope.EPOCH and info.compress_type == zipfile.ZIP_DEFLATED
        setup, run = z.read("setup.sh").decode(), z.read("run_autograder").decode()
    assert setup.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in setup
    assert f"WANT={PY} " in setup and "@" not in setup.replace("$@", "")
    assert run.startswith("#!/usr/bin/env bash\n") and "-m grader.deploy.gradescope run" in run
    fallback = run.split("printf '%s\\n' '")[1].split("'")[0]  # what it writes if Python cannot
    valid(strict(fallback))
    assert strict(fallback)["score"] == 0.0 and strict(fallback)["output"].startswith(FAILED)


def test_the_requirements_pin_the_versions_installed_here(archive):
    with zipfile.ZipFile(archive) as z:
        lines = z.read("requirements.txt").decode().splitlines()
    pins = dict(line.split("==") for line in lines if not line.startswith("#"))
    assert pins == {name: metadata.version(name) for name in ("numpy", "scikit-learn", "hypothesis")}


def test_rebuilding_unchanged_gives_identical_bytes(archive, tmp_path, monkeypatch):
    later = time.time() + 10 * 365 * 86400
    monkeypatch.setattr(time, "time", lambda: later)  # a build years later, somewhere else
    assert gradescope.build(tmp_path / "again").read_bytes() == archive.read_bytes()


# -- setup.sh ---------------------------------------------------------------------------------
def test_setup_makes_a_venv_the_nnkata_user_runs_and_closes_the_reference_to_it(root):
    r, grader = root["root"], root["root"] / "source" / "nnkata" / "grader"
    if root["ready"]:  # python3-venv and bubblewrap are installed here: nothing to apt-get
        assert "apt-get" not in root["output"]
    python = r / "nnkata-venv" / "bin" / "python"
    assert os.path.realpath(python).startswith("/usr/")  # the system's, never pyenv's
    versions = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(*(m.version(n) "
                               "for n in ('numpy', 'scikit-learn', 'hypothesis')))"],
                              capture_output=True, text=True, check=True).stdout.split()
    assert versions == [metadata.version(n) for n in ("numpy", "scikit-learn", "hypothesis")]
    pwd.getpwnam("nnkata")
    modes = {p: stat.S_IMODE((grader / p).stat().st_mode) for p in
             ("solutions", "solutions/network.py", "solutions/nn_kata.ipynb", "kata/curriculum.py",
              "sandbox/child/main.py", "sandbox/child/wire.py", "sandbox/child", "sandbox", ".")}
    assert modes == {"solutions": 0o700, "solutions/network.py": 0o600, "solutions/nn_kata.ipynb": 0o600,
                     "kata/curriculum.py": 0o600, "sandbox/child/main.py": 0o644, "sandbox/child/wire.py": 0o644,
                     "sandbox/child": 0o755, "sandbox": 0o755, ".": 0o755}
    probe = ("import numpy, sys\nfor p in sys.argv[1:]:\n    try:\n        open(p).read(1); print('read')\n"
             "    except PermissionError:\n        print('denied')")
    seen = as_nnkata(str(python), "-I", "-c", probe, str(grader / "sandbox" / "child" / "main.py"),
                     str(grader / "solutions" / "network.py"), str(grader / "solutions" / "nn_kata.ipynb"))
    assert seen.stdout.split() == ["read", "denied", "denied"], seen.stderr
    usable = subprocess.run([str(python), "-c", "from grader.sandbox import tiers; print(tiers.usable('user'))"],
                            env={**os.environ, "PYTHONPATH": str(r / "source" / "nnkata")},
                            capture_output=True, text=True, check=True)
    assert usable.stdout.strip() == "True"  # the user tier works with the venv's interpreter


# -- run_autograder ---------------------------------------------------------------------------
def test_the_reference_earns_full_marks(root):
    doc, done = autograde(root["root"], {"network.py": REFERENCE.read_text()})
    steps = valid(doc)
    assert doc["score"] == 100.0 and list(steps) == [s.name for s in curriculum.STEPS]
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in steps.values())
    assert doc["extra_data"]["graded"] == "network.py" and doc["output"].startswith("graded network.py")
    assert doc["extra_data"]["hidden_inputs"] == "instructor seed"  # NNKATA_HIDDEN_SEED (conftest)
    assert doc["extra_data"]["isolation"]["isolated"] is True
    assert "100 points for network.py" in done.stdout


def test_the_stubs_earn_nothing_and_a_fresh_seed_is_drawn_without_one(root):
    files = {"exercises/network.py": paths.exercise_file().read_text(), "scratch.py": "x = 1\n"}
    doc, _ = autograde(root["root"], files, NNKATA_HIDDEN_SEED=None)
    steps = valid(doc)
    assert doc["score"] == 0.0 and len(steps) == len(curriculum.STEPS)
    assert all(t["status"] == "failed" for t in steps.values())
    assert doc["extra_data"]["graded"] == "exercises/network.py"  # preferred over scratch.py
    assert doc["extra_data"]["hidden_inputs"] == "fresh random seed"


def test_a_buggy_softmax_loses_softmax_points(root):
    text = replace_function(REFERENCE.read_text(), "softmax", BUGGY_SOFTMAX)
    doc, done = autograde(root["root"], {"hw/network.py": text})
    steps = valid(doc)
    assert steps["softmax"]["score"] < steps["softmax"]["max_score"] and doc["score"] < 100.0
    assert "stable at logits" in steps["softmax"]["output"]
    # the total shows at once: every test visible; the hidden check's verdict in its step's test,
    # and why only on run_autograder's stdout, which Gradescope shows the staff alone
    axis_0 = "def softmax(z):\n    e = np.exp(z - z.max(axis=0))\n    return e / e.sum(axis=0)\n"
    doc, done = autograde(root["root"], {"hw/network.py": replace_function(REFERENCE.read_text(), "softmax", axis_0)})
    steps = valid(doc)
    assert {t["visibility"] for t in doc["tests"]} == {"visible"} and len(doc["tests"]) == len(steps)
    assert "✗ values on hidden inputs" in steps["softmax"]["output"]
    assert "inputs you cannot see" in steps["softmax"]["output"]
    assert "(staff only)" in done.stdout and "softmax: ✗ values on hidden inputs" in done.stdout
    untouched = [n for n in steps if n not in ("softmax", "train")]  # each step gets the reference's
    assert all(steps[n]["score"] == steps[n]["max_score"] for n in untouched)


def test_a_notebook_inside_folders_is_found_and_graded(root):
    doc, _ = autograde(root["root"], {"hw3/kata/nn_kata.ipynb": paths.notebook_file().read_text()})
    valid(doc)
    assert doc["score"] == 100.0 and doc["extra_data"]["graded"] == "hw3/kata/nn_kata.ipynb"


@pytest.mark.parametrize("files, says", [
    ({}, "no .py or .ipynb file was found in submission/"),
    ({"a/network.py": "x = 1\n", "b/network.py": "x = 2\n"},
     "submission/ holds 2 files that could be the submission"),
])
def test_no_file_or_several_earn_zero_and_say_why(root, files, says):
    doc, _ = autograde(root["root"], files)
    steps = valid(doc)
    assert doc["score"] == 0.0 and doc["output"].startswith(says) and FAILED not in doc["output"]
    assert len(steps) == len(curriculum.STEPS) and all(says in t["output"] for t in steps.values())
    assert doc["extra_data"]["graded"] is None


MARKER = "SECRETMARKER5c2e"


def test_an_upload_linking_to_the_reference_or_a_secret_earns_nothing_and_shows_nothing(root):
    r = root["root"]
    reference = r / "source" / "nnkata" / "grader" / "solutions" / "network.py"
    secret = r / "shadow"  # as /etc/shadow: root's alone, and the grader runs as root
    secret.write_text(f"root:{MARKER}:19000:0:99999:7:::\n")
    secret.chmod(0o600)
    cases = [({"network.py": reference}, "network.py is a symbolic link: submit the file itself"),
             ({"network.py": os.path.relpath(reference, r / "submission")},
              "network.py is a symbolic link: submit the file itself"),
             ({"hw/network.py": os.path.relpath(reference, r / "submission" / "hw")},
              "hw/network.py is a symbolic link: submit the file itself"),
             ({"exercises": reference.parent}, "exercises/ is a symbolic link: submit the folder itself"),
             ({"network.py": secret}, "network.py is a symbolic link: submit the file itself")]
    try:
        for links, says in cases:
            doc, done = autograde(r, {}, links=links)
            steps = valid(doc)
            assert doc["score"] == 0.0 and doc["output"].startswith(says), (links, doc["output"])
            assert FAILED not in doc["output"] and doc["extra_data"]["graded"] is None
            assert len(steps) == len(curriculum.STEPS) and all(says in t["output"] for t in steps.values())
            assert MARKER not in json.dumps(doc) + done.stdout + done.stderr
            assert MARKER not in (r / "results" / "results.json").read_text()
    finally:
        secret.unlink()


def test_a_harness_error_gives_zero_and_says_the_autograder_failed(root):
    doc, done = autograde(root["root"], {"network.py": REFERENCE.read_text()},
                          NNKATA_HIDDEN_SEED="not-a-number")
    valid(doc)
    assert doc["score"] == 0.0 and doc["output"].startswith(FAILED)
    assert [t["name"] for t in doc["tests"]] == ["nnkata autograder"]
    assert doc["tests"][0]["max_score"] == float(sum(s.points for s in curriculum.STEPS))
    assert "NNKATA_HIDDEN_SEED must be an integer" in doc["output"]
    assert "Traceback" in done.stdout  # for the staff, in Gradescope's stdout


def test_without_its_venv_run_autograder_still_writes_a_zero(archive):
    bare = traversable_dir()
    try:
        unzip(archive, bare / "source")
        shutil.copy2(bare / "source" / "run_autograder", bare / "run_autograder")
        doc, done = autograde(bare, {"network.py": REFERENCE.read_text()})
    finally:
        shutil.rmtree(bare, ignore_errors=True)
    valid(doc)
    assert doc["score"] == 0.0 and doc["output"].startswith(FAILED)
    assert "wrote no results" in done.stderr


def test_under_the_user_tier_the_code_runs_as_nnkata_and_cannot_read_the_reference(root):
    r = root["root"]
    grader = r / "source" / "nnkata" / "grader"
    probe = f'''
import json, os

def attempt(path, mode="r"):
    try:
        with open(path, mode) as f:
            f.read(1) if mode == "r" else f.write("{{}}")
        return "done"
    except OSError as exc:
        return type(exc).__name__

def sigmoid(z):
    seen = {{"uid": os.getuid(), "child": attempt({str(grader / "sandbox" / "child" / "main.py")!r}),
            "reference": attempt({str(grader / "solutions" / "network.py")!r}),
            "notebook": attempt({str(grader / "solutions" / "nn_kata.ipynb")!r}),
            "curriculum": attempt({str(grader / "kata" / "curriculum.py")!r}),
            "forge": attempt({str(r / "results" / "results.json")!r}, "w")}}
    raise RuntimeError("PROBE" + json.dumps(seen) + "PROBE")
'''
    doc, _ = autograde(r, {"network.py": probe}, NNKATA_ISOLATION="user")
    steps = valid(doc)
    assert doc["extra_data"]["isolation"]["tier"] == "user"
    seen = json.loads(steps["sigmoid"]["output"].split("PROBE")[1])
    assert seen == {"uid": pwd.getpwnam("nnkata").pw_uid, "child": "done", "reference": "PermissionError",
                    "notebook": "PermissionError", "curriculum": "PermissionError",
                    "forge": "PermissionError"}
    assert steps["sigmoid"]["score"] == 0.0
    doc, _ = autograde(r, {"network.py": REFERENCE.read_text()}, NNKATA_ISOLATION="user")
    assert doc["score"] == 100.0 and "WARNING" not in doc["extra_data"]["isolation"]["note"]


# -- run(), in this process -------------------------------------------------------------------
def test_run_refuses_to_run_student_code_unconfined_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("NNKATA_ISOLATION", raising=False)
    monkeypatch.setattr(tiers, "choose", lambda: tiers.NOTES["none"])
    (tmp_path / "submission").mkdir()
    shutil.copy(paths.exercise_file(), tmp_path / "submission" / "network.py")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "results.json").write_text('{"score": 100')  # stale, and partial
    doc = gradescope.run(tmp_path)
    assert strict((tmp_path / "results" / "results.json").read_text()) == doc
    assert doc["score"] == 0.0 and FAILED in doc["output"] and "nnkata user" in doc["output"]
    assert os.listdir(tmp_path / "results") == ["results.json"]
    monkeypatch.setenv("NNKATA_ISOLATION", "none")
    doc = gradescope.run(tmp_path)
    assert len(valid(doc)) == len(curriculum.STEPS) and "NOT ISOLATED" in doc["output"]


def test_run_grades_under_AUTOGRADER_ROOT_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    doc = gradescope.run()
    assert strict((tmp_path / "results" / "results.json").read_text()) == doc
    assert doc["score"] == 0.0 and doc["output"].startswith("no .py or .ipynb file was found")


def test_a_seed_built_into_the_zip_makes_every_run_use_the_instructor_seed(root, tmp_path):
    with zipfile.ZipFile(gradescope.build(tmp_path, hidden_seed=1234)) as z:
        info = z.getinfo("nnkata/hidden_seed")
        assert z.read(info) == b"1234\n" and (info.external_attr >> 16) & 0o777 == 0o600
    with zipfile.ZipFile(gradescope.build(tmp_path / "plain")) as z:
        assert "nnkata/hidden_seed" not in z.namelist()
    seed = root["root"] / "source" / "nnkata" / "hidden_seed"
    seed.write_text("1234\n")
    seed.chmod(0o600)  # as setup.sh leaves every file of the grader
    try:
        assert as_nnkata("cat", str(seed)).returncode != 0
        doc, _ = autograde(root["root"], {"network.py": REFERENCE.read_text()}, NNKATA_HIDDEN_SEED=None)
        assert doc["score"] == 100.0 and doc["extra_data"]["hidden_inputs"] == "instructor seed"
    finally:
        seed.unlink()
