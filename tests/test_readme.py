"""The README shows the two commands, and every link in it and in docs/ leads somewhere that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", flags=re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _outside_code(markdown: str) -> str:
    return FENCE.sub("", markdown)


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered."""
    anchors: set[str] = set()
    for line in _outside_code(markdown).splitlines():
        if not line.startswith("#"):
            continue
        base = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        anchor, number = base, 0
        while anchor in anchors:
            number += 1
            anchor = f"{base}-{number}"
        anchors.add(anchor)
    return anchors


def _broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_outside_code(page.read_text())):
        if re.match(r"^[a-z]+:", target):
            continue  # a web address: not checked offline
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text()):
            broken.append(f"{target}: no heading with that anchor")
    return broken


@pytest.mark.parametrize("page", DOCS, ids=[str(page.relative_to(ROOT)) for page in DOCS])
def test_every_link_leads_to_a_file_and_heading_that_exist(page: Path) -> None:
    assert _broken_links(page) == []


def test_the_readmes_first_code_block_is_make_run_and_make_test() -> None:
    first = re.search(r"^```[^\n]*\n(.*?)^```", (ROOT / "README.md").read_text(), re.M | re.S)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first[1].splitlines()]
    assert commands == ["make run", "make test"]


def test_the_readme_links_to_every_page_in_docs() -> None:
    linked = {Path(target.partition("#")[0]) for target in LINK.findall((ROOT / "README.md").read_text())}
    pages = {page.relative_to(ROOT) for page in DOCS[1:]}
    assert pages - linked == set()
