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
from labs.grading import (
    Comparer,
    FieldPath,
    Grader,
    Issue,
    Level,
    Work,
    as_number,
    as_text,
    at,
    command_text,
    container,
    env_value,
    probe_issues,
)
from labs.lab import Check, Lab, Verdict, without_password
from labs.markdown import block
from labs.merge import deep_merge
from labs.metadata import EXISTS, RUNNING, TIMEOUT_SECONDS, WAIT_FOR, exemptions, metadata
from labs.model import DnsLabel, DnsSubdomain, Image, Port, UserId
from labs.pod import LabArgs, Manifest, Resources, container_security_context, pod_security_context
from labs.probes import Probe
from labs.tasks import task_section
from labs.timeline_text import event_lines, seconds, status_lines, summary_lines

LABEL = "probed-web-server"
LAB_FILE = "liveready-pod.yaml"
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
# Time for scheduling and the image pull (or the kubelet's kill) on top of the predicted wait, before Pulumi gives up.
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
    """What `pulumi up` waits for on this pod; `none` never uses skipAwait, which would also drop the wait
    for a replaced pod's deletion and let the new pod of the same name meet AlreadyExists."""
    mode = args.await_mode
    if mode == "auto":
        mode = "ready" if prediction.ready_at is not None else "running"
    ready_wait = math.ceil(prediction.ready_at or 0.0) if mode == "ready" else 0
    # The provider applies one timeout to the readiness wait and to the wait for this pod's deletion when it
    # is replaced; deleting takes up to the grace period (the shell as PID 1 ignores SIGTERM).
    timeout = AWAIT_SLACK_SECONDS + max(ready_wait, args.grace_period_seconds)
    annotations = {TIMEOUT_SECONDS: str(timeout)}
    if mode == "running":
        annotations[WAIT_FOR] = RUNNING
    elif mode == "none":
        annotations[WAIT_FOR] = EXISTS
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


def probe_ask(key: str, probe: Probe, port: int) -> str:
    if probe.http_get is not None:
        action = f"httpGet on path `{probe.http_get.path}`, port {probe.http_get.port or port}"
    elif probe.tcp_socket is not None:
        action = f"tcpSocket on port {probe.tcp_socket.port or port}"
    else:
        assert probe.exec is not None
        action = f"exec `{shlex.join(probe.exec.command)}`"
    return (
        f"`{key}`: {action}; initialDelaySeconds {probe.initial_delay_seconds}, periodSeconds "
        f"{probe.period_seconds}, timeoutSeconds {probe.timeout_seconds}, failureThreshold {probe.failure_threshold}"
    )


def task(args: ProbedWebServerArgs) -> list[str]:
    asks = [
        f"`{LAB_FILE}`: Pod `{args.name}` with container `{args.container_name}` running a Python 3 image "
        f"(e.g. `{args.image}`; `python:2.7-alpine` is end-of-life and has no `http.server`)",
        f'env `DELAY_START` = `"{args.delay_start}"`; command `/bin/sh`, args `-c` and '
        f"`echo 'Sleeping...'; sleep $(DELAY_START); echo 'Starting server...'; python -m http.server {args.port}`",
        f"working directory `{args.working_dir}` (where `ls index.html` looks)",
    ]
    for key, field in PROBE_FIELDS.items():
        probe: Probe | None = getattr(args, field)
        if probe is not None:
            asks.append(probe_ask(key, probe, args.port))
    if args.termination_grace_period_seconds is not None:
        asks.append(f"`terminationGracePeriodSeconds: {args.termination_grace_period_seconds}`")
    watch = shlex.join(("kubectl", "get", "pod", args.name, *namespace_flags(args), "--watch"))
    return task_section(args, asks, [LAB_FILE], [], checks(args), [watch, *first_look(args)])


def python_major(image: str) -> int | None:
    """The Python major version a `python:` image's tag tells (3.13-alpine: 3), None when it does not."""
    repository, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    if repository.rsplit("/", 1)[-1] != "python" or not tag[:1].isdigit():
        return None
    return int(tag.split(".")[0].split("-")[0])


def server_issues(c: Comparer, path: FieldPath, item: Mapping[str, Any], args: ProbedWebServerArgs) -> None:
    text = command_text(item)
    image = str(item.get("image") or "")
    if "SimpleHTTPServer" in text:
        major = python_major(image)
        why = "Python 3 has no SimpleHTTPServer: the server never listens, so the pod is never Ready"
        level: Level = "required" if major == 3 else "advice"
        if major != 3:
            why = "SimpleHTTPServer is Python 2 only (end of life); on a Python 3 image the server never listens"
        c.add((*path, "args"), "python -m SimpleHTTPServer", f"python -m http.server {args.port}", why, level)
    words = text.replace(";", " ").split()
    if "http.server" in words:
        after = words[words.index("http.server") + 1 : words.index("http.server") + 2]
        port = int(after[0]) if after and after[0].isdigit() else 8000
        why = "the probes knock on the lab's port: a server elsewhere is never Ready"
        c.same((*path, "args"), f"http.server on port {port}", f"http.server on port {args.port}", why)


def grade(args: ProbedWebServerArgs, work: Work) -> list[Issue]:
    pod = work.get("Pod", args.name)
    if pod is None:
        return []
    c = Comparer(("Pod", args.name))
    found = container(pod, args.container_name)
    if found is None:
        c.add(("spec", "containers"), None, "a container", "the pod runs nothing")
        return c.issues
    path, item = found
    delay = env_value(item, "DELAY_START")
    why = "DELAY_START is when the server starts listening: the pod turns Ready (or is restarted) at another time"
    if delay is None:
        c.add((*path, "env"), None, f"DELAY_START={args.delay_start}", why)
    else:
        # A number here is refused by the API server (the schema layer says so): compared by what it says.
        c.same((*path, "env", delay[0], "value"), as_text(delay[1].get("value")), str(args.delay_start), why)
    reasons = {
        "readinessProbe": "the readiness probe decides when the pod is Ready: the timeline changes",
        "livenessProbe": "the liveness probe decides when the container is restarted: the restart count changes",
        "startupProbe": "a startup probe holds the other probes back: the timeline changes",
    }
    for key, field in PROBE_FIELDS.items():
        probe: Probe | None = getattr(args, field)
        asked = probe.manifest(args.port) if probe is not None else None
        probe_issues(c, path, item, key, asked, reasons[key], args.working_dir)
    if args.termination_grace_period_seconds is not None:
        why = "the grace period is how long a restart takes after the liveness probe fails"
        found_grace = as_number(at(pod, ("spec", "terminationGracePeriodSeconds")))
        c.same(("spec", "terminationGracePeriodSeconds"), found_grace, args.termination_grace_period_seconds, why)
    server_issues(c, path, item, args)
    return c.issues


GRADER = Grader(asks=lambda args: [("Pod", args.name)], grade=grade)


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
    task_writer=task,
    grader=GRADER,
)
