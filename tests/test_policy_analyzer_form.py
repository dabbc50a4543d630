"""Given the props the analyzer hands a policy (read-only proxies, floats), the rules find what they find on dicts."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from policy.rules import RULES, review
from policy.rules.crossguard import to_manifest
from tests.test_policy_rules import CASES, Case, base_stack, stack_for

API_TYPES = {"v1": "core/v1"}


def type_token(manifest: Mapping[str, Any]) -> str:
    version = manifest["apiVersion"]
    return f"kubernetes:{API_TYPES.get(version, version)}:{manifest['kind']}"


def analyzer_props(manifest: Mapping[str, Any], snake_top_level: bool = False) -> Mapping[str, Any]:
    """What the analyzer passes a policy: a protobuf Struct round trip, deserialized and proxied."""
    props = {key: value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
    if snake_top_level:
        props = {"api_version" if key == "apiVersion" else key: value for key, value in props.items()}
    struct = struct_pb2.Struct()
    struct.update(props)
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def as_analyzer_sees(objects: list[dict[str, Any]]) -> list[Mapping[str, Any]]:
    converted = [to_manifest(type_token(obj), analyzer_props(obj)) for obj in objects]
    assert all(manifest is not None for manifest in converted)
    return [manifest for manifest in converted if manifest is not None]


def _plain_containers(objects: Sequence[Mapping[str, Any]]) -> list[Any]:
    return [obj["spec"]["containers"] for obj in objects if obj["kind"] == "Pod"]


def findings(objects: Sequence[Mapping[str, Any]]) -> list[tuple[str, int, str]]:
    return sorted((f.rule.id, f.subject, f.message) for f in review(objects))


def test_the_analyzer_form_really_is_proxies_and_floats() -> None:
    seen = as_analyzer_sees(base_stack())
    containers = _plain_containers(seen)[0]
    assert not isinstance(containers, list) and isinstance(containers, Sequence)
    assert not isinstance(containers[0], dict) and isinstance(containers[0], Mapping)
    port = containers[0]["ports"][0]["containerPort"]
    assert isinstance(port, float) and port == 8080
    assert not hasattr(containers, "append")


@pytest.mark.parametrize("failing", [False, True], ids=["passing", "failing"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_rules_find_the_same_under_the_analyzer(case: Case, failing: bool) -> None:
    objects = stack_for(case, failing)
    expected = findings(objects)
    assert findings(as_analyzer_sees(copy.deepcopy(objects))) == expected
    assert failing is False or any(rule_id == case.rule for rule_id, _, _ in expected)


def test_top_level_names_in_snake_case_read_as_the_api_names() -> None:
    secret = next(obj for obj in base_stack() if obj["kind"] == "Secret")
    props = analyzer_props({**secret, "string_data": {"token": "x"}}, snake_top_level=True)
    manifest = to_manifest("kubernetes:core/v1:Secret", props)
    assert manifest is not None
    assert manifest["apiVersion"] == "v1" and manifest["kind"] == "Secret"
    assert set(manifest) >= {"stringData", "metadata", "data"}


@pytest.mark.parametrize(
    "resource_type",
    [
        "pulumi:pulumi:Stack",
        "k8s-labs:index:ProbedWebServer",
        "kubernetes:yaml/v2:ConfigGroup",
        "kubernetes:helm.sh/v4:Chart",
        "kubernetes:kustomize/v2:Directory",
        # A list resource holds objects a policy sees one by one, each as its own resource.
        "kubernetes:core/v1:ConfigMapList",
        "pulumi:providers:kubernetes",
    ],
)
def test_other_resources_are_not_manifests(resource_type: str) -> None:
    assert to_manifest(resource_type, {}) is None


def test_group_versions_come_from_the_type_token() -> None:
    manifest = to_manifest("kubernetes:networking.k8s.io/v1:NetworkPolicy", {"metadata": {"name": "x"}})
    assert manifest is not None and manifest["apiVersion"] == "networking.k8s.io/v1"


def test_every_rule_is_exercised_by_the_analyzer_form() -> None:
    assert {case.rule for case in CASES} == {rule.id for rule in RULES}
