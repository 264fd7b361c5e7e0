"""One budget for a child's whole process tree: how many processes, how much memory.

The per-process limits (``sandbox.LIMITS``) bound each process on its own: five forks of
1.5 GB each still take 7.5 GB, and a fork bomb still fills the machine's process table and
starves the next step's child. A control group bounds the tree instead: every process the
child starts is born in it, ``pids.max`` caps how many there are at once, the memory limit
caps what they hold together (the kernel's OOM killer picks one of them past it), and the
group lists every member, so ``kill`` ends them all, a ``setsid`` daemon too.

Where this machine lets us make one:

- cgroup v2 with the ``pids`` and ``memory`` controllers usable under this process's own
  group (delegated to us, or we are root of a group that may enable them);
- else cgroup v1: a group in the ``pids`` hierarchy and one in the ``memory`` hierarchy,
  each nested under this process's own path there (read from /proc/self/cgroup).

Otherwise, for a child that runs as a uid of its own (the sandbox's ``user`` tier),
``RLIMIT_NPROC`` bounds how many processes that uid has; otherwise only the per-process
limits apply, and ``Budget.text`` says which, for the report's isolation note.

Groups are named ``nnkata-<pid namespace>-<pid>-<n>`` after the grading process. A grader
killed before it removed them leaves them behind; the next one (``sweep``) ends whatever still
runs in those of a dead pid *of its own pid namespace* and removes them: a hierarchy may be
shared with other containers, whose graders' pids mean nothing here.
"""

import itertools
import os
import re
import resource
import signal
import time
from pathlib import Path

PIDS_MAX = 64  # processes (threads count too) in one child's tree at once
USER_MARGIN = 256  # without a group, for a user who is not root: tasks beyond what the user runs
MEMORY_MAX = 4 * 2**30  # bytes held by one child's tree together
NAME = re.compile(r"nnkata-(\d+)-(\d+)-\d+")
KILL_SECONDS = 5.0  # how long kill() keeps signalling a tree that is still forking

_numbers = itertools.count()
_swept = False


def _read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _own_groups():
    """{controller or "": this process's path in that hierarchy}, from /proc/self/cgroup."""
    groups = {}
    for line in _read("/proc/self/cgroup").splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(","):
            groups[name] = path
    return groups


def _mounts():
    """[(fstype, mount point, root inside the hierarchy, super options)] of cgroup file systems."""
    found = []
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            point = fields[4].replace("\\040", " ")
            found.append((tail[0], point, fields[3], set(tail[2].split(","))))
    return found


def _under(point, root, path):
    """The folder of hierarchy path ``path`` in a mount of that hierarchy's ``root``."""
    if root != "/" and (path + "/").startswith(root.rstrip("/") + "/"):
        path = path[len(root.rstrip("/")):]
    return Path(point) / path.lstrip("/")


def place():
    """Where our groups can go: ("v2", folder) or ("v1", {"pids": folder, "memory": folder}), or None.

    A place is usable when we may make a folder there with the controller files we need.
    """
    own, mounts = _own_groups(), _mounts()
    for fstype, point, root, _ in mounts:
        if fstype == "cgroup2" and "" in own:
            parent = _under(point, root, own[""])
            if _v2_ready(parent):
                return "v2", parent
    parents = {}
    for fstype, point, root, options in mounts:
        for controller in ("pids", "memory"):
            if fstype == "cgroup" and controller in options and controller in own:
                parents.setdefault(controller, _under(point, root, own[controller]))
    parents = {k: v for k, v in parents.items() if os.access(v, os.W_OK)}
    return ("v1", parents) if parents else None


def _v2_ready(parent):
    """Whether groups made under ``parent`` get the pids and memory controllers."""
    wanted = {"pids", "memory"}
    if not wanted <= set(_read(parent / "cgroup.controllers").split()):
        return False
    if wanted <= set(_read(parent / "cgroup.subtree_control").split()):
        return os.access(parent, os.W_OK)
    try:  # refused when this group holds processes itself (and is not the root): no place then
        _write(parent / "cgroup.subtree_control", "+pids +memory")
    except OSError:
        return False
    return wanted <= set(_read(parent / "cgroup.subtree_control").split())


def alive(pid):
    """Whether process ``pid`` exists and has not exited (a zombie has)."""
    stat = _read(f"/proc/{pid}/stat")
    return bool(stat) and stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _members(folder):
    return [int(p) for p in _read(folder / "cgroup.procs").split()]


def _kill_members(folders, seconds):
    """SIGKILL everything in ``folders`` until they are empty; whether they are."""
    deadline = time.monotonic() + seconds
    while True:
        members = [p for f in folders for p in _members(f) if p != os.getpid()]
        if not members:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


def _remove(folders, seconds=2.0):
    """rmdir each group; a group whose last members are still exiting is busy a moment."""
    deadline = time.monotonic() + seconds
    for folder in folders:
        while True:
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)


def sweep(where=None):
    """End and remove the groups of graders that died without removing theirs. ``where``:
    what ``place()`` says (looked up when not given)."""
    where = place() if where is None else where
    if where is None:
        return
    parents = [where[1]] if where[0] == "v2" else list(where[1].values())
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            match = NAME.fullmatch(name)
            if not match or int(match.group(1)) != pid_namespace():
                continue
            pid = int(match.group(2))
            if pid != os.getpid() and not pid_exists(pid):
                folder = parent / name
                if where[0] == "v2" and (folder / "cgroup.kill").exists():
                    try:
                        _write(folder / "cgroup.kill", "1")
                    except OSError:
                        pass
                _kill_members([folder], 1.0)
                _remove([folder], 0.5)


def pid_namespace():
    """This process's pid namespace, as its inode number (0 where it cannot be read)."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def pid_exists(pid):
    """Whether a process ``pid`` exists (maybe another user's, maybe a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tasks_of(uid):
    """How many tasks (threads count, as RLIMIT_NPROC counts them) ``uid`` runs now."""
    total = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = dict(line.split(":", 1) for line in _read(f"/proc/{entry}/status").splitlines()
                          if ":" in line)
            if fields.get("Uid", "").split()[:1] == [str(uid)]:
                total += int(fields.get("Threads", "1").strip() or 1)
    return total


def processes_of(uid):
    """The live (not zombie) processes whose real uid is ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            status = _read(f"/proc/{entry}/status").splitlines()
            fields = dict(line.split(":", 1) for line in status if ":" in line)
            real_uid = fields.get("Uid", "").split()[:1]
            if real_uid == [str(uid)] and not fields.get("State", "").strip().startswith(("Z", "X")):
                found.append(int(entry))
    return found


def kill_uid(uid, gid, seconds=KILL_SECONDS):
    """SIGKILL every process of ``uid`` until none is left alive; whether none is. A forked
    helper that becomes ``uid`` and signals -1 reaches exactly that uid's processes (itself
    excepted), all at once. For the user tier without a cgroup: that uid is the sandbox's alone."""
    deadline = time.monotonic() + seconds
    while processes_of(uid):
        if time.monotonic() > deadline:
            return False
        pid = os.fork()
        if pid == 0:  # only system calls between fork and _exit
            try:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
                for _ in range(3):
                    os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        time.sleep(0.005)
    return True


class Budget:
    """The process-tree budget of one sandboxed child (and of the children started after it
    by the same sandbox, one at a time).

    Made in the parent; ``join`` runs in the child between fork and exec, before anything of
    the student's runs; ``kill`` ends the tree; ``close`` removes the groups. ``uid`` is the
    uid the child runs as when it is one of the sandbox's own (RLIMIT_NPROC is per uid).
    """

    def __init__(self, pids=PIDS_MAX, memory=MEMORY_MAX, uid=None):
        global _swept
        self.pids, self.memory, self.uid = pids, memory, uid
        self.kind, self.folders, self._procs = "process", [], []
        where = place()
        if not _swept:
            _swept = True
            sweep(where)
        if where is not None:
            try:
                self._make(where)
            except OSError:
                self._drop()
        if not self.folders and uid is not None:
            self.kind = "nproc"
        elif not self.folders and os.geteuid() != 0:  # root's processes are never counted
            # RLIMIT_NPROC counts every task of the user: what runs now, and this many more
            self.kind, self.nproc = "nproc-user", tasks_of(os.getuid()) + USER_MARGIN
        self.text = self._describe()

    def _make(self, where):
        name = f"nnkata-{pid_namespace()}-{os.getpid()}-{next(_numbers)}"
        version, parents = where
        if version == "v2":
            folder = parents / name
            folder.mkdir()
            self.folders.append(folder)
            _write(folder / "pids.max", str(self.pids))
            _write(folder / "memory.max", str(self.memory))
            if (folder / "memory.swap.max").exists():
                _write(folder / "memory.swap.max", "0")
            self.kind = "cgroup2"
        else:
            for controller, parent in parents.items():
                folder = parent / name
                folder.mkdir()
                self.folders.append(folder)
                if controller == "pids":
                    _write(folder / "pids.max", str(self.pids))
                else:
                    _write(folder / "memory.limit_in_bytes", str(self.memory))
                    try:  # memory plus swap: no escape into swap
                        _write(folder / "memory.memsw.limit_in_bytes", str(self.memory))
                    except OSError:
                        pass
            self.controllers = sorted(parents)
            self.kind = "cgroup1"
        # Opened now, written by the child: nothing to look up between fork and exec.
        self._procs = [os.open(f / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for f in self.folders]

    def _drop(self):
        for fd in self._procs:
            os.close(fd)
        self._procs = []
        _remove(self.folders, 0.5)
        self.folders, self.kind = [], "process"

    def _describe(self):
        gib = self.memory / 2**30
        if self.kind == "cgroup2":
            return f"cgroup v2: at most {self.pids} processes and {gib:g} GiB over the child's whole tree"
        if self.kind == "cgroup1":
            parts = {"pids": f"at most {self.pids} processes", "memory": f"{gib:g} GiB"}
            missing = [c for c in ("pids", "memory") if c not in self.controllers]
            text = "cgroup v1: " + " and ".join(parts[c] for c in self.controllers) + " over the child's whole tree"
            return text + "".join(f"; no {c} controller here" for c in missing)
        if self.kind == "nproc":
            return (f"RLIMIT_NPROC: at most {self.pids} processes of the sandbox's user; "
                    "memory per process only (no cgroup here)")
        if self.kind == "nproc-user":
            return (f"RLIMIT_NPROC: about {USER_MARGIN} processes more than your user runs; "
                    "memory per process only (no cgroup here)")
        return "per process only: no cgroup here, so a tree of processes is not bounded as a whole"

    @property
    def is_group(self):
        return self.kind in ("cgroup1", "cgroup2")

    def join(self):
        """In the child, before exec: enter the groups; bound the uid's processes if no group."""
        for fd in self._procs:
            os.write(fd, b"0")  # "0": the writing process itself
        if self.kind == "nproc":  # not with a group: children of concurrent grades share the uid
            resource.setrlimit(resource.RLIMIT_NPROC, (self.pids, self.pids))
        elif self.kind == "nproc-user":
            soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
            limit = self.nproc if hard == resource.RLIM_INFINITY else min(self.nproc, hard)
            resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))

    def members(self):
        """The pids in the tree now (empty without a group)."""
        return sorted({p for f in self.folders for p in _members(f)})

    def kill(self, seconds=KILL_SECONDS):
        """SIGKILL every process of the tree until none is left; whether none is."""
        if not self.folders:
            return True
        if self.kind == "cgroup2" and (self.folders[0] / "cgroup.kill").exists():  # Linux 5.14+
            try:
                _write(self.folders[0] / "cgroup.kill", "1")
            except OSError:
                pass  # the loop below does it
        return _kill_members(self.folders, seconds)

    def peak_memory(self):
        """The most memory the tree held at once, in bytes (None without a memory group)."""
        for folder in self.folders:
            for name in ("memory.peak", "memory.max_usage_in_bytes"):
                text = _read(folder / name).strip()
                if text:
                    return int(text)
        return None

    def close(self):
        """Kill what is left, then remove the groups. Idempotent."""
        if self.folders:
            self.kill()
        self._drop()
