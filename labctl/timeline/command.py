"""`labctl timeline`: what the kubelet will do with each ProbedWebServer pod, predicted offline."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from labctl.errors import BadInput
from labctl.selection import select_environments
from labctl.stack import add_stack_arguments, load_stack
from labs import timeline
from labs.environment import Environment
from labs.timeline_svg import Panel, svg
from labs.timeline_text import event_lines, seconds, summary_lines
from labs.webserver import LAB, ProbedWebServerArgs, never_ready_warning, parameter_line

MAX_HORIZON_SECONDS = 86400
PICTURE_FILE = "probe-timeline.svg"
DESCRIPTION = """\
Predict, offline, what the kubelet does with the probe lab's pod (ProbedWebServer) in every
environment of the stack: each probe result, when the pod becomes Ready, when and why the
container restarts, and CrashLoopBackOff. Environments with the same parameters share one
prediction. Times are nominal: on a node a probe may run up to one period later.
--format svg draws it (one panel per set of parameters): the container's state, Ready periods,
every probe result and the moments the lab text talks about; `labctl render` puts the same
picture beside each LAB-SHEET.md."""


def _parameters_key(args: ProbedWebServerArgs) -> str:
    return json.dumps(args.model_dump(mode="json", exclude={"namespace"}), sort_keys=True)


def _groups(environments: list[Environment]) -> list[tuple[ProbedWebServerArgs, list[Environment]]]:
    """Environments whose pods behave alike (same parameters but the namespace) share one prediction."""
    groups: dict[str, tuple[ProbedWebServerArgs, list[Environment]]] = {}
    for env in environments:
        found = env.labs.get(LAB.key)
        if found is None:
            continue
        args = LAB.own(found)
        groups.setdefault(_parameters_key(args), (args, []))[1].append(env)
    return list(groups.values())


def panel(
    args: ProbedWebServerArgs, who: str | None = None, horizon: float = timeline.DEFAULT_HORIZON_SECONDS
) -> Panel:
    title = f"{args.name}: what the kubelet does with its probes" + (f", for {who}" if who else "")
    probes = tuple(timeline.probes_of(args))
    return Panel(title, parameter_line(args), timeline.predict(args, horizon), probes)


_PICTURES: dict[str, str] = {}


def picture(env: Environment) -> str | None:
    """The environment's probe timeline as SVG, or None without the probe lab; drawn once per parameter set."""
    found = env.labs.get(LAB.key)
    if found is None:
        return None
    args = LAB.own(found)
    key = _parameters_key(args)
    if key not in _PICTURES:
        _PICTURES[key] = svg([panel(args)])
    return _PICTURES[key]


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
        "warning": never_ready_warning(args, prediction),
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
    warning = never_ready_warning(args, prediction)
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
    parser.add_argument("--format", choices=("text", "json", "svg"), default="text", help="output format")
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
        raise BadInput(f"the stack deploys no {LAB.key} lab; add it under labs")
    predictions = [(lab, envs, timeline.predict(lab, args.horizon)) for lab, envs in groups]
    if args.format == "json":
        print(json.dumps([as_json(*entry) for entry in predictions], indent=2))
    elif args.format == "svg":
        who = [", ".join(env.student or env.name for env in envs) for _, envs, _ in predictions]
        sys.stdout.write(
            svg([panel(lab, names, args.horizon) for (lab, _, _), names in zip(predictions, who, strict=True)])
        )
    else:
        print("\n\n".join(as_text(*entry) for entry in predictions))
    return 0
