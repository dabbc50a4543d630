"""ConfigMapEnvPod: the `pod-env-var` example as a Pulumi component."""

from __future__ import annotations

import pulumi

from components.base import LabComponent
from labs import envfrom
from labs.envfrom import ConfigMapEnvPodArgs


class ConfigMapEnvPod(LabComponent):
    pod_name: str
    """Name of the Pod whose environment the student prints."""
    config_map_name: str
    """Name of the ConfigMap it imports."""

    def __init__(self, name: str, args: ConfigMapEnvPodArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ConfigMapEnvPod", name, opts)
        self._register(envfrom.build(args))
        self.pod_name = args.name
        self.config_map_name = args.config_map_name
        self.register_outputs({"podName": self.pod_name, "configMapName": self.config_map_name})
