"""ProbedWebServer: Exercise 2.1 and Lab 2.2 as a Pulumi component."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.base import LabComponent
from components.manifests import child
from labs import webserver
from labs.webserver import ProbedWebServerArgs


class ProbedWebServer(LabComponent):
    pod: k8s.core.v1.Pod
    """The Pod the student describes."""
    pod_name: str
    """Name of the Pod the student describes."""

    def __init__(self, name: str, args: ProbedWebServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(webserver.LAB.component, name, opts)
        children = self._register(webserver.build(args))
        self.pod = child(children, k8s.core.v1.Pod, args.name)
        self.pod_name = args.name
        self.register_outputs({"podName": self.pod_name})
