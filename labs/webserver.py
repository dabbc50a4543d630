"""Exercise 2.1 and Lab 2.2: a web server that starts late, behind readiness and liveness probes."""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from labs import timeline
from labs.checks import START_SLACK_SECONDS, kubectl, namespace_flags
from labs.lab import Check, Lab, Verdict, without_password
from labs.markdown import block
from labs.merge import deep_merge
from labs.metadata import exemptions, metadata
from labs.model import DnsLabel, DnsSubdomain, Image, Port, UserId
from labs.pod import LabArgs, Manifest, Resources, container_security_context, pod_security_context
from labs.probes import Probe
from labs.timeline_text import event_lines, seconds, status_lines, summary_lines

LABEL = "probed-web-server"
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
        "metadata": metadata(args.name, args.namespace, LABEL, annotations=annotations),
        "spec": spec,
    }
    return [pod]


def never_ready_warning(args: ProbedWebServerArgs, prediction: timeline.Timeline) -> str | None:
    """A sentence naming the parameters that keep the pod from ever becoming Ready."""
    if prediction.ever_ready:
        return None
    readiness = args.readiness_probe
    cause = prediction.kill_reason or "the readiness probe never succeeds"
    listening = f"the server listens only after delayStart={args.delay_start}s"
    if readiness is not None and readiness.resolved_expectation(args.port) in ("never", "timeout"):
        listening = "readinessProbe can never succeed (it probes something the server does not answer)"
    return (
        f"{args.name} will never become Ready within {prediction.horizon:g}s: {cause}, but {listening}. "
        "Raise livenessProbe.initialDelaySeconds or failureThreshold, or lower delayStart, "
        "if the lab should reach Ready."
    )


def warnings(args: ProbedWebServerArgs) -> list[str]:
    warning = never_ready_warning(args, timeline.predict(args))
    return [warning] if warning else []


def parameter_line(args: ProbedWebServerArgs) -> str:
    probes = []
    for key, field in PROBE_FIELDS.items():
        probe = getattr(args, field)
        if probe is not None:
            probes.append(
                f"{key} delay {probe.initial_delay_seconds}s period {probe.period_seconds}s "
                f"timeout {probe.timeout_seconds}s failure x{probe.failure_threshold} "
                f"success x{probe.success_threshold}"
            )
    grace = timeline.grace_seconds(args)
    return f"stage {args.stage}, delayStart {args.delay_start}s, grace {grace}s; " + "; ".join(probes)


def checks(args: ProbedWebServerArgs) -> list[Check]:
    prediction = timeline.predict(args)
    jsonpath = "jsonpath={.status.containerStatuses[0].ready},{.status.containerStatuses[0].restartCount}"
    argv = ("kubectl", "get", "pod", args.name, *namespace_flags(args), "-o", jsonpath)
    # Probe tickers start when the kubelet sees the pod, so each may run one period late.
    late = max((probe.period_seconds for probe in timeline.probes_of(args).values()), default=0)

    def status(output: str) -> tuple[str, int] | None:
        ready, _, count = output.strip().partition(",")
        return (ready, int(count)) if count.isdigit() and ready in ("true", "false") else None

    def restarted(output: str) -> str | None:
        found = status(output)
        return None if found and found[1] >= 1 else f"no restart yet (ready,restarts = {output.strip() or '?'})"

    def ready(output: str) -> str | None:
        found = status(output)
        return None if found and found[0] == "true" else f"not Ready (ready,restarts = {output.strip() or '?'})"

    def unready(output: str) -> str | None:
        found = status(output)
        return None if found and found[0] == "false" else f"expected not Ready, got {output.strip() or '?'}"

    # The answer changes with time: the sheet gives it window by window; verify waits for the one
    # that lasts (a restart, Ready, or never Ready).
    expected = "\n".join(status_lines(prediction))
    step: tuple[str, Verdict, float]
    if prediction.restarts:
        step = ("liveness restarts the container", restarted, prediction.restarts[0] + late + START_SLACK_SECONDS)
    elif prediction.ready_at is not None:
        step = ("pod becomes Ready", ready, prediction.ready_at + late + START_SLACK_SECONDS)
    else:
        step = ("pod stays unready", unready, START_SLACK_SECONDS)
    name, verdict, wait_seconds = step
    return [Check("probedWebServer", name, argv, expected, verdict, wait_seconds)]


def verify_waits_for(prediction: timeline.Timeline) -> str:
    if prediction.restarts:
        return f"a restart count of 1 or more (the first restart is predicted {prediction.restarts[0]:g}s in)"
    if prediction.ready_at is not None:
        return f"`true` (Ready is predicted {prediction.ready_at:g}s in)"
    return "`false`: the pod is never Ready"


def first_look(args: ProbedWebServerArgs) -> list[str]:
    return [kubectl("describe", "pod", args.name, args=args)]


def sheet_section(args: ProbedWebServerArgs) -> list[str]:
    prediction = timeline.predict(args)
    watch = shlex.join(("kubectl", "get", "pod", args.name, *namespace_flags(args), "--watch"))
    lines = [
        f"Pod `{args.name}` sleeps `DELAY_START={args.delay_start}` seconds, then serves port {args.port} "
        f"with `python -m http.server`.",
        "",
        f"Parameters: {parameter_line(args)}.",
        "",
        "Watch it, then read its events:",
        "",
        *block("\n".join([watch, *first_look(args)]), "console"),
        "What the kubelet will do, counted from the container's start (each probe may run up to one "
        "period later than shown):",
        "",
        *[f"- {line}" for line in summary_lines(args, prediction)],
        "",
    ]
    warning = never_ready_warning(args, prediction)
    if warning:
        lines += [f"> Note: {warning}", ""]
    events = event_lines(prediction)
    if prediction.restarts:
        # Every later container repeats the first one's story; the summary lists when.
        first_restart = prediction.restarts[0]
        events = [(at, text) for at, text in events if at <= first_restart]
        events.append((first_restart, "... the same again for each restart listed above"))
    width = max(len(seconds(at)) for at, _ in events)
    lines += block("\n".join(f"{seconds(at):>{width}}  {text}" for at, text in events), "text")
    lines += [
        "The check below prints `ready,restartCount`, and the answer depends on when you run it: "
        "its Expected lists each answer with the time it holds, counted from the container's first start "
        "(each change may come up to one probe period later). `labctl verify` waits for "
        f"{verify_waits_for(prediction)}.",
        "",
    ]
    return lines


LAB = Lab(
    key="probedWebServer",
    component="ProbedWebServer",
    title="Exercise 2.1 / Lab 2.2: readiness and liveness probes",
    file_stem="liveready-pod",
    args_type=ProbedWebServerArgs,
    builder=without_password(build),
    checker=checks,
    first_look=first_look,
    sheet_writer=sheet_section,
    warner=warnings,
)
