"""The one error type for the harness's own failures (never for a student's mistakes)."""


class HarnessError(Exception):
    """The grader itself could not do its job: a missing file, a broken install, bad usage.

    The command line prints the message on stderr and exits non-zero. A student's code
    that crashes, hangs or returns nonsense is not a HarnessError: it is graded.
    """
