"""Lab 2.4: Redis configured by a redis.conf that a ConfigMap holds."""

from __future__ import annotations

import hashlib
import re
from typing import Literal

from pydantic import Field, field_validator

from labs.model import DnsLabel, DnsSubdomain, Image, Model, Port
from labs.pod import (
    LabArgs,
    Manifest,
    Resources,
    container_security_context,
    exemptions,
    metadata,
    pod_security_context,
)

LAB = "redis-with-configmap"
MaxmemoryPolicy = Literal[
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
]
# Redis's own memory units: k/m/g are 1000s and kb/mb/gb are 1024s, case-insensitive.
_UNITS = {"": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}
_SIZE = re.compile(r"^(?P<number>[0-9]+)(?P<unit>k|kb|m|mb|g|gb)?$", re.IGNORECASE)
# Directives the lab decides itself: the file may not move the data or the port behind its back.
RESERVED_DIRECTIVES = {"maxmemory", "maxmemory-policy", "dir", "port", "include", "daemonize"}
_DIRECTIVE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_DIRECTIVE_VALUE = re.compile(r"^[^\r\n#]+$")
CONFIG_KEY = "redis-config"
CONFIG_FILE = "redis.conf"


def redis_bytes(size: str) -> int:
    """What `CONFIG GET maxmemory` answers for a redis.conf size such as '2mb'."""
    match = _SIZE.match(size.strip())
    if not match:
        raise ValueError(f"'{size}' is not a Redis size (a whole number with k, kb, m, mb, g or gb)")
    return int(match["number"]) * _UNITS[(match["unit"] or "").lower()]


class RedisSettings(Model):
    """The redis.conf the lab puts into the ConfigMap."""

    maxmemory: str = Field("2mb", description="memory limit for data, in Redis units (2mb = 2097152 bytes)")
    maxmemory_policy: MaxmemoryPolicy = Field("allkeys-lru", description="what Redis evicts at the limit")
    extra: dict[str, str] = Field(
        default_factory=dict, description="further directives, name to value, e.g. {'maxmemory-samples': '5'}"
    )

    @field_validator("maxmemory")
    @classmethod
    def _size(cls, value: str) -> str:
        redis_bytes(value)
        return value.strip()

    @field_validator("extra")
    @classmethod
    def _directives(cls, extra: dict[str, str]) -> dict[str, str]:
        for name, value in extra.items():
            if name in RESERVED_DIRECTIVES:
                raise ValueError(f"'{name}' is set by the lab itself; allowed: any other redis.conf directive")
            if not _DIRECTIVE_NAME.match(name):
                raise ValueError(f"'{name}' is not a redis.conf directive name (lower-case letters, digits, '-')")
            if not _DIRECTIVE_VALUE.match(str(value)):
                raise ValueError(f"value of '{name}' must be one line without '#'")
        return extra

    def render(self) -> str:
        lines = [f"maxmemory {self.maxmemory}", f"maxmemory-policy {self.maxmemory_policy}"]
        lines += [f"{name} {value}" for name, value in sorted(self.extra.items())]
        return "\n".join(lines) + "\n"


class RedisWithConfigMapArgs(LabArgs):
    """A ConfigMap with a redis.conf and a Redis pod that starts from it."""

    name: DnsSubdomain = Field("redis", description="Pod name")
    config_map_name: DnsSubdomain = Field("redis-config", description="ConfigMap name")
    container_name: DnsLabel = Field("redis", description="container name")
    image: Image = Field("redis:8.2-alpine", description="official Redis image (runs as UID 999)")
    port: Port = Field(6379, description="port Redis listens on")
    config: RedisSettings = Field(default_factory=RedisSettings, description="contents of redis.conf")
    run_as_user: int = Field(999, ge=1, description="UID of the official image's redis user")
    fs_group: int = Field(999, ge=0, description="GID that owns the data volume")
    resources: Resources = Field(
        default_factory=lambda: Resources(
            cpu_request="50m", cpu_limit="0.1", memory_request="32Mi", memory_limit="64Mi"
        ),
        description="requests and limits (the seed's cpu limit is 0.1)",
    )


def config_checksum(args: RedisWithConfigMapArgs) -> str:
    return hashlib.sha256(args.config.render().encode()).hexdigest()


def server_args(args: RedisWithConfigMapArgs) -> list[str]:
    return [f"/redis-master/{CONFIG_FILE}", "--dir", "/redis-master-data", "--port", str(args.port)]


def build(args: RedisWithConfigMapArgs) -> list[Manifest]:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(args.config_map_name, args.namespace, LAB),
        "data": {CONFIG_KEY: args.config.render()},
    }
    container: Manifest = {
        "name": args.container_name,
        "image": args.image,
        "command": ["redis-server"],
        "args": server_args(args),
        "env": [
            {"name": "MASTER", "value": "true"},
            # Redis reads redis.conf only at start, and a Pod's env cannot change in place:
            # a new config therefore replaces the Pod instead of leaving the old setting live.
            {"name": "REDIS_CONFIG_SHA256", "value": config_checksum(args)},
        ],
        "ports": [{"name": "redis", "containerPort": args.port}],
        "readinessProbe": {
            "exec": {"command": ["redis-cli", "-p", str(args.port), "ping"]},
            "initialDelaySeconds": 2,
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
            "successThreshold": 1,
        },
        "livenessProbe": {
            "tcpSocket": {"port": args.port},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
            "successThreshold": 1,
        },
        "resources": args.resources.manifest(),
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "data", "mountPath": "/redis-master-data"},
            {"name": "config", "mountPath": "/redis-master"},
        ],
    }
    cache_only = exemptions({"database-on-emptydir": "Lab 2.4 runs Redis as a cache: its data may vanish on restart"})
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(args.name, args.namespace, LAB, annotations=cache_only),
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": pod_security_context(args.run_as_user, fs_group=args.fs_group),
            "containers": [container],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {
                    "name": "config",
                    "configMap": {
                        "name": args.config_map_name,
                        "items": [{"key": CONFIG_KEY, "path": CONFIG_FILE}],
                    },
                },
            ],
        },
    }
    return [config_map, pod]
