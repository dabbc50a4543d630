"""What `labctl review` looks at: a rendered YAML tree, or the objects a stack deploys."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from labctl.errors import BadInput
from labctl.stack import load_stack
from labs.environment import build_environment

# The Secret the stack would create holds a generated password; the review never reads its value,
# so a stand-in keeps real passwords out of the process altogether.
PASSWORD_STAND_IN = "<generated at deploy time>"
YAML_SUFFIXES = (".yaml", ".yml")


class SourceError(BadInput):
    """A tree or file that cannot be reviewed; the message names the file and what is allowed."""


@dataclass(frozen=True)
class Location:
    logical: str
    """environment/Kind/namespace/name, stable across sources."""
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file is None:
            return self.logical
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Reviewed:
    objects: list[Mapping[str, Any]]
    locations: list[Location]
    origin: str
    """What was reviewed, for the report's heading: the folder or `stack NAME`."""


def _logical(group: str, obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    parts = [group, str(obj.get("kind", "?")), str(metadata.get("namespace") or "-"), str(metadata.get("name") or "?")]
    return "/".join(part for part in parts if part)


def documents(path: Path) -> list[tuple[int, Any]]:
    """(first line, document) for every non-empty document of a multi-document YAML file."""
    loader = yaml.SafeLoader(path.read_text())
    found: list[tuple[int, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                found.append((node.start_mark.line + 1, loader.construct_document(node)))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SourceError(f"{where}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    finally:
        loader.dispose()
    return found


def from_tree(folder: Path) -> Reviewed:
    if not folder.is_dir():
        raise SourceError(f"--dir {folder}: no such folder (render one with `labctl render --stack NAME --out DIR`)")
    files = sorted(path for path in folder.rglob("*") if path.suffix in YAML_SUFFIXES and path.is_file())
    if not files:
        raise SourceError(f"--dir {folder}: holds no .yaml or .yml file")
    objects: list[Mapping[str, Any]] = []
    locations: list[Location] = []
    for path in files:
        relative = path.relative_to(folder)
        for line, document in documents(path):
            if not isinstance(document, Mapping) or not document.get("kind") or not document.get("apiVersion"):
                raise SourceError(f"{path}:{line}: not a Kubernetes object (a mapping with apiVersion and kind)")
            group = relative.parts[0] if len(relative.parts) > 1 else ""
            objects.append(document)
            locations.append(Location(_logical(group, document), relative.as_posix(), line))
    return Reviewed(objects, locations, str(folder))


def from_stack(args: argparse.Namespace) -> Reviewed:
    plan = load_stack(args)
    objects: list[Mapping[str, Any]] = []
    locations: list[Location] = []
    stack_file = f"Pulumi.{args.stack}.yaml"
    for env in plan.environments:
        for manifest in build_environment(env, PASSWORD_STAND_IN):
            objects.append(manifest)
            locations.append(Location(_logical(env.name, manifest), stack_file))
    return Reviewed(objects, locations, f"stack {args.stack}")
