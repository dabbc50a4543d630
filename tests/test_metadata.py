"""Given an object a builder writes, when its metadata is made, then it carries the project's
part-of label, its lab's label when it belongs to one, the builder's own labels, and sorted
annotations; and an environment holds exactly the isolation objects its budget and kubeconfig ask for."""

from __future__ import annotations

import pytest

from labs.environment import Environment, build_environment, build_isolation
from labs.isolation import Budget, PodSecurity
from labs.markdown import block
from labs.metadata import exemptions, metadata
from labs.mysql import MysqlWithSecretArgs
from labs.secure_writer import SecureWriterPodArgs
from labs.webserver import ProbedWebServerArgs


def test_metadata_of_a_lab_object_in_a_namespace() -> None:
    meta = metadata("redis", "lab-ann", "redisWithConfigMap", {"app": "redis"}, {"z": "1", "a": "2"})
    assert meta == {
        "name": "redis",
        "namespace": "lab-ann",
        "labels": {"app.kubernetes.io/part-of": "k8s-labs", "k8s-labs.dev/lab": "redisWithConfigMap", "app": "redis"},
        "annotations": {"a": "2", "z": "1"},
    }
    assert list(meta["annotations"]) == ["a", "z"]


def test_metadata_of_an_object_of_no_lab_and_no_namespace_has_neither() -> None:
    assert metadata("lab-ann", None) == {"name": "lab-ann", "labels": {"app.kubernetes.io/part-of": "k8s-labs"}}
    assert metadata("x", None, annotations={}) == {"name": "x", "labels": {"app.kubernetes.io/part-of": "k8s-labs"}}


def test_exemptions_are_annotations_under_the_exempt_prefix() -> None:
    reasons = {"pss-restricted": "the lab shows root", "image-pinned": "x"}
    assert exemptions(reasons) == {
        "exempt.k8s-labs.dev/pss-restricted": "the lab shows root",
        "exempt.k8s-labs.dev/image-pinned": "x",
    }


@pytest.mark.parametrize(
    ("text", "language", "lines"),
    [
        ("kubectl get pods\n\n", "console", ["```console", "kubectl get pods", "```", ""]),
        ("a\nb", "", ["```", "a\nb", "```", ""]),
        # only the newlines at the end go: the last line's own text, trailing spaces included, stays
        ("LAB_MODE=classroom\nLAB_PREFIX  \n", "text", ["```text", "LAB_MODE=classroom\nLAB_PREFIX  ", "```", ""]),
        ("LAB_PREFIX\n", "text", ["```text", "LAB_PREFIX", "```", ""]),
    ],
)
def test_a_code_block_is_fenced_with_its_language_and_followed_by_a_blank_line(
    text: str, language: str, lines: list[str]
) -> None:
    assert block(text, language) == lines


def test_block_without_a_language_has_a_bare_fence() -> None:
    assert block("x") == ["```", "x", "```", ""]


def environment(budget: Budget | None, kubeconfig: bool, exercises: tuple[str, ...] = ()) -> Environment:
    return Environment.model_validate(
        {
            "name": "ann",
            "namespace": "lab-ann",
            "labs": {
                "probedWebServer": ProbedWebServerArgs(namespace="lab-ann"),
                "secureWriterPod": SecureWriterPodArgs(namespace="lab-ann"),
            },
            "podSecurity": PodSecurity(),
            "budget": budget,
            "student": "ann",
            "kubeconfig": kubeconfig,
            "exercises": exercises,
        }
    )


ISOLATED = [
    ("Namespace", "lab-ann"),
    ("ServiceAccount", "student"),
    ("Role", "lab-student"),
    ("RoleBinding", "lab-student"),
    ("ResourceQuota", "student-budget"),
    ("LimitRange", "student-defaults"),
    ("NetworkPolicy", "same-namespace-only"),
]


@pytest.mark.parametrize(
    ("budget", "kubeconfig", "objects"),
    [
        (None, False, [("Namespace", "lab-ann")]),
        (None, True, [("Namespace", "lab-ann"), ("Secret", "student-token")]),
        (Budget(), False, ISOLATED),
        (Budget(), True, [*ISOLATED, ("Secret", "student-token")]),
    ],
)
def test_an_environment_gets_the_isolation_its_budget_and_kubeconfig_ask_for(
    budget: Budget | None, kubeconfig: bool, objects: list[tuple[str, str]]
) -> None:
    env = environment(budget, kubeconfig)
    assert env.isolated is (budget is not None)
    built = build_isolation(env)
    assert [(m["kind"], m["metadata"]["name"]) for m in built] == objects
    namespace = built[0]["metadata"]
    assert namespace["labels"]["k8s-labs.dev/student"] == "ann"
    assert all(m["metadata"]["namespace"] == "lab-ann" for m in built[1:])


def test_an_environment_deploys_its_isolation_then_each_lab_not_in_exercise_mode() -> None:
    env = environment(None, False, exercises=("probedWebServer",))
    assert list(env.deployed) == ["secureWriterPod"]
    assert [(m["kind"], m["metadata"]["name"]) for m in build_environment(env)] == [
        ("Namespace", "lab-ann"),
        ("Pod", "security-context-pod"),
    ]
    both = environment(None, False)
    assert [(m["kind"], m["metadata"]["name"]) for m in build_environment(both)] == [
        ("Namespace", "lab-ann"),
        ("Pod", "liveness-readiness-pod"),
        ("Pod", "security-context-pod"),
    ]


def test_the_class_password_reaches_the_lab_that_creates_a_secret() -> None:
    env = Environment.model_validate(
        {"name": "ann", "namespace": "lab-ann", "labs": {"mysqlWithSecret": MysqlWithSecretArgs(namespace="lab-ann")}}
    )
    (secret,) = [m for m in build_environment(env, "class-password") if m["kind"] == "Secret"]
    assert secret["stringData"] == {"password": "class-password"}
