"""One budget per child's process tree (grader/budget.py), with real processes: a bounded fork
bomb is capped, forks cannot add up past the tree's memory, nothing outlives stop(), and what a
killed grader left behind is cleaned up by the next one. Every bomb here is bounded in count,
memory and time; every group a test makes is removed by it."""

import os
import resource
import signal
import subprocess
import threading
import time

import pytest

from grader.sandbox import budget, tiers
from test_tiers import child, tier_or_skip


def group_or_skip(**limits):
    tree = budget.Budget(**limits)
    if not tree.is_group:
        tree.close()
        pytest.skip("no cgroup can be made here (neither a delegated cgroup v2 with pids and "
                    f"memory nor writable v1 pids/memory hierarchies): {tree.text}")
    return tree


def root_or_skip():
    if os.geteuid() != 0:
        pytest.skip("switching a process to another uid needs root")


def dead_pid():
    """A pid that was a process a moment ago and is no more (reaped)."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone.pid


def gone(pids, seconds=5.0):
    """Whether none of ``pids`` is alive (zombies waiting for their reaper count as gone)."""
    deadline = time.monotonic() + seconds
    while any(budget.alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not any(budget.alive(p) for p in pids)


BOMB = '''
import json, os, time
made, refused = [], 0
for _ in range(200):  # bounded: at most 200 forks, each asleep for 30 s at most
    try:
        pid = os.fork()
    except OSError:
        refused += 1
        continue
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    made.append(pid)
print("REPORT " + json.dumps({"made": made, "refused": refused}), flush=True)
'''


@pytest.mark.parametrize("name", ["none", "bwrap"])
def test_a_fork_bomb_is_capped_and_nothing_survives_stop(name):
    tier = tier_or_skip(name)
    group_or_skip().close()
    with tiers.Sandbox(tier, BOMB.encode(), pids=24) as box:
        with child(box) as report:
            got = report()
            members = box.tree.members()
            assert 5 < len(got["made"]) < 24 and got["refused"] >= 200 - 24  # capped, yet it forked
            assert len(members) <= 24 and len(members) > len(got["made"])  # the whole tree is in it
        assert box.tree.members() == []  # stop() ended every member
        assert gone(members)


MEMORY = '''
import json, os, select, time
import numpy as np
held, killed, children = 0, 0, []
r, w = os.pipe()
for _ in range(4):  # bounded: 4 children of 200 MB each, asleep for 20 s at most
    pid = os.fork()
    if pid == 0:
        block = np.ones(25_000_000)  # (25e6,) float64: 200 MB, every page touched
        os.write(w, b"x")
        time.sleep(20)
        os._exit(0)
    children.append(pid)
deadline = time.monotonic() + 15
while children and time.monotonic() < deadline:
    if select.select([r], [], [], 0.1)[0]:
        held += len(os.read(r, 16))
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            children.remove(pid)
            killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
    if held + killed >= 4:
        break
print("REPORT " + json.dumps({"held": held, "killed": killed, "alive": len(children)}), flush=True)
'''


def test_forks_cannot_add_up_past_the_trees_memory():
    tier = tier_or_skip("none")
    limit = 512 * 2**20
    group_or_skip().close()
    with tiers.Sandbox(tier, MEMORY.encode(), memory=limit) as box:
        with child(box) as report:
            got = report()
            peak = box.tree.peak_memory()
    # 4 x 200 MB would be 800 MB; under 512 MiB at most two fit beside the child itself.
    assert got["held"] >= 1 and got["killed"] >= 2 and got["alive"] <= 2
    assert peak is not None and peak <= limit


DAEMON = '''
import json, os, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()  # a new session: out of the child's process group
    if os.fork() == 0:  # and orphaned: not the child's descendant in ps's eyes either
        os.write(w, str(os.getpid()).encode())
        time.sleep(30)
    os._exit(0)
print("REPORT " + json.dumps({"daemon": int(os.read(r, 32))}), flush=True)
'''


def test_a_setsid_daemon_of_the_none_tier_is_gone_after_stop():
    tier = tier_or_skip("none")
    group_or_skip().close()
    with tiers.Sandbox(tier, DAEMON.encode()) as box:
        with child(box) as report:
            daemon = report()["daemon"]
            assert budget.alive(daemon) and os.getsid(daemon) != os.getsid(box.process.pid)
            assert daemon in box.tree.members()
        assert gone([daemon])


def test_groups_of_a_dead_grader_are_ended_and_removed():
    tree = group_or_skip()
    place = budget.place()
    tree.close()
    parents = [place[1]] if place[0] == "v2" else list(place[1].values())
    folders = [p / f"nnkata-{budget.pid_namespace()}-{dead_pid()}-0" for p in parents]
    # the same dead pid in another pid namespace: another container's grader, never ours to end
    foreign = [p / f"nnkata-{budget.pid_namespace() + 1}-{dead_pid()}-0" for p in parents]
    leftover = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        for folder in folders:
            folder.mkdir()
            (folder / "cgroup.procs").write_text(str(leftover.pid))
        for folder in foreign:
            folder.mkdir()
        mine = budget.Budget()  # ours, alive: the sweep must leave it
        budget.sweep()
        assert not any(f.exists() for f in folders)
        assert all(f.exists() for f in foreign)
        assert leftover.wait(timeout=5) == -signal.SIGKILL
        assert all(f.exists() for f in mine.folders)
        mine.close()
        assert not any(f.exists() for f in mine.folders)
    finally:
        leftover.kill()
        leftover.wait()
        for folder in folders + foreign:
            if folder.exists():
                folder.rmdir()


def test_without_a_cgroup_the_budget_says_so(monkeypatch):
    monkeypatch.setattr(budget, "place", lambda: None)
    assert budget.Budget().kind == "process" and "per process only" in budget.Budget().text
    assert budget.Budget(uid=54321).kind == "nproc" and "RLIMIT_NPROC" in budget.Budget(uid=54321).text


UID = 54321  # a uid no account uses (the tests' own; kill_uid ends whatever runs as it)


def _as_uid(tree):
    def prepare():
        tree.join()
        os.setgroups([])
        os.setgid(UID)
        os.setuid(UID)
    return prepare


def forks_as_uid(tree, tries=100):
    """How many processes a process running as ``UID`` under ``tree`` could fork (each asleep
    for 30 s at most). Forked from this one: no program that uid may not be able to run."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        made = 0
        try:
            _as_uid(tree)()
            for _ in range(tries):
                try:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    made += 1
                except OSError:
                    pass
        finally:
            os.write(w, str(made).encode())
            os._exit(0)
    os.close(w)
    try:
        return int(os.read(r, 32) or b"-1")
    finally:
        os.close(r)
        os.waitpid(pid, 0)


def test_without_a_cgroup_rlimit_nproc_bounds_the_sandbox_user(monkeypatch):
    root_or_skip()
    monkeypatch.setattr(budget, "place", lambda: None)
    tree = budget.Budget(pids=10, uid=UID)
    try:
        assert 3 <= forks_as_uid(tree) < 10  # itself and its forks: at most 10 processes of that uid
    finally:
        assert budget.kill_uid(UID, UID)
    assert budget.processes_of(UID) == []


def test_kill_uid_ends_every_process_of_that_uid():
    root_or_skip()
    tree = budget.Budget(uid=UID)
    tree.close()  # only its RLIMIT_NPROC is used below
    procs = [subprocess.Popen(["sleep", "30"], preexec_fn=_as_uid(tree), start_new_session=True) for _ in range(3)]
    assert all(budget.alive(p.pid) for p in procs)
    assert budget.kill_uid(UID, UID)
    assert [p.wait(timeout=5) for p in procs] == [-signal.SIGKILL] * 3


def test_without_a_cgroup_a_user_bounds_its_tasks(monkeypatch):
    """A user who is not root, with no cgroup of their own: RLIMIT_NPROC counts all of the
    user's tasks, so the child gets what the user runs now plus a margin, set before exec."""
    assert budget.tasks_of(os.getuid()) >= threading.active_count()  # this process's threads count
    monkeypatch.setattr(budget, "place", lambda: None)
    monkeypatch.setattr(budget, "tasks_of", lambda uid: 10)
    monkeypatch.setattr(budget.os, "geteuid", lambda: 1000)
    tree = budget.Budget()
    monkeypatch.undo()
    assert tree.kind == "nproc-user" and "RLIMIT_NPROC" in tree.text
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child's side of a start: join, then report the limit it has
        try:
            tree.join()
            os.write(write, str(resource.getrlimit(resource.RLIMIT_NPROC)[0]).encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 64) == str(10 + budget.USER_MARGIN).encode()
    os.close(read)
    os.close(write)
