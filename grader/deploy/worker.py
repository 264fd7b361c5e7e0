"""One submission graded for a batch: ``python -m grader.deploy.worker [--step S] [--public-only]
[--bonus] -- FILE`` (``--``: a file named ``-h.py`` is a file).

Prints the report as the contract's JSON document, or exits 2 with the harness's error on
stderr. It dies with the batch that started it (Linux's parent-death signal), so a batch that
is killed leaves no grading behind it that could write a report later.
"""

import argparse
import ctypes
import os
import signal
import sys

from grader import one_blas_thread

one_blas_thread()

PR_SET_PDEATHSIG = 1


def die_with_parent():
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the batch's own cleanup still kills its workers on an interrupt
    if os.getppid() != parent:  # the batch died before the signal was armed
        os._exit(1)


def main(argv=None):
    die_with_parent()
    parser = argparse.ArgumentParser(prog="python -m grader.deploy.worker")
    parser.add_argument("file")  # the batch puts "--" before it: a name is never an option
    parser.add_argument("--step", action="append")
    parser.add_argument("--public-only", action="store_true")
    parser.add_argument("--bonus", action="store_true")
    args = parser.parse_args(argv)
    from grader import grade
    from grader.views import table
    from grader import text
    from grader.errors import HarnessError
    try:
        report = grade.grade(args.file, steps=args.step, public_only=args.public_only,
                             bonus=args.bonus)
        sys.stdout.write(table.to_json(report) + "\n")
    except HarnessError as exc:
        print(f"nnkata: error: {text.name(str(exc))}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
