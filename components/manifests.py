"""Registers plain camelCase manifests as typed pulumi_kubernetes resources."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import pulumi
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_snake

from components import provider_rules
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
# Losing these loses a student's data; `pulumi destroy` must be told explicitly.
PROTECTED = {"PersistentVolumeClaim"}

ResourceT = TypeVar("ResourceT", bound=pulumi.CustomResource)


def resource_name(prefix: str, manifest: Manifest) -> str:
    """Unique per type within the stack, and stable when other environments come and go."""
    return f"{prefix}-{manifest['metadata']['name']}"


def kind_of(resource: pulumi.Resource) -> str | None:
    """The Kubernetes kind a registered object was created as; None for anything else."""
    return next((kind for (_, kind), cls in KINDS.items() if type(resource) is cls), None)


def options(
    manifest: Manifest, parent: pulumi.Resource | None, available: Sequence[pulumi.Resource]
) -> pulumi.ResourceOptions:
    """Dependencies and replacement options for one object, from the rules table by its kind."""
    kind = manifest["kind"]
    wanted = provider_rules.waits_for(kind)
    # What is not a Kubernetes object here (a caller's own dependency) binds every object.
    depends_on = [resource for resource in available if kind_of(resource) in wanted or kind_of(resource) is None]
    together = provider_rules.replaced_with(kind)
    replace = provider_rules.replacement(manifest)
    return pulumi.ResourceOptions(
        parent=parent,
        depends_on=depends_on,
        protect=kind in PROTECTED,
        replace_on_changes=list(replace.replace_on_changes) or None,
        delete_before_replace=replace.delete_before_replace,
        replace_with=[resource for resource in available if kind_of(resource) in together] or None,
    )


def check_order(manifests: Sequence[Manifest]) -> None:
    """An object can only wait for one registered before it: a builder that lists them the other way is a bug."""
    for position, manifest in enumerate(manifests):
        before = provider_rules.waits_for(manifest["kind"]) | provider_rules.replaced_with(manifest["kind"])
        late = [m["kind"] for m in manifests[position + 1 :] if m["kind"] in before]
        if late:
            name = f"{manifest['kind']}/{manifest['metadata']['name']}"
            raise ValueError(f"{name} must come after the {', '.join(sorted(set(late)))} it waits for")


def register(
    prefix: str,
    manifests: Sequence[Manifest],
    parent: pulumi.Resource | None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, pulumi.CustomResource]:
    """One child per manifest, keyed `Kind/name`. Each waits for the objects of the kinds the rules table names
    for it, among `depends_on` and the objects registered before it here."""
    check_order(manifests)
    created: dict[str, pulumi.CustomResource] = {}
    available: list[pulumi.Resource] = list(depends_on)
    for manifest in manifests:
        resource_type = KINDS[(manifest["apiVersion"], manifest["kind"])]
        # Top-level fields are Python keyword arguments (snake_case); nested dicts pass through camelCase.
        inputs: dict[str, Any] = {
            to_snake(key): value for key, value in manifest.items() if key not in ("apiVersion", "kind")
        }
        resource = resource_type(resource_name(prefix, manifest), opts=options(manifest, parent, available), **inputs)
        created[f"{manifest['kind']}/{manifest['metadata']['name']}"] = resource
        available.append(resource)
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


def without_dependencies(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions | None:
    """The same options minus depends_on, for a component that hands its dependencies to its children."""
    if opts is None:
        return None
    own = copy.copy(opts)
    own.depends_on = None
    return own
