"""Every manifest the dev stack emits is valid Kubernetes, field by field, on every supported version."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest

from config import Plan
from labs.environment import build_environment
from labs.support import KUBERNETES_MINORS

VERSIONS = [f"{minor}.0" for minor in KUBERNETES_MINORS]


def dev_manifests(plan: Plan) -> list[dict[str, Any]]:
    return [m for env in plan.environments for m in build_environment(env, "schema-check-password")]


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


@pytest.mark.parametrize("version", VERSIONS)
def test_dev_stack_validates_strictly(dev_plan: Plan, version: str) -> None:
    failures = []
    for manifest in dev_manifests(dev_plan):
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{manifest['kind']}/{manifest['metadata']['name']}: {first_line(error)}")
    assert failures == []


def test_every_kind_the_stack_uses_is_covered(dev_plan: Plan) -> None:
    kinds = {m["kind"] for m in dev_manifests(dev_plan)}
    assert kinds >= {
        "Namespace", "ServiceAccount", "Role", "RoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy",
        "Pod", "ConfigMap", "Secret", "Service", "Deployment",
    }  # fmt: skip


def test_strict_validation_catches_the_seed_env_from_bug(dev_plan: Plan) -> None:
    """The seed puts `name:` beside `configMapRef:`; strict validation must reject that shape."""
    pod = next(m for m in dev_manifests(dev_plan) if m["metadata"]["name"] == "pod-env-var")
    broken = copy.deepcopy(pod)
    broken["spec"]["containers"][0]["envFrom"] = [{"configMapRef": None, "name": "example-configmap"}]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)
    kubernetes_validate.validate(pod, VERSIONS[-1], strict=True)
