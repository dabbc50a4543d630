"""Given the envFrom lab with a student's parameters, when its Testing step is made, then it runs `env`
in the lab's container, keeps only the ConfigMap's variables sorted by name, waits as long as a pod
may take to start, and judges the answer line by line, naming what is missing and what should not be
there.

The lab text's pod is `pod-env-var` with container `env-var-configmap`, importing ConfigMap
`example-configmap` whole: every key becomes a variable named after it (with envFrom's `prefix`
in front, when one is set) holding the key's value.
"""

from __future__ import annotations

import pytest

from labs.envfrom import ConfigMapEnvPodArgs, checks
from labs.lab import Check

# Scheduling, the image pull and the container start: the pod has no slower start of its own.
START_SLACK = 120


def without_verdict(check: Check) -> tuple[str, str, tuple[str, ...], str, float]:
    return check.lab, check.name, check.argv, check.expected, check.wait_seconds


def student_args() -> ConfigMapEnvPodArgs:
    return ConfigMapEnvPodArgs(
        namespace="lab-ada",
        name="env-demo",
        container_name="app",
        data={"SIZE": "large", "COLOR": "blue"},
        prefix="APP_",
    )


def test_the_lab_texts_pod_runs_env_in_its_container_and_expects_each_key_of_the_configmap() -> None:
    filtered_env = 'env | grep -E "^(LAB_GREETING|LAB_MODE)=" | sort -t= -k1,1'
    assert [without_verdict(check) for check in checks(ConfigMapEnvPodArgs())] == [
        (
            "configMapEnvPod",
            "ConfigMap keys are environment variables",
            ("kubectl", "exec", "pod-env-var", "-c", "env-var-configmap", "--", "sh", "-c", filtered_env),
            "LAB_GREETING=hello from example-configmap\nLAB_MODE=classroom",
            START_SLACK,
        )
    ]


def test_a_students_pod_is_asked_in_their_namespace_for_the_prefixed_names_sorted() -> None:
    filtered_env = 'env | grep -E "^(APP_COLOR|APP_SIZE)=" | sort -t= -k1,1'
    assert [without_verdict(check) for check in checks(student_args())] == [
        (
            "configMapEnvPod",
            "ConfigMap keys are environment variables",
            ("kubectl", "exec", "env-demo", "-n", "lab-ada", "-c", "app", "--", "sh", "-c", filtered_env),
            "APP_COLOR=blue\nAPP_SIZE=large",
            START_SLACK,
        )
    ]


@pytest.mark.parametrize(
    ("output", "verdict"),
    [
        ("APP_COLOR=blue\nAPP_SIZE=large\n", None),
        ("APP_COLOR=blue\r\nAPP_SIZE=large\r\n", None),
        # The ConfigMap lost a key, or envFrom names another ConfigMap: nothing matches.
        ("APP_COLOR=blue\n", "missing APP_SIZE=large"),
        ("", "missing APP_COLOR=blue, APP_SIZE=large"),
        # A value changed after the pod started: the pod still holds the old one.
        ("APP_COLOR=blue\nAPP_SIZE=small\n", "missing APP_SIZE=large, unexpected APP_SIZE=small"),
        # A line the filter let through that the ConfigMap does not give.
        ("APP_COLOR=blue\nAPP_SIZE=large\nAPP_SIZE_MAX=9\n", "unexpected APP_SIZE_MAX=9"),
        (
            "APP_COLOR=red\nAPP_SIZE=small\n",
            "missing APP_COLOR=blue, APP_SIZE=large, unexpected APP_COLOR=red, APP_SIZE=small",
        ),
        # The right lines out of order: `sort` did not run, or ran on another field.
        (
            "APP_SIZE=large\nAPP_COLOR=blue\n",
            "expected APP_COLOR=blue / APP_SIZE=large in that order, got APP_SIZE=large / APP_COLOR=blue",
        ),
    ],
)
def test_the_verdict_names_every_missing_and_unexpected_variable(output: str, verdict: str | None) -> None:
    (check,) = checks(student_args())
    assert check.verdict(output) == verdict
