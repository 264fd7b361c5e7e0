"""A class's grades at a glance: statistics over the reports ``nnkata grade DIR --out OUT`` wrote.

``load`` reads ``OUT/*.json`` (each a ``Report.to_dict()`` plus ``key`` and ``source``),
``summarise`` turns them into plain data, and ``table`` and ``html`` show that data. Names and
messages come from untrusted submissions: ``html`` escapes every one of them, ``table`` drops
control characters, so neither a page nor a terminal can be hijacked by a student's string.
"""

import html as _html
import json
import math
import re
import statistics
from collections import Counter
from pathlib import Path

from grader.kata import curriculum
from grader.errors import HarnessError
from grader.atomic import write_text
from grader.text import name as display_name

BINS = 10  # 0-10, ..., 90-100 (100 falls in the last)
TOP = 10
SLOWEST = 5
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?")
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


class Reports(list):
    """The reports ``load`` read; ``warnings`` says which files it skipped, and why."""
    warnings = ()


def _number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _problem(doc):
    """Why ``doc`` is not a grader report, or '' when it is one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        return "not a grader report (no list of steps)"
    if not (_number(doc.get("score")) and _number(doc.get("max_score"))):
        return "not a grader report (no numeric score and max_score)"
    if not _number(doc.get("seconds", 0)):
        return "its seconds is not a number"
    for s in doc["steps"]:
        if not (isinstance(s, dict) and isinstance(s.get("name"), str) and _number(s.get("score"))
                and _number(s.get("max_score")) and isinstance(s.get("status"), str)
                and isinstance(s.get("checks"), list)):
            return "a step is malformed (it needs name, score, max_score, status and checks)"
        for c in s["checks"]:
            if not (isinstance(c, dict) and isinstance(c.get("name"), str)
                    and isinstance(c.get("status"), str) and isinstance(c.get("message", ""), str)):
                return f"a check of step {s['name']!r} is malformed"
    return ""


def load(out_dir):
    """The reports in ``out_dir`` by file name, each with ``_file``, its JSON file's name.

    Hidden and non-JSON files (grades.csv, report.html) are passed over; a JSON file that is not
    a report is skipped with a message in ``.warnings``. No report at all is a HarnessError."""
    folder = Path(out_dir)
    if not folder.is_dir():
        raise HarnessError(f"{folder} is not a folder of reports: run `nnkata grade DIR --out "
                           f"{folder}` first")
    found, found.warnings = Reports(), []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            found.warnings.append(f"{path.name} skipped: not readable JSON ({exc})")
            continue
        if _problem(doc):
            found.warnings.append(f"{path.name} skipped: {_problem(doc)}")
            continue
        doc["_file"] = path.name
        found.append(doc)
    if not found:
        w = found.warnings
        skipped = f" ({len(w)} JSON files skipped: {'; '.join(w[:3])})" if w else ""
        raise HarnessError(f"no grader reports in {folder}{skipped}: run `nnkata grade DIR --out "
                           f"{folder}` first")
    return found


def name_of(report, index=0):
    """The submission's name: its file in the class folder, else the report's file or path."""
    for key in ("source", "_file", "submission"):
        if report.get(key):
            value = str(report[key])
            return value[:-5] if key == "_file" and value.endswith(".json") else value
    return f"#{index + 1}"


def _cause_sentence(message):
    """The words of the named mistake ("Named mistake (slug): words"), else the first question
    the message asks; or ''."""
    text = " ".join(message.split())
    marker = re.search(r"Named mistake \([^)]*\):", text)
    if marker:
        found = SENTENCE_END.split(text[marker.end():].strip())[0]
    else:
        found = next((s for s in SENTENCE_END.split(text) if s.rstrip(".").endswith("?")), "")
    return re.sub(r"([?!])\.+$", r"\1", found)[:200]


def cause(message):
    """The likely cause a message names, with every number as N so that one mistake groups
    together whatever the batch size; None when the message names none."""
    return NUMBER.sub("N", _cause_sentence(message)) or None


def _ungradable(report):
    """No step could run at all: the file was missing or could not be imported."""
    return bool(report["steps"]) and all(s["status"] == "error" for s in report["steps"])


def summarise(reports):
    """Plain data about a class: scores, their histogram, each step, the common mistakes."""
    warnings = list(getattr(reports, "warnings", []))
    reports = list(reports or ())
    if not reports:
        raise HarnessError("no reports to summarise")
    n = len(reports)
    names = [name_of(r, i) for i, r in enumerate(reports)]
    scores = [float(r["score"]) for r in reports]
    maxima = sorted({float(r["max_score"]) for r in reports})
    if len(maxima) > 1:
        warnings.append(f"the reports have different maximum scores ({', '.join(map(_fmt, maxima))}): "
                        "graded with different steps? The histogram uses percentages")
    versions = sorted({str(r.get("grader_version")) for r in reports})
    if len(versions) > 1:
        warnings.append(f"the reports come from different grader versions: {', '.join(versions)}")
    counts = [0] * BINS
    for r in reports:
        pct = round(100 * r["score"] / r["max_score"], 6) if r["max_score"] else 0.0
        counts[min(max(int(pct // (100 / BINS)), 0), BINS - 1)] += 1  # 100 joins the last bin
    width = 100 // BINS
    histogram = [{"label": f"{i * width}–{(i + 1) * width}", "low": i * width,
                  "high": (i + 1) * width, "count": c} for i, c in enumerate(counts)]

    known = [s.name for s in curriculum.STEPS]  # registry order, then unknown steps as first seen
    step_names = sorted(dict.fromkeys(s["name"] for r in reports for s in r["steps"]),
                        key=lambda name: known.index(name) if name in known else len(known))
    steps = []
    for name in step_names:
        rows = [s for r in reports for s in r["steps"] if s["name"] == name]
        status = Counter(s["status"] for s in rows)
        steps.append({"name": name, "submissions": len(rows), "pass_rate": status["passed"] / len(rows),
                      "mean_score": statistics.fmean(s["score"] for s in rows),
                      "max_score": max(s["max_score"] for s in rows),
                      **{k: status[k] for k in ("passed", "failed", "pending", "error")}})

    failing, diagnoses, examples = Counter(), Counter(), {}
    for r in reports:
        if _ungradable(r):
            continue  # one broken file is not ten failing checks
        seen_checks, seen_causes = set(), set()
        for s in r["steps"]:
            for c in s["checks"]:
                message = c.get("message", "")
                if c["status"] not in ("failed", "error") or message.startswith("not run:"):
                    continue
                seen_checks.add((s["name"], c["name"]))
                found = cause(message)
                if found:
                    seen_causes.add((s["name"], found))
                    examples.setdefault((s["name"], found), _cause_sentence(message))
        failing.update(seen_checks)
        diagnoses.update(seen_causes)
    rank = {name: i for i, name in enumerate(step_names)}
    check_rank = {(s.name, c.name): i for s in curriculum.STEPS for i, c in enumerate(s.checks)}
    top_checks = sorted(failing.items(), key=lambda kv: (-kv[1], rank[kv[0][0]],
                                                          check_rank.get(kv[0], 99), kv[0][1]))[:TOP]
    top_causes = sorted(diagnoses.items(), key=lambda kv: (-kv[1], rank[kv[0][0]], kv[0][1]))[:TOP]
    seconds = [(name, float(r.get("seconds", 0.0))) for name, r in zip(names, reports)]
    slowest = sorted(seconds, key=lambda t: (-t[1], t[0]))[:SLOWEST]
    return {
        "count": n, "max_score": maxima[-1], "histogram": histogram, "steps": steps,
        "score": {"mean": statistics.fmean(scores), "median": statistics.median(scores),
                  "min": min(scores), "max": max(scores), "stdev": statistics.pstdev(scores)},
        "failing_checks": [{"step": s, "check": c, "count": k, "share": k / n} for (s, c), k in top_checks],
        "diagnoses": [{"step": s, "diagnosis": d, "count": k, "share": k / n,
                       "example": examples[(s, d)]} for (s, d), k in top_causes],
        "slowest": [{"name": name, "seconds": sec} for name, sec in slowest],
        "ungradable": [name for name, r in zip(names, reports) if _ungradable(r)],
        "warnings": warnings,
    }


def _fmt(x):
    return f"{x:g}" if float(x) == int(x) else f"{x:.1f}"


def _sections(summary):
    """(title, header, rows, right-aligned columns) for every table both views show."""
    sc = summary["score"]
    return [
        ("Scores", ("mean", "median", "stdev", "min", "max"),
         [(f"{sc['mean']:.1f}", _fmt(sc["median"]), f"{sc['stdev']:.1f}", _fmt(sc["min"]),
           _fmt(sc["max"]))], range(5)),
        ("Steps", ("step", "passed", "failed", "pending", "error", "pass rate", "mean score"),
         [(s["name"], s["passed"], s["failed"], s["pending"], s["error"], f"{s['pass_rate']:.0%}",
           f"{s['mean_score']:.1f}/{_fmt(s['max_score'])}") for s in summary["steps"]], range(1, 7)),
        ("Most common failing checks", ("count", "share", "step", "check"),
         [(f["count"], f"{f['share']:.0%}", f["step"], f["check"]) for f in summary["failing_checks"]],
         (0, 1)),
        ("Most common diagnoses", ("count", "share", "step", "diagnosis"),
         [(d["count"], f"{d['share']:.0%}", d["step"], d["diagnosis"]) for d in summary["diagnoses"]],
         (0, 1)),
        ("Slowest to grade", ("seconds", "submission"),
         [(f"{s['seconds']:.1f}", s["name"]) for s in summary["slowest"]], (0,)),
    ]


def _title(summary):
    n = summary["count"]
    return f"nnkata class report · {n} submission{'s' * (n != 1)}, out of {_fmt(summary['max_score'])}"


def _clean(text, width=100):
    """A student's string made safe for a terminal: no control characters, at most ``width``."""
    text = display_name(str(text))
    return text if len(text) <= width else text[:width - 1] + "…"


def table(summary):
    """The summary as plain text for a terminal: aligned columns, a bar per score bin."""
    lines = [_title(summary), "", "Distribution of total scores (% of the maximum)"]
    top = max(b["count"] for b in summary["histogram"]) or 1
    for b in summary["histogram"]:
        lines.append(f"  {b['label']:>7}  {b['count']:>4}  {'█' * round(30 * b['count'] / top)}".rstrip())
    for title, header, rows, right in _sections(summary):
        if not rows:
            continue
        rows = [tuple(_clean(v) for v in r) for r in rows]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines += ["", title]
        for r in [header, *rows]:
            cells = (f"{v:>{w}}" if i in right else f"{v:<{w}}" for i, (v, w) in enumerate(zip(r, widths)))
            lines.append(("  " + "  ".join(cells)).rstrip())
    if summary["ungradable"]:
        lines += ["", f"Could not be graded at all ({len(summary['ungradable'])}): "
                      + ", ".join(_clean(x, 40) for x in summary["ungradable"])]
    if summary["warnings"]:
        lines += ["", *(f"warning: {_clean(w, 200)}" for w in summary["warnings"])]
    return "\n".join(lines) + "\n"


def svg_histogram(histogram, width=560, height=240):
    """An inline SVG bar chart: one ``rect class="bar"`` per bin, its count above it."""
    left, bottom, top_pad = 10, 30, 20
    slot = (width - 2 * left) / len(histogram)
    top = max(b["count"] for b in histogram) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" aria-label="distribution of total scores">']
    for i, b in enumerate(histogram):
        h = (height - bottom - top_pad) * b["count"] / top
        x, y, mid = left + i * slot + 3, height - bottom - h, left + (i + 0.5) * slot
        label = _html.escape(b["label"])
        parts += [f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot - 6:.1f}" height="{h:.1f}">'
                  f'<title>{label}: {b["count"]}</title></rect>',
                  f'<text x="{mid:.1f}" y="{y - 4:.1f}">{b["count"]}</text>',
                  f'<text x="{mid:.1f}" y="{height - bottom + 16}">{label}</text>']
    return "\n".join(parts + ["</svg>"])


STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{padding:.2em .7em;text-align:left;border-bottom:
1px solid #ddd;vertical-align:top}td.r{text-align:right}.bar{fill:#3b7dd8}svg text{font-size:12px;
text-anchor:middle}.warn{color:#a33}"""


def html(summary):
    """One self-contained page (inline CSS and SVG, no script); every string is escaped."""
    e = _html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>nnkata class report</title>", f"<style>{STYLE}</style></head><body>",
           f"<h1>{e(_title(summary))}</h1>", "<h2>Distribution of total scores (% of the maximum)</h2>",
           svg_histogram(summary["histogram"])]
    for title, header, rows, right in _sections(summary):
        if not rows:
            continue
        body = "".join("<tr>" + "".join(f'<td{" class=r" if i in right else ""}>{e(str(v))}</td>'
                                        for i, v in enumerate(r)) + "</tr>\n" for r in rows)
        head = "".join(f"<th>{e(h)}</th>" for h in header)
        out.append(f"<h2>{e(title)}</h2><table><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>")
    if summary["ungradable"]:
        out.append(f"<h2>Could not be graded at all</h2><p>{e(', '.join(summary['ungradable']))}</p>")
    out += [f'<p class="warn">warning: {e(w)}</p>' for w in summary["warnings"]]
    return "\n".join(out + ["</body></html>"]) + "\n"


def write_html(summary, path):
    """Write ``html(summary)`` to ``path``, whole or not at all (a temporary file, a rename)."""
    try:
        write_text(path, html(summary))
    except OSError as exc:
        raise HarnessError(f"cannot write the class report to {path}: {exc}") from None
