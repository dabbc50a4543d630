"""Student namespaces (label k8s-labs.dev/student) each need a quota, a NetworkPolicy and PSA labels."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from pydantic import Field

from labs.metadata import STUDENT_LABEL

from .manifest import kind, labels, name, namespace, text
from .model import Enforcement, Manifest, Params, Rule, Severity, Violation

Level = Literal["privileged", "baseline", "restricted"]
LEVELS: tuple[Level, ...] = ("privileged", "baseline", "restricted")


def _is_student_namespace(obj: Manifest) -> bool:
    return kind(obj) == "Namespace" and STUDENT_LABEL in labels(obj)


def _missing_in_student_namespaces(objects: Sequence[Manifest], wanted: str, why: str) -> Iterator[Violation]:
    holding = {namespace(obj) for obj in objects if kind(obj) == wanted}
    for subject, obj in enumerate(objects):
        if _is_student_namespace(obj) and name(obj) not in holding:
            yield Violation(subject, f"student namespace {name(obj)} has no {wanted}: {why}")


def quota_present(objects: Sequence[Manifest], _: Params) -> Iterator[Violation]:
    return _missing_in_student_namespaces(objects, "ResourceQuota", "one student can starve the class")


def network_policy_present(objects: Sequence[Manifest], _: Params) -> Iterator[Violation]:
    return _missing_in_student_namespaces(objects, "NetworkPolicy", "students reach each other's pods")


class PodSecurityParams(Params):
    minimum_enforce: Level = Field("baseline", description="lowest pod-security.kubernetes.io/enforce level")


def pod_security_labels(obj: Manifest, params: PodSecurityParams) -> Iterator[str]:
    if not _is_student_namespace(obj):
        return
    level = text(labels(obj).get("pod-security.kubernetes.io/enforce"))
    if level is None:
        yield f"student namespace {name(obj)} has no pod-security.kubernetes.io/enforce label"
    elif level not in LEVELS or LEVELS.index(level) < LEVELS.index(params.minimum_enforce):
        yield f"student namespace {name(obj)} enforces {level}, below {params.minimum_enforce}"


RULES = [
    Rule(
        id="student-namespace-quota",
        title="Student namespace has a ResourceQuota",
        description="Every student namespace caps what it may use with a ResourceQuota.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes multi-tenancy: resource quotas",
        url="https://kubernetes.io/docs/concepts/policy/resource-quotas/",
        check_stack=quota_present,
    ),
    Rule(
        id="student-namespace-network-policy",
        title="Student namespace has a NetworkPolicy",
        description="Every student namespace has a NetworkPolicy, so students cannot reach each other's pods.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="CIS Kubernetes Benchmark 5.3.2",
        url="https://www.cisecurity.org/benchmark/kubernetes",
        check_stack=network_policy_present,
    ),
    Rule(
        id="student-namespace-pod-security",
        title="Student namespace has Pod Security Admission labels",
        description="Every student namespace enforces at least the baseline Pod Security Standard.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Pod Security Admission namespace labels",
        url="https://kubernetes.io/docs/concepts/security/pod-security-admission/",
        params=PodSecurityParams,
        check_object=pod_security_labels,
    ),
]
