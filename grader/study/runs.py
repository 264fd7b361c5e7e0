"""Kata runs: a kata is done again from a blank start until it flows. This holds the history
of the runs a learner's ``Workspace`` (``grader/study/progress.py``) recorded, and its personal bests."""

from grader.kata import curriculum


def clock(seconds):
    """Seconds as m:ss or h:mm:ss."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def splits(run, steps):
    """step -> (seconds since the previous pass or the start, attempts), in the order passed."""
    start = run["started"]
    passed = sorted((rec["passed_at"], name, rec["attempts"]) for name, rec in steps.items()
                    if rec.get("passed_at"))
    out, last = {}, start
    for at, name, attempts in passed:
        out[name] = (None if last is None else max(at - last, 0.0), attempts)
        last = at
    return out


def summary(progress, run):
    """One run's figures, over the core steps (the kata; bonus steps are extra)."""
    steps = {n: rec for n, rec in progress.track(run["file"])["steps"].items() if n in curriculum.BY_NAME}
    split = splits(run, steps)
    total = run["finished"] - run["started"] if run["finished"] and run["started"] else None
    return {"number": run["number"], "file": run["file"], "started": run["started"],
            "finished": run["finished"], "seconds": total, "passed": len(split),
            "first_try": sum(1 for _, attempts in split.values() if attempts == 1),
            "attempts": sum(rec["attempts"] for rec in steps.values()), "splits": split}


def history(progress):
    return [summary(progress, run) for run in progress.state["runs"]]


def bests(runs):
    """Personal bests: the fastest complete run, the most steps at the first try, and each
    step's fastest split."""
    done = [r for r in runs if r["seconds"] is not None]
    fastest = min(done, key=lambda r: r["seconds"], default=None)
    cleanest = max(runs, key=lambda r: (r["first_try"], -r["attempts"]), default=None)
    per_step = {}
    for r in runs:
        for name, (seconds, _) in r["splits"].items():
            if seconds is not None and (name not in per_step or seconds < per_step[name][0]):
                per_step[name] = (seconds, r["number"])
    return {"fastest": fastest, "cleanest": cleanest, "steps": per_step}


def table(progress):
    """The history as text: one line per run, the latest run's steps, the personal bests."""
    runs = history(progress)
    if not runs:
        return "No kata runs yet. `nnkata kata new` starts one from blank stubs.\n"
    total = len(curriculum.STEPS)
    lines = [" run  file               time         passed  first try  attempts"]
    for r in runs:
        state = clock(r["seconds"]) if r["seconds"] is not None else (
            "not started" if r["started"] is None else "in progress")
        mark = " ←" if r["file"] == progress.current else ""
        lines.append(f" {r['number']:>3}  {r['file']:<17}  {state:<12}{r['passed']:>2}/{total:<4} "
                     f"{r['first_try']:>6}     {r['attempts']:>6}{mark}")
    latest = runs[-1]
    best = bests(runs)
    lines += ["", f"Run {latest['number']}, step by step:"]
    for spec in curriculum.STEPS:
        split = latest["splits"].get(spec.name)
        rec = progress.track(latest["file"])["steps"].get(spec.name, {})
        if split:
            seconds, attempts = split
            record = best["steps"].get(spec.name)
            pb = "  personal best" if record and record[1] == latest["number"] and len(runs) > 1 else ""
            lines.append(f"   {spec.name:<20} {clock(seconds):>8}  {attempts} attempt"
                         f"{'s' if attempts != 1 else ''}{pb}")
        else:
            lines.append(f"   {spec.name:<20} {'—':>8}  {rec.get('attempts', 0)} attempts, not passed yet")
    lines.append("")
    if best["fastest"]:
        lines.append(f"Fastest run: {clock(best['fastest']['seconds'])} (run {best['fastest']['number']})")
    c = best["cleanest"]
    if c:
        lines.append(f"Most steps at the first try: {c['first_try']}/{total} (run {c['number']})")
    return "\n".join(lines) + "\n"
