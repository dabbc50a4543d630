"""YAML the way kubectl users read it: key order kept, multi-line strings as blocks, fast C emitter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class ManifestDumper(_Base):  # type: ignore[misc]
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


ManifestDumper.add_representer(str, _str)


def dump_all(manifests: Iterable[dict[str, Any]]) -> str:
    return yaml.dump_all(manifests, Dumper=ManifestDumper, sort_keys=False, default_flow_style=False)
