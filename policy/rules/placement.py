"""Where objects land and how far they reach: not in `default`, not exposed outside the cluster."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from .manifest import describe, dig, is_namespaced, kind, mapping, namespace, number, sequence, text
from .model import Enforcement, Manifest, Params, Rule, Severity


def outside_default(obj: Manifest, _: Params) -> Iterator[str]:
    if not kind(obj) or not is_namespaced(obj):
        return
    where = namespace(obj)
    if where is None:
        yield f"{describe(obj)} names no namespace, so kubectl and the provider put it in `default`"
    elif where == "default":
        yield f"{describe(obj)} is in the `default` namespace"


class ServiceTypeParams(Params):
    forbidden_types: list[str] = Field(
        ["LoadBalancer", "NodePort"], description="Service types that reach outside the cluster"
    )


def external_service(obj: Manifest, params: ServiceTypeParams) -> Iterator[str]:
    if kind(obj) != "Service":
        return
    service_type = text(dig(obj, "spec", "type")) or "ClusterIP"
    if service_type in params.forbidden_types:
        yield f"type {service_type} exposes the Service outside the cluster"
    for port in sequence(dig(obj, "spec", "ports")):
        node_port = number(mapping(port).get("nodePort"))
        if node_port and service_type not in params.forbidden_types:
            yield f"port {text(mapping(port).get('name')) or '?'} asks for nodePort {node_port:g}"


RULES = [
    Rule(
        id="no-default-namespace",
        title="No workload in default",
        description="Every namespaced object names its own namespace; `default` (or none) mixes classes and students.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.MANDATORY,
        standard="CIS Kubernetes Benchmark 5.7.4",
        url="https://www.cisecurity.org/benchmark/kubernetes",
        check_object=outside_default,
    ),
    Rule(
        id="service-external-type",
        title="Services reachable from outside the cluster",
        description="Services stay ClusterIP (or headless): LoadBalancer and NodePort open them beyond the cluster.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes Service types",
        url="https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
        params=ServiceTypeParams,
        check_object=external_service,
    ),
]
