"""SecureWriterPod: Lab 2.3 as a Pulumi component."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.base import LabComponent
from components.manifests import child
from labs import secure_writer
from labs.secure_writer import SecureWriterPodArgs


class SecureWriterPod(LabComponent):
    pod: k8s.core.v1.Pod
    """The Pod whose file the student lists."""
    pod_name: str
    """Name of the Pod whose file the student lists."""
    file_path: str
    """Path of the file inside the container."""

    def __init__(self, name: str, args: SecureWriterPodArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(secure_writer.LAB.component, name, opts)
        children = self._register(secure_writer.build(args))
        self.pod = child(children, k8s.core.v1.Pod, args.name)
        self.pod_name = args.name
        self.file_path = args.file_path
        self.register_outputs({"podName": self.pod_name, "filePath": self.file_path})
