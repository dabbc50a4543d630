"""What `labctl review` looks at: a tree of manifests (read as kubectl reads it), or the objects a stack deploys."""

from __future__ import annotations

import argparse
import contextlib
import gc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labctl.manifest_files import (
    MANIFEST_SUFFIXES,
    TREE,
    NotRead,
    Reader,
    SourceError,
    Unreadable,
    cyclic_gc_paused,
    manifest_files,
    objects_in,
    shown,
)
from labctl.render.applicationset import FILE as APPLICATIONSET_FILE
from labctl.render.kustomization import KUSTOMIZATION_NAMES
from labctl.stack import load_stack
from labs.environment import build_environment

# The Secret the stack would create holds a generated password; the review never reads its value,
# so a stand-in keeps real passwords out of the process altogether.
PASSWORD_STAND_IN = "<generated at deploy time>"


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
    unread: list[NotRead] = field(default_factory=list)
    """The tree's files not read (each named within the tree), which the review leaves out."""


def _logical(group: str, obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    parts = [group, str(obj.get("kind", "?")), str(metadata.get("namespace") or "-"), str(metadata.get("name") or "?")]
    return "/".join(part for part in parts if part)


def from_tree(folder: Path) -> Reviewed:
    if not folder.is_dir():
        raise SourceError(f"--dir {folder}: no such folder (render one with `labctl render --stack NAME --out DIR`)")
    # A kustomization lists files for `kubectl apply -k` and holds no object; a render's ApplicationSet, at
    # the top, goes to Argo CD's namespace and deploys the folders reviewed here.
    skipped = {folder / APPLICATIONSET_FILE}
    files, refused = manifest_files(
        folder, TREE.scope, lambda path: path.name not in KUSTOMIZATION_NAMES and path not in skipped
    )
    if not files and not refused:
        raise SourceError(f"--dir {folder}: holds no {', '.join(MANIFEST_SUFFIXES)} file")
    reader = Reader(TREE)
    objects: list[Mapping[str, Any]] = []
    locations: list[Location] = []
    unread = [error.named(error.path.relative_to(folder).as_posix()) for error in refused]
    with cyclic_gc_paused():
        for path in files:
            relative = path.relative_to(folder)
            group = relative.parts[0] if len(relative.parts) > 1 else ""
            try:  # a file is reviewed whole or not at all
                found = [
                    (object_line, obj)
                    for line, document, node in reader.documents(path)
                    for object_line, obj in objects_in(path, line, document, node)
                ]
            except Unreadable as error:
                unread.append(error.named(relative.as_posix()))
                continue
            for object_line, obj in found:
                objects.append(obj)
                locations.append(Location(_logical(group, obj), shown(relative.as_posix()), object_line))
    unread.sort(key=lambda problem: (problem.file, problem.line or 0))
    return Reviewed(objects, locations, str(folder), unread)


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


@contextlib.contextmanager
def read_objects_left_to_refcounting() -> Iterator[None]:
    """While the rules run, the objects already read stay out of the cyclic collector's walks.

    They hold no cycles, so reference counting frees them; walking hundreds of thousands of them
    again at each full collection would cost a large review a tenth of its time. `gc.unfreeze`
    hands them back afterwards.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
