"""SecureWriterPod: Lab 2.3 as a Pulumi component."""

from __future__ import annotations

import pulumi

from components.base import LabComponent
from labs import secure_writer
from labs.secure_writer import SecureWriterPodArgs


class SecureWriterPod(LabComponent):
    pod_name: str
    """Name of the Pod whose file the student lists."""
    file_path: str
    """Path of the file inside the container."""

    def __init__(self, name: str, args: SecureWriterPodArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("SecureWriterPod", name, opts)
        self._register(secure_writer.build(args))
        self.pod_name = args.name
        self.file_path = args.file_path
        self.register_outputs({"podName": self.pod_name, "filePath": self.file_path})
