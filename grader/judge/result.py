"""A grade as data: a report holds steps, a step holds checks. Every view renders this.

Texts are cleaned as they are set (``grader.text``): a message can quote the student's code,
output or exception, and a submission's name is a file name the student chose, so lone
surrogates and control characters are dealt with here once, before any view (a terminal, a
JSON, CSV or XML file) sees them.
"""

import math
from dataclasses import dataclass, field

from grader import text

class _Cleaned:
    """Sets each attribute named in ``_MESSAGES`` through ``text.clean`` and each one in
    ``_NAMES`` through ``text.name``, whether at construction or later."""

    _MESSAGES = ()
    _NAMES = ()

    def __setattr__(self, key, value):
        if key in self._MESSAGES:
            value = text.clean(value)
        elif key in self._NAMES:
            value = text.name(value)
        object.__setattr__(self, key, value)


def _finite(value):
    """``value`` with every float that is not finite as None: JSON has no NaN, and a figure
    computed from a student's numbers may be one."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


@dataclass
class CheckResult(_Cleaned):
    _MESSAGES = ("message",)
    _NAMES = ("name", "status", "cause")

    name: str
    max_score: float
    score: float
    status: str  # passed | failed | error | pending | skipped
    message: str = ""
    hidden: bool = False  # run on inputs the student cannot see
    cause: str = ""  # the slug of the named mistake the message gives (grader/mistakes.py)

    def to_dict(self):
        return {"name": self.name, "score": float(self.score), "max_score": float(self.max_score),
                "status": self.status, "message": self.message, "hidden": self.hidden,
                **({"cause": self.cause} if self.cause else {})}

    @classmethod
    def from_dict(cls, d):
        return cls(d["name"], d["max_score"], d["score"], d["status"], d.get("message", ""),
                   d.get("hidden", False), d.get("cause", ""))


@dataclass
class StepResult(_Cleaned):
    _NAMES = ("name",)
    _MESSAGES = ("printed",)

    name: str
    max_score: float
    checks: list = field(default_factory=list)
    seconds: float = 0.0
    data: dict = field(default_factory=dict)  # figures a view may show (e.g. accuracies)
    printed: str = ""  # what the student's code printed while the step was graded: for the
    # views that show it (Exercism's output), never in the JSON report, where a printed forgery
    # of a report would sit beside the real one

    @property
    def score(self):
        return round(sum(c.score for c in self.checks), 6)

    @property
    def status(self):
        states = [c.status for c in self.checks]
        if "pending" in states:
            return "pending"
        if all(s == "passed" for s in states):
            return "passed"
        if "error" in states and not any(s == "passed" for s in states):
            return "error"
        return "failed"

    def first_problem(self):
        """The first check that did not pass and says why (skipped ones only follow others)."""
        for c in self.checks:
            if c.status not in ("passed", "skipped"):
                return c
        return None

    @property
    def feedback(self):
        if self.status == "passed":
            notes = [c.message for c in self.checks if c.message]
            return "; ".join([f"all {len(self.checks)} checks passed", *notes])
        if self.status == "pending":
            return self.first_problem().message
        lines = [f"{c.name}: {c.message}" for c in self.checks if c.status not in ("passed", "skipped")]
        return "\n".join(lines)

    def to_dict(self):
        return {"name": self.name, "score": float(self.score), "max_score": float(self.max_score),
                "status": self.status, "feedback": self.feedback, "seconds": round(self.seconds, 3),
                "checks": [c.to_dict() for c in self.checks],
                **({"data": _finite(self.data)} if self.data else {})}

    @classmethod
    def from_dict(cls, d):
        return cls(d["name"], d["max_score"], [CheckResult.from_dict(c) for c in d["checks"]],
                   d.get("seconds", 0.0), d.get("data", {}))


@dataclass
class Report(_Cleaned):
    _NAMES = ("submission", "grader_version", "hidden_inputs")

    submission: str
    steps: list
    grader_version: str
    hidden_inputs: str  # how hidden inputs were seeded: "instructor seed" or "fresh random seed"
    seconds: float = 0.0
    isolation: dict = field(default_factory=dict)  # the sandbox tier the code ran under
    bonus: list = field(default_factory=list)  # StepResults of bonus steps: outside score and steps
    notes: list = field(default_factory=list)  # what the student should know beyond the steps

    @property
    def score(self):
        return round(sum(s.score for s in self.steps), 6)

    @property
    def max_score(self):
        return round(sum(s.max_score for s in self.steps), 6)

    @property
    def bonus_score(self):
        return round(sum(s.score for s in self.bonus), 6)

    @property
    def bonus_max_score(self):
        return round(sum(s.max_score for s in self.bonus), 6)

    def to_dict(self):
        return {"score": float(self.score), "max_score": float(self.max_score),
                "steps": [s.to_dict() for s in self.steps],
                "submission": self.submission, "grader_version": self.grader_version,
                "hidden_inputs": self.hidden_inputs, "seconds": round(self.seconds, 3),
                "isolation": self.isolation, **({"notes": list(self.notes)} if self.notes else {}),
                **({"bonus": [s.to_dict() for s in self.bonus], "bonus_score": float(self.bonus_score),
                    "bonus_max_score": float(self.bonus_max_score)} if self.bonus else {})}

    @classmethod
    def from_dict(cls, d):
        """A report read back from its JSON (``to_dict``'s output; extra keys are ignored)."""
        return cls(d["submission"], [StepResult.from_dict(s) for s in d["steps"]],
                   d["grader_version"], d["hidden_inputs"], d.get("seconds", 0.0),
                   d.get("isolation", {}), [StepResult.from_dict(s) for s in d.get("bonus", [])],
                   [text.clean(str(n)) for n in d.get("notes", [])])
