"""A student's objects compared with what their labs ask: shared by `labctl check` (files) and
`labctl verify` (live objects). The comparison itself lives in each lab's module (its `grader`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import yaml

from labctl.review.sources import PASSWORD_STAND_IN
from labs.catalog import LABS
from labs.environment import Environment
from labs.grading import FieldPath, Issue, ObjectName, Work, at, by_name
from labs.lab import LabKey
from policy.rules import review


@dataclass(frozen=True)
class Submitted:
    """One object a student wrote, and where: file and line, and the YAML node for the lines of its fields."""

    obj: Mapping[str, Any]
    file: str
    line: int | None = None
    node: yaml.Node | None = None


@dataclass(frozen=True)
class Finding:
    level: str
    """required: the lab's Testing step fails or answers differently; advice: it does not."""
    lab: str | None
    object: str
    """Kind/name."""
    file: str | None
    line: int | None
    path: str
    found: str
    asked: str
    why: str
    rule: str | None = None
    """The policy rule behind an advice finding."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def field_path(path: FieldPath) -> str:
    """`spec.containers[0].readinessProbe.initialDelaySeconds`, as kubectl explain writes it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_path(text: str) -> FieldPath:
    """`spec.containers[0].image` as a path; the inverse of field_path."""
    parts: list[str | int] = []
    for word in text.split("."):
        name, *indexes = word.replace("]", "").split("[")
        if name:
            parts.append(name)
        parts += [int(index) for index in indexes if index.isdigit()]
    return tuple(parts)


def line_of(node: yaml.Node | None, path: FieldPath, fallback: int | None) -> int | None:
    """The line of the deepest part of `path` present in the YAML node (JSON gives the object's line)."""
    line = fallback
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            child = next((value for key, value in node.value if getattr(key, "value", None) == part), None)
            if child is not None:
                line = next(key.start_mark.line + 1 for key, value in node.value if value is child)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def subject(obj: Mapping[str, Any]) -> ObjectName:
    return str(obj.get("kind")), str(at(obj, ("metadata", "name")))


def environment_objects(env: Environment) -> set[ObjectName]:
    """The ConfigMaps and Secrets the stack creates in the student's namespace (the deployed labs')."""
    made = set()
    for key, args in env.deployed.items():
        for manifest in LABS[key].build(args, PASSWORD_STAND_IN):
            if manifest["kind"] in ("ConfigMap", "Secret"):
                made.add(subject(manifest))
    return made


def owners(env: Environment, labs: Sequence[LabKey]) -> dict[ObjectName, LabKey]:
    found: dict[ObjectName, LabKey] = {}
    for key in labs:
        args = env.labs[key]
        for name in [*LABS[key].asks(args), *LABS[key].made_by_commands(args)]:
            found.setdefault(name, key)
    return found


def grade(
    env: Environment, submitted: Sequence[Submitted], lab: LabKey | None = None, *, live: bool = False
) -> list[Finding]:
    """Every finding for the student's objects: per lab, then objects of no lab, then the policy's advice.

    Handed-in files leave out what the lab's own commands create (the Redis ConfigMap, the MySQL
    Secret): those count as made. `live` objects come from the cluster, where only what exists does.
    """
    labs: list[LabKey] = [lab] if lab else [key for key in env.labs if LABS[key].asks(env.labs[key])]
    owned = owners(env, labs)
    where: dict[ObjectName, Submitted] = {}
    for item in submitted:
        where.setdefault(subject(item.obj), item)
    graded = [key for key in labs if lab or any(owned.get(name) == key for name in where)]
    known = environment_objects(env)
    if not live:
        known |= {name for key in labs for name in LABS[key].made_by_commands(env.labs[key])}
    work = Work(by_name([item.obj for item in submitted]), known)
    findings: list[Finding] = []
    for key in graded:
        args = env.labs[key]
        for kind, wanted in LABS[key].asks(args):
            if (kind, wanted) not in where:
                findings.append(
                    Finding(
                        "required",
                        key,
                        f"{kind}/{wanted}",
                        None,
                        None,
                        "",
                        "nothing",
                        f"{kind} {wanted}",
                        "the lab's Testing steps use this name",
                    )
                )
        findings += [_located(key, issue, where) for issue in LABS[key].grade(args, work)]
    for name, item in where.items():
        if name not in owned:
            alike = sorted(f"{other_kind}/{other}" for other_kind, other in owned if other_kind == name[0])
            asked = ", ".join(alike) if alike else "an object of one of the labs"
            findings.append(
                Finding(
                    "advice",
                    None,
                    "/".join(name),
                    item.file,
                    item.line,
                    "metadata.name",
                    name[1],
                    ", ".join(asked) if isinstance(asked, list) else asked,
                    "matches no lab's object by kind and name",
                )
            )
    if not live:
        findings += policy_advice(submitted, owned)
    return findings


def _located(lab: LabKey, issue: Issue, where: Mapping[ObjectName, Submitted]) -> Finding:
    item = where.get(issue.subject)
    file = item.file if item else None
    line = line_of(item.node, issue.path, item.line) if item else None
    return Finding(
        issue.level,
        lab,
        "/".join(issue.subject),
        file,
        line,
        field_path(issue.path),
        issue.found,
        issue.asked,
        issue.why,
    )


# Rules that read a hand-in wrongly: the student applies it with -n, and which ConfigMaps and
# Secrets exist is the lab's comparison's business (it knows the environment and the lab's commands).
NOT_FOR_HAND_INS = {"no-default-namespace", "configmap-ref-resolves", "secret-ref-resolves"}


def policy_advice(submitted: Sequence[Submitted], owned: Mapping[ObjectName, LabKey]) -> list[Finding]:
    """The project's policy rules over the student's objects: never required, the lab works without them."""
    objects = [item.obj for item in submitted]
    findings = []
    for finding in review(objects):
        if finding.exemption is not None or finding.rule.id in NOT_FOR_HAND_INS:
            continue
        item = submitted[finding.subject]
        name = subject(item.obj)
        path = parse_path(finding.path or "")
        findings.append(
            Finding(
                "advice",
                owned.get(name),
                "/".join(name),
                item.file,
                line_of(item.node, path, item.line),
                finding.path or "",
                finding.message,
                finding.rule.title,
                finding.rule.description,
                finding.rule.id,
            )
        )
    return findings
