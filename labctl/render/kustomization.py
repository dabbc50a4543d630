"""The render's `kustomization.yaml`: `kubectl apply -k <render>` applies the whole class.

One file at the root of the tree lists every environment's files in their apply order. It is
never written inside an environment's folder: `kubectl apply -f <folder>/` would read it as a
manifest and fail on it. `sortOptions: fifo` keeps the listed order (kustomize would otherwise
sort by kind with its legacy order, which puts Pods after everything and LimitRanges after
ConfigMaps); it needs kustomize 5.0 (kubectl 1.27) or later.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from labctl.render.yamlout import dump_all

FILE = "kustomization.yaml"
# The names kustomize looks for in a folder; a tree reader skips them, as they hold no object.
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
HEADER = (
    "# Written by labctl render: `kubectl apply -k <this folder>` applies every environment,\n"
    "# each in its files' order (the same as `kubectl apply -f <environment>/`).\n"
)


def kustomization(resources: Sequence[str]) -> dict[str, object]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "sortOptions": {"order": "fifo"},
        "resources": list(resources),
    }


def write_kustomization(root: Path, resources: Sequence[str]) -> None:
    """`resources` are paths relative to `root`, in apply order."""
    (root / FILE).write_text(HEADER + dump_all([kustomization(resources)]), encoding="utf-8")
