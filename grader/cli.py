"""The ``nnkata`` command line: a thin layer over the library."""

import argparse
import os
import sys

from grader import __version__, one_blas_thread
from grader.errors import HarnessError

DEFAULT_JOBS = max(1, (os.cpu_count() or 2) // 2)  # a class's local workers: see `grade --jobs`

one_blas_thread()


def format_choices():
    from grader.views.table import FORMATS, ROSTER_FORMATS
    return (*FORMATS, *ROSTER_FORMATS)


def _parser():
    parser = argparse.ArgumentParser(prog="nnkata", description="A neural network from scratch, "
                                     "graded step by step.")
    parser.add_argument("--version", action="version", version=f"nnkata {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="grade your exercises/network.py and say what to do next")
    check.add_argument("step", nargs="?", help="grade only this step, and list its every check")
    check.add_argument("--file", help="the file to grade (default: the one you work on)")
    check.add_argument("--bonus", action="store_true", help="grade the bonus steps too (by default "
                       "they open once train passes)")
    check.add_argument("--plot", metavar="FILE.png", help="also draw your learning curve beside "
                       "the reference's and Keras's (needs matplotlib)")

    hint = sub.add_parser("hint", help="a hint for one step: each time the next tier, from a "
                          "question to a near-solution")
    hint.add_argument("step")
    hint.add_argument("--tier", type=int, help="show this tier (1-3) instead of the next")

    lst = sub.add_parser("list", help="the steps, their points, and your recorded status in each")
    lst.add_argument("--file", help="the file whose status to show (default: the one you work on)")

    watch = sub.add_parser("watch", help="re-grade on every save; keys: h hint, l list, n next, q quit")
    watch.add_argument("--file", help="the file to watch (default: the one you work on)")
    watch.add_argument("--poll", action="store_true", help="poll the file instead of file events")

    reset = sub.add_parser("reset", help="put a step's stub back in your file (asks first)")
    reset.add_argument("step")
    reset.add_argument("--file", help="the file (default: the one you work on)")
    reset.add_argument("--yes", action="store_true", help="do not ask")

    sol = sub.add_parser("solution", help="the reference's code for a step you have passed")
    sol.add_argument("step")

    kata = sub.add_parser("kata", help="kata runs: the kata again from blank stubs, timed")
    kata_sub = kata.add_subparsers(dest="action", required=True, metavar="ACTION")
    kata_sub.add_parser("new", help="start a fresh run in its own file (your earlier work stays)")
    kata_sub.add_parser("history", help="past runs: times, attempts, first tries, personal bests")
    kata_use = kata_sub.add_parser("use", help="follow another file: a run's number, or main")
    kata_use.add_argument("which")

    grade = sub.add_parser("grade", help="grade one submission or a class of them (for instructors)")
    grade.add_argument("path", nargs="+", help="a submission (NAME.py or NAME.ipynb), or a folder "
                       "of them (each NAME.py, NAME.ipynb, or NAME/ holding one)")
    grade.add_argument("--format", choices=format_choices(), default="table",
                       help="how to print the grades (default: table); canvas: Canvas's gradebook "
                       "import CSV, through --roster")
    grade.add_argument("--out", metavar="DIR", help="write one JSON report per submission and "
                       "grades.csv here; a rerun grades only what is new or changed")
    grade.add_argument("--jobs", type=int, metavar="N", help="grade a class with N workers on this "
                       f"machine (default: {DEFAULT_JOBS}, half the cores: each grade trains beside its "
                       "other checks)")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="grade a class on a Dask cluster, the "
                       "one whose scheduler is at ADDRESS (tcp://host:8786), instead of here (needs "
                       "nnkata[cluster], and nnkata on its workers)")
    grade.add_argument("--roster", metavar="ROSTER.csv", help="a class's Canvas gradebook export "
                       "(Student, ID, SIS User ID, SIS Login ID, Section, ...): each submission named "
                       "by a student's SIS Login ID, SIS User ID or Canvas ID gets that student's "
                       "row in OUT/canvas.csv; unmatched names go to OUT/canvas-unmatched.txt")
    grade.add_argument("--assignment", metavar="'NAME (ID)'", help="the Canvas assignment column "
                       "to fill (default: the roster's only assignment column)")
    grade.add_argument("--step", action="append", help="grade only this step (repeatable)")
    grade.add_argument("--bonus", action="store_true", help="grade the bonus steps too (reported "
                       "under \"bonus\", outside the score)")
    grade.add_argument("--plot", metavar="FILE.png", help="draw the learning curves (needs matplotlib)")
    grade.add_argument("--public-only", action="store_true",
                       help="leave out the checks on hidden inputs (what a released notebook shows)")
    grade.add_argument("--live-baseline", action="store_true", help="retrain the Keras baseline "
                       "here (needs TensorFlow) instead of reading the recorded one")
    grade.add_argument("--no-sandbox", action="store_true", help="grade a class or a platform's "
                       "format even where no sandbox works here: student code then runs with "
                       "your rights (also: NNKATA_NO_SANDBOX=1)")

    rep = sub.add_parser("report", help="class statistics over a graded folder (for instructors)")
    rep.add_argument("out", metavar="OUT", help="the folder `nnkata grade DIR --out OUT` wrote")
    rep.add_argument("--html", metavar="FILE", help="write the HTML page here (default: OUT/report.html)")

    nbg = sub.add_parser("nbgrader", help="the kata as an nbgrader assignment (for instructors)")
    nbg_sub = nbg.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = nbg_sub.add_parser("init", help="write an nbgrader course with the kata as assignment nn_kata")
    init.add_argument("dir")

    gs = sub.add_parser("gradescope", help="a Gradescope autograder (for instructors)")
    gs_sub = gs.add_subparsers(dest="action", required=True, metavar="ACTION")
    gs_build = gs_sub.add_parser("build", help="write DIR/autograder.zip (it holds the reference: "
                                 "keep it private)")
    gs_build.add_argument("--out", required=True, metavar="DIR")
    gs_build.add_argument("--hidden-seed", type=int, metavar="N", help="grade every run on the "
                          "hidden inputs of seed N (default: $NNKATA_HIDDEN_SEED if set, else a "
                          "fresh seed per run)")
    gs_sub.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json (what "
                      "run_autograder does)").add_argument("--root", help="default: $AUTOGRADER_ROOT "
                                                           "or /autograder")

    cls = sub.add_parser("classroom", help="a GitHub Classroom starter repository (for instructors)")
    cls_sub = cls.add_subparsers(dest="action", required=True, metavar="ACTION")
    cls_sub.add_parser("init", help="write the repository, with the workflow that grades every push"
                       ).add_argument("dir")
    cls_sub.add_parser("outputs", help="a --format classroom result as $GITHUB_OUTPUT lines, one "
                       "base64 result per runner (what the workflow does)").add_argument("dir", metavar="RESULT")

    base = sub.add_parser("baseline", help="train the article's Keras model for real and record it "
                          "(for maintainers; needs TensorFlow)")
    base.add_argument("--out", help="where to write the record (default: the one grading reads)")
    base.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    base.add_argument("--show", action="store_true", help="print the recorded baseline as JSON")

    dev = sub.add_parser("dev", help="the maintainer's check (for maintainers)")
    dev_sub = dev.add_subparsers(dest="action", required=True, metavar="ACTION")
    dev_check = dev_sub.add_parser("check", help="fail when anything derived from the kata is stale, "
                                   "declared twice, or graded wrong (stubs, reference, named mistakes)")
    dev_check.add_argument("--no-mistakes", action="store_true", help="leave out the named mistakes "
                           "(one grade per catalogued mistake)")

    build = sub.add_parser("build", help="regenerate exercises/ from solutions/ (for maintainers)")
    build.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale")
    build.add_argument("--reference", action="store_true",
                       help="also retrain the reference and rewrite its recorded accuracy")
    return parser


def cmd_check(args):
    from grader.kata import curriculum
    from grader.study import commands
    from grader.views import table
    from grader.views.marks import MARKS
    steps = [curriculum.step(args.step).name] if args.step else None
    report, _, newly = commands.check(args.file, steps=steps, curves=bool(args.plot),
                                   bonus=True if args.bonus else None)
    table.write(report, "table", detail=args.step)
    if len(newly) == 1:
        print(f"{MARKS['passed']} {newly[0]} passes: recorded. `nnkata solution {newly[0]}` now shows "
              "the reference's.")
    elif newly:
        print(f"{MARKS['passed']} {len(newly)} steps pass: recorded ({', '.join(newly)}). "
              "`nnkata solution STEP` now shows the reference's for each.")
    _plot(report, args.plot)
    return 0


def _plot(report, path, keras=None):
    if path:
        from grader.views import plot
        plot.draw(report, path, keras)
        print(f"learning curves: {path}", file=sys.stderr)


def cmd_hint(args):
    from grader.study import commands
    sys.stdout.write(commands.hint_text(args.step, args.tier))
    return 0


def cmd_list(args):
    from grader.study import commands
    from grader.views import table
    sys.stdout.write(commands.list_text(args.file, colour=table.use_colour(sys.stdout)))
    return 0


def cmd_watch(args):
    from grader import grade
    from grader.study import commands
    from grader.study import watch
    path, progress = commands.target(args.file)
    if not path.is_file():
        raise HarnessError(f"no such file: {path}")
    return watch.run(path, progress, grade.grade, poll=args.poll)


def cmd_reset(args):
    from grader.kata import curriculum
    from grader.study import commands
    name = curriculum.step(args.step).name
    path, _ = commands.target(args.file)
    if not args.yes:
        answer = input(f"Replace your {name} in {path} with its stub? A backup is kept. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return 1
    path, backup = commands.reset(name, args.file)
    print(f"{name} is a stub again in {path} (your version: {backup})")
    return 0


def cmd_solution(args):
    from grader.study import commands
    try:
        sys.stdout.write(commands.solution(args.step))
    except commands.Locked as exc:
        print(f"nnkata: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_kata(args):
    from grader.study import runs
    from grader.study.progress import Workspace
    progress = Workspace.here() or Workspace()
    if args.action == "new":
        number, path = progress.new_run()
        print(f"kata run {number}: {path.relative_to(progress.root)}, blank stubs. The clock starts "
              "at your first save; `nnkata check` and `nnkata watch` follow this file now.")
    elif args.action == "use":
        print(f"following {progress.use(args.which).relative_to(progress.root)}")
    else:
        sys.stdout.write(runs.table(progress))
    return 0


def cmd_grade(args):
    import stat
    from grader.sandbox import isolation
    from grader.views import table
    try:  # a submission that is a link is a batch's to report, never followed here
        one = len(args.path) == 1 and stat.S_ISREG(os.lstat(args.path[0]).st_mode) and not args.out
    except OSError:
        one = False
    _check_roster_options(args, one)
    if args.scheduler is not None and args.jobs is not None:
        raise HarnessError("--jobs sets the workers on this machine; with --scheduler the cluster's "
                           "workers grade: give one or the other")
    one = one and args.scheduler is None
    if args.scheduler is None and (not one or args.format in table.SINGLE_FORMATS):
        # grading for others: isolated, or waived (on a cluster, each worker checks its own)
        isolation.require("grading submissions for a class or a platform", no_sandbox=args.no_sandbox)
    if not one:
        return _grade_batch(args)
    from grader import grade
    from grader.build import recording
    keras = recording.keras() if args.live_baseline else None
    report = grade.grade(args.path[0], steps=args.step, keras=keras, curves=bool(args.plot),
                         public_only=args.public_only, bonus=args.bonus)
    table.write(report, args.format)
    _plot(report, args.plot, keras)
    return 0


def _check_roster_options(args, one):
    """--format canvas needs a class and --roster; --roster and --assignment need a class."""
    from grader.views import table
    if args.format in table.ROSTER_FORMATS and not args.roster:
        raise HarnessError(f"--format {args.format} needs --roster ROSTER.csv: the class's gradebook "
                           "exported from Canvas (Grades → Export)")
    if args.assignment is not None and not args.roster:
        raise HarnessError("--assignment names a column of --roster: give --roster ROSTER.csv too")
    if args.roster and not args.out and args.format not in table.ROSTER_FORMATS:
        raise HarnessError("--roster writes OUT/canvas.csv: give --out DIR, or --format canvas to "
                           "print it")
    if args.roster and (one or (len(args.path) == 1 and not os.path.isdir(args.path[0]))):
        raise HarnessError("--roster matches a class's submissions to its students: give the class "
                           "folder (one NAME.py, NAME.ipynb or NAME/ per student)")


def _grade_batch(args):
    """Several submissions: graded in parallel into --out (a temporary folder without it)."""
    import tempfile
    from grader.deploy import batch, progress_bar
    from grader.views import table
    if args.plot or args.live_baseline:
        raise HarnessError("--plot and --live-baseline grade one submission at a time")
    if args.format in table.SINGLE_FORMATS:
        raise HarnessError(f"--format {args.format} describes one submission: grade each file "
                           f"alone, or use {', '.join(table.CLASS_FORMATS)} or "
                           f"{' or '.join(table.ROSTER_FORMATS)} (with --roster) for a class")
    canvas = None
    if args.roster:  # read and checked before anything is graded
        from grader.deploy import roster
        canvas = roster.Canvas(args.roster, args.assignment)
    with tempfile.TemporaryDirectory() as tmp:
        run = batch.Batch(args.path, args.out or tmp, jobs=args.jobs or DEFAULT_JOBS,
                          scheduler=args.scheduler, steps=args.step, public_only=args.public_only,
                          bonus=args.bonus, progress=progress_bar.ProgressBar(), canvas=canvas,
                          no_sandbox=args.no_sandbox)
        outcomes = run.run()
        if args.format in table.ROSTER_FORMATS:
            sys.stdout.write(canvas.text)
        else:
            sys.stdout.write(table.render_class(outcomes, args.format, colour=table.use_colour(sys.stdout)))
        if run.canvas_summary:
            for line in run.canvas_summary.lines(saved=bool(args.out)):
                print(line, file=sys.stderr)
    failed = [o for o in outcomes.values() if o.report is None]
    for o in failed:
        print(f"nnkata: not graded: {o.name}: {o.error}", file=sys.stderr)
    if args.out:
        print(f"reports and grades.csv: {args.out}", file=sys.stderr)
    return 2 if failed else 0


def cmd_report(args):
    from pathlib import Path
    from grader.views import class_report
    summary = class_report.summarise(class_report.load(args.out))
    target = Path(args.html) if args.html else Path(args.out) / "report.html"
    class_report.write_html(summary, target)
    sys.stdout.write(class_report.table(summary).rstrip("\n") + "\n")
    print(f"class report: {target}", file=sys.stderr)
    return 0


def cmd_gradescope(args):
    from grader.deploy import gradescope
    if args.action == "build":
        from grader.grade import hidden_seed
        seed = args.hidden_seed
        if seed is None and os.environ.get("NNKATA_HIDDEN_SEED") is not None:
            seed = hidden_seed()[0]
        print(f"wrote {gradescope.build(args.out, seed)}: upload it as the assignment's autograder"
              + ("" if seed is None else " (hidden inputs from your seed, readable by root alone)"))
        return 0
    return 2 if "error" in gradescope.run(args.root).get("extra_data", {}) else 0


def cmd_classroom(args):
    from grader.deploy import classroom
    if args.action == "outputs":
        sys.stdout.write(classroom.outputs(args.dir))
        return 0
    written = classroom.init(args.dir)
    print(f"wrote {len(written)} files into {args.dir}: push it to GitHub and make it the "
          "assignment's template repository")
    print("note: the grader, and so the reference, is in that repository. GitHub Classroom grades "
          "in the student's own repository, where nothing stays secret: use it for practice and "
          "formative grades, and Gradescope or nbgrader where the reference must stay hidden.")
    return 0


def cmd_nbgrader(args):
    from grader.deploy import nbgrader_course
    for path in nbgrader_course.init(args.dir):
        print(f"wrote {path}")
    print(f"next: cd {args.dir} && nbgrader generate_assignment nn_kata")
    return 0


def cmd_baseline(args):
    import json
    from grader.build import recording
    from grader.kata import records
    if args.show:
        print(json.dumps(records.keras(), indent=1))
        return 0
    if args.seeds < 1:
        raise HarnessError("--seeds must be at least 1")
    record = recording.keras(tuple(range(args.seeds)))
    out = args.out or records.KERAS
    recording.write(record, out)
    print(f"wrote {out}: median validation accuracy {record['val_accuracy']:.4f} over "
          f"{args.seeds} seed(s), median fit {record['fit_seconds']:.1f} s")
    return 0


def cmd_build(args):
    from grader.build import generated
    if args.check:
        stale = generated.stale()
        for path in stale:
            print(f"stale: {path} (run `nnkata build`)", file=sys.stderr)
        if not stale:
            print("generated files are up to date")
        return 1 if stale else 0
    for path in generated.build():
        print(f"wrote {path}")
    if args.reference:
        from grader.build import recording
        from grader.judge import reference
        from grader.kata import records
        record = recording.reference(reference.load())
        recording.write(record, records.REFERENCE)
        print(f"wrote {records.REFERENCE}: median validation accuracy {record['val_accuracy']:.4f}")
    return 0


def cmd_dev(args):
    from grader.build import check
    problems = check.check(with_mistakes=not args.no_mistakes)
    print(f"{len(problems)} problem(s)" if problems else "the kata is consistent")
    return 1 if problems else 0


COMMANDS = {"check": cmd_check, "hint": cmd_hint, "list": cmd_list, "watch": cmd_watch,
            "reset": cmd_reset, "solution": cmd_solution, "kata": cmd_kata, "grade": cmd_grade,
            "build": cmd_build, "report": cmd_report, "gradescope": cmd_gradescope,
            "classroom": cmd_classroom, "baseline": cmd_baseline, "nbgrader": cmd_nbgrader,
            "dev": cmd_dev}


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except HarnessError as exc:  # it may quote a path or a line a submission chose
        from grader.text import clean
        print(f"nnkata: error: {clean(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnkata: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
