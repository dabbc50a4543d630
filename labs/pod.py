"""Pieces every lab pod shares: resources and the secure-by-default contexts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field, model_validator

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


def with_defaults(given: Mapping[str, Any], default: BaseModel) -> dict[str, Any]:
    """`given` with every key it leaves out taken from `default`, key by key, nested blocks too.

    A lab's default block (a Redis pod's 32Mi/64Mi, a writer's 8Mi/16Mi) is the lab's own choice:
    a user who gives only `cpuLimit` changes that key and keeps the rest of the lab's block, not
    the generic defaults of the block's model.
    """
    filled = dict(given)
    for name, field in type(default).model_fields.items():
        alias = field.alias or name
        key = alias if alias in given else name if name in given else None
        value = getattr(default, name)
        if key is None:
            filled[alias] = value.model_dump(by_alias=True) if isinstance(value, BaseModel) else value
        elif isinstance(value, BaseModel) and isinstance(given[key], Mapping):
            filled[key] = with_defaults(given[key], value)
    return filled


class LabArgs(Model):
    """What every lab takes: where its objects go."""

    namespace: DnsLabel | None = Field(
        None, description="namespace of every object; unset means the provider's or kubectl's default"
    )
    resources: Resources = Field(default_factory=Resources, description="requests and limits of the lab's container")

    @model_validator(mode="before")
    @classmethod
    def _nested_blocks_keep_the_lab_defaults(cls, data: Any) -> Any:
        """A nested block given in part (`resources: {cpuLimit: 200m}`) is merged into the lab's default block."""
        if not isinstance(data, Mapping):
            return data
        filled = dict(data)
        for name, field in cls.model_fields.items():
            alias = field.alias or name
            key = alias if alias in data else name if name in data else None
            given = data.get(key) if key is not None else None
            default = field.get_default(call_default_factory=True)
            if not isinstance(given, Mapping) or not isinstance(default, BaseModel):
                continue
            discriminator = field.discriminator if isinstance(field.discriminator, str) else None
            if discriminator and given.get(discriminator, getattr(default, discriminator)) != getattr(
                default, discriminator
            ):
                continue  # another member of a union: the default block is no base for it
            filled[key] = with_defaults(given, default)
        return filled


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
