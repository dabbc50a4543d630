"""YAML the way kubectl users read it: key order kept, multi-line strings as blocks.

PyYAML spends most of its time in its Python representer, not in the C emitter, so manifests
(dicts, lists, str, int, bool, None) are written here directly, byte for byte as
`ManifestDumper` writes them. Anything this writer is not sure to reproduce exactly (another
type, non-ASCII text, a string PyYAML would double-quote, ...) sends the whole call to PyYAML.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

import yaml
from yaml.emitter import Emitter
from yaml.resolver import Resolver

_Base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class ManifestDumper(_Base):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        # A list shared by two fields (a NetworkPolicy's peers) is written out twice, never as &id001/*id001.
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


ManifestDumper.add_representer(str, _str)

WIDTH = 80  # PyYAML's default best_width: plain and quoted scalars fold past it
STR_TAG = "tag:yaml.org,2002:str"
_MAX_KEY = 120  # PyYAML writes keys of 128 characters or more as complex keys ("? key")
_ANALYZER = Emitter(io.StringIO())
_RESOLVER = Resolver()
_TOKENS = re.compile(r" +|[^ ]+")


class _Unsure(Exception):
    """This value is left to PyYAML."""


def dump_all(manifests: Iterable[dict[str, Any]]) -> str:
    documents = list(manifests)
    try:
        return "---\n".join([_document(document) for document in documents])
    except _Unsure:
        return yaml.dump_all(documents, Dumper=ManifestDumper, sort_keys=False, default_flow_style=False)


def _document(document: Any) -> str:
    if type(document) is not dict or not document:
        raise _Unsure
    out: list[str] = []
    _mapping(out, document, 0, inline=False)
    return "".join(out)


# One line of text -> its quoted or plain form, before folding; the same strings recur in every manifest.
_flat_cache: dict[str, str] = {}
_fold_cache: dict[tuple[str, int, int], str] = {}


def _flat(text: str) -> str:
    cached = _flat_cache.get(text)
    if cached is not None:
        return cached
    if not (text.isascii() and text.isprintable()):
        raise _Unsure
    analysis = _ANALYZER.analyze_scalar(text)
    implicit = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == STR_TAG  # type: ignore[no-untyped-call]
    if text and implicit and analysis.allow_block_plain and not analysis.multiline:
        form = text
    elif analysis.allow_single_quoted:
        form = "'" + text.replace("'", "''") + "'"
    else:
        raise _Unsure
    _flat_cache[text] = form
    return form


def _folded(text: str, form: str, column: int, indent: int) -> str:
    """`form` starting at `column`, broken at single spaces past WIDTH as PyYAML's emitter does."""
    if column + len(form) <= WIDTH or " " not in text:
        return form
    key = (text, column, indent)
    cached = _fold_cache.get(key)
    if cached is not None:
        return cached
    quoted = form[0] == "'"
    pieces = ["'"] if quoted else []
    column += len(pieces)
    for match in _TOKENS.finditer(text):
        token = match.group()
        inner = match.start() != 0 and match.end() != len(text)
        if token == " " and column > WIDTH and (inner or not quoted):
            pieces.append("\n" + " " * indent)
            column = indent
            continue
        if quoted:
            token = token.replace("'", "''")
        pieces.append(token)
        column += len(token)
    if quoted:
        pieces.append("'")
    folded = "".join(pieces)
    _fold_cache[key] = folded
    return folded


def _literal(text: str, indent: int) -> str:
    """` |` block after an indicator; text that needs hints other than strip/clip is left to PyYAML."""
    body = text.replace("\n", "")
    if not (body.isascii() and body.isprintable()) or text[0] in " \n" or text.endswith((" ", "\n\n")):
        raise _Unsure
    if " \n" in text or "\n " in text or text == "\n":
        raise _Unsure
    if text.endswith("\n"):
        header, lines = " |\n", text[:-1].split("\n")
    else:
        header, lines = " |-\n", text.split("\n")
    pad = " " * indent
    return header + "".join(f"{pad}{line}\n" if line else "\n" for line in lines)


def _tail(out: list[str], value: Any, column: int, indent: int) -> None:
    """What follows an indicator (`key:` or `-`) that ends at `column`, for a node indented at `indent`."""
    kind = type(value)
    if kind is str:
        if "\n" in value:
            out.append(_literal(value, indent + 2))
        else:
            out.append(" " + _folded(value, _flat(value), column + 1, indent + 2) + "\n")
    elif kind is bool:
        out.append(" true\n" if value else " false\n")
    elif kind is int:
        out.append(f" {value}\n")
    elif value is None:
        out.append(" null\n")
    else:
        raise _Unsure


def _mapping(out: list[str], mapping: dict[Any, Any], indent: int, inline: bool) -> None:
    pad = " " * indent
    for key, value in mapping.items():
        if type(key) is not str or len(key) > _MAX_KEY or "\n" in key:
            raise _Unsure
        text = _flat(key)
        out.append(text + ":" if inline else pad + text + ":")
        inline = False
        kind = type(value)
        if kind is dict:
            if value:
                out.append("\n")
                _mapping(out, value, indent + 2, inline=False)
            else:
                out.append(" {}\n")
        elif kind is list:
            if value:
                out.append("\n")
                # PyYAML does not indent a sequence that is a mapping's value.
                _sequence(out, value, indent, inline=False)
            else:
                out.append(" []\n")
        else:
            _tail(out, value, indent + len(text) + 1, indent)


def _sequence(out: list[str], items: list[Any], indent: int, inline: bool) -> None:
    pad = " " * indent
    for item in items:
        out.append("-" if inline else pad + "-")
        inline = False
        kind = type(item)
        if kind is dict:
            if item:
                out.append(" ")
                _mapping(out, item, indent + 2, inline=True)
            else:
                out.append(" {}\n")
        elif kind is list:
            if item:
                out.append(" ")
                _sequence(out, item, indent + 2, inline=True)
            else:
                out.append(" []\n")
        else:
            _tail(out, item, indent + 1, indent)
