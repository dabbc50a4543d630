"""Given the pack started as the real analyzer, a gRPC client sees the rules at work.

It is started as the Python language host starts a local pack (components/pulumi_rules.py, RUN_PLUGIN):
`<venv>/bin/python -u -m pulumi.policy <engine address> policy/` from policy/, with the virtualenv
PulumiPolicy.yaml names, so a pack that cannot start that way fails here. The process is started and
stopped here, listens on loopback only (the SDK binds 127.0.0.1), and every call has a deadline.
"""

from __future__ import annotations

import ast
import copy
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from components.pulumi_rules import policy_virtualenv
from config import Plan
from labs.environment import build_environment
from policy.rules import RULES, RULES_BY_ID, Enforcement, review
from tests.test_policy_analyzer_form import type_token

PACK = Path(__file__).resolve().parent.parent / "policy"
START_SECONDS = 30
CALL_SECONDS = 30
# How the engine marks a secret property (pulumi's rpc signature keys).
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
LEVELS = {Enforcement.ADVISORY: analyzer_pb2.ADVISORY, Enforcement.MANDATORY: analyzer_pb2.MANDATORY}


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    python = policy_virtualenv(PACK) / "bin" / "python"
    assert python.is_file(), f"{python}: the virtualenv policy/PulumiPolicy.yaml names does not exist"
    # The engine's address is only passed through; the pack serves before it would call the engine.
    argv = [str(python), "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK)]
    process = subprocess.Popen(argv, cwd=PACK, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=START_SECONDS)
        selector.close()
        assert ready, f"no port printed within {START_SECONDS}s"
        port = int(process.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=START_SECONDS)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def urn(manifest: dict[str, Any]) -> str:
    meta = manifest["metadata"]
    return f"urn:pulumi:dev::k8s-labs::{type_token(manifest)}::{meta.get('namespace', '')}-{meta['name']}"


def struct(manifest: dict[str, Any]) -> struct_pb2.Struct:
    props = copy.deepcopy(manifest)
    if "stringData" in props:
        props["stringData"] = {key: {**SECRET_SIG, "value": value} for key, value in props["stringData"].items()}
    message = struct_pb2.Struct()
    message.update(props)
    return message


def resource(manifest: dict[str, Any]) -> analyzer_pb2.AnalyzerResource:
    return analyzer_pb2.AnalyzerResource(
        type=type_token(manifest), properties=struct(manifest), urn=urn(manifest), name=manifest["metadata"]["name"]
    )


@pytest.fixture(scope="module")
def dev_objects(dev_plan: Plan) -> list[dict[str, Any]]:
    return [m for env in dev_plan.environments for m in build_environment(env, "stand-in")]


def analyze(stub: analyzer_pb2_grpc.AnalyzerStub, manifest: dict[str, Any]) -> analyzer_pb2.AnalyzeResponse:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_token(manifest), properties=struct(manifest), urn=urn(manifest), name=manifest["metadata"]["name"]
    )
    response: analyzer_pb2.AnalyzeResponse = stub.Analyze(request, timeout=CALL_SECONDS)
    return response


def analyze_stack(stub: analyzer_pb2_grpc.AnalyzerStub, objects: list[dict[str, Any]]) -> analyzer_pb2.AnalyzeResponse:
    request = analyzer_pb2.AnalyzeStackRequest(resources=[resource(m) for m in objects])
    response: analyzer_pb2.AnalyzeResponse = stub.AnalyzeStack(request, timeout=CALL_SECONDS)
    return response


def configure(stub: analyzer_pb2_grpc.AnalyzerStub, config: dict[str, analyzer_pb2.PolicyConfig]) -> None:
    stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config), timeout=CALL_SECONDS)


def test_analyzer_info_lists_every_rule_with_its_level_and_kind(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=CALL_SECONDS)
    assert info.name == "k8s-labs" and info.supportsConfig
    listed = {policy.name: policy for policy in info.policies}
    assert list(listed) == [rule.id for rule in RULES]
    for rule in RULES:
        policy = listed[rule.id]
        assert policy.enforcementLevel == LEVELS[rule.enforcement]
        assert policy.url == rule.url and policy.description == rule.description
        stack_type = analyzer_pb2.PolicyType.POLICY_TYPE_STACK
        assert (policy.policy_type == stack_type) == (rule.scope == "stack")
    assert "patterns" in listed["image-end-of-life"].configSchema.properties


def test_analyze_finds_nothing_mandatory_in_the_dev_stack_and_names_each_exemption(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, dev_objects: list[dict[str, Any]]
) -> None:
    configure(analyzer, {})
    exempted = set()
    for manifest in dev_objects:
        response = analyze(analyzer, manifest)
        assert [d.policyName for d in response.diagnostics if d.enforcementLevel == analyzer_pb2.MANDATORY] == []
        for item in response.not_applicable:
            if item.reason.startswith("exempted"):
                exempted.add((manifest["metadata"]["name"], item.policy_name))
                assert "exempt.k8s-labs.dev/" + item.policy_name in item.reason
    offline = {(dev_objects[f.subject]["metadata"]["name"], f.rule.id) for f in review(dev_objects) if f.exemption}
    assert exempted == offline and offline


def test_analyze_reports_the_seed_pod_as_the_offline_review_does(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, dev_objects: list[dict[str, Any]]
) -> None:
    configure(analyzer, {})
    seed = yaml_fixture("liveready-pod-lab-2.2.yaml")
    response = analyze(analyzer, seed)
    got = sorted((d.policyName, d.message) for d in response.diagnostics)
    expected = sorted(
        (f.rule.id, f"{f.rule.description}\n{f.message}") for f in review([seed]) if f.rule.scope == "object"
    )
    assert got == expected
    names = {name for name, _ in got}
    assert {"liveness-restarts", "image-end-of-life", "no-default-namespace"} <= names
    levels = {d.policyName: d.enforcementLevel for d in response.diagnostics}
    assert levels["image-end-of-life"] == analyzer_pb2.MANDATORY


def test_analyze_stack_checks_references_across_resources(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, dev_objects: list[dict[str, Any]]
) -> None:
    configure(analyzer, {})
    assert list(analyze_stack(analyzer, dev_objects).diagnostics) == []
    without_secrets = [m for m in dev_objects if m["kind"] != "Secret"]
    response = analyze_stack(analyzer, without_secrets)
    deployments = {urn(m) for m in without_secrets if m["kind"] == "Deployment"}
    assert {(d.policyName, d.urn) for d in response.diagnostics} == {("secret-ref-resolves", u) for u in deployments}
    assert {d.enforcementLevel for d in response.diagnostics} == {analyzer_pb2.ADVISORY}


def test_policy_config_changes_an_enforcement_level_and_a_parameter(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, dev_objects: list[dict[str, Any]]
) -> None:
    without_secrets = [m for m in dev_objects if m["kind"] != "Secret"]
    try:
        configure(analyzer, {"secret-ref-resolves": analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.MANDATORY)})
        response = analyze_stack(analyzer, without_secrets)
        assert response.diagnostics and {d.enforcementLevel for d in response.diagnostics} == {analyzer_pb2.MANDATORY}

        properties = struct_pb2.Struct()
        properties.update({"external": ["mysql-password"]})
        configure(
            analyzer,
            {
                "secret-ref-resolves": analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY, properties=properties
                )
            },
        )
        response = analyze_stack(analyzer, without_secrets)
        assert list(response.diagnostics) == []
        [note] = [n for n in response.not_applicable if n.policy_name == "secret-ref-resolves"]
        assert "outside the stack" in note.reason

        configure(analyzer, {"image-end-of-life": analyzer_pb2.PolicyConfig(enforcementLevel=analyzer_pb2.DISABLED)})
        seed = yaml_fixture("liveready-pod-lab-2.2.yaml")
        assert "image-end-of-life" not in {d.policyName for d in analyze(analyzer, seed).diagnostics}
    finally:
        configure(analyzer, {})


def test_a_broken_parameter_fails_closed(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    properties = struct_pb2.Struct()
    properties.update({"patterns": "python:2*"})
    try:
        configure(
            analyzer,
            {
                "image-end-of-life": analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY, properties=properties
                )
            },
        )
        response = analyze(analyzer, yaml_fixture("security-pod.yaml"))
        [diagnostic] = [d for d in response.diagnostics if d.policyName == "image-end-of-life"]
        assert "policy config is invalid" in diagnostic.message and "patterns" in diagnostic.message
        assert RULES_BY_ID["image-end-of-life"].enforcement is Enforcement.MANDATORY
    finally:
        configure(analyzer, {})


def yaml_fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fixtures" / "seed" / name).read_text())
    return document


def test_what_the_pack_takes_from_labs_needs_nothing_beyond_the_standard_library() -> None:
    # The pack's venv holds only policy/requirements.txt; no site-packages at all (-S) proves the point.
    imported = sorted(
        {
            node.module
            for path in (PACK / "rules").glob("*.py")
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "labs"
        }
    )
    assert imported == ["labs.expansion", "labs.metadata"]
    code = f"import sys; sys.path.insert(0, {str(PACK.parent)!r}); import " + ", ".join(imported)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_pod_security_rules_read_the_namespace_labels_in_the_stack(
    analyzer: analyzer_pb2_grpc.AnalyzerStub, dev_objects: list[dict[str, Any]]
) -> None:
    """A probe `host` is a baseline matter from policy v1.34; an exemption cannot cover what the namespace enforces."""
    configure(analyzer, {})
    namespace = copy.deepcopy(next(m for m in dev_objects if m["kind"] == "Namespace"))
    pod = copy.deepcopy(next(m for m in dev_objects if m["kind"] == "Pod"))
    container = pod["spec"]["containers"][0]
    container["readinessProbe"] = {"httpGet": {"host": "169.254.169.254", "path": "/", "port": 8080}}

    def host_probe_diagnostics(enforce_version: str) -> list[str]:
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] = enforce_version
        response = analyze_stack(analyzer, [namespace, pod])
        return [d.policyName for d in response.diagnostics if d.policyName.startswith("pss-")]

    assert host_probe_diagnostics("v1.33") == []
    assert host_probe_diagnostics("latest") == ["pss-baseline-host-probes"]

    reason = "the lab shows a readiness probe that reaches the node's metadata service"
    pod["metadata"]["annotations"] = {"exempt.k8s-labs.dev/pss-baseline-host-probes": reason}
    response = analyze_stack(analyzer, [namespace, pod])
    watched = ("pss-", "exemption-")
    diagnostics = {d.policyName: d for d in response.diagnostics if d.policyName.startswith(watched)}
    assert set(diagnostics) == {"pss-baseline-host-probes", "exemption-well-formed"}
    assert {d.enforcementLevel for d in diagnostics.values()} == {analyzer_pb2.MANDATORY}
    assert "enforces Pod Security baseline" in diagnostics["exemption-well-formed"].message
