#!/usr/bin/env bash
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

# The user student code runs as may read the venv and the child's folder, nothing else.
id -u nnkata >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin nnkata
chown -R root:root "$SOURCE/nnkata"
find "$SOURCE/nnkata" -type d -exec chmod 0700 {} +
find "$SOURCE/nnkata" -type f -exec chmod 0600 {} +
chmod 0711 "$SOURCE/nnkata"
chmod 0755 "$GRADER" "$GRADER/sandbox" "$GRADER/sandbox/child" "$SOURCE/setup.sh" "$SOURCE/run_autograder"  # the importer lists folders
chmod 0644 "$GRADER"/sandbox/child/*.py
chmod -R a+rX "$VENV" && chmod go+x "$ROOT" "$SOURCE"
[ ! -f "$ROOT/run_autograder" ] || chmod 0755 "$ROOT/run_autograder"

as_nnkata() { runuser -u nnkata -- "$@"; }
as_nnkata "$VENV/bin/python" -I -c "import sys; sys.path[:0] = sys.argv[1:]; import numpy, wire; \
open(sys.argv[1] + '/main.py').close()" "$GRADER/sandbox/child" || fail "the nnkata user cannot run $GRADER/sandbox/child/main.py"
for secret in solutions/network.py solutions/nn_kata.ipynb kata/curriculum.py; do
    ! as_nnkata test -r "$GRADER/$secret" || fail "the nnkata user can read $GRADER/$secret"
done
say "ready: $("$VENV/bin/python" -V), user nnkata, the reference readable by root alone"
