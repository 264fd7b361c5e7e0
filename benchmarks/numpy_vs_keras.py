"""The reference numpy network against the article's Keras model, same architecture and
schedule (50 epochs, batch 64), in one run.

Target (issue 3): numpy at least 8 times faster than Keras's fit, at a validation accuracy no
more than 1 point below. Keras's time is model.fit alone (not the TensorFlow import); numpy
runs on one BLAS thread, as the grader runs it. Keras is timed twice, in fresh processes:
with TensorFlow's default threads (both cores here) and pinned to one thread, the same
resources as numpy. Each configuration gets one untimed warm-up run first (the first numpy
run here is ~25 % slower than the rest).

    python benchmarks/numpy_vs_keras.py [--seeds 3]
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
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(ROOT))

from grader.judge import data, reference  # noqa: E402
from grader.kata.training import accuracy  # noqa: E402

KERAS = """
import json, sys
from grader.build import recording
recording.fit(0)  # warm-up: TensorFlow's import and first trace
print(json.dumps([recording.fit(seed) for seed in range(int(sys.argv[1]))]))
"""


def keras_runs(seeds, one_thread):
    env = dict(os.environ)
    if one_thread:
        env.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    run = subprocess.run([sys.executable, "-c", KERAS, str(seeds)], capture_output=True,
                         text=True, env=env, cwd=ROOT, check=True)
    return [(r["fit_seconds"], r["val_accuracy"]) for r in json.loads(run.stdout.splitlines()[-1])]


def numpy_runs(seeds):
    digits, ref = data.load(), reference.load()
    ref.train(digits.x_train, digits.y_train, seed=0)  # warm-up
    runs = []
    for seed in range(seeds):
        started = time.perf_counter()
        params = ref.train(digits.x_train, digits.y_train, seed=seed)
        runs.append((time.perf_counter() - started,
                     accuracy(ref, params, digits.x_val, digits.labels_val)))
    return runs


def median(runs, i):
    return statistics.median(r[i] for r in runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = {"numpy (1 thread)": numpy_runs(args.seeds),
            "keras (default threads)": keras_runs(args.seeds, one_thread=False),
            "keras (1 thread)": keras_runs(args.seeds, one_thread=True)}
    print(f"{'':24} {'s per training':>15} {'val accuracy':>13}   runs (seconds/accuracy)")
    for name, runs in rows.items():
        print(f"{name:24} {median(runs, 0):>15.3f} {median(runs, 1):>13.4f}   "
              + ", ".join(f"{s:.2f}/{a:.3f}" for s, a in runs))
    mine = rows["numpy (1 thread)"]
    for name in ("keras (default threads)", "keras (1 thread)"):
        theirs = rows[name]
        gap = (median(theirs, 1) - median(mine, 1)) * 100
        print(f"numpy vs {name}: {median(theirs, 0) / median(mine, 0):.1f}x faster (target >= 8), "
              f"accuracy {abs(gap):.2f} points {'below' if gap > 0 else 'at or above'} (target: "
              "at most 1 below)")


if __name__ == "__main__":
    main()
