"""Pieces every lab pod shares: resources and the secure-by-default contexts."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from labs.model import Cpu, DnsLabel, Memory, Model
from labs.quantity import parse_cpu, parse_memory

Manifest = dict[str, Any]


class Resources(Model):
    """Requests and limits of one container; every container gets all four."""

    cpu_request: Cpu = Field("50m", description="CPU the scheduler reserves")
    cpu_limit: Cpu = Field("250m", description="CPU the container may use at most")
    memory_request: Memory = Field("32Mi", description="memory the scheduler reserves")
    memory_limit: Memory = Field("64Mi", description="memory above which the container is OOM-killed")

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Resources:
        if parse_cpu(str(self.cpu_request)) > parse_cpu(str(self.cpu_limit)):
            raise ValueError(f"cpuRequest {self.cpu_request} is above cpuLimit {self.cpu_limit}")
        if parse_memory(str(self.memory_request)) > parse_memory(str(self.memory_limit)):
            raise ValueError(f"memoryRequest {self.memory_request} is above memoryLimit {self.memory_limit}")
        return self

    def manifest(self) -> Manifest:
        return {
            "requests": {"cpu": str(self.cpu_request), "memory": str(self.memory_request)},
            "limits": {"cpu": str(self.cpu_limit), "memory": str(self.memory_limit)},
        }


class LabArgs(Model):
    """What every lab takes: where its objects go."""

    namespace: DnsLabel | None = Field(
        None, description="namespace of every object; unset means the provider's or kubectl's default"
    )
    resources: Resources = Field(default_factory=Resources, description="requests and limits of the lab's container")


def pod_security_context(run_as_user: int, run_as_group: int | None = None, fs_group: int | None = None) -> Manifest:
    context: Manifest = {"runAsNonRoot": True, "runAsUser": run_as_user}
    if run_as_group is not None:
        context["runAsGroup"] = run_as_group
    if fs_group is not None:
        context["fsGroup"] = fs_group
    context["seccompProfile"] = {"type": "RuntimeDefault"}
    return context


def container_security_context() -> Manifest:
    return {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
