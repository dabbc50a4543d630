"""Given the edges of the kubelet's `$(VAR)` expansion, when a text or container is expanded, then the
result is the kubelet's, and what cannot be expanded offline is refused with the reason.

The kubelet (third_party/forked/golang/expansion) reads a name as everything between `$(` and the
next `)`, the empty name included, and looks it up like any other.
"""

from __future__ import annotations

import re

import pytest

from labs.expansion import container_argv, container_env, expand


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("$()", {"": "empty name"}, "empty name"),
        ("$()", {}, "$()"),
        ("a$()b)", {"": "E"}, "aEb)"),
        ("$()x)", {}, "$()x)"),
    ],
)
def test_the_empty_name_is_a_name(text: str, variables: dict[str, str], expected: str) -> None:
    assert expand(text, variables) == expected


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def test_env_from_the_cluster_is_refused_saying_why() -> None:
    with pytest.raises(
        ValueError, match=exactly("env 'P' comes from the cluster (valueFrom); only literal values expand")
    ):
        container_env({"env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]})
    with pytest.raises(
        ValueError,
        match=exactly("envFrom reads ConfigMaps or Secrets from the cluster; only literal env values expand"),
    ):
        container_env({"envFrom": [{"configMapRef": {"name": "c"}}]})


def test_a_container_that_runs_its_image_entrypoint_has_no_known_argv() -> None:
    with pytest.raises(
        ValueError, match=exactly("the container has no command: it would run its image's entrypoint, unknown here")
    ):
        container_argv({"args": ["x"]})
