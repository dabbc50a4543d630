"""Given student namespaces (label k8s-labs.dev/student), each must hold a quota, a NetworkPolicy and PSA labels."""

from __future__ import annotations

from typing import Any

import pytest

from labs.metadata import STUDENT_LABEL
from policy.rules import load_settings, review

STUDENT_RULES = ("student-namespace-quota", "student-namespace-network-policy", "student-namespace-pod-security")
ENFORCE = "pod-security.kubernetes.io/enforce"


def namespace(name: str, student: bool = True, enforce: str | None = "baseline") -> dict[str, Any]:
    labels = {STUDENT_LABEL: name} if student else {}
    if enforce is not None:
        labels[ENFORCE] = enforce
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def held(kind: str, name: str, where: str) -> dict[str, Any]:
    api_version = "networking.k8s.io/v1" if kind == "NetworkPolicy" else "v1"
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": where}}


def guarded(where: str) -> list[dict[str, Any]]:
    return [held("ResourceQuota", "budget", where), held("NetworkPolicy", "same-namespace-only", where)]


def student_findings(objects: list[dict[str, Any]], config: dict[str, Any] | None = None) -> list[tuple[str, int, str]]:
    found = review(objects, load_settings(config))
    return [(f.rule.id, f.subject, f.message) for f in found if f.rule.id in STUDENT_RULES]


def test_a_guarded_student_namespace_passes() -> None:
    assert student_findings([namespace("lab-a"), *guarded("lab-a")]) == []


def test_a_bare_student_namespace_lacks_its_quota_and_network_policy() -> None:
    assert student_findings([namespace("lab-a")]) == [
        (
            "student-namespace-quota",
            0,
            "student namespace lab-a has no ResourceQuota: one student can starve the class",
        ),
        (
            "student-namespace-network-policy",
            0,
            "student namespace lab-a has no NetworkPolicy: students reach each other's pods",
        ),
    ]


def test_what_another_namespace_holds_does_not_guard_a_student_namespace() -> None:
    objects = [namespace("lab-a"), namespace("lab-b"), *guarded("lab-b")]
    assert [(rule, subject) for rule, subject, _ in student_findings(objects)] == [
        ("student-namespace-quota", 0),
        ("student-namespace-network-policy", 0),
    ]


def test_a_namespace_without_the_student_label_needs_none_of_it() -> None:
    assert student_findings([namespace("tools", student=False, enforce=None)]) == []


@pytest.mark.parametrize(
    ("enforce", "config", "message"),
    [
        (None, None, "student namespace lab-a has no pod-security.kubernetes.io/enforce label"),
        ("privileged", None, "student namespace lab-a enforces privileged, below baseline"),
        ("strict", None, "student namespace lab-a enforces strict, below baseline"),
        ("baseline", {"minimumEnforce": "restricted"}, "student namespace lab-a enforces baseline, below restricted"),
        ("baseline", None, None),
        ("restricted", None, None),
        ("restricted", {"minimumEnforce": "restricted"}, None),
        ("privileged", {"minimumEnforce": "privileged"}, None),
    ],
)
def test_a_student_namespace_enforces_at_least_the_minimum_pod_security_level(
    enforce: str | None, config: dict[str, Any] | None, message: str | None
) -> None:
    objects = [namespace("lab-a", enforce=enforce), *guarded("lab-a")]
    settings = None if config is None else {"student-namespace-pod-security": config}
    expected = [] if message is None else [("student-namespace-pod-security", 0, message)]
    assert student_findings(objects, settings) == expected


def test_each_missing_guard_is_reported_on_its_own() -> None:
    objects = [namespace("lab-a"), held("ResourceQuota", "budget", "lab-a"), held("ConfigMap", "settings", "lab-a")]
    assert student_findings(objects) == [
        (
            "student-namespace-network-policy",
            0,
            "student namespace lab-a has no NetworkPolicy: students reach each other's pods",
        ),
    ]
