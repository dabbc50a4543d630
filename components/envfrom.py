"""ConfigMapEnvPod: the `pod-env-var` example as a Pulumi component."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.base import LabComponent
from components.manifests import child
from labs import envfrom
from labs.envfrom import ConfigMapEnvPodArgs


class ConfigMapEnvPod(LabComponent):
    pod: k8s.core.v1.Pod
    """The Pod whose environment the student prints."""
    config_map: k8s.core.v1.ConfigMap
    """The ConfigMap it imports."""
    pod_name: str
    """Name of the Pod whose environment the student prints."""
    config_map_name: str
    """Name of the ConfigMap it imports."""

    def __init__(self, name: str, args: ConfigMapEnvPodArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(envfrom.LAB.component, name, opts)
        children = self._register(envfrom.build(args))
        self.pod = child(children, k8s.core.v1.Pod, args.name)
        self.config_map = child(children, k8s.core.v1.ConfigMap, args.config_map_name)
        self.pod_name = args.name
        self.config_map_name = args.config_map_name
        self.register_outputs({"podName": self.pod_name, "configMapName": self.config_map_name})
