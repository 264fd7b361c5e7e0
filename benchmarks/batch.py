"""Throughput of grading a class: the same submissions with `nnkata grade DIR --jobs 1`, with
`--jobs 2`, as notebooks with nnkata, and as notebooks through real `nbgrader autograde`: with
nnkata's preprocessor (the course `nnkata nbgrader init` writes: no kernel), and executing every
notebook in a kernel as nbgrader does by default (the course before issue 12: each grade cell
grades its step in a subprocess of the kernel).

Targets (issue 6): `--jobs 2` at least 1.7 times `--jobs 1`; nnkata at least 5 times
nbgrader's throughput per submission. Issue 12: autograde with nnkata's preprocessor at least
5 times faster per submission than the kernel-executing autograde.

    python benchmarks/batch.py [--count 40] [--no-nbgrader]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import replace_function  # noqa: E402
from grader import paths  # noqa: E402
from grader.build import notebook  # noqa: E402

VARIANTS = {  # a class: some right, most with one of the usual mistakes; every one trains
    "right": {},
    "softmax_axis0": {"softmax": """
        def softmax(z):
            e = np.exp(z - np.max(z, axis=0, keepdims=True))
            return e / np.sum(e, axis=0, keepdims=True)
        """},
    "delta_without_n": {"cross_entropy_delta": """
        def cross_entropy_delta(probs, targets):
            return probs - targets
        """},
    "predict_no_axis": {"predict": """
        def predict(params, x):
            return np.argmax(feedforward(params, x)[2])
        """},
}


def module_texts(count):
    reference = paths.reference_file().read_text()
    names = list(VARIANTS)
    for i in range(count):
        text = reference
        for name, code in VARIANTS[names[i % len(names)]].items():
            text = replace_function(text, name, code)
        yield f"student{i:02d}", text + f"\n# submission {i}\n"  # each file distinct


def timed(argv, cwd=None):
    started = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, cwd=cwd)
    if run.returncode != 0:
        sys.exit(f"{' '.join(argv[:4])}... failed:\n{run.stderr[-2000:]}")
    return time.perf_counter() - started


def nnkata(folder, out, jobs):
    return timed([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                  "--jobs", str(jobs), "--format", "csv"])


def nbgrader_course(tmp, texts, name, *, kernel=False):
    """A course with every submission in submitted/. ``kernel``: nbgrader's own autograde,
    which executes each notebook, with grade cells doing what they did before issue 12."""
    course = tmp / name
    timed([sys.executable, "-m", "grader", "nbgrader", "init", str(course)])
    if kernel:
        config = course / "nbgrader_config.py"
        config.write_text("\n".join(line for line in config.read_text().splitlines()
                                    if "autograde_preprocessors" not in line and "GradeInSandbox" not in line))
        source = course / "source" / "nn_kata" / "nn_kata.ipynb"
        nb = json.loads(source.read_text())
        for cell in nb["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
            if cell["metadata"]["nbgrader"].get("grade") and grade_id.endswith("_tests"):
                step = grade_id.removesuffix("_tests")
                cell["source"] = ("import os\nos.environ['NBGRADER_EXECUTION'] = 'benchmark'  # past the guard\n"
                                  f"from grader.study.notebook import check\nscore = check({step!r}, globals(), "
                                  "hidden=True)\nscore")
        source.write_text(json.dumps(nb))
    timed([sys.executable, "-m", "nbgrader", "generate_assignment", "nn_kata"], cwd=course)
    release = json.loads((course / "release" / "nn_kata" / "nn_kata.ipynb").read_text())
    notebooks = tmp / f"{name}-notebooks"
    notebooks.mkdir()
    for student, text in texts:
        nb = json.dumps(notebook.answered(release, text))
        folder = course / "submitted" / student / "nn_kata"
        folder.mkdir(parents=True)
        (folder / "nn_kata.ipynb").write_text(nb)
        (notebooks / f"{student}.ipynb").write_text(nb)
    return course, notebooks


def autograde(course, *extra):
    return timed([sys.executable, "-m", "nbgrader", "autograde", "nn_kata", "--create", *extra], cwd=course)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--no-nbgrader", action="store_true", help="leave out nbgrader (about 9 s "
                        "a submission)")
    args = parser.parse_args()
    os.environ.setdefault("NNKATA_HIDDEN_SEED", "7")
    n = args.count
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        texts = list(module_texts(n))
        folder = tmp / "class"
        folder.mkdir()
        for name, text in texts:
            (folder / f"{name}.py").write_text(text)
        print(f"{n} submissions, {os.cpu_count()} cores")
        rows = []
        one = nnkata(folder, tmp / "out1", 1)
        rows.append(("nnkata --jobs 1", one))
        two = nnkata(folder, tmp / "out2", 2)
        rows.append(("nnkata --jobs 2", two))
        again = nnkata(folder, tmp / "out2", 2)
        rows.append(("nnkata --jobs 2, rerun unchanged", again))
        nbg = None
        if not args.no_nbgrader:
            os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
            course, notebooks = nbgrader_course(tmp, texts, "course1")
            rows.append(("nnkata --jobs 1, notebooks", nnkata(notebooks, tmp / "out3", 1)))
            sandboxed1 = autograde(course, "--GradeInSandbox.jobs=1")
            rows.append(("nbgrader autograde, nnkata, jobs 1", sandboxed1))
            course2, _ = nbgrader_course(tmp, texts, "course2")
            sandboxed2 = autograde(course2, "--GradeInSandbox.jobs=2")
            rows.append(("nbgrader autograde, nnkata, jobs 2", sandboxed2))
            kernel, _ = nbgrader_course(tmp, texts, "kernel", kernel=True)
            nbg = autograde(kernel)
            rows.append(("nbgrader autograde, kernels", nbg))
        for what, seconds in rows:
            print(f"  {what:<34} {seconds:7.1f} s   {seconds / n:6.2f} s per submission   "
                  f"{n / seconds * 60:6.1f} per minute")
        print(f"--jobs 2 / --jobs 1: {one / two:.2f}x (target >= 1.7)")
        if nbg is not None:
            print(f"nnkata --jobs 1 / nbgrader with kernels: {nbg / one:.1f}x per submission; "
                  f"--jobs 2: {nbg / two:.1f}x (target >= 5)")
            print(f"nbgrader autograde, nnkata's preprocessor against kernels: jobs 1 {nbg / sandboxed1:.1f}x, "
                  f"jobs 2 {nbg / sandboxed2:.1f}x (target >= 5)")


if __name__ == "__main__":
    main()
