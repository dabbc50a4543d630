"""Reads a Pulumi YAML file, or says exactly where it is wrong.

YAML requires the keys of a mapping to be unique, but PyYAML keeps the last of two silently, so
a repeated key is refused here. Every problem names the file, and the line and column where
there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError

MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that notes every key repeated within one mapping."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[Any, yaml.Mark, yaml.Mark]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            # `<<: *anchor` merges keys on purpose; explicit keys beside it override them by design.
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                earlier = first_seen.setdefault(key, key_node.start_mark)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if earlier is not key_node.start_mark:
                self.repeated.append((key, key_node.start_mark, earlier))
        return super().construct_mapping(node, deep)


def _where(path: Path, mark: yaml.Mark | None) -> str:
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)


def decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            [
                f"{path}: not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start} "
                f"(line {line}, column {column}); save the file as UTF-8"
            ]
        ) from None


def read_yaml(path: Path) -> Any:
    """The one document of `path`; OSError (unreadable) is left to the caller's I/O handling."""
    text = decode(path, path.read_bytes())
    loader = _StrictLoader(text)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        context = f" ({error.context})" if error.context else ""
        raise ConfigError([f"{_where(path, error.problem_mark)}: not valid YAML: {error.problem}{context}"]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{path}: not valid YAML: {error}"]) from None
    finally:
        loader.dispose()
    if loader.repeated:
        raise ConfigError(
            f"{_where(path, mark)}: key {key!r} appears twice in one mapping (first at line {earlier.line + 1}); "
            "keep one"
            for key, mark, earlier in loader.repeated
        )
    return document
