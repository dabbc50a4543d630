"""The fast manifest writer says exactly what PyYAML's dumper says, for any manifest-shaped tree."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from labctl.render.yamlout import ManifestDumper, dump_all

# Words that stress quoting and folding: YAML keywords, numbers, indicators, quotes, spaces.
WORDS = st.sampled_from(
    ["a", "true", "no", "null", "~", "12", "0.5", "1e3", "0x1f", "-", "- x", ": y", "#z", "it's", "'q'", '"d"',
     "*", "&a", "!t", "%", "@", "`", "[", "{", ",", "?", "|", ">", "=", "<<", "x  y", "end ", " lead", "é", "\t",
     "2024-01-01", "on", "Yes", ".inf", "http://h:1/p?q=1#f", "a: b #c", "", "long" * 10]
)  # fmt: skip
TEXT = st.one_of(
    st.lists(WORDS, max_size=30).map(" ".join),
    st.lists(st.lists(WORDS, max_size=6).map(" ".join), min_size=1, max_size=5).map("\n".join),
    st.lists(WORDS, max_size=5).map(lambda words: "\n".join(words) + "\n"),
    st.text(max_size=40),
)
SCALARS = st.one_of(TEXT, st.integers(), st.booleans(), st.none())
KEYS = st.one_of(st.sampled_from(["name", "apiVersion", "kind", "a.b/c", "true", "12", "k e y", "-"]), TEXT)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=30,
)
DOCUMENTS = st.lists(st.dictionaries(KEYS, TREES, min_size=1, max_size=6), max_size=3)


def reference(documents: list[dict[str, Any]]) -> str:
    return yaml.dump_all(documents, Dumper=ManifestDumper, sort_keys=False, default_flow_style=False)


@settings(max_examples=200, deadline=None)
@given(DOCUMENTS)
def test_the_writer_matches_pyyaml_byte_for_byte_and_reads_back(documents: list[dict[str, Any]]) -> None:
    text = dump_all(documents)
    assert text == reference(documents)
    assert list(yaml.safe_load_all(text)) == documents


# What manifests hold: ASCII words, quoting-sensitive ones included, single spaces, block text.
PLAIN_WORDS = st.sampled_from(
    ["a", "true", "12", "0.5", "- x", ": y", "#z", "it's", "*", "@", "=", "on", "b" * 30, "c"]
)
PLAIN_TEXT = st.one_of(
    st.lists(PLAIN_WORDS, min_size=1, max_size=30).map(" ".join),
    st.lists(PLAIN_WORDS, min_size=2, max_size=6).map(lambda words: "\n".join(words) + "\n"),
)
PLAIN_TREES = st.recursive(
    st.one_of(PLAIN_TEXT, st.integers(), st.booleans(), st.none()),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        # Manifest keys are field names, labels and annotations, far below the 120 characters
        # from which the writer hands a key to PyYAML (which writes 128 and more as `? key`).
        st.dictionaries(PLAIN_TEXT.filter(lambda t: "\n" not in t and len(t) < 120), children, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["kind", "spec", "data"]), PLAIN_TREES, min_size=1), max_size=3))
def test_manifest_like_text_is_written_without_falling_back_to_pyyaml(documents: list[dict[str, Any]]) -> None:
    expected = reference(documents)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("labctl.render.yamlout.yaml.dump_all", None)  # any fallback would fail here
        assert dump_all(documents) == expected


def test_a_shared_list_is_written_out_twice_not_as_an_alias() -> None:
    peers: list[dict[str, Any]] = [{"podSelector": {}}]
    text = dump_all([{"ingress": [{"from": peers}], "egress": [{"to": peers}]}])
    assert "&" not in text and "*" not in text
    assert text.count("- podSelector: {}") == 2


def test_long_annotations_fold_where_pyyaml_folds_them() -> None:
    annotation = "the seed's Lab 2.5 keeps its data on emptyDir; storage.type=persistentVolumeClaim keeps it"
    document = {"metadata": {"annotations": {"exempt.k8s-labs.dev/database-on-emptydir": annotation}}}
    text = dump_all([document])
    assert "\n      " in text  # folded onto a continuation line
    assert text == reference([document])
