"""ProbedWebServer: Exercise 2.1 and Lab 2.2 as a Pulumi component."""

from __future__ import annotations

import pulumi

from components.base import LabComponent
from labs import webserver
from labs.webserver import ProbedWebServerArgs


class ProbedWebServer(LabComponent):
    pod_name: str
    """Name of the Pod the student describes."""

    def __init__(self, name: str, args: ProbedWebServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ProbedWebServer", name, opts)
        self._register(webserver.build(args))
        self.pod_name = args.name
        self.register_outputs({"podName": self.pod_name})
