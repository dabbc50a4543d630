"""What every long-running container should declare: its resources and its health probes."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from .manifest import app_containers, containers, mapping, number, pod_spec, runs_forever, sequence
from .model import Enforcement, Manifest, Params, Rule, Severity

RESOURCES_URL = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"
PROBES_URL = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"


class ResourceParams(Params):
    requests: list[str] = Field(["cpu", "memory"], description="resources every container must request")
    limits: list[str] = Field(["cpu", "memory"], description="resources every container must limit")


def container_resources(obj: Manifest, params: ResourceParams) -> Iterator[str]:
    for container in containers(pod_spec(obj), ("containers", "initContainers")):
        resources = mapping(container.spec.get("resources"))
        for section, wanted in (("requests", params.requests), ("limits", params.limits)):
            present = mapping(resources.get(section))
            missing = [resource for resource in wanted if present.get(resource) in (None, "")]
            if missing:
                yield f"{container.label}: resources.{section} lacks {', '.join(missing)}"


class ProbeParams(Params):
    readiness_when_serving: bool = Field(
        True, description="containers that declare ports need a readiness probe as well"
    )


def probes_on_long_running(obj: Manifest, params: ProbeParams) -> Iterator[str]:
    if not runs_forever(obj):
        return
    for container in app_containers(pod_spec(obj)):
        if container.spec.get("livenessProbe") is None:
            yield f"{container.label}: no livenessProbe, so a hung process is never restarted"
        serving = len(sequence(container.spec.get("ports"))) > 0
        if params.readiness_when_serving and serving and container.spec.get("readinessProbe") is None:
            # The analyzer hands every number over as a float: 8080.0 is written 8080.
            declared = [number(mapping(port).get("containerPort")) for port in sequence(container.spec.get("ports"))]
            ports = ", ".join(f"{port:g}" for port in declared if port is not None)
            yield f"{container.label}: serves port(s) {ports} but has no readinessProbe"


RULES = [
    Rule(
        id="container-resources",
        title="CPU and memory requests and limits",
        description="Every container requests and limits cpu and memory, so quotas admit it and neighbours are safe.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes resource management (requests and limits)",
        url=RESOURCES_URL,
        params=ResourceParams,
        check_object=container_resources,
    ),
    Rule(
        id="probes-long-running",
        title="Probes on long-running containers",
        description="Containers that run forever have a liveness probe, and a readiness probe when they serve ports.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.ADVISORY,
        standard="Kubernetes container probes",
        url=PROBES_URL,
        params=ProbeParams,
        check_object=probes_on_long_running,
    ),
]
