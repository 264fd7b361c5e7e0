"""Wall time of grading the reference end to end, cold: a fresh `nnkata grade` process each run.

Target (issue 2): median under 3 s on the 2-core machine. Prints the per-run times, the
median, and the median time of each step as the report records it.

    python benchmarks/grade_latency.py [--runs 5]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", default=str(ROOT / "solutions" / "network.py"))
    args = parser.parse_args()
    walls, steps = [], {}
    for _ in range(args.runs):
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "grader", "grade", args.file, "--format", "json"],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        walls.append(time.perf_counter() - started)
        report = json.loads(run.stdout)
        assert report["score"] == report["max_score"], "the reference must earn full marks"
        for step in report["steps"]:
            steps.setdefault(step["name"], []).append(step["seconds"])
    print(f"grade the reference, cold, {args.runs} runs: "
          + ", ".join(f"{w:.2f}" for w in walls) + " s")
    print(f"median wall time: {statistics.median(walls):.2f} s (target < 3 s)")
    print("median per step:")
    for name, times in steps.items():
        print(f"  {name:<20} {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
