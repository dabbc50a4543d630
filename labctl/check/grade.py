"""A student's objects compared with what their labs ask: shared by `labctl check` (files) and
`labctl verify` (live objects). The comparison itself lives in each lab's module (its `grader`).

Handed-in files go through layers: first what the API server would refuse (labctl/check/schema.py),
then each lab's comparison, then the policy's advice. A later layer reads the objects as the first
one put them right (a kind's case, a misspelled key), so it grades what the student meant and does
not report as missing what the first layer found misspelled or misplaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import yaml

from labctl.check import schema
from labctl.check.paths import field_path, line_of, parse_path
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
    checked: schema.Checked | None = None
    """The first layer's verdict; `obj` is then the object as the later layers read it."""

    def line_at(self, path: FieldPath) -> int | None:
        """The line of a field of `obj`, found where the student wrote it."""
        written = self.checked.written(path) if self.checked else path
        return line_of(self.node, written, self.line)


@dataclass(frozen=True)
class Finding:
    level: str
    """required: the API server refuses the object, or the lab's Testing step fails or answers
    differently; advice: neither."""
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
    env: Environment,
    submitted: Sequence[Submitted],
    lab: LabKey | None = None,
    *,
    live: bool = False,
    kubernetes_version: str = schema.DEFAULT_VERSION,
) -> list[Finding]:
    """Every finding for the student's objects: what the API server would refuse, per lab, objects of
    no lab, then the policy's advice.

    Handed-in files are checked against the API schemas of `kubernetes_version` first, and leave out
    what the lab's own commands create (the Redis ConfigMap, the MySQL Secret): those count as made.
    `live` objects come from the cluster, which has accepted them, and where only what exists does.
    """
    first: list[Finding] = []
    if not live:
        submitted, first = first_layer(submitted, kubernetes_version)
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
    findings: list[Finding] = [*first, *refused(submitted, owned)]
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


def first_layer(submitted: Sequence[Submitted], version: str) -> tuple[list[Submitted], list[Finding]]:
    """Each object checked against the API schemas, as the later layers will read it; when the check
    itself fails, one advice finding says so and the objects go on as written."""
    checked = []
    try:
        for item in submitted:
            verdict = schema.check(item.obj, version)
            checked.append(replace(item, obj=verdict.obj, checked=verdict))
    except Exception as error:  # the layer's own failure must not hide what the labs can still say
        failure = Finding(
            "advice",
            None,
            "(every object)",
            None,
            None,
            "",
            f"{type(error).__name__}: {error}",
            f"the Kubernetes {version} API schemas",
            "not checked against the API schemas: the check itself failed; the labs' comparisons still ran",
        )
        return list(submitted), [failure]
    return checked, []


def refused(submitted: Sequence[Submitted], owned: Mapping[ObjectName, LabKey]) -> list[Finding]:
    """The first layer's findings: what the API server would refuse in each object (required), or
    could not check (advice)."""
    findings = []
    for item in submitted:
        if item.checked is None:
            continue
        name = subject(item.obj)
        for problem in item.checked.problems:
            findings.append(
                Finding(
                    problem.level,
                    owned.get(name),
                    "/".join(name),
                    item.file,
                    line_of(item.node, problem.path, item.line),
                    field_path(problem.path),
                    problem.found,
                    problem.asked,
                    problem.why,
                )
            )
    return findings


def _located(lab: LabKey, issue: Issue, where: Mapping[ObjectName, Submitted]) -> Finding:
    item = where.get(issue.subject)
    file = item.file if item else None
    line = item.line_at(issue.path) if item else None
    found = issue.found
    # A lab's "nothing" where the student wrote the key at a level Kubernetes has no such field:
    # say where it is, rather than that it was forgotten.
    misplaced = item.checked.misplaced if item and item.checked else []
    at_wrong_level = next((m for m in misplaced if schema.matches(m.belongs, issue.path)), None)
    if at_wrong_level is not None and found == "nothing" and item is not None:
        written = at_wrong_level.written
        found = f"nothing there: {written[-1]} is written at {field_path(written)}, where Kubernetes has no such field"
        line = line_of(item.node, written, item.line)
    return Finding(
        issue.level,
        lab,
        "/".join(issue.subject),
        file,
        line,
        field_path(issue.path),
        found,
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
                item.line_at(path),
                finding.path or "",
                finding.message,
                finding.rule.title,
                finding.rule.description,
                finding.rule.id,
            )
        )
    return findings
