"""What a class's reports are keyed by: every module a grade runs, no view."""

from grader import paths
from grader.deploy import keys
from grader.kata import curriculum


def test_the_cache_key_covers_every_module_a_grade_runs_and_no_view():
    found = {p.relative_to(paths.PACKAGE).as_posix() for p in keys.grading_modules()}
    topics = {"kata/" + m.__name__.rpartition(".")[2] + ".py" for m in vars(curriculum).values()
              if getattr(m, "__name__", "").startswith("grader.kata.") and hasattr(m, "__file__")}
    assert len(topics) >= 10 and topics <= found  # a new topic module is in the key, listed nowhere
    assert {"grade.py", "sandbox/child/main.py", "sandbox/child/wire.py", "judge/compare.py"} <= found
    assert not any(p.startswith(("views/", "study/", "deploy/", "build/")) or p == "cli.py" for p in found)
