"""Manifest files read as `kubectl apply -f` reads them, and quickly: YAML streams, JSON, Lists.

Every `.yaml`, `.yml` and `.json` file; every document in it (JSON: every value of the stream);
the items of a `kind: List` (or `ConfigMapList` and the like), nested or not, in place of the List.
A class's tree is thousands of files, so YAML goes through libyaml, and the plain maps, lists and
strings that make up a manifest are built directly rather than by PyYAML's Python constructor.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any, cast

import yaml

from labctl.errors import BadInput

# What `kubectl apply -f DIR` reads.
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# libyaml's parser where PyYAML was built with it: the pure-Python one is most of a large tree's review.
if TYPE_CHECKING or hasattr(yaml, "CSafeLoader"):
    from yaml import CSafeLoader as _BaseLoader
else:  # PyYAML built without libyaml reads the same documents, more slowly
    from yaml import SafeLoader as _BaseLoader


_RESOLVER = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=1 << 16)
def _tag(kind: type[yaml.Node], value: Any, implicit: Any) -> str:
    """The tag the parser asks for, remembered.

    The parser asks for the tag of every node; under safe loading (no path resolvers) the answer
    depends only on the node's kind, its text and whether it was quoted, and a class's tree repeats
    the same few hundred scalars thousands of times. Remembering the answers skips a Python call
    and the regular expressions for almost every node.
    """
    resolve: Callable[[type[yaml.Node], Any, Any], str] = _RESOLVER.resolve
    return resolve(kind, value, implicit)


class SafeLoader(_BaseLoader):
    """The safe loader (libyaml's where available), with the tags remembered."""

    resolve = staticmethod(_tag)
    # The parser also reports every step into and out of the tree, for path resolvers; safe loading
    # has none, so C builtins that take the same arguments and do nothing take the reports, without
    # the Python call each of the two would cost per node.
    descend_resolver = cast(Any, operator.is_)
    ascend_resolver = cast(Any, tuple)


class SourceError(BadInput):
    """A tree or file that cannot be reviewed; the message names the file and what is allowed."""


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 (byte offset {error.start}); kubectl reads UTF-8 manifests") from None


def _list_items(node: yaml.Node | None) -> list[yaml.Node | None]:
    """The item nodes under a List's `items`, for their line numbers (None where unknown)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "items" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []


_STR, _MAP, _SEQ, _MERGE, _INT, _BOOL, _NULL = (
    "tag:yaml.org,2002:" + name for name in ("str", "map", "seq", "merge", "int", "bool", "null")
)
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")  # YAML 1.1 reads 0755 as octal, 1_000 and 1:30 otherwise: PyYAML's
_Scalar, _Mapping, _Sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode


def _build(node: yaml.Node, loader: SafeLoader) -> Any:
    """What SafeConstructor makes of a node, with plain maps, lists and strings built directly.

    Manifests are almost all strings, maps and lists; building those here (inline for strings, the
    bulk of them) and leaving merge keys, floats, timestamps and the rest to PyYAML is what keeps a
    large tree quick to read. Strings are interned, as the ones written in code are: a class repeats
    the same keys and values thousands of times, and the rules compare and look them up by identity
    first.
    """
    kind_of = type(node)
    if kind_of is _Mapping and node.tag == _MAP:
        built: dict[Any, Any] = {}
        for key, value in node.value:
            if type(key) is _Scalar and key.tag == _STR:
                name = intern(key.value)
            elif key.tag == _MERGE:
                return loader.construct_object(node, deep=True)
            else:
                name = _build(key, loader)
                try:
                    hash(name)
                except TypeError:  # PyYAML refuses an unhashable key, with its line
                    return loader.construct_object(node, deep=True)
            built[name] = intern(value.value) if type(value) is _Scalar and value.tag == _STR else _build(value, loader)
        return built
    if kind_of is _Sequence and node.tag == _SEQ:
        return [
            intern(item.value) if type(item) is _Scalar and item.tag == _STR else _build(item, loader)
            for item in node.value
        ]
    if kind_of is _Scalar:
        tag, value = node.tag, node.value
        if tag == _STR:
            return intern(value)
        if tag == _INT and _DECIMAL.fullmatch(value):
            return int(value)
        if tag == _BOOL:
            return loader.bool_values[value.lower()]
        if tag == _NULL:
            return None
    return loader.construct_object(node, deep=True)


def yaml_documents(path: Path) -> list[tuple[int | None, Any, yaml.Node | None]]:
    """(first line, document, node) for every non-empty document of a multi-document YAML file."""
    # The bytes go to the parser as they are: it decodes UTF-8 itself, quicker than a str round trip.
    loader = SafeLoader(path.read_bytes())
    found: list[tuple[int | None, Any, yaml.Node | None]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                found.append((node.start_mark.line + 1, _build(node, loader), node))
                loader.constructed_objects.clear()
    except yaml.reader.ReaderError as error:
        _text(path)  # names the first byte that is not UTF-8, if that is the trouble
        raise SourceError(f"{path}: not valid YAML ({error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SourceError(f"{where}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    finally:
        loader.dispose()
    return found


def json_documents(path: Path) -> list[tuple[int | None, Any, yaml.Node | None]]:
    """(first line, document, None) for every JSON value in the file; kubectl reads a stream of them."""
    text = _text(path)
    decoder = json.JSONDecoder()
    found: list[tuple[int | None, Any, yaml.Node | None]] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        try:
            document, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise SourceError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
        found.append((text.count("\n", 0, position) + 1, document, None))
        position = end


def documents(path: Path) -> list[tuple[int | None, Any, yaml.Node | None]]:
    return json_documents(path) if path.suffix == ".json" else yaml_documents(path)


def is_list(document: Mapping[str, Any]) -> bool:
    """`kind: List` (or a typed list such as ConfigMapList): kubectl applies its items, not the list."""
    kind = document.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list)


def objects_in(
    path: Path, line: int | None, document: Any, node: yaml.Node | None
) -> Iterator[tuple[int | None, Mapping[str, Any]]]:
    """The objects kubectl would apply from one document: itself, or the items of a List, nested or not."""
    where = f"{path}:{line}" if line else str(path)
    if not isinstance(document, Mapping) or not document.get("kind") or not document.get("apiVersion"):
        raise SourceError(f"{where}: not a Kubernetes object (a mapping with apiVersion and kind)")
    if not is_list(document):
        yield line, document
        return
    item_nodes = _list_items(node)
    for index, item in enumerate(document["items"]):
        item_node = item_nodes[index] if index < len(item_nodes) else None
        item_line = item_node.start_mark.line + 1 if item_node is not None else None
        yield from objects_in(path, item_line or line, item, item_node)


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Reading a tree builds hundreds of thousands of dicts and lists and no cycle: the cyclic collector,
    triggered again and again by those allocations, would find nothing and cost as much as the parsing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
