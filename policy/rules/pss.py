"""Pod Security Standards controls as data: each control, its definition per policy version, and its source.

A control mirrors one check of Kubernetes' pod-security-admission (policy/check_*.go): the check
that applies at a policy version is the newest definition whose `since` is at or below it, and
below the first definition the control does not exist (host probes before v1.34). Baseline
controls are judged at the namespace's `enforce-version`, restricted ones at its `warn-version`
(the student namespaces enforce baseline and warn at restricted); `latest` when unset.

Where PSA reports one line per pod, these rules report one finding per field at fault, each
message starting with the field's path in the object, so that a Deployment's finding points into
`spec.template.spec`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .model import Enforcement, Manifest, Params, Rule, Severity, Violation
from .psa import Level, Pod, Version, pods

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
SOURCE_REPO = "kubernetes/pod-security-admission"

Hit = tuple[str, str]
"""(path in the pod, what is wrong there)."""
PodCheck = Callable[[Pod, Any], Iterable[Hit]]


@dataclass(frozen=True)
class Definition:
    since: Version
    check: PodCheck


@dataclass(frozen=True)
class Control:
    rule_id: str
    level: Level
    name: str
    """The control's name in the Pod Security Standards."""
    description: str
    source: str
    """The pod-security-admission file and check id it mirrors."""
    definitions: tuple[Definition, ...]
    params: type[Params] = Params

    def __post_init__(self) -> None:
        versions = [definition.since for definition in self.definitions]
        if not versions or versions != sorted(set(versions)):
            raise ValueError(f"{self.rule_id}: definitions must be in increasing version order")

    def at(self, version: Version) -> PodCheck | None:
        """The definition in force at `version`, or None when the control is newer than it."""
        found = [definition.check for definition in self.definitions if definition.since <= version]
        return found[-1] if found else None

    def version_for(self, pod: Pod) -> Version:
        return pod.policy.enforce_version if self.level == "baseline" else pod.policy.warn_version


def since(minor: int, check: PodCheck) -> Definition:
    return Definition(Version(minor), check)


def check_source(file: str, check_id: str) -> str:
    """Where a control's check is written: its Go file in the admission library and the check's id."""
    return f"{SOURCE_REPO} policy/{file} (check {check_id})"


def _violations(control: Control) -> Callable[[Sequence[Manifest], Any], Iterator[Violation]]:
    def check(objects: Sequence[Manifest], params: Any) -> Iterator[Violation]:
        for pod in pods(objects):
            definition = control.at(control.version_for(pod))
            if definition is None:
                continue
            for path, problem in definition(pod, params):
                where = pod.path(path)
                yield Violation(pod.subject, f"{where}: {problem}", path=where)

    return check


def rule(control: Control) -> Rule:
    """One control as a mandatory rule: baseline high, restricted medium.

    It reads the namespace's PSA labels, so it runs over the whole set of objects (a CrossGuard
    stack policy); a Pod whose namespace is not in the set is judged at `latest`.
    """
    return Rule(
        id=control.rule_id,
        title=f"PSS {control.level}: {control.name}",
        description=control.description,
        severity=Severity.HIGH if control.level == "baseline" else Severity.MEDIUM,
        enforcement=Enforcement.MANDATORY,
        standard=f"Pod Security Standards, {control.level}: {control.name}",
        url=f"{PSS_URL}#{control.level}",
        params=control.params,
        check_stack=_violations(control),
    )
