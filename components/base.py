"""What every lab component shares: register the builder's manifests as children."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.manifests import register, upstream, without_dependencies
from labs.pod import Manifest


class LabComponent(pulumi.ComponentResource):
    """Object names are plain strings: the lab's parameters fix every name, so nothing waits on the
    provider to learn them, and a caller that needs an object to exist first depends on the component.

    What the caller makes the component depend on is handed to each child by its kind (a ConfigMap waits
    for the namespace, a Pod also for the quota and LimitRange); the component itself waits for none of it,
    since Pulumi registers a component's children only after the component's own dependencies exist."""

    manifests: list[Manifest]
    """The builder's output, exactly what was registered."""
    objects: list[str]
    """Its Kubernetes objects as `Kind/name`, in the order they were registered."""

    def __init__(self, type_name: str, name: str, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(f"k8s-labs:index:{type_name}", name, None, without_dependencies(opts))
        self._name = name
        self._upstream = upstream(opts)

    def _register(self, manifests: Sequence[Manifest]) -> dict[str, pulumi.CustomResource]:
        """Registers the manifests as children; returns them by `Kind/name` for the typed attributes."""
        self.manifests = list(manifests)
        children = register(self._name, self.manifests, self, self._upstream)
        self.objects = list(children)
        return children
