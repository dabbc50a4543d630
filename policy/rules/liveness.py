"""Liveness (and startup) probes that restart the container by design.

The kubelet kills a container once failureThreshold probes in a row fail; the n-th probe runs at
initialDelaySeconds + (n - 1) * periodSeconds. Two things make that certain from the manifest alone:
- the probe can never succeed: it names a port the container does not declare, or it checks for a
  file in an empty place (a relative path, /tmp, an emptyDir) that the container's own command never
  writes;
- the container's shell script sleeps before it starts serving, and the last allowed failure comes
  before the sleep ends (with a startup probe, that probe is the one that must outlast the sleep).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import Field

from labs.expansion import expand, expand_env

from .manifest import Container, app_containers, dig, mapping, number, pod_spec, sequence, text
from .model import Enforcement, Manifest, Params, Rule, Severity

SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
FILE_CHECKS = {"ls", "cat", "stat", "head", "tail", "test", "["}
EMPTY_PLACES = ("/tmp/",)
_SLEEP = re.compile(r"^sleep\s+([0-9]+(?:\.[0-9]+)?)s?$")
_HARMLESS = re.compile(r"^(echo|printf|:|true)(\s|$)")


class LivenessParams(Params):
    file_checks: bool = Field(
        True, description="flag exec probes that look for a file the container never writes in an empty place"
    )


def _literal_env(container: Container) -> Iterator[tuple[str, str]]:
    """Env entries whose value the manifest states; one from the cluster (valueFrom) is unknown here."""
    for entry in map(mapping, sequence(container.spec.get("env"))):
        name, value = text(entry.get("name")), entry.get("value", "")
        if name and isinstance(value, str) and "valueFrom" not in entry:
            yield name, value


def command_line(container: Container) -> list[str]:
    """The words the container runs, after the kubelet's `$(VAR)` expansion from its env."""
    env = expand_env(_literal_env(container))
    words = [text(word) or "" for word in sequence(container.spec.get("command"))]
    words += [text(word) or "" for word in sequence(container.spec.get("args"))]
    return [expand(word, env) for word in words]


def shell_script(words: list[str]) -> str | None:
    if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in SHELLS and words[1] == "-c":
        return words[2]
    return None


def startup_sleep(container: Container) -> float:
    """Seconds a `sh -c` script sleeps before it runs anything but echo: nothing listens meanwhile."""
    script = shell_script(command_line(container))
    total = 0.0
    for statement in re.split(r";|&&|\n", script or ""):
        statement = statement.strip()
        if not statement or _HARMLESS.match(statement):
            continue
        sleep = _SLEEP.match(statement)
        if sleep is None:
            break
        total += float(sleep[1])
    return total


def _timing(probe: Mapping[str, Any], field: str, default: float) -> float:
    value = number(probe.get(field))
    return default if value is None else value


def last_failure_at(probe: Mapping[str, Any]) -> float:
    """When the failureThreshold-th failing probe in a row runs, counted from the container start."""
    initial = _timing(probe, "initialDelaySeconds", 0)
    period = _timing(probe, "periodSeconds", 10)
    threshold = _timing(probe, "failureThreshold", 3)
    return initial + (threshold - 1) * period


def _declared_ports(container: Container) -> tuple[set[float], set[str]]:
    numbers, names = set(), set()
    for port in sequence(container.spec.get("ports")):
        port_number = number(mapping(port).get("containerPort"))
        if port_number is not None:
            numbers.add(port_number)
        port_name = text(mapping(port).get("name"))
        if port_name:
            names.add(port_name)
    return numbers, names


def _network_port(probe: Mapping[str, Any]) -> Any:
    for action in ("httpGet", "tcpSocket", "grpc"):
        if mapping(probe.get(action)):
            return mapping(probe.get(action)).get("port")
    return None


def _checked_file(probe: Mapping[str, Any]) -> str | None:
    words = [text(word) or "" for word in sequence(dig(probe, "exec", "command"))]
    if len(words) >= 2 and words[0].rsplit("/", 1)[-1] in FILE_CHECKS:
        paths = [word for word in words[1:] if not word.startswith("-") and word != "]"]
        return paths[-1] if len(paths) == 1 else None
    return None


def _empty_dir_mounts(spec: Mapping[str, Any], container: Container) -> list[str]:
    empty = {
        text(mapping(volume).get("name"))
        for volume in sequence(spec.get("volumes"))
        if mapping(volume).get("emptyDir") is not None
    }
    places = []
    for mount in map(mapping, sequence(container.spec.get("volumeMounts"))):
        path = text(mount.get("mountPath"))
        # A mount without a path (which the API server refuses) makes no place empty, least of all "/".
        if path and text(mount.get("name")) in empty:
            places.append(path.rstrip("/") + "/")
    return places


def never_succeeds(probe: Mapping[str, Any], container: Container, spec: Mapping[str, Any], files: bool) -> str | None:
    port = _network_port(probe)
    numbers, names = _declared_ports(container)
    if isinstance(port, str) and port not in names:
        return f"probes the named port {port}, which the container does not declare"
    if number(port) is not None and numbers and number(port) not in numbers:
        declared = ", ".join(f"{declared_port:g}" for declared_port in sorted(numbers))
        return f"probes port {number(port):g}, which the container does not listen on (it declares {declared})"
    checked = _checked_file(probe) if files else None
    if checked is None:
        return None
    # A relative path counts as an empty place, whatever the working directory.
    empty_places = (*EMPTY_PLACES, *_empty_dir_mounts(spec, container))
    in_empty_place = not checked.startswith("/") or checked.startswith(empty_places)
    written = any(checked.rsplit("/", 1)[-1] in word for word in command_line(container))
    if in_empty_place and not written and command_line(container):
        return f"checks for {checked}, which the container's command never creates"
    return None


def restarts_by_design(obj: Manifest, params: LivenessParams) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    for container in app_containers(spec):
        startup = mapping(container.spec.get("startupProbe"))
        liveness = mapping(container.spec.get("livenessProbe"))
        for field, probe in (("startupProbe", startup), ("livenessProbe", liveness)):
            reason = never_succeeds(probe, container, spec, params.file_checks) if probe else None
            if reason:
                yield (
                    f"{container.label}: {field} {reason}; the kubelet restarts it "
                    f"{last_failure_at(probe):g}s after each start"
                )
        killer_field, killer = ("startupProbe", startup) if startup else ("livenessProbe", liveness)
        sleep = startup_sleep(container)
        if killer and _network_port(killer) is not None and sleep and last_failure_at(killer) < sleep:
            yield (
                f"{container.label}: {killer_field} fails for the {last_failure_at(killer):g}s it allows, "
                f"but the command sleeps {sleep:g}s before serving: the container restarts before it is ever up"
            )


RULES = [
    Rule(
        id="liveness-restarts",
        title="Liveness probe that restarts the container by design",
        description="A liveness or startup probe must be able to succeed before it runs out of failures.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes container probes (liveness, startup)",
        url="https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        params=LivenessParams,
        check_object=restarts_by_design,
    )
]
