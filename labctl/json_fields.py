"""Reads fields of JSON a cluster printed, whatever its shape: a missing or odd field is an empty one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field(value: Any, *path: str) -> Any:
    """value[path[0]][path[1]]..., or None where a step is no object or has no such key."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def text(value: Any, *path: str) -> str:
    found = field(value, *path)
    return found if isinstance(found, str) else ""


def objects(value: Any, *path: str) -> list[Mapping[str, Any]]:
    """The objects of the list at `path` (a kubectl List's `items`, a pod spec's `containers`)."""
    found = field(value, *path)
    if not isinstance(found, list):
        return []
    return [item for item in found if isinstance(item, Mapping)]


def strings(value: Any, *path: str) -> list[str]:
    found = field(value, *path)
    if not isinstance(found, list):
        return []
    return [item for item in found if isinstance(item, str)]
