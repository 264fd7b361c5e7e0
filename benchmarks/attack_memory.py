"""The grading process's peak memory while a submission attacks it, and the time each grade took.

Each attack is the reference with one function made hostile, graded in a fresh process of its own
(`grade()` on the steps the attack touches); that process reports its own peak resident set
(VmHWM: the grader alone, not the children that run student code). Target (issue 11): the
grader stays under 300 MB whatever the submission does.

    python benchmarks/attack_memory.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.build.check import replace_function  # noqa: E402

REFERENCE = (ROOT / "solutions" / "network.py").read_text()
TARGET_MB = 300

# A crafted reply written straight onto the child's reply pipe: many tiny nodes (a 63 MB header
# became 1.47 GiB in the grader before the decoder counted them), or one deep nesting.
FORGE = '''
def {fn}(*args, **kwargs):
    import os, struct, sys, time
    child = sys.modules["__main__"]
    message = b'{{"op": "result", "seconds": 0.0, "warnings": [], "mutated": [], "traced": false}}'
    header = b'{{"message": ' + message + b', "values": ' + {values} + b', "arrays": []}}'
    os.write(child.REPLIES, struct.pack("!QQ", len(header), 0))
    view = memoryview(header)
    while view:
        view = view[os.write(child.REPLIES, view):]
    time.sleep(30)
'''
ATTACKS = {  # name: (steps graded, {function: its hostile code})
    "reference (control)": (["sigmoid", "softmax", "feedforward"], {}),
    "callbacks on (16384, 1) and (1, 16384)": (["backprop"], {"backprop": '''
def backprop(params, x, y, activations):
    import numpy as np
    softmax(np.ones((16384, 1)))
    cross_entropy_delta(np.full((16384, 1), 0.5), np.ones((1, 16384)))
    raise RuntimeError("the callbacks were answered")
'''}),
    "60 MB reply of tiny nodes": (["sigmoid"], {"sigmoid": FORGE.format(
        fn="sigmoid", values='b\'{"t": "list", "v": [\' + b", ".join([b\'{"t": "none"}\'] * 4_000_000) + b"]}"')}),
    "reply nested 100,000 deep": (["sigmoid"], {"sigmoid": FORGE.format(
        fn="sigmoid", values='b"[" * 100_000 + b"]" * 100_000')}),
    "a 60 MB array returned": (["sigmoid"], {"sigmoid": '''
def sigmoid(z):
    import numpy as np
    return np.zeros(60 * 2**20 // 8)
'''}),
    "60 MB printed": (["sigmoid", "softmax"], {"sigmoid": '''
def sigmoid(z):
    import sys
    for _ in range(60):
        sys.stdout.write("x" * 2**20)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''}),
    "fork bomb in softmax": (["softmax", "sigmoid"], {"softmax": '''
def softmax(z):
    import os, time
    for _ in range(200):
        try:
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
        except OSError:
            break
    raise RuntimeError("forked")
'''}),
}
def hostile(functions):
    text = REFERENCE
    for name, code in functions.items():
        text = replace_function(text, name, code)
    return text


MEASURE = '''
import json, sys, time
from grader.grade import grade
started = time.perf_counter()
report = grade(sys.argv[1], steps=sys.argv[2].split(","), seed=7, time_scale=0.5)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"peak_mb": peak / 1024,
                  "seconds": time.perf_counter() - started,
                  "steps": {s.name: [s.score, s.max_score] for s in report.steps},
                  "tier": report.isolation["tier"]}))
'''


def main():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    env.pop("NNKATA_ISOLATION", None)
    print(f"{'attack':40} {'tier':8} {'peak MB':>8} {'seconds':>8}  steps (score/max)")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (steps, functions) in ATTACKS.items():
            path = Path(tmp) / f"{len(os.listdir(tmp))}.py"
            path.write_text(hostile(functions))
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-c", MEASURE, str(path), ",".join(steps)],
                                 capture_output=True, text=True, env=env, timeout=600)
            if run.returncode != 0:
                print(f"{name:40} the grading process failed ({run.returncode}): "
                      f"{run.stderr.strip().splitlines()[-1:]}, after {time.perf_counter() - started:.1f} s")
                worst = float("inf")
                continue
            doc = json.loads(run.stdout.strip().splitlines()[-1])
            worst = max(worst, doc["peak_mb"])
            marks = " ".join(f"{k}={v[0]:g}/{v[1]:g}" for k, v in doc["steps"].items())
            print(f"{name:40} {doc['tier']:8} {doc['peak_mb']:8.0f} {doc['seconds']:8.1f}  {marks}")
    print(f"worst peak: {worst:.0f} MB (target under {TARGET_MB} MB): "
          f"{'met' if worst < TARGET_MB else 'NOT met'}")
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
