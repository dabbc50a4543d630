"""Deep merge of plain config mappings: the later one wins, a None included (a `null` in the config).

A None is kept, not dropped: `livenessProbe: null` in a student's override means no probe, where
leaving the key out keeps the class-wide one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
