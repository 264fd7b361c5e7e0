"""``nnkata dev check``: the maintainer's check, which validates and never writes.

As rustlings' ``dev check`` does for its exercises, it fails when the kata and what is derived
from it disagree:

- every generated file is current (the stubs, the nbgrader notebook, the README's tables);
- tests/ mirrors grader/: every layer folder has its folder of tests;
- nothing is declared twice (a step's name, a mistake's slug) and every step has its three
  hint tiers, a question, the formula, a near-solution;
- every stub is pending, in every step, the bonus steps too;
- the reference earns full marks, the bonus steps too;
- every named mistake of the catalogue, written into the reference, is named as itself by its
  own step and by nothing else (``with_mistakes=False`` leaves this out: it grades one step per
  mistake).
"""

import collections
import re
import tempfile
import textwrap
import tomllib
from pathlib import Path

from grader.build import generated
from grader.judge import mistakes
from grader.kata import curriculum
from grader.sandbox import contract
from grader.paths import PACKAGE, exercise_file, reference_file

HINT_TIERS = 3
SEED = 11  # hidden inputs of a fixed seed: the check says the same every time


def replace_function(source, name, code):
    """``source`` with its top-level function ``name`` replaced by ``code`` (dedented): how a
    mistake, a variant or a hostile function is written into a copy of the reference. Raises
    ``KeyError`` when there is no such function."""
    pattern = re.compile(rf"^def {name}\(.*?(?=^def |^# =+|\Z)", re.S | re.M)
    if not pattern.search(source):
        raise KeyError(name)
    return pattern.sub(lambda _: textwrap.dedent(code).strip() + "\n\n\n", source, count=1)


def declarations():
    """Problems with what the curriculum declares."""
    found = []
    every = (*curriculum.STEPS, *curriculum.BONUS)
    steps = [s.name for s in every]
    slugs = [m.slug for _, m in curriculum.CATALOGUE]
    for kind, names in (("step", steps), ("named mistake", slugs)):
        found += [f"the {kind} {name!r} is declared {count} times"
                  for name, count in collections.Counter(names).items() if count > 1]
    for s in every:
        if len(s.hints) != HINT_TIERS:
            found.append(f"{s.name} has {len(s.hints)} hint tiers, not {HINT_TIERS}")
        found += [f"{s.name} uses {name}, which no step declares the arguments of (Step.arguments): "
                  "graded code could not call it back" for name in s.uses if name not in curriculum.CALLED_BACK]
        if s.arguments and s.arguments not in contract.KINDS:
            found.append(f"{s.name}'s arguments {s.arguments!r} are none of the contract's: {', '.join(contract.KINDS)}")
    found += [f"the named mistake {m.slug!r} of {step} has no code" for step, m in curriculum.CATALOGUE if not m.code]
    shown = {m.slug for _, m in curriculum.CATALOGUE}
    found += [f"the judge's heuristic {slug!r} has no example in any step's mistakes" for slug in mistakes.GENERIC
              if slug not in shown]
    return found


def layout(package=None, tests=None):
    """Problems with the checkout's layout: a layer folder of grader/ that tests/ does not mirror,
    a package pyproject.toml does not list (or lists and is gone). Nothing to check in an
    installed copy, which has neither."""
    package = package or PACKAGE
    tests = tests or package.parent / "tests"
    if not tests.is_dir():
        return []
    layers = sorted(d.name for d in package.iterdir() if (d / "__init__.py").is_file())
    found = [f"tests/ does not mirror grader/{name}/: no tests/{name}/" for name in layers
             if not (tests / name).is_dir()]
    pyproject = package.parent / "pyproject.toml"
    if pyproject.is_file():  # setuptools needs its packages listed: the list must be the folders
        listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
        folders = {".".join(("grader", *d.relative_to(package).parts)).rstrip(".")
                   for d in (package, *package.rglob("*")) if (d / "__init__.py").is_file()}
        listed -= {"grader.solutions", "grader.exercises"}  # the kata's files, mapped from the top
        found += [f"pyproject.toml lists {name}, which is not a package" for name in sorted(listed - folders)]
        found += [f"pyproject.toml does not list the package {name}" for name in sorted(folders - listed)]
    return found


def generated_files():
    return [f"{path} is stale: run `nnkata build`" for path in generated.stale()]


def grades():
    """Problems with the stubs' and the reference's grades."""
    from grader.grade import grade
    found = []
    stubs = grade(exercise_file(), seed=SEED, bonus=True)
    for s in (*stubs.steps, *stubs.bonus):
        if s.status != "pending":
            found.append(f"the stub of {s.name} is {s.status}, not pending: {s.feedback[:200]}")
    ref = grade(reference_file(), seed=SEED, bonus=True)
    for s in (*ref.steps, *ref.bonus):
        if s.score != s.max_score:
            found.append(f"the reference earns {s.score:g} of {s.max_score:g} in {s.name}: {s.feedback[:200]}")
    return found


def named_mistakes():
    """Problems with the named mistakes: one its own step does not name, or names as another."""
    from grader.grade import grade
    found, reference = [], reference_file().read_text()
    with tempfile.TemporaryDirectory() as tmp:
        for number, (name, m) in enumerate(curriculum.CATALOGUE):
            try:
                text = replace_function(reference, name, m.code)
            except KeyError:
                found.append(f"{m.slug}: the reference has no function {name}")
                continue
            path = Path(tmp) / f"mistake{number}.py"  # a slug may hold a / (delta-no-1/n)
            path.write_text(text)
            report = grade(path, steps=[name], seed=SEED)
            step = (*report.steps, *report.bonus)[0]
            causes = {c.cause for c in step.checks if c.cause}
            if causes != {m.slug}:  # itself, and by nothing else
                found.append(f"{m.slug}: {name} names it {sorted(causes) or 'nothing'}, not just {m.slug!r}")
    return found


def check(*, with_mistakes=True, say=lambda line: print(line, flush=True)):
    """Every problem found (an empty list: all is well), each said as it is found."""
    problems = []
    parts = [("declarations", declarations), ("layout", layout), ("generated files", generated_files),
             ("grades", grades)]
    if with_mistakes:
        parts.append(("named mistakes", named_mistakes))
    for what, run in parts:
        found = run()
        say(f"{what}: " + ("ok" if not found else f"{len(found)} problem(s)"))
        for problem in found:
            say(f"  {problem}")
        problems += found
    return problems
