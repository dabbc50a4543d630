"""SARIF 2.1.0 for code-scanning UIs: one run, every rule in the driver, exemptions as suppressions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from labctl import version
from labctl.review.sources import Reviewed
from policy.rules import RULES, Enforcement, Finding, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "labctl review"


def _level(enforcement: Enforcement) -> str:
    return "error" if enforcement is Enforcement.MANDATORY else "warning"


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "helpUri": rule.url,
        "help": {"text": f"{rule.description} Standard: {rule.standard}."},
        "defaultConfiguration": {"level": _level(rule.enforcement)},
        "properties": {"severity": rule.severity.value, "standard": rule.standard, "tags": ["kubernetes"]},
    }


def _physical(file: str, line: int | None, base: str | None) -> dict[str, Any]:
    uri = str(PurePosixPath(base) / file) if base else file
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line:
        physical["region"] = {"startLine": line}
    return physical


def _location(reviewed: Reviewed, subject: int, base: str | None) -> dict[str, Any]:
    place = reviewed.locations[subject]
    location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": place.logical, "kind": "object"}]}
    if place.file is not None:
        location["physicalLocation"] = _physical(place.file, place.line, base)
    return location


def _invocation(reviewed: Reviewed, base: str | None) -> dict[str, Any]:
    """The run, unsuccessful when a file was not read: each such file is an error notification, not a result."""
    return {
        "executionSuccessful": not reviewed.unread,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": problem.problem},
                "locations": [{"physicalLocation": _physical(problem.file, problem.line, base)}],
            }
            for problem in reviewed.unread
        ],
    }


def _result(reviewed: Reviewed, finding: Finding, base: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule.id,
        "ruleIndex": RULES.index(finding.rule),
        "level": _level(finding.enforcement),
        "message": {"text": finding.message},
        "locations": [_location(reviewed, finding.subject, base)],
    }
    if finding.exemption is not None:
        in_source = finding.exemption.source.startswith("annotation")
        result["suppressions"] = [
            {
                "kind": "inSource" if in_source else "external",
                "status": "accepted",
                "justification": f"{finding.exemption.source}: {finding.exemption.reason}",
            }
        ]
    return result


def as_sarif(reviewed: Reviewed, findings: Sequence[Finding], base: str | None = None) -> str:
    """`base` prefixes each file so that URIs are relative to where the review ran (the repo root)."""
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": version(),
                "informationUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
                "rules": [_rule(rule) for rule in RULES],
            }
        },
        "invocations": [_invocation(reviewed, base)],
        "results": [_result(reviewed, finding, base) for finding in findings],
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)
