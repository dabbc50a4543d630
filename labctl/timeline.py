"""`labctl timeline`: what the kubelet will do with each ProbedWebServer pod, predicted offline."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from labctl.errors import BadInput
from labctl.selection import select_environments
from labctl.stack import add_stack_arguments, load_stack
from labs import timeline
from labs.environment import Environment
from labs.webserver import PROBE_FIELDS, ProbedWebServerArgs

LAB_KEY = "probedWebServer"
MAX_HORIZON_SECONDS = 86400
DESCRIPTION = """\
Predict, offline, what the kubelet does with the probe lab's pod (ProbedWebServer) in every
environment of the stack: each probe result, when the pod becomes Ready, when and why the
container restarts, and CrashLoopBackOff. Environments with the same parameters share one
prediction. Times are nominal: on a node a probe may run up to one period later."""


def seconds(value: float) -> str:
    return f"{value:g}s"


@dataclass
class _Run:
    """Consecutive identical results of one probe, shown as one line."""

    probe: str
    message: str
    times: list[float]

    def line(self) -> tuple[float, str]:
        first, last = self.times[0], self.times[-1]
        if len(self.times) == 1:
            return first, self.message
        gaps = {round(later - earlier, 6) for earlier, later in zip(self.times, self.times[1:], strict=False)}
        every = f", every {seconds(gaps.pop())}" if len(gaps) == 1 else ""
        return first, f"{self.message} (x{len(self.times)} until {seconds(last)}{every})"


def event_lines(prediction: timeline.Timeline) -> list[tuple[float, str]]:
    """Events in time order, each run of identical probe results folded into one line.

    A run ends at any event that is not a probe result (Ready, a kill, an exit), so every line
    reads as one phase of the container's life.
    """
    lines: list[tuple[float, int, str]] = []
    open_runs: dict[str, _Run] = {}

    def close(run: _Run) -> None:
        at, text = run.line()
        lines.append((at, len(lines), text))

    for event in prediction.events:
        if event.kind != "probe" or event.probe is None:
            for finished in open_runs.values():
                close(finished)
            open_runs.clear()
            lines.append((event.at, len(lines), event.message))
            continue
        current = open_runs.get(event.probe)
        if current is not None and current.message == event.message:
            current.times.append(event.at)
            continue
        if current is not None:
            close(current)
        open_runs[event.probe] = _Run(event.probe, event.message, [event.at])
    for remaining in open_runs.values():
        close(remaining)
    return [(at, text) for at, _, text in sorted(lines)]


def summary_lines(args: ProbedWebServerArgs, prediction: timeline.Timeline) -> list[str]:
    horizon = seconds(prediction.horizon)
    ready = (
        f"Ready first at {seconds(prediction.ready_at)}"
        if prediction.ready_at is not None
        else f"never Ready within {horizon}"
    )
    lines = [ready]
    if prediction.restarts:
        at = ", ".join(seconds(moment) for moment in prediction.restarts)
        lines.append(f"{len(prediction.restarts)} restart(s) within {horizon}, at {at}")
        lines.append(f"first kill: {prediction.kill_reason}; SIGKILL {seconds(timeline.grace_seconds(args))} later")
    else:
        lines.append(f"no restart within {horizon}")
    if prediction.back_offs:
        lines.append("CrashLoopBackOff after the exits at " + ", ".join(seconds(m) for m in prediction.back_offs))
    return lines


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


def _groups(environments: list[Environment]) -> list[tuple[ProbedWebServerArgs, list[Environment]]]:
    """Environments whose pods behave alike (same parameters but the namespace) share one prediction."""
    groups: dict[str, tuple[ProbedWebServerArgs, list[Environment]]] = {}
    for env in environments:
        args = env.labs.get(LAB_KEY)
        if not isinstance(args, ProbedWebServerArgs):
            continue
        key = json.dumps(args.model_dump(mode="json", exclude={"namespace"}), sort_keys=True)
        groups.setdefault(key, (args, []))[1].append(env)
    return list(groups.values())


def as_json(args: ProbedWebServerArgs, envs: list[Environment], prediction: timeline.Timeline) -> dict[str, Any]:
    return {
        "environments": [{"name": env.name, "student": env.student, "namespace": env.namespace} for env in envs],
        "pod": args.name,
        "parameters": args.model_dump(mode="json", exclude={"namespace"}, exclude_none=True),
        "graceSeconds": timeline.grace_seconds(args),
        "horizonSeconds": prediction.horizon,
        "everReady": prediction.ever_ready,
        "readyAt": prediction.ready_at,
        "restarts": list(prediction.restarts),
        "restartCount": len(prediction.restarts),
        "kills": list(prediction.kills),
        "crashLoopBackOffAt": list(prediction.back_offs),
        "killReason": prediction.kill_reason,
        "warning": timeline.never_ready_warning(args, prediction),
        "events": [
            {
                "at": event.at,
                "kind": event.kind,
                "probe": event.probe,
                "success": event.success,
                "message": event.message,
            }
            for event in prediction.events
        ],
    }


def as_text(args: ProbedWebServerArgs, envs: list[Environment], prediction: timeline.Timeline) -> str:
    names = ", ".join(env.student or env.name for env in envs)
    out = [f"{args.name} for {names}", f"  {parameter_line(args)}"]
    out += [f"  {line}" for line in summary_lines(args, prediction)]
    warning = timeline.never_ready_warning(args, prediction)
    if warning:
        out.append(f"  warning: {warning}")
    width = max(len(seconds(at)) for at, _ in event_lines(prediction))
    out.append("  events (nominal; each probe may run up to one period later):")
    out += [f"    {seconds(at):>{width}}  {text}" for at, text in event_lines(prediction)]
    return "\n".join(out)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "timeline", help="predict probe events, Ready and restarts of the probe lab", description=DESCRIPTION
    )
    add_stack_arguments(parser)
    parser.add_argument("--student", help="only this student's environment")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--horizon",
        type=int,
        default=timeline.DEFAULT_HORIZON_SECONDS,
        help=f"seconds after the container starts to predict (1 to {MAX_HORIZON_SECONDS})",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.horizon <= MAX_HORIZON_SECONDS:
        raise BadInput(f"--horizon must be from 1 to {MAX_HORIZON_SECONDS} (got {args.horizon})")
    environments = select_environments(load_stack(args), args.student)
    groups = _groups(environments)
    if not groups:
        raise BadInput(f"the stack deploys no {LAB_KEY} lab; add it under labs")
    predictions = [(lab, envs, timeline.predict(lab, args.horizon)) for lab, envs in groups]
    if args.format == "json":
        print(json.dumps([as_json(*entry) for entry in predictions], indent=2))
    else:
        print("\n\n".join(as_text(*entry) for entry in predictions))
    return 0
