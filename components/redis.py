"""RedisWithConfigMap: Lab 2.4 as a Pulumi component."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.base import LabComponent
from components.manifests import child
from labs import redis
from labs.redis import RedisWithConfigMapArgs


class RedisWithConfigMap(LabComponent):
    pod: k8s.core.v1.Pod
    """The Redis Pod."""
    config_map: k8s.core.v1.ConfigMap
    """The ConfigMap holding redis.conf."""
    pod_name: str
    """Name of the Redis Pod."""
    config_map_name: str
    """Name of the ConfigMap holding redis.conf."""

    def __init__(self, name: str, args: RedisWithConfigMapArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(redis.LAB.component, name, opts)
        children = self._register(redis.build(args))
        self.pod = child(children, k8s.core.v1.Pod, args.name)
        self.config_map = child(children, k8s.core.v1.ConfigMap, args.config_map_name)
        self.pod_name = args.name
        self.config_map_name = args.config_map_name
        self.register_outputs({"podName": self.pod_name, "configMapName": self.config_map_name})
