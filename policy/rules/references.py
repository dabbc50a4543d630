"""References that must resolve inside the reviewed objects: ConfigMaps, Secrets, selectors, namespaces.

A Secret is often created by hand (`kubectl create secret ...`) so that no password sits in a file:
the rendered tree leaves MySQL's out on purpose. That is why secret-ref-resolves is advisory by
default, and why its `external` parameter can name the Secrets made outside the stack; those
findings are then reported as exempted with that reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from labs.metadata import RESERVED_NAMESPACES

from .manifest import (
    containers,
    describe,
    dig,
    is_namespaced,
    keys,
    kind,
    mapping,
    name,
    namespace,
    pod_labels,
    pod_spec,
    sequence,
    text,
)
from .model import Enforcement, Manifest, Params, Rule, Severity, Violation

Target = Literal["ConfigMap", "Secret"]
SYSTEM_NAMESPACES = RESERVED_NAMESPACES


@dataclass(frozen=True)
class Reference:
    where: str
    name: str | None
    keys: tuple[str, ...] = ()
    optional: bool = False
    problem: str | None = None


def _items(source: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys a volume's `items` pick; an item without one is the API server's to refuse."""
    picked = (text(mapping(item).get("key")) for item in sequence(source.get("items")))
    return tuple(key for key in picked if key)


def _volume_sources(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for volume in sequence(spec.get("volumes")):
        label = f"volume {text(mapping(volume).get('name')) or '?'}"
        for field in ("configMap", "secret"):
            if mapping(volume).get(field) is not None:
                yield label, field, mapping(mapping(volume).get(field))
        for source in sequence(dig(volume, "projected", "sources")):
            for field in ("configMap", "secret"):
                if mapping(source).get(field) is not None:
                    yield label, field, mapping(mapping(source).get(field))


def references(obj: Manifest, target: Target) -> Iterator[Reference]:
    spec = pod_spec(obj)
    if spec is None:
        return
    volume_field, key_ref, env_from_field = (
        ("configMap", "configMapKeyRef", "configMapRef")
        if target == "ConfigMap"
        else ("secret", "secretKeyRef", "secretRef")
    )
    for label, field, source in _volume_sources(spec):
        if field == volume_field:
            named = text(source.get("secretName" if field == "secret" and "secretName" in keys(source) else "name"))
            yield Reference(label, named, _items(source), source.get("optional") is True)
    for container in containers(spec):
        for entry in sequence(container.spec.get("env")):
            ref = mapping(dig(entry, "valueFrom", key_ref))
            if ref:
                where = f"{container.label}: env {text(mapping(entry).get('name')) or '?'}"
                key = text(ref.get("key"))
                yield Reference(where, text(ref.get("name")), (key,) if key else (), ref.get("optional") is True)
        for index, entry in enumerate(sequence(container.spec.get("envFrom"))):
            fields = keys(entry)
            where = f"{container.label}: envFrom[{index}]"
            if env_from_field in fields:
                ref = mapping(mapping(entry).get(env_from_field))
                named = text(ref.get("name"))
                problem = None
                if not named:
                    beside = " (a `name` beside it belongs under it)" if "name" in fields else ""
                    problem = f"{where}.{env_from_field} names no {target}{beside}"
                yield Reference(where, named, (), ref.get("optional") is True, problem)
            elif target == "ConfigMap" and not ({"configMapRef", "secretRef"} & fields):
                yield Reference(where, None, problem=f"{where} has neither configMapRef nor secretRef")


def _index(objects: Sequence[Manifest]) -> dict[tuple[str, str, str], Manifest]:
    return {(kind(obj), namespace(obj) or "default", name(obj)): obj for obj in objects}


def _data_keys(obj: Manifest) -> set[str]:
    return keys(obj.get("data")) | keys(obj.get("binaryData")) | keys(obj.get("stringData"))


def resolve(objects: Sequence[Manifest], target: Target, external: Sequence[str] = ()) -> Iterator[Violation]:
    index = _index(objects)
    for subject, obj in enumerate(objects):
        where_ns = namespace(obj) or "default"
        for ref in references(obj, target):
            if ref.problem:
                yield Violation(subject, ref.problem)
                continue
            if ref.optional or ref.name is None:
                continue
            found = index.get((target, where_ns, ref.name))
            if found is None:
                outside = ref.name in external or f"{where_ns}/{ref.name}" in external
                yield Violation(
                    subject,
                    f"{ref.where} names {target} {where_ns}/{ref.name}, which is not among the reviewed objects",
                    f"{target} {where_ns}/{ref.name} is created outside the stack (config: external)"
                    if outside
                    else None,
                )
                continue
            missing = [key for key in ref.keys if key not in _data_keys(found)]
            if missing:
                yield Violation(
                    subject, f"{ref.where} needs key(s) {', '.join(missing)} that {target} {ref.name} lacks"
                )


def config_maps_resolve(objects: Sequence[Manifest], _: Params) -> Iterator[Violation]:
    return resolve(objects, "ConfigMap")


class SecretRefParams(Params):
    external: list[str] = Field(
        default_factory=list, description="Secrets created by hand, as name or namespace/name: reported as exempted"
    )


def secrets_resolve(objects: Sequence[Manifest], params: SecretRefParams) -> Iterator[Violation]:
    return resolve(objects, "Secret", params.external)


def selectors_match(objects: Sequence[Manifest], _: Params) -> Iterator[Violation]:
    # The pod labels of each namespace, gathered once: a class has a Service in every namespace.
    pod_labels_by_namespace: dict[str, list[Mapping[str, Any]]] = {}
    for obj in objects:
        if pod_spec(obj) is not None:
            pod_labels_by_namespace.setdefault(namespace(obj) or "default", []).append(pod_labels(obj))
    for subject, obj in enumerate(objects):
        selector = mapping(dig(obj, "spec", "selector")) if kind(obj) == "Service" else {}
        if not selector:
            continue
        wanted = {key: text(value) for key, value in selector.items()}
        where_ns = namespace(obj) or "default"
        matched = any(
            all(text(found.get(key)) == value for key, value in wanted.items())
            for found in pod_labels_by_namespace.get(where_ns, [])
        )
        if not matched:
            shown = ",".join(f"{key}={value}" for key, value in wanted.items())
            yield Violation(subject, f"selector {shown} matches no pod or pod template in namespace {where_ns}")


class NamespaceParams(Params):
    external: list[str] = Field(list(SYSTEM_NAMESPACES), description="namespaces that exist without the stack")


def namespaces_exist(objects: Sequence[Manifest], params: NamespaceParams) -> Iterator[Violation]:
    declared = {name(obj) for obj in objects if kind(obj) == "Namespace"}
    for subject, obj in enumerate(objects):
        where = namespace(obj)
        if is_namespaced(obj) and where is not None and where not in declared and where not in params.external:
            yield Violation(subject, f"{describe(obj)} is in namespace {where}, which the stack does not create")


RULES = [
    Rule(
        id="configmap-ref-resolves",
        title="ConfigMap references resolve",
        description="Every ConfigMap (and key) a pod reads without optional: true is among the reviewed objects.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes ConfigMaps: a missing one keeps the pod from starting",
        url="https://kubernetes.io/docs/concepts/configuration/configmap/#configmaps-and-pods",
        check_stack=config_maps_resolve,
    ),
    Rule(
        id="secret-ref-resolves",
        title="Secret references resolve",
        description="Every Secret a pod reads exists in the stack, or is listed as created by hand (advisory).",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.ADVISORY,
        standard="Kubernetes Secrets: a missing one keeps the pod from starting",
        url="https://kubernetes.io/docs/concepts/configuration/secret/#using-a-secret",
        params=SecretRefParams,
        check_stack=secrets_resolve,
    ),
    Rule(
        id="service-selector-matches",
        title="Service selectors match a workload",
        description="A Service's selector matches the pod labels of at least one workload in its namespace.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes Services: selectors",
        url="https://kubernetes.io/docs/concepts/services-networking/service/#services-in-kubernetes",
        check_stack=selectors_match,
    ),
    Rule(
        id="namespace-exists",
        title="Namespaces exist",
        description="Each object's namespace is created by the stack (or is a system namespace).",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes namespaces",
        url="https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
        params=NamespaceParams,
        check_stack=namespaces_exist,
    ),
]
