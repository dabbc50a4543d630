"""Reading manifests that may be plain dicts or CrossGuard's read-only proxies.

Under the analyzer, props are Mapping/Sequence proxies (never dict/list) and every number is a
float, so nothing here tests for dict, list or int, and numbers are compared by value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labs.metadata import EXEMPT_PREFIX

from .model import Manifest

EMPTY: Mapping[str, Any] = {}

# Kinds whose objects live outside any namespace; everything else is namespaced.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "CSIDriver",
        "VolumeAttachment",
    }
)
# Where each kind keeps the pod it runs: the kinds whose pod spec Pod Security Admission extracts
# (its DefaultPodSpecExtractor: pods, podtemplates, replicationcontrollers, replicasets, deployments,
# statefulsets, daemonsets, jobs, cronjobs).
POD_TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "ReplicationController": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
LONG_RUNNING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"})
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else EMPTY


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str | bytes) else ()


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def number(value: Any) -> float | None:
    """An int or a float (the analyzer's form) as a float; booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def keys(value: Any) -> set[str]:
    """Keys without reading values: a proxy raises on reading a value unknown during preview."""
    return {key for key in iter(mapping(value)) if isinstance(key, str)}


def dig(value: Any, *path: str) -> Any:
    for key in path:
        value = mapping(value).get(key)
    return value


def kind(obj: Manifest) -> str:
    return text(obj.get("kind")) or ""


def name(obj: Manifest) -> str:
    return text(dig(obj, "metadata", "name")) or ""


def namespace(obj: Manifest) -> str | None:
    """The namespace as written; None when the object names none (kubectl then uses `default`)."""
    return text(dig(obj, "metadata", "namespace")) or None


def is_namespaced(obj: Manifest) -> bool:
    return kind(obj) not in CLUSTER_SCOPED


def labels(obj: Manifest) -> Mapping[str, Any]:
    return mapping(dig(obj, "metadata", "labels"))


def object_annotations(obj: Manifest) -> Mapping[str, Any]:
    return mapping(dig(obj, "metadata", "annotations"))


def describe(obj: Manifest) -> str:
    """`Kind namespace/name`, the way reports name an object."""
    where = namespace(obj)
    return f"{kind(obj) or '?'} {where + '/' if where else ''}{name(obj) or '?'}"


def exemption(obj: Manifest, rule_id: str) -> str | None:
    """The reason an object gives for breaking `rule_id` on purpose, if it gives one."""
    if EXEMPT_PREFIX + rule_id not in keys(dig(obj, "metadata", "annotations")):
        return None
    return text(object_annotations(obj).get(EXEMPT_PREFIX + rule_id)) or ""


def pod_template(obj: Manifest) -> Mapping[str, Any] | None:
    """The pod an object runs (metadata + spec), or None for objects that run no pod."""
    path = POD_TEMPLATE_PATHS.get(kind(obj))
    if path is None:
        return None
    return mapping(dig(obj, *path)) if path else obj


def pod_spec(obj: Manifest) -> Mapping[str, Any] | None:
    template = pod_template(obj)
    return None if template is None else mapping(template.get("spec"))


def pod_labels(obj: Manifest) -> Mapping[str, Any]:
    template = pod_template(obj)
    return mapping(dig(template, "metadata", "labels")) if template is not None else EMPTY


def runs_forever(obj: Manifest) -> bool:
    """Controllers that keep pods up, and bare pods that restart always (the default)."""
    if kind(obj) in LONG_RUNNING_KINDS:
        return True
    return kind(obj) == "Pod" and (text(dig(obj, "spec", "restartPolicy")) or "Always") == "Always"


@dataclass(frozen=True)
class Container:
    field: str
    """`containers`, `initContainers` or `ephemeralContainers`."""
    index: int
    spec: Mapping[str, Any]

    @property
    def label(self) -> str:
        named = text(self.spec.get("name"))
        kind_of = {"containers": "container", "initContainers": "init container"}.get(self.field, "ephemeral container")
        return f"{kind_of} {named}" if named else f"{kind_of} #{self.index}"

    @property
    def security(self) -> Mapping[str, Any]:
        return mapping(self.spec.get("securityContext"))

    @property
    def path(self) -> str:
        """Where the container sits in its pod spec: `initContainers[0]`."""
        return f"{self.field}[{self.index}]"


def containers(spec: Mapping[str, Any] | None, fields: Sequence[str] = CONTAINER_LISTS) -> Iterator[Container]:
    for field in fields:
        for index, container in enumerate(sequence(mapping(spec).get(field))):
            yield Container(field, index, mapping(container))


def app_containers(spec: Mapping[str, Any] | None) -> Iterator[Container]:
    return containers(spec, ("containers",))
