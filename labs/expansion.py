"""Kubernetes' `$(VAR)` expansion of a container's env, command and args, as the kubelet applies it.

The rules (kubelet's third_party/forked/golang/expansion):
- `$(NAME)` becomes NAME's value when NAME is defined, and stays as written when it is not;
- `$$` becomes a single `$`, so `$$(NAME)` is the literal text `$(NAME)`;
- a `$` before anything else, an unterminated `$(` and a `$` at the very end stay as written;
- the name is everything up to the first `)`, so nested references are never expanded.
Env values are expanded in order, each against the entries before it; command and args are
expanded against the finished env. Only the kubelet does this: a shell sees the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_OPERATOR = "$"
_OPENER = "("
_CLOSER = ")"


def expand(text: str, variables: Mapping[str, str]) -> str:
    """`text` with every `$(NAME)` reference resolved from `variables`."""
    out: list[str] = []
    cursor = 0
    while cursor < len(text):
        char = text[cursor]
        if char != _OPERATOR or cursor + 1 == len(text):
            out.append(char)
            cursor += 1
            continue
        following = text[cursor + 1]
        if following == _OPERATOR:
            out.append(_OPERATOR)
            cursor += 2
        elif following == _OPENER:
            closer = text.find(_CLOSER, cursor + 2)
            if closer == -1:
                # Only the `$(` is consumed: escapes after it still turn `$$` into `$`.
                out.append(_OPERATOR + _OPENER)
                cursor += 2
            else:
                name = text[cursor + 2 : closer]
                out.append(variables.get(name, f"{_OPERATOR}{_OPENER}{name}{_CLOSER}"))
                cursor = closer + 1
        else:
            out.append(_OPERATOR + following)
            cursor += 2
    return "".join(out)


def expand_env(entries: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Literal env entries (name, value) in order, each value expanded against the entries before it."""
    resolved: dict[str, str] = {}
    for name, value in entries:
        resolved[name] = expand(value, resolved)
    return resolved


def container_env(container: Mapping[str, Any]) -> dict[str, str]:
    """The environment the kubelet gives the container, from its literal `env` entries."""
    if container.get("envFrom"):
        raise ValueError("envFrom reads ConfigMaps or Secrets from the cluster; only literal env values expand")
    entries = container.get("env") or []
    for entry in entries:
        if "valueFrom" in entry:
            raise ValueError(f"env '{entry['name']}' comes from the cluster (valueFrom); only literal values expand")
    return expand_env((str(entry["name"]), str(entry.get("value", ""))) for entry in entries)


def container_argv(container: Mapping[str, Any]) -> list[str]:
    """The process the container runs: its command then its args, both expanded from its env."""
    command: Sequence[str] = container.get("command") or []
    if not command:
        raise ValueError("the container has no command: it would run its image's entrypoint, unknown here")
    variables = container_env(container)
    return [expand(part, variables) for part in [*command, *(container.get("args") or [])]]
