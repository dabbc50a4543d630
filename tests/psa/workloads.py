"""A pod that passes Pod Security restricted, and the objects that run it: a Pod and every kind with a pod template.

A case patches the pod (its spec or metadata) or one of its containers; `objects_for` builds the
object of each kind around the patched pod, and `prefix` says where that kind keeps the pod, so
that an expected field path in the pod becomes a path in the object.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DELETE = object()
"""A patch value that removes the key."""

CONTAINER_KINDS = ("containers", "initContainers", "ephemeralContainers")
WORKLOAD_KINDS = (
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "PodTemplate",
)
# Where each kind keeps its pod (metadata and spec).
PREFIX = {
    "Pod": "",
    "Deployment": "spec.template.",
    "StatefulSet": "spec.template.",
    "DaemonSet": "spec.template.",
    "ReplicaSet": "spec.template.",
    "Job": "spec.template.",
    "CronJob": "spec.jobTemplate.spec.template.",
    "ReplicationController": "spec.template.",
    "PodTemplate": "template.",
}
API_VERSION = {
    "Pod": "v1",
    "PodTemplate": "v1",
    "ReplicationController": "v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}
CONTAINER_NAMES = {"containers": "app", "initContainers": "init", "ephemeralContainers": "debug"}


def container_kinds(workload: str) -> tuple[str, ...]:
    """Ephemeral containers exist on Pods only; a template cannot declare them."""
    return CONTAINER_KINDS if workload == "Pod" else CONTAINER_KINDS[:2]


def restricted_container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": "registry.k8s.io/pause:3.10",
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
    }


def restricted_pod(workload: str) -> dict[str, Any]:
    """metadata and spec of a pod that every Pod Security rule accepts."""
    spec: dict[str, Any] = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    }
    for field in container_kinds(workload):
        spec[field] = [restricted_container(CONTAINER_NAMES[field])]
    return {"metadata": {"labels": {"app": "psa"}}, "spec": spec}


def patched(base: Any, patch: Any) -> Any:
    """`base` with `patch` merged in: mappings merge key by key, DELETE removes, anything else replaces."""
    if not isinstance(patch, Mapping) or not isinstance(base, Mapping):
        return copy.deepcopy(patch)
    merged = dict(copy.deepcopy(base))
    for key, value in patch.items():
        if value is DELETE:
            merged.pop(key, None)
        else:
            merged[key] = patched(merged.get(key), value)
    return merged


def wrap(workload: str, name: str, namespace: str, pod: Mapping[str, Any]) -> dict[str, Any]:
    """The object of kind `workload` that runs `pod`."""
    meta = {"name": name, "namespace": namespace}
    if workload == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {**meta, **pod["metadata"]}, "spec": pod["spec"]}
    template = {"metadata": pod["metadata"], "spec": pod["spec"]}
    header = {"apiVersion": API_VERSION.get(workload, "apps/v1"), "kind": workload, "metadata": meta}
    selector = {"matchLabels": {"app": "psa"}}
    match workload:
        case "PodTemplate":
            return {**header, "template": template}
        case "CronJob":
            return {**header, "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}}}
        case "Job":
            return {**header, "spec": {"template": template}}
        case "ReplicationController":
            return {**header, "spec": {"selector": {"app": "psa"}, "template": template}}
        case "StatefulSet":
            return {**header, "spec": {"selector": selector, "serviceName": name, "template": template}}
        case _:
            return {**header, "spec": {"selector": selector, "template": template}}
