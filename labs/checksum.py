"""A content checksum in a container's env: how a pod that reads its config only at start follows a change.

A process reads its config file or its environment once, when it starts. A new ConfigMap leaves
a running pod on the old values, and on a bare Pod annotations are updated in place, so the
checksum goes where a change replaces the pod: its container `env`, part of the immutable pod
spec (pulumi-kubernetes and `kubectl apply` then make a new pod).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from labs.pod import Manifest


def content_checksum(content: str | Mapping[str, str]) -> str:
    """SHA-256 of a rendered file, or of a ConfigMap's data (keys in order, so the same data gives the same sum)."""
    text = content if isinstance(content, str) else json.dumps(dict(sorted(content.items())), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def checksum_env(name: str, content: str | Mapping[str, str]) -> Manifest:
    """The env entry that ties a pod to the content it read at start."""
    return {"name": name, "value": content_checksum(content)}
