"""Manifest files read as `kubectl apply -f` reads them, and quickly: YAML streams, JSON, Lists.

Every `.yaml`, `.yml` and `.json` file; every document in it (JSON: every value of the stream);
the items of a `kind: List` (or `ConfigMapList` and the like), nested or not, in place of the List.
A class's tree is thousands of files, so YAML goes through libyaml, and the plain maps, lists and
strings that make up a manifest are built directly rather than by PyYAML's Python constructor.

The files are a student's, so reading them is bounded (`Limits`): a file's size, the bytes of a run,
the nodes a document builds (an alias builds its anchor's nodes again, so a 1 KB "billion laughs"
would build billions), the nodes of a run, and how deep a document nests. A file past a limit, or one
no parser accepts, is refused on its own (`Unreadable`, with the file and line): the commands report
it and read the rest. A link that leads out of the folder given is not followed.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import operator
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any, cast

import yaml

from labctl.errors import BadInput
from labctl.printable import one_line

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


MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The most one run of `labctl check` or `labctl review --dir` reads and builds.

    Measured on `labctl render --set classroom.students=1000` (6,000 manifest files): 12.3 MB and
    1.09 million nodes in all, 11 bytes a node; the largest document 6,011 nodes (the kustomization,
    which review skips; an object is 50 to 300); about a dozen levels of nesting at most. A complete
    hand-in (tests/fixtures/student/correct) is 3 KB and 322 nodes. Each limit is far above what real
    files reach. At the limits, the worst measured (files of 1 MiB, each document a list of 50,000
    empty mappings) costs a hand-in 5 s and 460 MiB, a tree 11 s and 700 MiB; an alias bomb, under a
    second.
    """

    scope: str
    """What the run reads, as its messages say: "hand-in" or "tree"."""
    run_bytes: int
    """The bytes of every file the run reads."""
    run_nodes: int
    """The nodes built from every document the run reads, those of refused documents included: once
    it is spent, each further file costs no more than its parsing."""
    file_bytes: int = 1 * MiB
    """A rendered file is under 10 KB, the largest (a 1,000-student class's kustomization) 200 KB, and
    Kubernetes keeps a ConfigMap's data under 1 MiB; libyaml parses 1 MiB in a second at worst."""
    document_nodes: int = 100_000
    """15 times the largest document of a 1,000-student tree; building 100,000 nodes takes milliseconds,
    and an alias bomb is refused once it has built that many."""
    depth: int = 100
    """Manifests nest about a dozen levels; building recurses once a level, and Python's recursion
    limit (1,000) is far past 100."""


# One student's files: about 3,000 times a complete hand-in, in bytes and in nodes. check keeps each
# document's YAML nodes (about 400 bytes each) for the lines of its findings: 1,000,000 of them stay
# within a few hundred MiB.
HAND_IN = Limits("hand-in", run_bytes=10 * MiB, run_nodes=1_000_000)
# A class's rendered tree: 50 MiB is about 4,000 students (12.3 MB per 1,000). 8,000,000 nodes is 1.7
# times what 50 MiB of rendered manifests builds, so for a real tree the bytes run out first and the
# nodes stop only aliases; review keeps what it builds, about 70 bytes a node at worst.
TREE = Limits("tree", run_bytes=50 * MiB, run_nodes=8_000_000)

# A document: its first line, what it builds, and its YAML node (None for JSON) for its fields' lines.
Document = tuple[int | None, Any, yaml.Node | None]


def _amount(size: int) -> str:
    return f"{size // MiB} MiB ({size:,} bytes)" if size >= MiB and size % MiB == 0 else f"{size:,} bytes"


def shown(text: str) -> str:
    """A file name or a parser's message, printable on one line: a student picks the names."""
    return one_line(text, 1000)


@dataclass(frozen=True)
class NotRead:
    """A file a run did not read, the line where reading stopped (None for the whole file), and why."""

    file: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.problem}" if self.line else f"{self.file}: {self.problem}"


class Unreadable(SourceError):
    """A file refused on its own, which the commands report and read past: past a limit, not UTF-8,
    not valid YAML or JSON, not Kubernetes objects, or a link that leads out of the folder given."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(str(self.named(str(path))))

    def named(self, file: str) -> NotRead:
        """The refusal, with the file named as the command names it (as given, or within its tree)."""
        return NotRead(shown(file), self.line, self.problem)


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(path, None, f"not UTF-8 (byte offset {error.start}); kubectl reads UTF-8 manifests") from None


def leads_out(path: Path, root: Path) -> bool:
    """Whether `path` (a link, or a path through one) leads out of `root`, a resolved folder; its target
    need not exist, so that a refusal says nothing of what lies outside."""
    try:
        return not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13): it leads nowhere
        return False


def manifest_files(
    folder: Path, scope: str, wanted: Callable[[Path], bool] = lambda _path: True
) -> tuple[list[Path], list[Unreadable]]:
    """The `.yaml`, `.yml` and `.json` files under `folder` that `wanted` keeps, sorted, and the links among
    them that lead out of `folder`, refused (another student's folder, the instructor's answers).

    As `kubectl apply -f DIR --recursive` walks, a link to a folder is not followed; a link to a file
    inside `folder` is read. A FIFO, a socket or a device is not a manifest, and a link to nothing is
    left out.
    """
    root = folder.resolve()
    files: list[Path] = []
    links_out: list[Unreadable] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                path = current / entry.name
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif path.suffix not in MANIFEST_SUFFIXES or not wanted(path):
                    continue
                elif not entry.is_symlink():
                    if entry.is_file(follow_symlinks=False):
                        files.append(path)
                elif leads_out(path, root):
                    links_out.append(_link_out(path, scope))
                elif path.is_file():
                    files.append(path)
    return sorted(files), sorted(links_out, key=lambda refused: refused.path)


def manifest_file(path: Path, scope: str) -> tuple[list[Path], list[Unreadable]]:
    """A file named on the command line, as `manifest_files` would find it in the folder that holds it:
    `labctl check handins/ada/*` must not read a link Ada put there to another student's file."""
    return ([], [_link_out(path, scope)]) if leads_out(path, path.parent.resolve()) else ([path], [])


def _link_out(path: Path, scope: str) -> Unreadable:
    return Unreadable(path, None, f"a link to outside the {scope}, not read")


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


class _TooMany(Exception):
    """The document has built more nodes than its budget."""


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _Builder:
    """Builds one document as SafeConstructor would, counting every node it makes.

    Each mapping and list takes its children from `left` as it is entered, so a node reached again
    through an alias is counted again, as it is built again; past the budget, or past `deepest`
    levels of nesting (a document that holds itself through an alias nests without end), it stops.
    """

    __slots__ = ("deepest", "left", "loader")

    def __init__(self, loader: SafeLoader, budget: int, deepest: int) -> None:
        self.loader = loader
        self.left = budget - 1  # the document's own node
        self.deepest = deepest

    def build(self, node: yaml.Node, depth: int) -> Any:
        """What SafeConstructor makes of a node, with plain maps, lists and strings built directly.

        Manifests are almost all strings, maps and lists; building those here (inline for strings, the
        bulk of them) and leaving merge keys, floats, timestamps and the rest to PyYAML is what keeps a
        large tree quick to read. Strings are interned, as the ones written in code are: a class repeats
        the same keys and values thousands of times, and the rules compare and look them up by identity
        first.
        """
        kind_of = type(node)
        if kind_of is _Mapping and node.tag == _MAP:
            pairs = node.value
            if depth > self.deepest:
                raise _TooDeep(node)
            self.left -= 2 * len(pairs)
            if self.left < 0:
                raise _TooMany
            built: dict[Any, Any] = {}
            for key, value in pairs:
                if type(key) is _Scalar and key.tag == _STR:
                    name = intern(key.value)
                elif key.tag == _MERGE:
                    self.left += 2 * len(pairs)
                    return self.constructed(node, depth)
                else:
                    name = self.build(key, depth + 1)
                    try:
                        hash(name)
                    except TypeError:  # PyYAML refuses an unhashable key, with its line
                        self.left += 2 * len(pairs)
                        return self.constructed(node, depth)
                built[name] = (
                    intern(value.value)
                    if type(value) is _Scalar and value.tag == _STR
                    else self.build(value, depth + 1)
                )
            return built
        if kind_of is _Sequence and node.tag == _SEQ:
            items = node.value
            if depth > self.deepest:
                raise _TooDeep(node)
            self.left -= len(items)
            if self.left < 0:
                raise _TooMany
            return [
                intern(item.value) if type(item) is _Scalar and item.tag == _STR else self.build(item, depth + 1)
                for item in items
            ]
        if kind_of is _Scalar:
            tag, value = node.tag, node.value
            if tag == _STR:
                return intern(value)
            if tag == _INT and _DECIMAL.fullmatch(value):
                return int(value)
            if tag == _BOOL:
                return self.loader.bool_values[value.lower()]
            if tag == _NULL:
                return None
        return self.constructed(node, depth)

    def constructed(self, node: yaml.Node, depth: int) -> Any:
        """What PyYAML's constructor makes of a node (merge keys, sets, tagged scalars), once the node has
        been walked as that constructor walks it, through every alias, and counted."""
        self._walk(node, depth)
        return self.loader.construct_object(node, deep=True)

    def _walk(self, node: yaml.Node, depth: int) -> None:
        if isinstance(node, yaml.MappingNode):
            children: list[yaml.Node] = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            return
        if depth > self.deepest:
            raise _TooDeep(node)
        self.left -= len(children)
        if self.left < 0:
            raise _TooMany
        for child in children:
            self._walk(child, depth + 1)


def _distinct_nodes_exceed(root: yaml.Node, limit: int) -> bool:
    """Whether the document holds more than `limit` nodes of its own, each alias counted once."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(seen) > limit:
            return True
        if isinstance(node, yaml.MappingNode):
            pending.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return False


class Reader:
    """Reads the manifest files of one run within its `Limits`; the run's totals count every file it read."""

    def __init__(self, limits: Limits = HAND_IN) -> None:
        self.limits = limits
        self.bytes_read = 0
        self.nodes_built = 0

    def documents(self, path: Path) -> list[Document]:
        if self.nodes_built >= self.limits.run_nodes:  # refused before it costs its parsing
            raise Unreadable(path, None, self._past_run_nodes())
        return self.json_documents(path) if path.suffix == ".json" else self.yaml_documents(path)

    def read(self, path: Path) -> bytes:
        """The file's bytes; a file larger than allowed is refused unread, as its size says, and one
        that grows while it is read is read one byte past the limit, no further, and refused."""
        # O_NONBLOCK: a FIFO put in a file's place opens without waiting for a writer, and is refused.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        chunks: list[bytes] = []
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise Unreadable(path, None, "not a regular file")
            self._within_size(path, info.st_size)
            left = self.limits.file_bytes + 1
            while left > 0:
                chunk = os.read(descriptor, min(left, MiB))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(descriptor)
        data = b"".join(chunks)
        self._within_size(path, len(data))
        self.bytes_read += len(data)
        return data

    def _within_size(self, path: Path, size: int) -> None:
        limits = self.limits
        if size > limits.file_bytes:
            raise Unreadable(
                path, None, f"larger than {_amount(limits.file_bytes)}, the most labctl reads from one file"
            )
        if self.bytes_read + size > limits.run_bytes:
            raise Unreadable(
                path,
                None,
                f"with the files read before it, more than {_amount(limits.run_bytes)}, "
                f"the most labctl reads from one {limits.scope}",
            )

    def _budget(self) -> int:
        """The nodes the next document may build: its own limit, or what the run has left if less."""
        return min(self.limits.document_nodes, self.limits.run_nodes - self.nodes_built)

    def _too_many(self, path: Path, line: int | None, budget: int, node: yaml.Node | None) -> Unreadable:
        limits = self.limits
        if budget < limits.document_nodes:
            problem = self._past_run_nodes()
        elif node is not None and not _distinct_nodes_exceed(node, limits.document_nodes):
            problem = (
                f"expands to more than {limits.document_nodes:,} nodes through YAML aliases, "
                "the most one document may build"
            )
        else:
            problem = f"holds more than {limits.document_nodes:,} nodes, the most one document may build"
        return Unreadable(path, line, problem)

    def _past_run_nodes(self) -> str:
        limits = self.limits
        return (
            f"with the files read before it, more than {limits.run_nodes:,} nodes, "
            f"the most labctl builds from one {limits.scope}"
        )

    def _too_deep(self, path: Path, line: int | None) -> Unreadable:
        return Unreadable(path, line, f"nested more than {self.limits.depth} levels deep, the most one document may be")

    def yaml_documents(self, path: Path) -> list[Document]:
        """(first line, document, node) for every non-empty document of a multi-document YAML file."""
        data = self.read(path)
        # The bytes go to the parser as they are: it decodes UTF-8 itself, quicker than a str round trip.
        loader = SafeLoader(data)
        found: list[Document] = []
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is not None:
                    line = node.start_mark.line + 1
                    found.append((line, self._built(path, line, node, loader), node))
                    loader.constructed_objects.clear()
        except yaml.reader.ReaderError as error:
            _text(path, data)  # names the first byte that is not UTF-8, if that is the trouble
            raise Unreadable(path, None, f"not valid YAML ({shown(str(error))})") from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = shown(str(getattr(error, "problem", None) or error))
            raise Unreadable(path, mark.line + 1 if mark is not None else None, f"not valid YAML ({problem})") from None
        finally:
            loader.dispose()
        return found

    def _built(self, path: Path, line: int, node: yaml.Node, loader: SafeLoader) -> Any:
        budget = self._budget()
        builder = _Builder(loader, budget, self.limits.depth)
        try:
            return builder.build(node, 1)
        except _TooMany:
            raise self._too_many(path, line, budget, node) from None
        except _TooDeep as deep:
            raise self._too_deep(path, deep.node.start_mark.line + 1) from None
        except (ValueError, OverflowError) as error:  # a date, a number or a base64 PyYAML's constructor refuses
            raise Unreadable(path, line, f"not valid YAML ({shown(str(error))})") from None
        finally:
            self.nodes_built += budget - builder.left

    def json_documents(self, path: Path) -> list[Document]:
        """(first line, document, None) for every JSON value in the file; kubectl reads a stream of them."""
        text = _text(path, self.read(path))
        decoder = json.JSONDecoder()
        found: list[Document] = []
        position = 0
        while True:
            while position < len(text) and text[position].isspace():
                position += 1
            if position == len(text):
                return found
            line = text.count("\n", 0, position) + 1
            try:
                document, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                raise Unreadable(path, error.lineno, f"not valid JSON ({error.msg})") from None
            except RecursionError:  # nested deeper than the decoder's own recursion allows
                raise self._too_deep(path, line) from None
            except ValueError as error:  # a number of more digits than Python converts
                raise Unreadable(path, line, f"not valid JSON ({shown(str(error))})") from None
            self._count_json(path, line, document)
            found.append((line, document, None))
            position = end

    def _count_json(self, path: Path, line: int, document: Any) -> None:
        """Counts the document's nodes and levels as a YAML document's are (JSON has no aliases)."""
        budget = self._budget()
        left = budget - 1
        pending = [(document, 1)]
        try:
            while pending:
                value, depth = pending.pop()
                if isinstance(value, dict):
                    children = list(value.values())
                    left -= 2 * len(value)
                elif isinstance(value, list):
                    children = value
                    left -= len(value)
                else:
                    continue
                if left < 0:
                    raise self._too_many(path, line, budget, None)
                if depth > self.limits.depth:
                    raise self._too_deep(path, line)
                pending.extend((child, depth + 1) for child in children)
        finally:
            self.nodes_built += budget - left


def yaml_documents(path: Path) -> list[Document]:
    """A YAML file's documents, read on their own (within the limits of a hand-in)."""
    return Reader().yaml_documents(path)


def json_documents(path: Path) -> list[Document]:
    """A JSON file's documents, read on their own (within the limits of a hand-in)."""
    return Reader().json_documents(path)


def documents(path: Path) -> list[Document]:
    return Reader().documents(path)


def is_list(document: Mapping[str, Any]) -> bool:
    """`kind: List` (or a typed list such as ConfigMapList): kubectl applies its items, not the list."""
    kind = document.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list)


def objects_in(
    path: Path, line: int | None, document: Any, node: yaml.Node | None
) -> Iterator[tuple[int | None, Mapping[str, Any]]]:
    """The objects kubectl would apply from one document: itself, or the items of a List, nested or not."""
    if not isinstance(document, Mapping) or not document.get("kind") or not document.get("apiVersion"):
        raise Unreadable(path, line, "not a Kubernetes object (a mapping with apiVersion and kind)")
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
