"""Given a class rendered by `labctl render`, when the review reads the tree, then its student rules
see exactly the class's student namespaces: a clean class is clean, and each namespace that loses
(or never had) its quota, NetworkPolicy or Pod Security level is reported, and nothing else.

The tree is the real hand-over between the two halves: the labs label the namespaces they create,
the policy rules recognise student namespaces by that label. Renaming it on one side only would
leave every student namespace unseen, and these tests would find no finding where they expect one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from labctl.cli import main
from labctl.review.sources import from_tree
from policy.rules import Finding, review

STUDENTS = ["ada", "linus"]
STUDENT_NAMESPACES = {"lab-ada", "lab-linus"}
STUDENT_RULES = ("student-namespace-quota", "student-namespace-network-policy", "student-namespace-pod-security")
Objects = list[Mapping[str, Any]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Objects:
    """Every object of a two-student class with every lab, as `labctl review --dir` reads the rendered tree."""
    project = tmp_path_factory.mktemp("project")
    stack = {"config": {"k8s-labs:classroom": {"students": STUDENTS}}}
    (project / "Pulumi.isolation.yaml").write_text(yaml.safe_dump(stack))
    out = project / "out"
    assert main(["render", "--stack", "isolation", "--project-dir", str(project), "--out", str(out)]) == 0
    return list(from_tree(Path(out)).objects)


@pytest.fixture
def objects(rendered: Objects) -> Objects:
    """A private copy each test may change."""
    return copy.deepcopy(rendered)


def kind_name_namespace(obj: Mapping[str, Any]) -> tuple[str, str, str | None]:
    return obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace")


def flagged(objects: Sequence[Mapping[str, Any]], rule: str) -> set[tuple[str, str, str | None]]:
    return {kind_name_namespace(objects[f.subject]) for f in review(objects) if f.rule.id == rule}


def without(objects: Objects, unwanted: Callable[[Mapping[str, Any]], bool]) -> Objects:
    kept = [obj for obj in objects if not unwanted(obj)]
    assert len(kept) < len(objects), "the change removed nothing: the rendered class is not what the test expects"
    return kept


def is_(kind: str, namespace: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda obj: obj["kind"] == kind and obj["metadata"].get("namespace") == namespace


def namespaces_of(names: set[str]) -> set[tuple[str, str, str | None]]:
    return {("Namespace", name, None) for name in names}


def test_the_rendered_class_is_clean(objects: Objects) -> None:
    findings: list[Finding] = review(objects)
    assert [f.message for f in findings if f.blocking] == []
    assert [f for f in findings if f.rule.id in STUDENT_RULES] == []


@pytest.mark.parametrize(("rule", "kind"), [(STUDENT_RULES[0], "ResourceQuota"), (STUDENT_RULES[1], "NetworkPolicy")])
def test_every_student_namespace_is_seen_when_none_has_the_object(objects: Objects, rule: str, kind: str) -> None:
    assert flagged(without(objects, lambda obj: obj["kind"] == kind), rule) == namespaces_of(STUDENT_NAMESPACES)


def test_only_the_student_who_lost_the_quota_is_reported(objects: Objects) -> None:
    assert flagged(without(objects, is_("ResourceQuota", "lab-linus")), "student-namespace-quota") == namespaces_of(
        {"lab-linus"}
    )


def test_a_network_policy_moved_into_another_students_namespace_leaves_its_owner_open(objects: Objects) -> None:
    for obj in objects:
        if is_("NetworkPolicy", "lab-ada")(obj):
            obj["metadata"]["namespace"] = "lab-linus"
    assert flagged(objects, "student-namespace-network-policy") == namespaces_of({"lab-ada"})


@pytest.mark.parametrize("level", ["privileged", None])
def test_a_student_namespace_below_baseline_is_reported(objects: Objects, level: str | None) -> None:
    for obj in objects:
        if kind_name_namespace(obj) == ("Namespace", "lab-ada", None):
            labels = obj["metadata"]["labels"]
            if level is None:
                del labels["pod-security.kubernetes.io/enforce"]
            else:
                labels["pod-security.kubernetes.io/enforce"] = level
    assert flagged(objects, "student-namespace-pod-security") == namespaces_of({"lab-ada"})


def test_a_pod_reading_a_config_map_that_only_another_student_has_is_reported(objects: Objects) -> None:
    """A pod reads ConfigMaps of its own namespace only: linus's redis-config does not serve ada's Redis."""
    reduced = without(
        objects, lambda obj: is_("ConfigMap", "lab-ada")(obj) and obj["metadata"]["name"] == "redis-config"
    )
    assert flagged(reduced, "configmap-ref-resolves") == {("Pod", "redis", "lab-ada")}
