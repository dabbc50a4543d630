"""Given a lab container's resources and identity, when the pod is built, then each request and
limit is in its own field, a request above its limit is refused naming both, and the security
contexts hold the lab's IDs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from labs.checks import kubectl, kubectl_exec, namespace_flags, output_lines
from labs.pod import LabArgs, Resources, container_security_context, pod_security_context


def test_each_request_and_limit_is_in_its_own_field() -> None:
    resources = Resources(cpu_request="100m", cpu_limit="1", memory_request="48Mi", memory_limit=134217728)
    assert resources.manifest() == {
        "requests": {"cpu": "100m", "memory": "48Mi"},
        "limits": {"cpu": "1", "memory": "134217728"},
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"cpuRequest": "300m", "cpuLimit": "250m"}, "cpuRequest 300m is above cpuLimit 250m"),
        ({"memoryRequest": "65Mi", "memoryLimit": "64Mi"}, "memoryRequest 65Mi is above memoryLimit 64Mi"),
    ],
)
def test_a_request_above_its_limit_is_refused_naming_both(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Resources.model_validate(given)
    assert [error["msg"] for error in raised.value.errors()] == [f"Value error, {message}"]


def test_a_request_equal_to_its_limit_is_taken() -> None:
    resources = Resources(cpu_request="250m", memory_request="64Mi")
    assert resources.manifest()["requests"] == resources.manifest()["limits"]


@pytest.mark.parametrize(
    ("group", "fs_group", "context"),
    [
        (None, None, {"runAsNonRoot": True, "runAsUser": 999}),
        (3000, None, {"runAsNonRoot": True, "runAsUser": 999, "runAsGroup": 3000}),
        (None, 2000, {"runAsNonRoot": True, "runAsUser": 999, "fsGroup": 2000}),
        (0, 0, {"runAsNonRoot": True, "runAsUser": 999, "runAsGroup": 0, "fsGroup": 0}),
    ],
)
def test_the_pod_runs_as_the_labs_user_with_the_groups_given(
    group: int | None, fs_group: int | None, context: dict[str, Any]
) -> None:
    built = pod_security_context(999, group, fs_group)
    assert built == {**context, "seccompProfile": {"type": "RuntimeDefault"}}


def test_each_container_drops_every_capability_and_cannot_escalate() -> None:
    # what Pod Security "restricted" asks of every container
    assert container_security_context() == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


@pytest.mark.parametrize(
    ("namespace", "flags", "get"),
    [("lab-ann", ("-n", "lab-ann"), "kubectl get pod 'my pod' -n lab-ann"), (None, (), "kubectl get pod 'my pod'")],
)
def test_kubectl_commands_run_in_the_labs_namespace(namespace: str | None, flags: tuple[str, ...], get: str) -> None:
    args = LabArgs(namespace=namespace)
    assert namespace_flags(args) == flags
    assert kubectl("get", "pod", "my pod", args=args) == get
    assert kubectl_exec(args, "redis", "redis", "redis-cli", "ping") == (
        "kubectl", "exec", "redis", *flags, "-c", "redis", "--", "redis-cli", "ping",
    )  # fmt: skip
    assert kubectl_exec(args, "deploy/mysql", "mysql", "mysql", tty=True) == (
        "kubectl", "exec", "-it", "deploy/mysql", *flags, "-c", "mysql", "--", "mysql",
    )  # fmt: skip


def test_output_lines_are_the_non_blank_lines_stripped() -> None:
    assert output_lines("\n  PONG  \n\n\tsecond line\n  \n") == ["PONG", "second line"]
