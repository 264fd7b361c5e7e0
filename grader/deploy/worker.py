"""A worker of ``pool.Pool``: ``python -m grader.deploy.worker``.

It starts once per class (the grader imported, the sandbox's tier chosen, the reference
loaded), then answers one JSON request per line of its stdin with one JSON line on its stdout
(``answer``), until its stdin ends. What a grade prints cannot reach the replies: they go to a
copy of stdout taken at start, and stdout itself is pointed at stderr. It dies with the process
that started it (Linux's parent-death signal), so a batch that is killed leaves no grading
behind it that could write a report later.
"""

import ctypes
import json
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


def answer(request):
    """The reply to one request: ``{"grade": Job fields}`` → ``{"report": the contract's
    document}``; ``{"prepare": {"seed", "steps"}}`` → ``{"shared": grade.prepare's values}``;
    either → ``{"error": why}`` when the harness cannot."""
    from grader import grade, text
    from grader.errors import HarnessError
    from grader.sandbox import isolation
    try:
        if "prepare" in request:
            ask = request["prepare"]
            return {"shared": grade.prepare(int(ask["seed"]), steps=ask.get("steps"))}
        job = request["grade"]
        isolation.require("grading other people's code", no_sandbox=bool(job.get("no_sandbox")))
        report = grade.grade(job["file"], steps=job.get("steps"), seed=int(job["seed"]),
                             public_only=bool(job.get("public_only")), bonus=job.get("bonus"),
                             shared=job.get("shared") or {})
        return {"report": report.to_dict()}
    except HarnessError as exc:
        return {"error": text.name(str(exc))}
    except Exception as exc:  # a bug of the grader's: this submission is not graded, the class goes on
        return {"error": text.name(f"the grader failed ({type(exc).__name__}: {exc}); please report this")}


def warm():
    """What every grade needs, once: the grader's modules and Hypothesis, the tier, the
    reference. A machine where that fails says so in each reply instead."""
    try:
        from grader import grade  # noqa: F401  (imports the checks and numpy)
        import hypothesis.extra.numpy  # noqa: F401  (the property checks import it when they run)
        from grader.judge import reference
        from grader.sandbox import tiers
        tiers.choose()
        reference.load()
    except Exception:  # noqa: BLE001 - HarnessError from choose, say: each request says it again
        pass


def serve():
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed in this process goes to stderr, never among the replies
    sys.stdout = sys.stderr
    warm()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            reply = {"error": "the worker received a request it could not read"}
        else:
            reply = answer(request)
        try:  # strict JSON, ASCII: a lone surrogate in a message cannot break the line
            line = json.dumps(reply, allow_nan=False)
        except ValueError as exc:
            line = json.dumps({"error": f"the grader's report could not be written ({exc})"})
        replies.write(line + "\n")
        replies.flush()
    return 0


def main():
    die_with_parent()
    return serve()


if __name__ == "__main__":
    sys.exit(main())
