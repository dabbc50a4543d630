"""Field paths as kubectl writes them, and the line of a field in the YAML a student wrote."""

from __future__ import annotations

import yaml

from labs.grading import FieldPath


def field_path(path: FieldPath) -> str:
    """`spec.containers[0].readinessProbe.initialDelaySeconds`, as kubectl explain writes it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_path(text: str) -> FieldPath:
    """`spec.containers[0].image` as a path; the inverse of field_path."""
    parts: list[str | int] = []
    for word in text.split("."):
        name, *indexes = word.replace("]", "").split("[")
        if name:
            parts.append(name)
        parts += [int(index) for index in indexes if index.isdigit()]
    return tuple(parts)


def line_of(node: yaml.Node | None, path: FieldPath, fallback: int | None) -> int | None:
    """The line of the deepest part of `path` present in the YAML node (JSON gives the object's line)."""
    line = fallback
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            child = next((value for key, value in node.value if getattr(key, "value", None) == part), None)
            if child is not None:
                line = next(key.start_mark.line + 1 for key, value in node.value if value is child)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
