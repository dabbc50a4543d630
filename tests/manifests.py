"""Helpers for reading manifests in tests."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def find(manifests: Iterable[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def pod_spec(manifest: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = manifest["spec"]
    return spec["template"]["spec"] if manifest["kind"] == "Deployment" else spec


def containers(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return list(pod_spec(manifest)["containers"])


def plain(value: Any) -> Any:
    """Mock-recorded inputs made comparable: secrets unwrapped, whole floats back to ints."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return plain(value["value"])
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


DELETE = object()
"""The value that makes `changed` remove a field."""


def changed(obj: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """`obj` with the field at `path` set to `value` (deleted when `value` is DELETE)."""
    result = copy.deepcopy(obj)
    node: Any = result
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return result
