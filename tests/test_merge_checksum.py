"""Given config mappings and content, when they are merged or summed, then a student's override
changes only the keys it names, and the same content always gives the same checksum."""

from __future__ import annotations

from typing import Any

import pytest

from labs.checksum import checksum_env, content_checksum
from labs.merge import deep_merge


@pytest.mark.parametrize(
    ("base", "override", "merged"),
    [
        ({"a": 1, "b": 2}, {"b": 3, "c": 4}, {"a": 1, "b": 3, "c": 4}),
        # nested blocks merge key by key
        ({"probe": {"period": 10, "delay": 5}}, {"probe": {"delay": 30}}, {"probe": {"period": 10, "delay": 30}}),
        ({"a": {"b": {"c": 1, "d": 2}}}, {"a": {"b": {"d": 3}}}, {"a": {"b": {"c": 1, "d": 3}}}),
        # null is kept: `livenessProbe: null` means no probe
        ({"probe": {"period": 10}}, {"probe": None}, {"probe": None}),
        # a mapping replaces a scalar, and a scalar a mapping
        ({"a": 1}, {"a": {"b": 2}}, {"a": {"b": 2}}),
        ({"a": {"b": 2}}, {"a": 1}, {"a": 1}),
        ({"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
    ],
)
def test_the_override_wins_key_by_key(base: dict[str, Any], override: dict[str, Any], merged: dict[str, Any]) -> None:
    before = repr(base)
    assert deep_merge(base, override) == merged
    assert repr(base) == before  # the class-wide config stays as it was for the next student


def test_the_checksum_of_a_file_is_its_sha256() -> None:
    # SHA-256 of "abc", FIPS 180-2 appendix B.1
    assert content_checksum("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_the_checksum_of_data_is_that_of_its_json_with_keys_in_order() -> None:
    assert content_checksum({"b": "2", "a": "1"}) == content_checksum('{"a": "1", "b": "2"}')
    assert content_checksum({"greeting": "héllo"}) == content_checksum('{"greeting": "héllo"}')


def test_the_checksum_goes_into_the_env_under_the_name_given() -> None:
    assert checksum_env("CONFIG_SHA256", "abc") == {
        "name": "CONFIG_SHA256",
        "value": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    }
