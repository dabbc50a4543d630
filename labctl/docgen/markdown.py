"""Markdown pieces the generated pages share: tables, anchors and values written as YAML or JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic_core import to_jsonable_python


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def heading(level: int, text: str) -> str:
    return f"{'#' * level} {text}"


def link(text: str, heading_text: str) -> str:
    return f"[{text}](#{slug(heading_text)})"


def code(text: str) -> str:
    """Inline code, with a longer fence when the text itself holds a backtick."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cells(row: Sequence[str]) -> str:
        # A pipe ends a cell in GitHub's tables, inside code spans too, unless it is escaped.
        return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |"

    return "\n".join([cells(header), cells(["---"] * len(header)), *(cells(row) for row in rows)])


def plain(value: Any) -> Any:
    """Models, URLs and the like as plain lists, mappings and scalars, with camelCase keys."""
    return to_jsonable_python(value, by_alias=True, exclude_none=True)


def as_yaml(value: Any) -> str:
    """One value in YAML flow style, as a stack file would hold it: `false`, `null`, `''`, `[a, b]`."""
    text: str = yaml.safe_dump(
        plain(value), default_flow_style=True, sort_keys=False, width=1_000_000, allow_unicode=True
    )
    return text.removesuffix("\n...\n").strip()


def as_json(value: Any) -> str:
    """One value as JSON, as a policy config file holds it."""
    return json.dumps(plain(value), ensure_ascii=False)
