"""Given a tree of manifests, `labctl review --dir` reads what `kubectl apply -f DIR` would apply, where it is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from labctl.cli import main
from labctl.manifest_files import SourceError, yaml_documents
from labctl.review.sources import from_tree

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "lab"},
    "spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]},
}


def config_map(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "lab"}}


def test_the_items_of_a_list_are_reviewed_in_its_place_with_their_own_lines(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text(
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "- apiVersion: v1\n"
        "  kind: ConfigMap\n"
        "  metadata: {name: first, namespace: lab}\n"
        "- apiVersion: v1\n"
        "  kind: List\n"
        "  items:\n"
        "  - apiVersion: v1\n"
        "    kind: ConfigMap\n"
        "    metadata: {name: nested, namespace: lab}\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: ConfigMapList\n"
        "items: []\n"
    )
    reviewed = from_tree(tmp_path)
    assert [obj["metadata"]["name"] for obj in reviewed.objects] == ["first", "nested"]
    assert [(place.file, place.line) for place in reviewed.locations] == [("list.yaml", 4), ("list.yaml", 10)]
    assert all(obj["kind"] != "List" for obj in reviewed.objects)


def test_a_list_is_not_reported_as_an_object_without_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "list.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [POD]}))
    assert main(["review", "--dir", str(tmp_path), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["objects"] == 1
    assert {f["object"]["kind"] for f in report["findings"]} == {"Pod"}
    assert "pss-restricted-run-as-non-root" in {f["rule"] for f in report["findings"]}


def test_json_manifests_are_read_one_value_after_another(tmp_path: Path) -> None:
    listed = {"apiVersion": "v1", "kind": "List", "items": [config_map("b"), config_map("c")]}
    first = json.dumps(config_map("a"), indent=2)
    (tmp_path / "objects.json").write_text(first + "\n" + json.dumps(listed))
    reviewed = from_tree(tmp_path)
    assert [obj["metadata"]["name"] for obj in reviewed.objects] == ["a", "b", "c"]
    second = len(first.splitlines()) + 1
    assert [place.line for place in reviewed.locations] == [1, second, second]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.json", '{"kind": "Pod",\n "apiVersion": }', "broken.json:2: not valid JSON"),
        (
            "item.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- just: a mapping\n",
            "item.yaml:4: not a Kubernetes object",
        ),
        ("latin1.yaml", "kind: Pod\nmetadata: {name: caf\xe9}\n", "latin1.yaml: not UTF-8 (byte offset 30)"),
    ],
)
def test_a_bad_file_is_named_with_where_it_breaks(tmp_path: Path, name: str, content: str, expected: str) -> None:
    (tmp_path / name).write_bytes(content.encode("latin-1"))
    reviewed = from_tree(tmp_path)
    assert [str(problem).startswith(expected) for problem in reviewed.unread] == [True]
    assert reviewed.objects == []


def test_a_tree_without_manifests_names_what_it_reads(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to apply")
    with pytest.raises(SourceError, match=r"\.yaml, \.yml, \.json"):
        from_tree(tmp_path)


TRICKY = """\
a: &anchor {x: 1, y: [true, null, 1.5, 0x10, "007", 2026-01-02]}
b: *anchor
c:
  <<: *anchor
  z: !!str 12
d: !!binary aGVsbG8=
e: [~, yes, 'no', 1_000, 0755, -12, +12, 1:30, 0, -0, True, OFF, Null, null, '', 00]
f:
? [complex, key]
: ignored-by-json
"""


def test_documents_are_built_as_pyyaml_builds_them(tmp_path: Path) -> None:
    path = tmp_path / "tricky.yaml"
    path.write_text(TRICKY.replace("? [complex, key]\n: ignored-by-json\n", "") + "---\n- [1, 2]\n- {k: v}\n")
    assert [document for _, document, _ in yaml_documents(path)] == list(yaml.safe_load_all(path.read_text()))


def test_an_unhashable_key_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("kind: Pod\napiVersion: v1\n? {a: 1}\n: b\n")
    [problem] = from_tree(tmp_path).unread
    assert re.match(r"bad\.yaml:\d+: not valid YAML", str(problem))


manifest_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(document=manifest_values)
def test_any_document_reads_back_as_pyyaml_reads_it(tmp_path_factory: pytest.TempPathFactory, document: Any) -> None:
    path = tmp_path_factory.mktemp("doc") / "doc.yaml"
    path.write_text(yaml.safe_dump(document, default_flow_style=False))
    assert [built for _, built, _ in yaml_documents(path)] == [yaml.safe_load(path.read_text())]
