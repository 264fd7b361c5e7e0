"""Wall time of grading the reference end to end, cold (a fresh `nnkata grade` process each
run), for every isolation tier this machine offers, and the child's start-up time per tier.

Targets: issue 2, a cold grade under 3 s on the 2-core machine; issue 5, the sandbox adds under
0.3 s to a grade (the best tier against `none`); issue 14, a grade of the reference costs at most
1.3 times one training run of it (50 epochs, batch 64, one BLAS thread), measured side by side.
``--before DIR`` grades with another checkout too (e.g. `git worktree add /tmp/before main`), in
the same run, for a before and after.

    python benchmarks/grade_latency.py [--runs 5] [--before DIR]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.kata import curriculum  # noqa: E402
from grader.sandbox import tiers  # noqa: E402
from grader.sandbox.runner import Submission  # noqa: E402


TRAINING = """
import sys, time
sys.path.insert(0, sys.argv[1])
from grader.judge import data, reference
digits, ref = data.load(), reference.load()
started = time.perf_counter()
ref.train(digits.x_train, digits.y_train, seed=0)
print(time.perf_counter() - started)
"""


def one_training(runs):
    """Seconds of one training run of the reference, in a fresh process with one BLAS thread."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return [float(subprocess.run([sys.executable, "-c", TRAINING, str(ROOT)], capture_output=True, text=True,
                                 check=True, env=env).stdout) for _ in range(runs)]


def cold_grades(path, runs, tier, root=ROOT):
    walls, steps = [], {}
    env = {**os.environ, "NNKATA_ISOLATION": tier, "PYTHONPATH": str(root)}
    for _ in range(runs):
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "grader", "grade", str(path), "--format", "json"],
                             capture_output=True, text=True, cwd=root, check=True, env=env)
        walls.append(time.perf_counter() - started)
        report = json.loads(run.stdout)
        lost = [f"{s['name']}: {c['name']}: {c['message'][:300]}" for s in report["steps"]
                for c in s["checks"] if c["status"] != "passed"]
        assert report["score"] == report["max_score"], f"the reference must earn full marks ({root}): {lost}"
        assert report["isolation"]["tier"] == tier
        for step in report["steps"]:
            steps.setdefault(step["name"], []).append(step["seconds"])
    return walls, steps


def start_up(path, tier, runs):
    """Seconds from launching a child to its first answer (numpy and the submission imported)."""
    import numpy as np
    times = []
    for _ in range(runs):
        with Submission(path, curriculum.callbacks(), tiers.NOTES[tier]) as sub:
            started = time.perf_counter()
            sub.call("sigmoid", [np.zeros(3)])
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", default=str(ROOT / "solutions" / "network.py"))
    parser.add_argument("--before", help="another checkout of nnkata to grade with, side by side")
    args = parser.parse_args()
    available = [t for t in tiers.TIERS if tiers.usable(t)]
    training = one_training(args.runs)
    train = statistics.median(training)
    print(f"one training run of the reference, {args.runs} runs: " + ", ".join(f"{t:.2f}" for t in training)
          + f" s; median {train:.2f} s")
    for name, root in ([("before", Path(args.before).resolve())] if args.before else []) + [("now", ROOT)]:
        walls, _ = cold_grades(root / "solutions" / "network.py", args.runs, available[0], root)
        wall = statistics.median(walls)
        print(f"[{name}: {root}] cold grade with {available[0]}: " + ", ".join(f"{w:.2f}" for w in walls)
              + f" s; median {wall:.2f} s = {wall / train:.2f} times one training run (target <= 1.3)")
    results = {}
    for tier in available:
        walls, steps = cold_grades(args.file, args.runs, tier)
        results[tier] = statistics.median(walls)
        print(f"[{tier}] cold grade of the reference, {args.runs} runs: "
              + ", ".join(f"{w:.2f}" for w in walls) + f" s; median {results[tier]:.2f} s; "
              f"child start-up {start_up(args.file, tier, args.runs) * 1000:.0f} ms")
        print("    median per step: " + ", ".join(f"{n} {statistics.median(t):.3f}"
                                                  for n, t in steps.items()))
    best = available[0]
    print(f"median wall time with {best}: {results[best]:.2f} s (target < 3 s)")
    if best != "none":
        print(f"the sandbox ({best}) adds {results[best] - results['none']:+.2f} s to a grade "
              "(target < 0.3 s)")
    print("tiers not available here: " + (", ".join(t for t in tiers.TIERS if t not in available) or "none"))


if __name__ == "__main__":
    main()
