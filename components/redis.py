"""RedisWithConfigMap: Lab 2.4 as a Pulumi component."""

from __future__ import annotations

import pulumi

from components.base import LabComponent
from labs import redis
from labs.redis import RedisWithConfigMapArgs


class RedisWithConfigMap(LabComponent):
    pod_name: str
    """Name of the Redis Pod."""
    config_map_name: str
    """Name of the ConfigMap holding redis.conf."""

    def __init__(self, name: str, args: RedisWithConfigMapArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("RedisWithConfigMap", name, opts)
        self._register(redis.build(args))
        self.pod_name = args.name
        self.config_map_name = args.config_map_name
        self.register_outputs({"podName": self.pod_name, "configMapName": self.config_map_name})
