"""Registers plain camelCase manifests as typed pulumi_kubernetes resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import pulumi
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_snake

from labs.pod import Manifest

KINDS: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "PersistentVolumeClaim"): k8s.core.v1.PersistentVolumeClaim,
    ("v1", "Pod"): k8s.core.v1.Pod,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "LimitRange"): k8s.core.v1.LimitRange,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
}
# Objects a workload reads at start: it must not be created before them.
PREREQUISITES = {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "Role"}
# Losing these loses a student's data; `pulumi destroy` must be told explicitly.
PROTECTED = {"PersistentVolumeClaim"}

ResourceT = TypeVar("ResourceT", bound=pulumi.CustomResource)


def resource_name(prefix: str, manifest: Manifest) -> str:
    """Unique per type within the stack, and stable when other environments come and go."""
    return f"{prefix}-{manifest['metadata']['name']}"


def register(
    prefix: str,
    manifests: Sequence[Manifest],
    parent: pulumi.Resource | None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, pulumi.CustomResource]:
    """One child per manifest, keyed `Kind/name`; later objects wait for earlier prerequisites."""
    created: dict[str, pulumi.CustomResource] = {}
    waits_for: list[pulumi.Resource] = list(depends_on)
    for manifest in manifests:
        kind = manifest["kind"]
        resource_type = KINDS[(manifest["apiVersion"], kind)]
        # Top-level fields are Python keyword arguments (snake_case); nested dicts pass through camelCase.
        inputs: dict[str, Any] = {
            to_snake(key): value for key, value in manifest.items() if key not in ("apiVersion", "kind")
        }
        options = pulumi.ResourceOptions(parent=parent, depends_on=list(waits_for), protect=kind in PROTECTED)
        resource = resource_type(resource_name(prefix, manifest), opts=options, **inputs)
        created[f"{kind}/{manifest['metadata']['name']}"] = resource
        if kind in PREREQUISITES:
            waits_for.append(resource)
    return created


def child(children: Mapping[str, pulumi.CustomResource], kind: type[ResourceT], name: str) -> ResourceT:
    """The registered object of this class and name, as that class: its outputs are typed for the caller."""
    found = children[f"{kind.__name__}/{name}"]
    if not isinstance(found, kind):
        raise TypeError(f"{kind.__name__}/{name} was registered as {type(found).__name__}")
    return found


def upstream(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """What the caller made this component depend on, passed on to its children."""
    if opts is None or opts.depends_on is None:
        return []
    given = opts.depends_on
    return [item for item in (given if isinstance(given, Sequence) else [given]) if isinstance(item, pulumi.Resource)]
