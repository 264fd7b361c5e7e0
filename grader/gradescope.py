"""Gradescope: the autograder zip (``build``) and the grading of one upload inside it (``run``).

The zip holds ``setup.sh``, ``run_autograder``, ``requirements.txt`` (this machine's numpy,
scikit-learn and hypothesis, pinned: Gradescope grades with the instructor's numerics) and the
grader in its installed layout under ``nnkata/``, the reference too: it is written 0600. setup.sh
(root, once, when the image is built) makes a venv and the user ``nnkata`` the ``user`` tier
runs student code as, and closes every file of the grader to that user but the child's two.
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

from . import bundle, jsonfile

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
ZIP_NAME = "autograder.zip"
# Half a CPU: every step's budget doubled. The worst case, train's 180 s doubled while the
# other steps run beside it, is about 6 minutes, inside Gradescope's 10-minute timeout.
TIME_SCALE = 2.0
EPOCH = (1980, 1, 1, 0, 0, 0)  # every entry's timestamp: the same bytes for the same files

SETUP = r"""#!/usr/bin/env bash
# nnkata's Gradescope setup: run once, as root, from $ROOT/source, when the image is built.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source" GRADER="$ROOT/source/nnkata/grader" VENV="$ROOT/nnkata-venv"
WANT=@PYTHON@  # the Python the zip was built with: its wheels exist for the pinned versions
say() { echo "nnkata setup: $*"; }
fail() { say "error: $*" >&2; exit 1; }
updated=""
apt_install() {
    say "apt-get install $*"
    [ -n "$updated" ] || { apt-get update -qq && updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}
# The system's interpreter, never one on root's PATH alone (pyenv's): the venv's python is
# a symlink to it, and the nnkata user must be able to run it.
has_venv() { [ -x "/usr/bin/$1" ] && "/usr/bin/$1" -c "import ensurepip, venv" 2>/dev/null; }
if has_venv "$WANT" || { apt_install "$WANT" "$WANT-venv" && has_venv "$WANT"; }; then
    PYTHON="/usr/bin/$WANT"
elif has_venv python3 || { apt_install python3 python3-venv python3-pip && has_venv python3; }; then
    PYTHON=/usr/bin/python3
    say "WARNING: no $WANT here, using $($PYTHON -V); the pinned versions may not install"
else
    fail "cannot install python3 with its venv module"
fi
command -v bwrap >/dev/null 2>&1 || apt_install bubblewrap || say "no bubblewrap: not needed"

say "venv $VENV ($("$PYTHON" -V)), pinned: $(grep -v '^#' "$SOURCE/requirements.txt" | xargs)"
"$PYTHON" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$SOURCE/requirements.txt"
"$VENV/bin/python" -m compileall -q "$SOURCE/nnkata" >/dev/null

# The user student code runs as may read the venv and the child's two files, nothing else.
id -u nnkata >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin nnkata
chown -R root:root "$SOURCE/nnkata"
find "$SOURCE/nnkata" -type d -exec chmod 0700 {} +
find "$SOURCE/nnkata" -type f -exec chmod 0600 {} +
chmod 0711 "$SOURCE/nnkata"
chmod 0755 "$GRADER" "$SOURCE/setup.sh" "$SOURCE/run_autograder"  # the importer lists folders
chmod 0644 "$GRADER/child.py" "$GRADER/wire.py"
chmod -R a+rX "$VENV" && chmod go+x "$ROOT" "$SOURCE"
[ ! -f "$ROOT/run_autograder" ] || chmod 0755 "$ROOT/run_autograder"

as_nnkata() { runuser -u nnkata -- "$@"; }
as_nnkata "$VENV/bin/python" -I -c "import sys; sys.path[:0] = sys.argv[1:]; import numpy, wire; \
open(sys.argv[1] + '/child.py').close()" "$GRADER" || fail "the nnkata user cannot run $GRADER/child.py"
for secret in solutions/network.py solutions/nn_kata.ipynb registry.py; do
    ! as_nnkata test -r "$GRADER/$secret" || fail "the nnkata user can read $GRADER/$secret"
done
say "ready: $("$VENV/bin/python" -V), user nnkata, the reference readable by root alone"
"""

RUN = r"""#!/usr/bin/env bash
# nnkata's Gradescope run: grade $ROOT/submission into $ROOT/results/results.json, always.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
RESULTS="$ROOT/results"
mkdir -p "$RESULTS" && rm -f "$RESULTS/results.json"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cd "$ROOT/source/nnkata"  # what -m puts first on sys.path: ours, never a folder of uploads
PYTHONPATH="$ROOT/source/nnkata" "$ROOT/nnkata-venv/bin/python" -m grader.gradescope run --root "$ROOT"
status=$?
if [ ! -s "$RESULTS/results.json" ]; then  # Python did not start, or was killed before writing
    echo "nnkata: the grader exited with status $status and wrote no results" >&2
    printf '%s\n' '@FALLBACK@' >"$RESULTS/.results.json.tmp"
    mv -f "$RESULTS/.results.json.tmp" "$RESULTS/results.json"
fi
exit 0
"""


def failure(reason, seconds=0.0):
    """results.json for a submission the harness could not grade: 0 points, and why."""
    from .text import clean
    reason = clean(reason)  # an exception's text may quote a path or a student's bytes
    try:
        from .registry import STEPS
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
    files = {"setup.sh": (_script(SETUP), 0o755), "run_autograder": (_script(RUN), 0o755),
             "requirements.txt": (bundle.requirements().encode(), 0o644)}
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
    from . import grade, isolation, platforms, submissions, text
    file, problem = submissions.locate(folder)
    if file is None:
        report = grade.not_graded(folder.name, problem)
    else:
        isolation.require("Gradescope's autograder (did setup.sh create the nnkata user?)")
        report = grade.grade(file, time_scale=TIME_SCALE, bonus=False)  # the core assignment
    doc = platforms.gradescope(report)
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
        from .grade import HIDDEN_SEED_ENV
        from .paths import PACKAGE
        from .render import dumps
        seed = PACKAGE.parent / SEED_FILE
        if HIDDEN_SEED_ENV not in os.environ and seed.is_file():
            os.environ[HIDDEN_SEED_ENV] = seed.read_text().strip()
        doc = graded(root / "submission")
        text = dumps(doc)
    except Exception as exc:
        traceback.print_exc(file=sys.stdout)
        doc = failure(f"{type(exc).__name__}: {exc}", time.monotonic() - started)
        text = json.dumps(doc, allow_nan=False)
    jsonfile.write_text_atomic(out, text + "\n")
    extra, took = doc["extra_data"], time.monotonic() - started
    print(f"nnkata: {doc['score']:g} points for {extra.get('graded') or 'no file'} in {took:.1f} s "
          f"(isolation: {extra.get('isolation', {}).get('tier', '-')}); wrote {out}", flush=True)
    return doc


def main(argv=None):
    """``python -m grader.gradescope run [--root ROOT]``: what run_autograder calls, apart
    from the command line so that it keeps working whatever the CLI becomes. (The zip is
    built with ``nnkata gradescope build``.)"""
    from . import one_blas_thread
    one_blas_thread()
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run").add_argument("--root", help=f"default: ${ROOT_ENV} or {DEFAULT_ROOT}")
    args = parser.parse_args(argv)
    return 2 if "error" in run(args.root).get("extra_data", {}) else 0  # 2: as the CLI


if __name__ == "__main__":
    sys.exit(main())
