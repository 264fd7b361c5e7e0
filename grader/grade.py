"""Grading one submission: every step's checks, in order, into a ``Report``.

The process that runs this never imports the submission: ``runner.Submission`` runs it in a
child and hands back plain arrays. Student failures become statuses and messages; only the
harness's own failures raise (``HarnessError``).
"""

import os
import secrets
import stat
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from grader import __version__, files, text
from grader.errors import HarnessError
from grader.judge import mistakes
from grader.judge.compare import Fail
from grader.judge.context import Ctx
from grader.judge.result import CheckResult, Report, StepResult
from grader.kata import curriculum, notebook
from grader.sandbox import tiers
from grader.sandbox.runner import OUTPUT_CAP, Fatal, Pending, Raised, Submission, read_source, size

HIDDEN_SEED_ENV = "NNKATA_HIDDEN_SEED"


def hidden_seed():
    """The instructor's seed for hidden inputs (``NNKATA_HIDDEN_SEED``), else a fresh one."""
    value = os.environ.get(HIDDEN_SEED_ENV)
    if value is None:
        return secrets.randbits(63), "fresh random seed"
    try:
        return int(value), "instructor seed"
    except ValueError:
        raise HarnessError(f"{HIDDEN_SEED_ENV} must be an integer, not {value!r}") from None


def run_check(check, ctx):
    """One check: (status, message, score, whether the rest of the step is moot, the slug of
    the named mistake or '').

    When it fails, the student's output on the check's last call is matched against the
    step's catalogued mistakes (``mistakes.explain``): only then, so correct code is never named.
    """
    ctx.last = None
    try:
        note = check.run(ctx)
    except Fail as fail:
        message, cause = mistakes.explain(ctx, fail.head, fail.cause)
        return ("failed", message or str(fail), check.points * min(max(fail.fraction, 0.0), 1.0),
                False, cause)
    except Pending as exc:
        return "pending", exc.message, 0.0, True, ""
    except Raised as exc:
        message, cause = mistakes.explain(ctx, exc.message, "")
        return "error", message or exc.message, 0.0, False, cause
    except Fatal as exc:  # a timeout, a crash, a missing function, an import failure
        return "error", exc.message, 0.0, True, ""
    except HarnessError:
        raise
    except Exception as exc:  # a bug in a check: no credit, and say so plainly
        return ("error", f"the grader could not run this check ({type(exc).__name__}: {exc}); "
                "no credit was given for it. Please report this.", 0.0, False, "")
    return "passed", note or "", check.points, False, ""


def selected(step, options):
    """The step's checks, less the hidden ones when only public checks were asked for."""
    return [c for c in step.checks if not (options.get("public_only") and c.hidden)]


def unreadable(step, message, options):
    """A step that could not be graded at all (a notebook cell that is not there)."""
    checks = selected(step, options)
    result = StepResult(step.name, sum(c.points for c in checks))
    for i, c in enumerate(checks):
        result.checks.append(CheckResult(c.name, c.points, 0.0, "error",
                                         message if i == 0 else "not run: " + message, c.hidden))
    return result


def not_graded(submission, message, *, public_only=False, steps=None):
    """The report of a submission with no file to grade: every check is an error, none earns.
    ``steps`` names the core steps to report (all of them by default)."""
    options = {"public_only": public_only}
    wanted = {curriculum.step(n).name for n in steps} if steps else None
    chosen = [s for s in curriculum.STEPS if wanted is None or s.name in wanted] or curriculum.STEPS
    steps = [unreadable(step, message, options) for step in chosen]
    return Report(str(submission), steps, __version__, "not used", 0.0,
                  {"tier": "none", "isolated": True, "note": "nothing was run"})


def run_step(step, index, submission, seed, time_scale=1.0, options=None):
    """All of one step's checks, in order. A failing check does not stop the others, unless
    it makes them moot: a stub, a timeout, a crash, a missing function."""
    options = options or {}
    started = time.monotonic()
    ctx = Ctx(step, index, submission, seed, started + step.budget * time_scale, options)
    checks = selected(step, options)
    result = StepResult(step.name, sum(c.points for c in checks))
    passed, moot = set(), None
    for check in checks:
        missing = [n for n in check.needs if n not in passed]
        cause = ""
        if moot:
            status, message, score = moot
        elif missing:
            status, message, score = "skipped", f"not run: needs the {' and '.join(missing)} " \
                "check to pass first", 0.0
        else:
            status, message, score, stops, cause = run_check(check, ctx)
            if status == "passed":
                passed.add(check.name)
            if stops:
                moot = (status, message if status == "pending" else "not run: " + message, 0.0)
        result.checks.append(CheckResult(check.name, check.points, round(score, 6), status,
                                         message, check.hidden, cause))
    result.seconds = time.monotonic() - started
    result.data = ctx.data
    return result


def prepare(seed, *, steps=None):
    """What every grade of a class on hidden seed ``seed`` shares, by step (the steps whose
    declaration has ``prepare``, of those ``steps`` names): computed once and given to each
    grade's ``shared``. Steps work without it; it saves each grade computing it again."""
    wanted = {curriculum.step(n).name for n in steps} if steps else None
    shared = {}
    for step in curriculum.STEPS:
        if step.prepare is not None and (wanted is None or step.name in wanted):
            ctx = Ctx(step, curriculum.index(step), None, seed, float("inf"))
            shared[step.name] = step.prepare(ctx)
    return shared


def grade(path, *, steps=None, seed=None, time_scale=1.0, keras=None, curves=False,
          public_only=False, bonus=None, shared=None):
    """Grade the file at ``path`` (a .py module or a .ipynb notebook).

    ``steps`` limits the report to some steps by name; ``keras`` is a baseline record to
    compare with instead of the committed one (a live retraining); ``curves`` traces the
    student's training for the learning-curve plot; ``public_only`` leaves out the checks on
    hidden inputs (what a released nbgrader notebook shows).

    ``bonus``: the bonus steps (``curriculum.BONUS``) go into ``Report.bonus``, never into the
    core score. None (the default) unlocks them all in a whole grade (no ``steps``) once
    ``train`` passes in it; True grades them all, False none; a bonus step named in ``steps``
    is graded whatever ``bonus`` says, and ``steps`` alone grades only the steps it names. A
    notebook holds the core steps only: there the default is False.

    ``shared``: ``prepare(seed)``'s values, for a grade among a class's on the same ``seed``.
    """
    path = Path(path)
    try:  # examined, never followed: a link (to the reference, to a secret) earns nothing
        found = os.lstat(path)
    except OSError:
        found = None
    if found is None or stat.S_ISDIR(found.st_mode):
        raise HarnessError(f"no such file: {text.name(str(path))}")
    problem = files.problem(path.name, found)
    if problem:
        return not_graded(path, problem, public_only=public_only, steps=steps)
    if path.suffix == ".ipynb":
        return _grade_notebook(path, steps=steps, seed=seed, time_scale=time_scale, keras=keras,
                               curves=curves, public_only=public_only, bonus=bonus or False,
                               shared=shared)
    return _grade_module(path, steps=steps, seed=seed, time_scale=time_scale, keras=keras,
                         curves=curves, public_only=public_only, bonus=bonus, shared=shared)


def _grade_notebook(path, *, steps, **options):
    """Solution cells are taken out by grade_id and graded as a module; never executed here."""
    text, problems = notebook.extract(path)
    with tempfile.TemporaryDirectory() as tmp:
        module = Path(tmp) / "network.py"
        module.write_text(text, encoding="utf-8")
        report = _grade_module(module, steps=steps, problems=problems, **options)
    report.submission = str(path)
    return report


def _grade_module(path, *, steps=None, seed=None, time_scale=1.0, keras=None, curves=False,
                  public_only=False, problems=None, bonus=None, shared=None):
    if seed is None:
        seed, origin = hidden_seed()
    else:
        origin = "instructor seed"
    wanted = {curriculum.step(n).name for n in steps} if steps else None
    chosen = [s for s in curriculum.STEPS if wanted is None or s.name in wanted]  # curriculum order
    extra = [s for s in curriculum.BONUS if bonus is True or (wanted and s.name in wanted)]
    # Unlocked by a passing train: graded beside it (train runs in a child of its own), then
    # dropped from the report if train did not pass.
    unlock = bonus is None and wanted is None
    extra = list(curriculum.BONUS) if unlock else extra
    options = {"curves": curves, "public_only": public_only, **({"keras": keras} if keras else {}),
               "shared": shared or {}}
    problems = problems or {}
    started = time.monotonic()
    tier = tiers.choose()
    helpers = curriculum.callbacks()
    source = read_source(path)  # read once: every child of this grade runs the same bytes
    alone = [s for s in chosen if s.own_process and s.name not in problems]

    def run(step, submission):
        mark = submission.output.mark()
        with np.errstate(all="ignore"):  # judging a student's NaNs must not print anything
            result = run_step(step, curriculum.index(step), submission, seed, time_scale, options)
        result.printed = submission.output.since(mark)  # what this step's calls printed
        return result

    dropped, budgets = [], []  # bytes printed past the cap, and what bounded the tree, per child

    def run_alone(step):
        with Submission(path, helpers, tier, source=source) as submission:
            result = run(step, submission)
            dropped.append(submission.output.dropped())
            budgets.append(submission.budget)
            return result

    results = {}
    with warnings.catch_warnings(), ThreadPoolExecutor(max_workers=max(len(alone), 1)) as pool:
        warnings.simplefilter("ignore")
        # A long step (train) waits on its own child, on the other core, while the rest run.
        futures = {s.name: pool.submit(run_alone, s) for s in alone}
        with Submission(path, helpers, tier, source=source) as submission:
            for step in chosen:
                if step.name in problems:
                    results[step.name] = unreadable(step, problems[step.name], options)
                elif not step.own_process:
                    results[step.name] = run(step, submission)
            bonus_results = [run(step, submission) for step in extra]
            budgets.append(submission.budget)
            dropped.append(submission.output.dropped())
        for name, future in futures.items():
            results[name] = future.result()
    if unlock and results["train"].status != "passed":
        bonus_results = []
    ordered = [results[s.name] for s in chosen]
    notes = [f"your code printed {size(sum(dropped))} beyond the first {OUTPUT_CAP} characters: that "
             "was dropped unread (nothing printed is graded), and your code was graded all the same"
             ] if sum(dropped) else []
    budget = next((b for b in budgets if b), None)
    return Report(str(path), ordered, __version__, origin, time.monotonic() - started,
                  {"tier": tier.name, "isolated": tier.isolated, "note": tier.note,
                   **({"budget": budget} if budget else {})}, bonus_results, notes)
