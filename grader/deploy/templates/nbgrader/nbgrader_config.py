# nbgrader configuration for the nnkata course (written by `nnkata nbgrader init`).
c = get_config()  # noqa: F821 - nbgrader defines it

c.CourseDirectory.course_id = "nnkata"
# What a solution region becomes in the released notebook: a stub that raises, which the
# grade cells report as "pending".
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# `nbgrader autograde` never executes a submitted notebook: nnkata's preprocessor takes the
# solution cells by grade_id, grades them in nnkata's sandbox (never in a kernel the student's
# code controls) and writes each grade cell's feedback and score, which nbgrader then saves,
# penalises, exports and shows as usual. It grades `jobs` submissions at once.
import os  # noqa: E402

from grader.deploy.nbgrader_autograde import autograde_preprocessors  # noqa: E402

c.Autograde.autograde_preprocessors = autograde_preprocessors()
c.GradeInSandbox.jobs = max(1, (os.cpu_count() or 2) // 2)  # half the cores: each grade also trains
# `nbgrader validate` (students, on their own machines) still executes the notebook: each
# grade cell grades one step in a subprocess, train three trainings (a few seconds here).
# nbgrader's default of 30 s per cell leaves little room on a busy machine.
c.Execute.timeout = 300
# Hidden checks use inputs drawn from NNKATA_HIDDEN_SEED: set it, secretly, in the
# environment that runs `nbgrader autograde`, and grades are reproducible. Without it, a seed is
# drawn once and kept in this folder's .nnkata-batch.json (readable by you alone).
