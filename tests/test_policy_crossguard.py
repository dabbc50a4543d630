"""Given the pack that `policy/__main__.py` serves, what `pulumi preview --policy-pack policy` shows, in process.

`PolicyPack` hands the policies to the SDK's analyzer servicer and serves it over gRPC; here the
same servicer is built from what `serve()` passes and called directly, so the responses are the
ones the engine receives, with no server and no port.
"""

from __future__ import annotations

import copy
from typing import Any, TypeAlias

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from config import Plan
from labs.environment import build_environment
from labs.metadata import EXEMPT_PREFIX
from policy.rules import RULES, RULES_BY_ID, Enforcement, Severity, crossguard, review, review_with_config
from policy.rules.catalog import parameters
from tests.test_policy_server import resource, struct, urn, yaml_fixture

LEVELS = {Enforcement.ADVISORY: analyzer_pb2.ADVISORY, Enforcement.MANDATORY: analyzer_pb2.MANDATORY}
SEVERITIES = {
    Severity.LOW: analyzer_pb2.POLICY_SEVERITY_LOW,
    Severity.MEDIUM: analyzer_pb2.POLICY_SEVERITY_MEDIUM,
    Severity.HIGH: analyzer_pb2.POLICY_SEVERITY_HIGH,
    Severity.CRITICAL: analyzer_pb2.POLICY_SEVERITY_CRITICAL,
}
REASON = "the lab shows what a student sees when this rule is broken on purpose"
PROVIDER = analyzer_pb2.AnalyzerResource(
    type="pulumi:providers:kubernetes", urn="urn:pulumi:dev::k8s-labs::pulumi:providers:kubernetes::cluster"
)
Level: TypeAlias = analyzer_pb2.EnforcementLevel.ValueType
Diagnostic = tuple[str, str, str, int]
"""Policy name, urn, message and enforcement level of one diagnostic."""


@pytest.fixture
def pack(monkeypatch: pytest.MonkeyPatch) -> _PolicyAnalyzerServicer:
    built: list[_PolicyAnalyzerServicer] = []

    def build(name: str, policies: list[Policy], description: str) -> None:
        # PolicyPack's own defaults: version 0.0.1 (PulumiPolicy.yaml's wins) and advisory.
        built.append(
            _PolicyAnalyzerServicer(name, "0.0.1", policies, EnforcementLevel.ADVISORY, description=description)
        )

    monkeypatch.setattr(crossguard, "PolicyPack", build)
    crossguard.serve()
    [servicer] = built
    return servicer


@pytest.fixture(scope="module")
def dev_objects(dev_plan: Plan) -> list[dict[str, Any]]:
    return [m for env in dev_plan.environments for m in build_environment(env, "stand-in")]


def analyze(pack: _PolicyAnalyzerServicer, manifest: dict[str, Any]) -> analyzer_pb2.AnalyzeResponse:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_of(manifest), properties=struct(manifest), urn=urn(manifest), name=manifest["metadata"]["name"]
    )
    response: analyzer_pb2.AnalyzeResponse = pack.Analyze(request, None)
    return response


def analyze_stack(pack: _PolicyAnalyzerServicer, objects: list[dict[str, Any]]) -> analyzer_pb2.AnalyzeResponse:
    # A provider comes first, as in a real stack: subjects count Kubernetes objects only.
    request = analyzer_pb2.AnalyzeStackRequest(resources=[PROVIDER, *(resource(m) for m in objects)])
    response: analyzer_pb2.AnalyzeResponse = pack.AnalyzeStack(request, None)
    return response


def configure(pack: _PolicyAnalyzerServicer, config: dict[str, tuple[Level, dict[str, Any]]]) -> None:
    policy_config = {}
    for name, (level, params) in config.items():
        properties = struct_pb2.Struct()
        properties.update(params)
        policy_config[name] = analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=properties)
    pack.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config), None)


def type_of(manifest: dict[str, Any]) -> str:
    return resource(manifest).type


def diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
    return sorted((d.policyName, d.urn, d.message, d.enforcementLevel) for d in response.diagnostics)


def notes(response: analyzer_pb2.AnalyzeResponse) -> dict[str, str]:
    return {item.policy_name: item.reason for item in response.not_applicable if item.reason.startswith("exempted")}


def expected_diagnostics(
    objects: list[dict[str, Any]], scope: str, config: dict[str, Any] | None = None
) -> list[Diagnostic]:
    """What the offline review finds, as the engine shows a violation: the rule's description, then the finding."""
    return sorted(
        (
            f.rule.id,
            urn(objects[f.subject]) if scope == "stack" else "",
            f"{f.rule.description}\n{f.message}",
            LEVELS[f.enforcement],
        )
        for f in review_with_config(objects, config)
        if f.rule.scope == scope and f.exemption is None
    )


def pod(name: str, images: list[str], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "student-1", "annotations": annotations or {}},
        "spec": {"containers": [{"name": f"c{index}", "image": image} for index, image in enumerate(images)]},
    }


def test_the_pack_is_named_and_described_for_pulumi(pack: _PolicyAnalyzerServicer) -> None:
    info = pack.GetAnalyzerInfo(None, None)
    assert info.name == "k8s-labs"
    assert info.description == (
        "Reviews the k8s-labs classroom: Pod Security Standards, references, isolation, lab hygiene."
    )


def test_every_rule_is_a_policy_with_the_catalogue_s_level_severity_and_links(pack: _PolicyAnalyzerServicer) -> None:
    listed = {policy.name: policy for policy in pack.GetAnalyzerInfo(None, None).policies}
    assert list(listed) == [rule.id for rule in RULES]
    resource_type, stack_type = analyzer_pb2.POLICY_TYPE_RESOURCE, analyzer_pb2.POLICY_TYPE_STACK
    for rule in RULES:
        policy = listed[rule.id]
        assert policy.description == rule.description and policy.displayName == rule.title
        assert policy.enforcementLevel == LEVELS[rule.enforcement]
        assert policy.severity == SEVERITIES[rule.severity]
        assert policy.url == rule.url
        assert list(policy.tags) == ["kubernetes", rule.standard]
        assert policy.policy_type == (resource_type if rule.scope == "object" else stack_type)


def test_each_policy_s_config_schema_lists_its_parameters_by_their_config_keys(pack: _PolicyAnalyzerServicer) -> None:
    listed = {policy.name: policy for policy in pack.GetAnalyzerInfo(None, None).policies}
    for rule in RULES:
        assert sorted(listed[rule.id].configSchema.properties) == sorted(p["name"] for p in parameters(rule))
    # camelCase keys, as a Pulumi policy config file writes them.
    readiness = listed["probes-long-running"].configSchema.properties["readinessWhenServing"]
    assert readiness["type"] == "boolean"
    patterns = listed["image-end-of-life"].configSchema.properties["patterns"]
    assert patterns["type"] == "array" and patterns["items"]["type"] == "string"


def test_a_resource_is_reported_as_the_offline_review_reports_it(pack: _PolicyAnalyzerServicer) -> None:
    seed = yaml_fixture("liveready-pod-lab-2.2.yaml")
    got = diagnostics(analyze(pack, seed))
    assert got == expected_diagnostics([seed], "object")
    assert {"liveness-restarts", "image-end-of-life", "no-default-namespace"} <= {name for name, *_ in got}


def test_what_is_not_a_kubernetes_object_is_not_applicable_to_any_resource_policy(
    pack: _PolicyAnalyzerServicer,
) -> None:
    response = pack.Analyze(analyzer_pb2.AnalyzeRequest(type="pulumi:pulumi:Stack", urn=PROVIDER.urn), None)
    assert list(response.diagnostics) == []
    object_rules = [rule.id for rule in RULES if rule.scope == "object"]
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        (rule_id, "not a Kubernetes object") for rule_id in object_rules
    ]


def test_an_exempted_resource_finding_is_a_note_with_the_reason_and_each_finding(
    pack: _PolicyAnalyzerServicer,
) -> None:
    annotation = {f"{EXEMPT_PREFIX}image-end-of-life": REASON}
    exempted = pod("old-pythons", ["python:2.7-alpine", "python:2.7"], annotation)
    messages = [f.message for f in review([exempted]) if f.rule.id == "image-end-of-life"]
    assert len(messages) == 2
    response = analyze(pack, exempted)
    assert "image-end-of-life" not in {d.policyName for d in response.diagnostics}
    findings = sorted(f"{EXEMPT_PREFIX}image-end-of-life: {REASON} [{message}]" for message in messages)
    assert notes(response) == {"image-end-of-life": "exempted (2 finding(s)): " + "; ".join(findings)}


def test_an_exemption_counts_each_finding_once_in_its_note(pack: _PolicyAnalyzerServicer) -> None:
    """Two containers named alike break the rule alike: the note counts two findings and lists one."""
    exempted = pod("twins", ["python:2.7", "python:2.7"], {f"{EXEMPT_PREFIX}image-end-of-life": REASON})
    exempted["spec"]["containers"][1]["name"] = "c0"
    [message] = {f.message for f in review([exempted]) if f.rule.id == "image-end-of-life"}
    note = notes(analyze(pack, exempted))["image-end-of-life"]
    assert note == f"exempted (2 finding(s)): {EXEMPT_PREFIX}image-end-of-life: {REASON} [{message}]"


def test_a_stack_is_reported_on_the_urn_of_each_object_at_fault(
    pack: _PolicyAnalyzerServicer, dev_objects: list[dict[str, Any]]
) -> None:
    assert diagnostics(analyze_stack(pack, dev_objects)) == []
    without_secrets = [m for m in dev_objects if m["kind"] != "Secret"]
    got = diagnostics(analyze_stack(pack, without_secrets))
    assert got == expected_diagnostics(without_secrets, "stack")
    deployments = {urn(m) for m in without_secrets if m["kind"] == "Deployment"}
    assert {(name, at) for name, at, *_ in got} == {("secret-ref-resolves", at) for at in deployments}


def test_what_the_policy_config_accepts_is_a_note_naming_the_parameter(
    pack: _PolicyAnalyzerServicer, dev_objects: list[dict[str, Any]]
) -> None:
    without_secrets = [m for m in dev_objects if m["kind"] != "Secret"]
    external = {"external": ["mysql-password"]}
    configure(pack, {"secret-ref-resolves": (analyzer_pb2.MANDATORY, external)})
    response = analyze_stack(pack, without_secrets)
    assert diagnostics(response) == []
    accepted = [
        f"{f.exemption.reason} [{f.message}]"
        for f in review_with_config(without_secrets, {"secret-ref-resolves": external})
        if f.rule.id == "secret-ref-resolves" and f.exemption is not None
    ]
    assert accepted and all("outside the stack" in line for line in accepted)
    expected = f"exempted ({len(accepted)} finding(s)): " + "; ".join(sorted(set(accepted)))
    assert notes(response) == {"secret-ref-resolves": expected}


def test_a_configured_level_reaches_each_stack_diagnostic(
    pack: _PolicyAnalyzerServicer, dev_objects: list[dict[str, Any]]
) -> None:
    without_secrets = [m for m in dev_objects if m["kind"] != "Secret"]
    configure(pack, {"secret-ref-resolves": (analyzer_pb2.MANDATORY, {})})
    got = diagnostics(analyze_stack(pack, without_secrets))
    config = {"secret-ref-resolves": "mandatory"}
    assert got and got == expected_diagnostics(without_secrets, "stack", config)


def host_probe_stack(dev_objects: list[dict[str, Any]], enforce: str) -> list[dict[str, Any]]:
    namespace = copy.deepcopy(next(m for m in dev_objects if m["kind"] == "Namespace"))
    namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = enforce
    probed = copy.deepcopy(next(m for m in dev_objects if m["kind"] == "Pod"))
    probed["spec"]["containers"][0]["readinessProbe"] = {
        "httpGet": {"host": "169.254.169.254", "path": "/", "port": 8080}
    }
    probed["metadata"]["annotations"] = {f"{EXEMPT_PREFIX}pss-baseline-host-probes": REASON}
    return [namespace, probed]


def test_a_pod_security_exemption_holds_where_the_namespace_does_not_enforce_the_rule(
    pack: _PolicyAnalyzerServicer, dev_objects: list[dict[str, Any]]
) -> None:
    objects = host_probe_stack(dev_objects, "privileged")
    response = analyze_stack(pack, objects)
    assert "pss-baseline-host-probes" not in {d.policyName for d in response.diagnostics}
    [message] = [f.message for f in review(objects) if f.rule.id == "pss-baseline-host-probes"]
    rule_id = "pss-baseline-host-probes"
    assert notes(response)[rule_id] == f"exempted (1 finding(s)): {EXEMPT_PREFIX}{rule_id}: {REASON} [{message}]"


def test_a_pod_security_exemption_is_refused_where_the_namespace_enforces_the_rule(
    pack: _PolicyAnalyzerServicer, dev_objects: list[dict[str, Any]]
) -> None:
    objects = host_probe_stack(dev_objects, "baseline")
    response = analyze_stack(pack, objects)
    watched = {"pss-baseline-host-probes", "exemption-well-formed"}
    got = [d for d in diagnostics(response) if d[0] in watched]
    assert got == [d for d in expected_diagnostics(objects, "stack") if d[0] in watched]
    assert {name for name, *_ in got} == watched
    assert not set(notes(response)) & watched


@pytest.mark.parametrize(
    ("rule_id", "params", "problem"),
    [
        ("image-end-of-life", {"patterns": "python:2*"}, "image-end-of-life.patterns: Input should be a valid list"),
        ("secret-ref-resolves", {"external": "mysql-password"}, "secret-ref-resolves.external: Input should be"),
        # Every problem of the entry is reported, one after the other, in one message.
        (
            "image-end-of-life",
            {"patterns": "python:2*", "pattern": ["python:2*"]},
            "image-end-of-life.patterns: Input should be a valid list (parameters of image-end-of-life: patterns); "
            "image-end-of-life.pattern: Extra inputs are not permitted",
        ),
    ],
)
def test_a_broken_parameter_fails_closed_naming_the_key(
    pack: _PolicyAnalyzerServicer, dev_objects: list[dict[str, Any]], rule_id: str, params: dict[str, Any], problem: str
) -> None:
    rule = RULES_BY_ID[rule_id]
    configure(pack, {rule_id: (analyzer_pb2.MANDATORY, params)})
    objects = [m for m in dev_objects if m["kind"] != "Secret"]
    response = analyze_stack(pack, objects) if rule.scope == "stack" else analyze(pack, pod("p", ["python:2.7"]))
    [diagnostic] = [d for d in diagnostics(response) if d[0] == rule_id]
    _, at, message, level = diagnostic
    assert (at, level) == ("", analyzer_pb2.MANDATORY)
    allowed = ", ".join(p["name"] for p in parameters(rule))
    assert message.startswith(f"{rule.description}\npolicy config is invalid: {problem}")
    assert message.endswith(f"(parameters of {rule_id}: {allowed})")
