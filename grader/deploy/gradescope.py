"""Gradescope: the autograder zip (``build``) and the grading of one upload inside it (``run``).

The zip holds ``setup.sh``, ``run_autograder``, ``requirements.txt`` (this machine's numpy,
scikit-learn and hypothesis, pinned: Gradescope grades with the instructor's numerics) and the
grader in its installed layout under ``nnkata/``, the reference too: it is written 0600. setup.sh
(root, once, when the image is built) makes a venv and the user ``nnkata`` the ``user`` tier
runs student code as, and closes every file of the grader to that user but the child's folder.
run_autograder writes ``results/results.json`` last, whole, and always: 0 points and "the
autograder failed" when the harness fails. Every path lies under ``AUTOGRADER_ROOT``.
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

from grader import atomic
from grader.deploy import bundle

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
ZIP_NAME = "autograder.zip"
# Half a CPU: every step's budget doubled. The worst case, train's 180 s doubled while the
# other steps run beside it, is about 6 minutes, inside Gradescope's 10-minute timeout.
TIME_SCALE = 2.0
EPOCH = (1980, 1, 1, 0, 0, 0)  # every entry's timestamp: the same bytes for the same files
TEMPLATES = Path(__file__).resolve().parent / "templates" / "gradescope"  # setup.sh, run_autograder


def failure(reason, seconds=0.0):
    """results.json for a submission the harness could not grade: 0 points, and why."""
    from grader.text import clean
    reason = clean(reason)  # an exception's text may quote a path or a student's bytes
    try:
        from grader.kata.curriculum import STEPS
    except Exception:
        STEPS = ()
    text = ("The autograder failed, so this submission was not graded and earned no points. "
            f"This says nothing about your code: tell your instructor. ({reason[:1000]})")
    test = {"name": "nnkata autograder", "score": 0.0, "status": "failed", "output": text,
            "max_score": float(sum(s.points for s in STEPS)) or 100.0, "visibility": "visible"}
    return {"score": 0.0, "execution_time": round(float(seconds), 3), "output": text,
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [test],
            "extra_data": {"error": reason}}


def _script(template):
    fallback = json.dumps(failure("it exited before writing its results; the instructor finds "
                                  "why in the autograder output"), allow_nan=False)
    assert "'" not in fallback  # a single-quoted shell word
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return template.replace("@PYTHON@", python).replace("@FALLBACK@", fallback).encode()


SEED_FILE = "hidden_seed"  # beside grader/: the instructor's seed, readable by root alone


def entries(hidden_seed=None):
    """Every file of the zip: name -> (bytes, mode). With ``hidden_seed``, every run grades
    on the same hidden inputs (reproducible regrades); without, each run draws its own."""
    files = {name: (_script((TEMPLATES / name).read_text()), 0o755) for name in ("setup.sh", "run_autograder")}
    files["requirements.txt"] = (bundle.requirements().encode(), 0o644)
    files.update(bundle.grader_files("nnkata"))  # the running grader, in the installed layout
    if hidden_seed is not None:
        files[f"nnkata/{SEED_FILE}"] = (f"{int(hidden_seed)}\n".encode(), bundle.SECRET)
    return files


def zip_bytes(files):
    """A deterministic zip: sorted names, one fixed timestamp, Unix modes, fixed compression."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.create_system, info.compress_type = 3, zipfile.ZIP_DEFLATED  # 3: Unix modes
            info.external_attr = (0o100000 | files[name][1]) << 16
            archive.writestr(info, files[name][0], compresslevel=9)
    return buffer.getvalue()


def build(out_dir, hidden_seed=None):
    """Write ``out_dir/autograder.zip`` (mode 0600: it holds the reference); return its path."""
    data, target = zip_bytes(entries(hidden_seed)), Path(out_dir) / ZIP_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{ZIP_NAME}.", suffix=".tmp", dir=target.parent)
    try:
        with open(fd, "wb") as f:
            f.write(data)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def graded(folder):
    """The results.json document for the upload in ``folder``; raises on a harness failure.

    The upload is read, never followed (``submissions.locate``): a network.py that is a link,
    to the reference or to a secret, earns 0 and says so, and its target is never opened."""
    from grader import grade
    from grader.sandbox import isolation
    from grader.views import formats
    from grader.deploy import submissions
    from grader import text
    file, problem = submissions.locate(folder)
    if file is None:
        report = grade.not_graded(folder.name, problem)
    else:
        isolation.require("Gradescope's autograder (did setup.sh create the nnkata user?)")
        report = grade.grade(file, time_scale=TIME_SCALE, bonus=False)  # the core assignment
    doc = formats.gradescope(report)
    notes = formats.staff_notes(report)
    if notes:  # stdout is shown to staff, never to students (stdout_visibility hidden)
        print("why the checks on hidden inputs failed (staff only):\n" + notes, flush=True)
    name = text.name(file.relative_to(folder).as_posix()) if file else None
    doc["output"] = (f"graded {name}" if file else problem) + "\n" + doc["output"]
    doc["extra_data"] = {"graded": name, "hidden_inputs": report.hidden_inputs,
                         "isolation": report.isolation, "grader_version": report.grader_version}
    return doc


def run(root=None):
    """Grade ``ROOT/submission`` into ``ROOT/results/results.json``, written last, atomically
    and always: 0 points if grading fails (the traceback goes to stdout, which staff see)."""
    root = Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        from grader.grade import HIDDEN_SEED_ENV
        from grader.paths import PACKAGE
        from grader.views.table import dumps
        seed = PACKAGE.parent / SEED_FILE
        if HIDDEN_SEED_ENV not in os.environ and seed.is_file():
            os.environ[HIDDEN_SEED_ENV] = seed.read_text().strip()
        doc = graded(root / "submission")
        text = dumps(doc)
    except Exception as exc:
        traceback.print_exc(file=sys.stdout)
        doc = failure(f"{type(exc).__name__}: {exc}", time.monotonic() - started)
        text = json.dumps(doc, allow_nan=False)
    atomic.write_text(out, text + "\n")
    extra, took = doc["extra_data"], time.monotonic() - started
    print(f"nnkata: {doc['score']:g} points for {extra.get('graded') or 'no file'} in {took:.1f} s "
          f"(isolation: {extra.get('isolation', {}).get('tier', '-')}); wrote {out}", flush=True)
    return doc


def main(argv=None):
    """``python -m grader.deploy.gradescope run [--root ROOT]``: what run_autograder calls, apart
    from the command line so that it keeps working whatever the CLI becomes. (The zip is
    built with ``nnkata gradescope build``.)"""
    from grader import one_blas_thread
    one_blas_thread()
    parser = argparse.ArgumentParser(prog="python -m grader.deploy.gradescope")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run").add_argument("--root", help=f"default: ${ROOT_ENV} or {DEFAULT_ROOT}")
    args = parser.parse_args(argv)
    return 2 if "error" in run(args.root).get("extra_data", {}) else 0  # 2: as the CLI


if __name__ == "__main__":
    sys.exit(main())
