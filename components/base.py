"""What every lab component shares: register the builder's manifests as children."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.manifests import register, upstream
from labs.pod import Manifest


class LabComponent(pulumi.ComponentResource):
    manifests: list[Manifest]
    """The builder's output, exactly what was registered."""
    resources: dict[str, pulumi.CustomResource]
    """Children keyed `Kind/name`."""

    def __init__(self, type_name: str, name: str, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(f"k8s-labs:index:{type_name}", name, None, opts)
        self._name = name
        self._upstream = upstream(opts)

    def _register(self, manifests: Sequence[Manifest]) -> None:
        self.manifests = list(manifests)
        self.resources = register(self._name, self.manifests, self, self._upstream)

    def _object_name(self, kind: str, name: str) -> pulumi.Output[str]:
        return self.resources[f"{kind}/{name}"].metadata.name  # type: ignore[attr-defined,no-any-return]
