"""How the child that runs student code is confined: the best tier this machine offers.

Tiers, strongest first, chosen at run time (``NNKATA_ISOLATION`` forces one) and recorded in
the report:

- ``bwrap``: bubblewrap. An empty root holding only what the child needs, read-only: the
  interpreter and its standard library (every site-packages masked), numpy, ``child.py`` and
  ``wire.py``, and the submission file alone. A 16 MiB private /tmp, no network, its own
  user (nobody, no capabilities), PID namespace and session; it dies with its parent.
- ``unshare``: util-linux's unshare. Own PID and network namespaces; the folder holding the
  reference is covered by an empty tmpfs in its own mount namespace.
- ``user``: when running as root where namespaces are blocked (as in Docker, on
  Gradescope): the child runs as the dedicated unprivileged user ``nnkata``; the reference
  must be unreadable to it (``nnkata gradescope build``'s setup.sh arranges that).
- ``none``: a plain child process. Loudly not isolated.

Whatever the tier, the parent enforces the wall-clock deadline, and the limits below are set
in the child before it starts, where it cannot raise them again. Nothing secret is ever sent:
the reference, the hidden seed and the hidden inputs stay in the parent, which only sends the
arguments of each call.
"""

import functools
import os
import pwd
import resource
import shutil
import signal
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import HarnessError
from .paths import reference_file

HERE = Path(__file__).resolve().parent
TIERS = ("bwrap", "unshare", "user", "none")
USER = "nnkata"
LIMITS = {  # per child process
    resource.RLIMIT_AS: 4 * 2**30,  # address space: numpy and a few copies of the data
    resource.RLIMIT_CPU: 600,  # seconds of CPU: well past every step's budget
    resource.RLIMIT_FSIZE: 16 * 2**20,  # bytes in any file it writes, its captured output too
    resource.RLIMIT_NOFILE: 64,
    resource.RLIMIT_CORE: 0,
}


@dataclass(frozen=True)
class Tier:
    name: str
    note: str
    isolated: bool


NOTES = {
    "bwrap": Tier("bwrap", "bubblewrap: empty read-only root, no network, own user and PID namespace", True),
    "unshare": Tier("unshare", "unshare: own PID and network namespaces, the reference's folder hidden", True),
    "user": Tier("user", f"a dedicated unprivileged user ({USER}); no namespaces here", True),
    "none": Tier("none", "NOT ISOLATED: student code runs as you, with your files and network. "
                 "Install bubblewrap (apt install bubblewrap) before grading untrusted code", False),
}


def limit_child():
    """Run in the child between fork and exec: limits it cannot undo, no core dumps."""
    for kind, value in LIMITS.items():
        soft, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))
    # A write past RLIMIT_FSIZE fails with an error instead of killing the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _interpreter():
    return Path(os.path.realpath(sys.executable))


def _numpy_dirs():
    import numpy
    root = Path(numpy.__file__).resolve().parent
    return [p for p in (root, root.with_name("numpy.libs")) if p.is_dir()]


def _site_dirs():
    dirs = set(site.getsitepackages() + [site.getusersitepackages()])
    dirs.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    return sorted(d for d in dirs if os.path.isdir(d))


def bwrap_prefix(submission):
    """bubblewrap's arguments up to the program it runs."""
    python = _interpreter()
    prefix = Path(sys.base_prefix).resolve()
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--proc", "/proc", "--dev", "/dev", "--size", str(16 * 2**20), "--tmpfs", "/tmp"]
    if not str(prefix).startswith("/usr/"):
        argv += ["--ro-bind", str(prefix), str(prefix)]
    if not str(python).startswith(("/usr/", str(prefix))):
        argv += ["--ro-bind", str(python), str(python)]
    for d in _site_dirs():  # the grader (and its reference) may be installed in any of these
        if d.startswith(("/usr/", str(prefix))):
            argv += ["--tmpfs", d]
    argv += ["--ro-bind", str(HERE / "child.py"), "/nnkata/child.py",
             "--ro-bind", str(HERE / "wire.py"), "/nnkata/wire.py"]
    for d in _numpy_dirs():
        argv += ["--ro-bind", str(d), f"/nnkata/{d.name}"]
    return argv + ["--ro-bind", str(submission), "/submission/network.py", "--chdir", "/tmp"]


def unshare_prefix():
    """unshare's arguments up to the program: the reference's folder under an empty tmpfs,
    then every capability dropped (and, for root, the user too) so it cannot be unmounted."""
    if os.geteuid() == 0:
        namespaces, drop = [], ["--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        namespaces, drop = ["--user", "--map-root-user"], []
    script = 'mount -t tmpfs -o size=4k nnkata "$0" && exec "$@"'
    return ["unshare", *namespaces, "--pid", "--fork", "--net", "--mount", "--mount-proc",
            "--kill-child", "sh", "-c", script, str(reference_file().parent),
            "setpriv", *drop, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs"]


def _works(argv):
    try:
        return subprocess.run(argv, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _user_ids():
    try:
        entry = pwd.getpwnam(USER)
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return None


@functools.lru_cache(maxsize=None)
def usable(name):
    """Whether a tier works on this machine: tried for real, once per process."""
    python = str(_interpreter())
    if name == "bwrap":  # cheap (20 ms): a child that cannot import numpy says so (child.NO_NUMPY)
        return bool(shutil.which("bwrap")) and _works(bwrap_prefix(HERE / "wire.py") + [python, "-I", "-S", "-c", "pass"])
    if name == "unshare":
        return (bool(shutil.which("unshare") and shutil.which("setpriv"))
                and _works(unshare_prefix() + [sys.executable, "-I", "-c", "import numpy"]))
    if name == "user":
        if os.geteuid() != 0 or _user_ids() is None:
            return False
        try:  # the user must be able to run the interpreter and import numpy
            return subprocess.run([sys.executable, "-I", "-c", "import numpy"], capture_output=True,
                                  timeout=20, preexec_fn=_drop_to_user, cwd="/").returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False
    return name == "none"


def choose():
    """The tier to use: ``NNKATA_ISOLATION`` if set (and usable), else the strongest usable."""
    wanted = os.environ.get("NNKATA_ISOLATION", "auto")
    if wanted != "auto":
        if wanted not in TIERS:
            raise HarnessError(f"NNKATA_ISOLATION must be auto or one of {', '.join(TIERS)}, not {wanted!r}")
        if not usable(wanted):
            raise HarnessError(f"isolation tier {wanted!r} is not available on this machine")
        return _checked(NOTES[wanted])
    return _checked(NOTES[next(t for t in TIERS if usable(t))])


def _checked(tier):
    """The user tier hides nothing by itself: say so when the reference is readable to others."""
    if tier.name == "user" and reference_file().stat().st_mode & 0o004:
        return Tier(tier.name, tier.note + f"; WARNING: {reference_file()} is readable by every "
                    "user, the sandbox's too (chmod o-r it)", tier.isolated)
    return tier


def launch(tier, submission, child_args):
    """(argv, preexec_fn) that start the child under ``tier``."""
    python = str(_interpreter())
    if tier.name == "bwrap":
        return (bwrap_prefix(submission) + [python, "-I", "/nnkata/child.py", "/submission/network.py",
                                            *child_args], limit_child)
    plain = [sys.executable, "-I", str(HERE / "child.py"), str(submission), *child_args]
    if tier.name == "unshare":
        return unshare_prefix() + plain, limit_child
    if tier.name == "user":
        return plain, lambda: (limit_child(), _drop_to_user())
    return plain, limit_child


def _drop_to_user():
    uid, gid = _user_ids()
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
