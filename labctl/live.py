"""A student's own objects for a lab, read from the cluster by the names the lab uses (kubectl)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from typing import Any

from labctl.errors import Unavailable
from labctl.pool import call
from labs.catalog import LABS
from labs.environment import Environment
from labs.grading import ObjectName
from labs.lab import LabKey

Call = Callable[[list[str]], tuple[str, str | None]]
"""Runs kubectl with these words; (stdout, a problem or None)."""


def kubectl_on_path() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise Unavailable("kubectl is not on PATH; install it and select the class's cluster")
    return kubectl


def kubectl_call(kubectl: str, timeout: float) -> Call:
    """A Call to this kubectl, each request bounded by `timeout` seconds on the server and here."""

    def run_kubectl(words: list[str]) -> tuple[str, str | None]:
        answer = call([kubectl, *words, f"--request-timeout={timeout:g}s"], timeout)
        return answer.output, answer.problem

    return run_kubectl


def cluster_problem(kubectl: str, timeout: float) -> str | None:
    """None when the current context answers; kubectl version asks the API server for its own."""
    answer = call([kubectl, "version", "-o", "json", f"--request-timeout={timeout:g}s"], timeout)
    if answer.problem:
        return answer.problem
    if '"serverVersion"' not in answer.output:
        return "kubectl printed no server version"
    return None


RESOURCES = {
    "Pod": "pod",
    "ConfigMap": "configmap",
    "Secret": "secret",
    "Service": "service",
    "Deployment": "deployment.apps",
}


def lab_names(env: Environment, key: LabKey) -> list[ObjectName]:
    """What the lab asks for and what its commands create, in the order a student makes them."""
    args = env.labs[key]
    return list(dict.fromkeys([*LABS[key].made_by_commands(args), *LABS[key].asks(args)]))


class LiveError(RuntimeError):
    """kubectl did not answer as expected; the message says what it said."""


def fetch(call: Call, namespace: str, name: ObjectName) -> Mapping[str, Any] | None:
    """The live object, or None when there is none; only inside the student's namespace."""
    kind, object_name = name
    words = ["get", RESOURCES[kind], object_name, "-n", namespace, "-o", "json", "--ignore-not-found"]
    output, problem = call(words)
    if problem:
        raise LiveError(f"{kind} {object_name} in {namespace}: {problem}")
    if not output.strip():
        return None
    try:
        found = json.loads(output)
    except json.JSONDecodeError:
        raise LiveError(f"{kind} {object_name} in {namespace}: kubectl printed no JSON") from None
    return found if isinstance(found, Mapping) else None


def live_objects(call: Call, env: Environment, key: LabKey) -> dict[ObjectName, Mapping[str, Any]]:
    found = {}
    for name in lab_names(env, key):
        obj = fetch(call, env.namespace, name)
        if obj is not None:
            found[name] = obj
    return found


def started(env: Environment, key: LabKey, objects: Mapping[ObjectName, Any]) -> bool:
    """A lab is started once any object it asks for exists (a ConfigMap made by a command alone is not)."""
    return any(name in objects for name in LABS[key].asks(env.labs[key]))
