"""Throughput of grading a class: one class of `--count` submissions, graded in one run with
`nnkata grade DIR --jobs 1`, with `--jobs 2`, on a local Dask cluster (a scheduler and two
workers of one thread each, on the same cores), as notebooks, and through real `nbgrader
autograde`: with nnkata's preprocessor (the course `nnkata nbgrader init` writes: no kernel),
and executing every notebook in a kernel as nbgrader does by default (the course before issue
12: each grade cell grades its step in a subprocess of the kernel). One training run of the
reference (50 epochs, batch 64, one BLAS thread) is the unit.

Targets (issue 16, on the 2-core machine): `--jobs 2` at most 1.0 times one training run per
submission; at least 10 times faster than the kernel-executing nbgrader autograde; the Dask
cluster within 20 % of `--jobs 2`. ``--before DIR`` grades with another checkout too (e.g.
`git worktree add /tmp/before main`), `--jobs 1` and `--jobs 2`, side by side in the same run.

    python benchmarks/batch.py [--count 24] [--before DIR] [--no-dask] [--no-nbgrader]
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from conftest import replace_function  # noqa: E402
from grade_latency import one_training  # noqa: E402
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


def timed(argv, cwd=None, env=None):
    started = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env)
    if run.returncode != 0:
        sys.exit(f"{' '.join(argv[:4])}... failed:\n{run.stderr[-2000:]}")
    return time.perf_counter() - started


def nnkata(folder, out, *options, root=ROOT):
    """`nnkata grade` of the checkout at ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return timed([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out), *options,
                  "--format", "csv"], cwd=root, env=env)


class LocalDask:
    """A scheduler and two workers of one thread each on 127.0.0.1, started with Dask's own
    command line (as an instructor would by hand), stopped on exit."""

    def __init__(self, tmp):
        self.file, self.procs = tmp / "scheduler.json", []
        self.log = open(tmp / "dask.log", "wb")

    def __enter__(self):
        def start(*argv):
            self.procs.append(subprocess.Popen([sys.executable, "-m", *argv], stdout=self.log,
                                               stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)}))
        start("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(self.file))
        while not self.file.is_file():
            time.sleep(0.1)
        for _ in range(2):
            start("distributed.cli.dask_worker", "--scheduler-file", str(self.file), "--nthreads", "1",
                  "--no-dashboard", "--host", "127.0.0.1")
        import distributed
        self.address = json.loads(self.file.read_text())["address"]
        with distributed.Client(self.address) as client:
            client.wait_for_workers(2, timeout=60)
        return self

    def __exit__(self, *_):
        for proc in self.procs:
            proc.kill()
            proc.wait()
        self.log.close()


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
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--before", help="another checkout of nnkata to grade with, side by side")
    parser.add_argument("--no-dask", action="store_true", help="leave out the local Dask cluster")
    parser.add_argument("--no-nbgrader", action="store_true", help="leave out nbgrader (about 9 s "
                        "a submission with kernels)")
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
        training = sorted(one_training(5))[2]
        print(f"one training run of the reference (median of 5): {training:.2f} s")
        rows, times = [], {}

        def row(what, seconds):
            rows.append((what, seconds))
            times[what] = seconds

        for name, root in ([("before", Path(args.before).resolve())] if args.before else []) + [("now", ROOT)]:
            for jobs in (1, 2):
                row(f"{name}: nnkata --jobs {jobs}", nnkata(folder, tmp / f"{name}{jobs}", "--jobs", str(jobs), root=root))
        row("now: nnkata --jobs 2, rerun unchanged", nnkata(folder, tmp / "now2", "--jobs", "2"))
        if not args.no_dask:
            with LocalDask(tmp) as cluster:  # a fresh cluster, then the same one for another class
                row("now: nnkata on Dask, 2 workers", nnkata(folder, tmp / "dask", "--scheduler", cluster.address))
                row("now: nnkata on Dask, its next class", nnkata(folder, tmp / "dask2", "--scheduler", cluster.address))
        nbg = None
        if not args.no_nbgrader:
            os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
            course, notebooks = nbgrader_course(tmp, texts, "course1")
            row("now: nnkata --jobs 2, notebooks", nnkata(notebooks, tmp / "out3", "--jobs", "2"))
            row("nbgrader autograde, nnkata's preprocessor, jobs 2", autograde(course, "--GradeInSandbox.jobs=2"))
            kernel, _ = nbgrader_course(tmp, texts, "kernel", kernel=True)
            nbg = autograde(kernel)
            row("nbgrader autograde, kernels", nbg)
        for what, seconds in rows:
            print(f"  {what:<50} {seconds:7.1f} s  {seconds / n:6.2f} s per submission "
                  f"({seconds / n / training:4.2f} trainings)")
        two = times["now: nnkata --jobs 2"]
        print(f"--jobs 2 / --jobs 1: {times['now: nnkata --jobs 1'] / two:.2f}x")
        print(f"--jobs 2: {two / n / training:.2f} times one training run per submission (target <= 1.0)")
        if args.before:
            print(f"--jobs 2 now against before: {times['before: nnkata --jobs 2'] / two:.2f}x faster")
        if not args.no_dask:
            print(f"Dask against --jobs 2: {times['now: nnkata on Dask, 2 workers'] / two:.2f}x the time on a "
                  f"fresh cluster, {times['now: nnkata on Dask, its next class'] / two:.2f}x on its next "
                  "class (target <= 1.2)")
        if nbg is not None:
            print(f"--jobs 2 against nbgrader with kernels: {nbg / two:.1f}x faster (target >= 10); "
                  f"nbgrader with nnkata's preprocessor: "
                  f"{nbg / times['nbgrader autograde, nnkata' + chr(39) + 's preprocessor, jobs 2']:.1f}x")


if __name__ == "__main__":
    main()
