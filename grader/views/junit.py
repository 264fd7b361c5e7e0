"""JUnit XML: a ``<testsuite>`` per submission, a ``<testcase>`` per check.

Two programs write JUnit for a kata: ``nnkata grade --format junit`` (this module) and
``pytest --nnkata --junitxml`` (pytest's own writer, fed by ``grader/pytest_plugin.py``). A CI
system must read the same thing from both, so both follow one mapping, ``ELEMENT``:

=========  ==============  ===================================================================
status     element         why
=========  ==============  ===================================================================
passed     (none)          the check ran and held
failed     ``<failure>``   the submission ran and gave a wrong answer: an assertion failed
pending    ``<failure>``   the stub still raises NotImplementedError: the work is not done, a
                           red test, as a failing assertion would be
error      ``<error>``     the check could not get an answer from the submission at all (a
                           syntax error, an import that fails, a crash, a timeout): JUnit's
                           "error" (the test could not run as written), not a wrong answer
skipped    ``<skipped>``   not run: it waits on a check that failed
=========  ==============  ===================================================================

pytest writes ``<failure>`` for an exception in an item's call and ``<error>`` only for one in
its setup (or teardown, or collection), so the plugin gets the error status's ``<error>`` by
failing the item in its setup (``KataCheck.setup``), and the others in its call.

Names are pytest's too. pytest names a test case from its node id,
``exercises/network.py::softmax::shape``: the classname is the path relative to the rootdir
with ``/`` as ``.`` and ``.py`` dropped, then the step (``exercises.network.softmax``), the
name is the check. ``classname`` applies that rule (``_pytest.junitxml.mangle_test_address``)
to the submission's path relative to the working folder, pytest's rootdir when no ini file
says otherwise: one file gives one classname in both, and a class's submissions are told apart
(``subs.ada.softmax``, ``subs.bob.softmax``) where CI systems group test cases by classname.

The output is valid under the rules of the schema pytest validates its own output with
(``testing/example_scripts/junit-10.xsd`` in pytest's repository): ``<testsuites>`` carries
only name, time, tests, failures and errors (no ``skipped``), a suite its required name,
tests, failures and errors, times have at most three decimals. The tests hold both outputs to
``tests/fixtures/schemas/junit.xsd``, written from those rules.
"""

import math
import os
import re
from pathlib import Path
from xml.etree import ElementTree as ET

from grader.views.formats import LIMITS, clip, points

ELEMENT = {"passed": None, "failed": "failure", "pending": "failure", "error": "error",
           "skipped": "skipped"}
COUNT = {"failure": "failures", "error": "errors", "skipped": "skipped"}  # suite attribute per element


def classname(submission, step, cwd=None):
    """pytest's classname for ``step``'s checks in the file ``submission``: the path relative
    to ``cwd`` (default: the working folder) as a dotted name without ``.py``, then the step.
    A path outside ``cwd`` keeps its own spelling (as given, its separators as dots)."""
    path = Path(submission)
    base = Path(os.path.abspath(cwd or os.getcwd()))
    try:
        relative = Path(os.path.abspath(path)).relative_to(base).as_posix()
    except ValueError:
        relative = path.as_posix()
    return re.sub(r"\.py$", "", relative.replace("/", ".")) + "." + step


def counts(report):
    """The suite's counts under ``ELEMENT``: tests, failures, errors, skipped."""
    out = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for s in report.steps:
        for c in s.checks:
            out["tests"] += 1
            if ELEMENT[c.status]:
                out[COUNT[ELEMENT[c.status]]] += 1
    return out


def junit(reports):
    """JUnit XML of ``reports``: a suite per submission, a test case per check (``ELEMENT``)."""
    root = ET.Element("testsuites", name="nnkata")
    totals = {"tests": 0, "failures": 0, "errors": 0}  # junit-10 allows no skipped here
    seconds = 0.0
    for report in reports:
        number = counts(report)
        suite = ET.SubElement(root, "testsuite", name=_xml_text(report.submission) or "submission",
                              time=_seconds(report.seconds), **{k: str(v) for k, v in number.items()})
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=f"{points(report.score, report.max_score):g}")
        ET.SubElement(props, "property", name="max_score", value=f"{report.max_score:g}")
        for s in report.steps:
            for c in s.checks:
                case = ET.SubElement(suite, "testcase", classname=_xml_text(classname(report.submission, s.name)),
                                     name=c.name, time=_seconds(s.seconds / max(len(s.checks), 1)))
                element = ELEMENT[c.status]
                if element:
                    message = _xml_text(clip(c.message or c.status, LIMITS["junit"]))
                    node = ET.SubElement(case, element, message=_first(message), type=c.status)
                    if element != "skipped":
                        node.text = message
        for k in totals:
            totals[k] += number[k]
        seconds += report.seconds
    root.attrib.update({k: str(v) for k, v in totals.items()}, time=_seconds(seconds))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _seconds(x):
    """Seconds as junit-10's time takes them: digits, a point, at most three decimals."""
    x = float(x)
    return f"{max(x, 0.0):.3f}" if math.isfinite(x) else "0.000"


def _first(message):
    return message.splitlines()[0] if message else ""


def _xml_text(message):
    """Text XML 1.0 can hold: control characters a student's message may carry are dropped."""
    return "".join(ch for ch in message if ch in "\t\n\r" or (" " <= ch <= "\ud7ff")
                   or ("\ue000" <= ch <= "\ufffd") or ch >= "\U00010000")
