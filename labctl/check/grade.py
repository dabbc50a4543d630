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
from labs.grading import FieldPath, Issue, ObjectName, Work, at, by_name, show
from labs.lab import LabKey
from labs.metadata import EXEMPT_PREFIX
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
    differently; advice: neither; extra: advice the task sheet does not ask for (the restricted
    profile, resources, probes on pods the lab gives none), listed only with --verbose."""
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
    message: str | None = None
    """The whole finding in one sentence, where found and asked do not say it (an object not handed in,
    an object of no lab)."""

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


def exercise_set(env: Environment) -> list[LabKey]:
    """The labs the student writes and hands in: those in exercise mode for them. A student with no
    lab in exercise mode (a class in solution mode, checking for practice) is checked on every lab."""
    writable = [key for key in env.labs if LABS[key].asks(env.labs[key])]
    return [key for key in writable if key in env.exercises] or writable


def split(
    env: Environment, submitted: Sequence[Submitted], lab: LabKey | None
) -> tuple[list[Submitted], list[Submitted]]:
    """With --lab: the objects graded (that lab's, and those of no lab of the student's set) and the
    ones left out, which belong to another lab of the set. Without it, every object is graded."""
    if lab is None:
        return list(submitted), []
    others = set(owners(env, exercise_set(env))) - set(owners(env, [lab]))
    kept = [item for item in submitted if subject(item.obj) not in others]
    return kept, [item for item in submitted if subject(item.obj) in others]


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

    Handed-in files are the student's whole hand-in: every lab of their exercise set is graded, a lab
    with nothing handed in included (one required finding per object it expects); with `lab`, only
    that lab, and the objects of the set's other labs are left out (`split`). An object in another
    namespace than the student's is required; one in no lab of the set is required. They are checked
    against the API schemas of `kubernetes_version` first, and leave out what the lab's own commands
    create (the Redis ConfigMap, the MySQL Secret): those count as made.
    `live` objects come from the cluster, which has accepted them, and where only what exists does:
    a lab none of whose objects exists is not graded (not started).
    """
    first: list[Finding] = []
    if not live:
        submitted, _ = split(env, submitted, lab)
        submitted, first = first_layer(submitted, kubernetes_version)
    if lab:
        labs: list[LabKey] = [lab]
    else:
        labs = exercise_set(env) if not live else [key for key in env.labs if LABS[key].asks(env.labs[key])]
    owned = owners(env, labs)
    where: dict[ObjectName, Submitted] = {}
    for item in submitted:
        where.setdefault(subject(item.obj), item)
    graded = [key for key in labs if lab or not live or any(owned.get(name) == key for name in where)]
    known = environment_objects(env)
    if not live:
        known |= {name for key in labs for name in LABS[key].made_by_commands(env.labs[key])}
    work = Work(by_name([item.obj for item in submitted]), known)
    findings: list[Finding] = [*first, *refused(submitted, owned)]
    if not live:
        findings += [f for item in submitted if (f := elsewhere(env, item, owned)) is not None]
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
                        message=None
                        if live
                        else f"not handed in: {kind}/{wanted}, expected in namespace {env.namespace}",
                    )
                )
        findings += [_located(key, issue, where) for issue in LABS[key].grade(args, work)]
    for name, item in where.items():
        if name not in owned:
            findings.append(stray(env, name, item, owned) if not live else _no_lab(name, item, owned))
    if not live:
        findings += policy_advice(submitted, owned, exempted(env, owned), fold_restricted=_folds_restricted(env))
    return findings


def elsewhere(env: Environment, item: Submitted, owned: Mapping[ObjectName, LabKey]) -> Finding | None:
    """An object whose metadata.namespace is not the student's: `kubectl apply -f FILE -n NS`, as the
    task sheet writes it, refuses it ("the namespace from the provided object ... does not match")."""
    namespace = at(item.obj, ("metadata", "namespace"))
    if namespace is None or namespace == env.namespace:
        return None
    name = subject(item.obj)
    return Finding(
        "required",
        owned.get(name),
        "/".join(name),
        item.file,
        item.line_at(("metadata", "namespace")),
        "metadata.namespace",
        show(namespace),
        show(env.namespace),
        f"your namespace is {env.namespace}: `kubectl apply -f FILE -n {env.namespace}` refuses an object of "
        f"another namespace; leave metadata.namespace out (-n puts it in yours) or write {env.namespace}",
    )


def stray(env: Environment, name: ObjectName, item: Submitted, owned: Mapping[ObjectName, LabKey]) -> Finding:
    """A handed-in object of no lab of the student's set: required, as kubectl would create an object the
    lab never looks at, while the lab's own is missing or graded elsewhere."""
    deployed = next((key for key in env.deployed if name in owners(env, [key])), None)
    if deployed is not None:
        message = (
            f"{'/'.join(name)} is lab {deployed}'s, which the stack deploys for you (solution mode): "
            "not yours to hand in"
        )
        asked = "no object of a lab the stack deploys"
    else:
        alike = sorted(f"{kind}/{other}" for kind, other in owned if kind == name[0])
        expected = alike or sorted("/".join(other) for other in owned)
        asked = ", ".join(expected)
        message = f"{'/'.join(name)} belongs to no lab of yours: the labs expect {asked}"
    return Finding(
        "required",
        None,
        "/".join(name),
        item.file,
        item.line,
        "metadata.name",
        show(name[1]),
        asked,
        "matches no lab's object by kind and name",
        message=message,
    )


def _no_lab(name: ObjectName, item: Submitted, owned: Mapping[ObjectName, LabKey]) -> Finding:
    alike = sorted(f"{other_kind}/{other}" for other_kind, other in owned if other_kind == name[0])
    return Finding(
        "advice",
        None,
        "/".join(name),
        item.file,
        item.line,
        "metadata.name",
        name[1],
        ", ".join(alike) if alike else "an object of one of the labs",
        "matches no lab's object by kind and name",
    )


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


# Rules that read a hand-in wrongly: the student applies it with -n (and `elsewhere` checks the
# namespace: namespace-exists would call the student's own namespace "not created"), and which
# ConfigMaps and Secrets exist is the lab's comparison's business (it knows the environment and the
# lab's commands).
NOT_FOR_HAND_INS = {"no-default-namespace", "namespace-exists", "configmap-ref-resolves", "secret-ref-resolves"}

# Rules on what no task sheet asks a student to write: resources (the LimitRange gives a bare pod its
# defaults), a liveness probe on a pod whose lab has none. Their advice is `extra`.
BEYOND_THE_SHEET = {"container-resources", "probes-long-running"}
RESTRICTED = "pss-restricted-"
"""The restricted profile's rules: beyond the sheet too, unless the namespace enforces it."""


def exempted(env: Environment, owned: Mapping[ObjectName, LabKey]) -> dict[ObjectName, set[str]]:
    """The rules each lab's own object is exempted from (`exempt.k8s-labs.dev/<rule>` on the solution):
    what the lab shows by design (the probe lab's restarts, MySQL's password through secretKeyRef), and
    so what its task sheet asks of the student's object too."""
    rules: dict[ObjectName, set[str]] = {}
    for key in sorted(set(owned.values())):
        for manifest in LABS[key].build(env.labs[key], PASSWORD_STAND_IN):
            name = subject(manifest)
            if owned.get(name) != key:
                continue
            annotations = at(manifest, ("metadata", "annotations")) or {}
            rules[name] = {k.removeprefix(EXEMPT_PREFIX) for k in annotations if k.startswith(EXEMPT_PREFIX)}
    return rules


def _folds_restricted(env: Environment) -> bool:
    return env.pod_security.enforce != "restricted"


def policy_advice(
    submitted: Sequence[Submitted],
    owned: Mapping[ObjectName, LabKey],
    exempt: Mapping[ObjectName, set[str]] | None = None,
    *,
    fold_restricted: bool = True,
) -> list[Finding]:
    """The project's policy rules over the student's objects: never required, the lab works without
    them. A rule the lab's own object is exempted from is not reported on the student's; a rule on what
    the task sheet does not ask for is `extra`."""
    objects = [item.obj for item in submitted]
    exempt = exempt or {}
    findings = []
    for finding in review(objects):
        if finding.exemption is not None or finding.rule.id in NOT_FOR_HAND_INS:
            continue
        item = submitted[finding.subject]
        name = subject(item.obj)
        if finding.rule.id in exempt.get(name, set()):
            continue
        beyond = finding.rule.id in BEYOND_THE_SHEET or (fold_restricted and finding.rule.id.startswith(RESTRICTED))
        path = parse_path(finding.path or "")
        findings.append(
            Finding(
                "extra" if beyond else "advice",
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
