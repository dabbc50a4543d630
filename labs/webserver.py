"""Exercise 2.1 and Lab 2.2: a web server that starts late, behind readiness and liveness probes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from labs import timeline
from labs.merge import deep_merge
from labs.model import DnsLabel, DnsSubdomain, Image, Port, UserId
from labs.pod import (
    LabArgs,
    Manifest,
    Resources,
    container_security_context,
    exemptions,
    metadata,
    pod_security_context,
)
from labs.probes import Probe

LAB = "probed-web-server"
Stage = Literal["exercise-2.1", "lab-2.2"]
AwaitMode = Literal["auto", "ready", "running", "none"]

# The seed's two steps. A stage supplies every probe field the stack config leaves out.
STAGES: dict[str, dict[str, Any]] = {
    "exercise-2.1": {
        "readinessProbe": {"httpGet": {"path": "/"}, "initialDelaySeconds": 5, "failureThreshold": 1},
        "livenessProbe": None,
        "startupProbe": None,
    },
    "lab-2.2": {
        "readinessProbe": {"httpGet": {"path": "/"}, "initialDelaySeconds": 30, "failureThreshold": 4},
        "livenessProbe": {"exec": {"command": ["ls", "index.html"]}, "initialDelaySeconds": 60, "periodSeconds": 5},
        "startupProbe": None,
    },
}
PROBE_FIELDS = {"readinessProbe": "readiness_probe", "livenessProbe": "liveness_probe", "startupProbe": "startup_probe"}
# Time for scheduling and the image pull on top of the predicted start, before Pulumi gives up.
AWAIT_SLACK_SECONDS = 180


class ProbedWebServerArgs(LabArgs):
    """A Python HTTP server that sleeps DELAY_START seconds before it listens."""

    stage: Stage = Field("lab-2.2", description="seed step whose probe values fill what is not set")
    name: DnsSubdomain = Field("liveness-readiness-pod", description="Pod name")
    container_name: DnsLabel = Field("server", description="container name")
    image: Image = Field("python:3.13-alpine", description="image with a Python 3 interpreter")
    port: Port = Field(8000, description="port the server listens on")
    delay_start: int = Field(45, ge=0, le=3600, description="seconds the container sleeps before serving")
    working_dir: str = Field(
        "/tmp", pattern=r"^/", description="directory served over HTTP and where `ls index.html` looks"
    )
    command: list[str] | None = Field(None, min_length=1, description="replaces the container command")
    args: list[str] | None = Field(None, description="replaces the container args")
    readiness_probe: Probe | None = Field(None, description="gates traffic; unset means the stage's")
    liveness_probe: Probe | None = Field(None, description="restarts the container; unset means the stage's")
    startup_probe: Probe | None = Field(None, description="holds the other probes back until it succeeds")
    termination_grace_period_seconds: int | None = Field(
        None, ge=0, le=3600, description="SIGTERM-to-SIGKILL time on a restart; unset is Kubernetes' 30"
    )
    run_as_user: UserId = Field(1000, description="UID of the server; the image accepts any UID")
    resources: Resources = Field(default_factory=Resources, description="requests and limits")
    await_mode: AwaitMode = Field(
        "auto",
        description="what `pulumi up` waits for: auto (from the timeline), ready, running or none",
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_from_stage(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        filled = dict(data)
        stage = STAGES.get(str(filled.get("stage", "lab-2.2")), STAGES["lab-2.2"])
        for alias, field in PROBE_FIELDS.items():
            key = alias if alias in filled else field if field in filled else None
            preset = stage[alias]
            if key is None:
                filled[alias] = preset
            elif isinstance(filled[key], Mapping) and preset is not None:
                filled[key] = deep_merge(preset, filled[key])
        return filled

    # A field validator, not a model one, so it is reported beside errors in other fields.
    @field_validator("liveness_probe", "startup_probe")
    @classmethod
    def _success_threshold_is_one(cls, probe: Probe | None, info: ValidationInfo) -> Probe | None:
        if probe is not None and probe.success_threshold != 1:
            field = to_camel(info.field_name or "")
            raise ValueError(f"{field}.successThreshold must be 1 (Kubernetes rejects anything else)")
        return probe

    @property
    def grace_period_seconds(self) -> int:
        return 30 if self.termination_grace_period_seconds is None else self.termination_grace_period_seconds


def server_command(args: ProbedWebServerArgs) -> tuple[list[str], list[str]]:
    if args.command is not None or args.args is not None:
        return list(args.command or []), list(args.args or [])
    script = f"echo 'Sleeping...'; sleep $(DELAY_START); echo 'Starting server...'; python -m http.server {args.port}"
    return ["/bin/sh"], ["-c", script]


def await_annotations(args: ProbedWebServerArgs, prediction: timeline.Timeline) -> dict[str, str]:
    mode = args.await_mode
    if mode == "auto":
        mode = "ready" if prediction.ready_at is not None else "running"
    if mode == "none":
        return {"pulumi.com/skipAwait": "true"}
    started = prediction.ready_at if prediction.ready_at is not None else 0.0
    annotations = {"pulumi.com/timeoutSeconds": str(math.ceil(started) + AWAIT_SLACK_SECONDS)}
    if mode == "running":
        annotations["pulumi.com/waitFor"] = "jsonpath={.status.phase}=Running"
    return annotations


def build(args: ProbedWebServerArgs) -> list[Manifest]:
    prediction = timeline.predict(args)
    annotations = await_annotations(args, prediction)
    if prediction.restarts:
        annotations |= exemptions(
            {"liveness-restarts": "the lab shows the kubelet restarting a container whose liveness probe fails"}
        )
    command, container_args = server_command(args)
    container: Manifest = {
        "name": args.container_name,
        "image": args.image,
        "command": command,
        "args": container_args,
        "workingDir": args.working_dir,
        "env": [{"name": "DELAY_START", "value": str(args.delay_start)}],
        "ports": [{"name": "http", "containerPort": args.port}],
    }
    for key, field in PROBE_FIELDS.items():
        probe: Probe | None = getattr(args, field)
        if probe is not None:
            container[key] = probe.manifest(args.port)
    container["resources"] = args.resources.manifest()
    container["securityContext"] = container_security_context()
    spec: Manifest = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(args.run_as_user),
        "containers": [container],
    }
    if args.termination_grace_period_seconds is not None:
        spec["terminationGracePeriodSeconds"] = args.termination_grace_period_seconds
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(args.name, args.namespace, LAB, annotations=annotations),
        "spec": spec,
    }
    return [pod]
