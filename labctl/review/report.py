"""`labctl review` output for people (table, summary) and for programs (json)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from labctl.review.sources import Reviewed
from policy.rules import Enforcement, Finding
from policy.rules.manifest import describe, kind, name, namespace

STATUS_ORDER = {"fail": 0, "warn": 1, "exempted": 2}


def status(finding: Finding) -> str:
    if finding.exemption is not None:
        return "exempted"
    return "fail" if finding.enforcement is Enforcement.MANDATORY else "warn"


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: (STATUS_ORDER[status(finding)], finding.subject))


def counts(findings: Sequence[Finding]) -> Counter[str]:
    return Counter(status(finding) for finding in findings)


def summary_line(reviewed: Reviewed, findings: Sequence[Finding]) -> str:
    """The verdict: FAILED on a mandatory violation, else INCOMPLETE when a file was not read, else passed."""
    found = counts(findings)
    verdict = "FAILED" if found["fail"] else "INCOMPLETE" if reviewed.unread else "passed"
    not_read = f"; {len(reviewed.unread)} file(s) not read" if reviewed.unread else ""
    return (
        f"review {verdict}: {found['fail']} mandatory violation(s), {found['warn']} advisory, "
        f"{found['exempted']} exempted, over {len(reviewed.objects)} objects of {reviewed.origin}{not_read}"
    )


def not_read(reviewed: Reviewed) -> list[str]:
    """The files not read, each with why beneath it, and a blank line after them, before the table."""
    lines = []
    for problem in reviewed.unread:
        where = f"{problem.file}:{problem.line}" if problem.line else problem.file
        lines += [f"NOT READ  {where}", f"          {problem.problem}"]
    return [*lines, ""] if lines else []


def table(reviewed: Reviewed, findings: Sequence[Finding]) -> str:
    """The files not read, then one row per finding, its message (and any exemption) indented beneath it."""
    if not findings:
        return "\n".join([*not_read(reviewed), "no findings", "", summary_line(reviewed, findings)])
    rows = [("STATUS", "SEVERITY", "RULE", "OBJECT", "WHERE")]
    details: list[list[str]] = [[]]
    for finding in ordered(findings):
        obj, location = reviewed.objects[finding.subject], reviewed.locations[finding.subject]
        where = str(location) if location.file is not None and location.line else location.logical.split("/")[0]
        rows.append((status(finding).upper(), finding.rule.severity.value, finding.rule.id, describe(obj), where))
        lines = [finding.message]
        if finding.exemption is not None:
            lines.append(f"exempted by {finding.exemption.source}: {finding.exemption.reason}")
        details.append(lines)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    indent = " " * (widths[0] + 2)
    out = []
    for row, lines in zip(rows, details, strict=True):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        out += [indent + line for line in lines]
    return "\n".join([*not_read(reviewed), *out, "", summary_line(reviewed, findings)])


def summary(reviewed: Reviewed, findings: Sequence[Finding]) -> str:
    per_rule = Counter((finding.rule.id, status(finding)) for finding in findings)
    lines = [f"  {count:3d} {state:<8} {rule_id}" for (rule_id, state), count in sorted(per_rule.items())]
    lines += [f"  not read: {problem}" for problem in reviewed.unread]
    return "\n".join([summary_line(reviewed, findings), *lines])


def as_json(reviewed: Reviewed, findings: Sequence[Finding]) -> str:
    found = counts(findings)
    document: dict[str, Any] = {
        "origin": reviewed.origin,
        "objects": len(reviewed.objects),
        "summary": {
            "passed": not found["fail"] and not reviewed.unread,
            "mandatory": found["fail"],
            "advisory": found["warn"],
            "exempted": found["exempted"],
            "unread": len(reviewed.unread),
        },
        "unread": [asdict(problem) for problem in reviewed.unread],
        "findings": [_finding(reviewed, finding) for finding in ordered(findings)],
    }
    return json.dumps(document, indent=2)


def _finding(reviewed: Reviewed, finding: Finding) -> dict[str, Any]:
    obj = reviewed.objects[finding.subject]
    location = reviewed.locations[finding.subject]
    return {
        "rule": finding.rule.id,
        "status": status(finding),
        "severity": finding.rule.severity.value,
        "enforcement": finding.enforcement.value,
        "message": finding.message,
        "object": {"kind": kind(obj), "namespace": namespace(obj), "name": name(obj)},
        "location": {"logical": location.logical, "file": location.file, "line": location.line},
        "exemption": (
            None
            if finding.exemption is None
            else {"source": finding.exemption.source, "reason": finding.exemption.reason}
        ),
        "standard": finding.rule.standard,
        "url": finding.rule.url,
    }
