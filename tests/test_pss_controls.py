"""Given a Pod Security control, it becomes the rule its standard names, judged at the namespace's version.

The rules are built from the controls when `policy.rules` is imported; these tests build them
again, so that what `rule`, `since` and the version guards make is held to what the standard says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from policy.rules import Enforcement, Severity
from policy.rules.model import Params, Violation
from policy.rules.psa import UNLABELLED, Pod, Version
from policy.rules.pss import Control, Definition, Hit, rule, since
from policy.rules.pss_baseline import CONTROLS as BASELINE
from policy.rules.pss_restricted import CONTROLS as RESTRICTED
from policy.rules.pss_restricted import RestrictedCapabilityParams, linux_only, outside_user_namespace

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"


def control(rule_id: str) -> Control:
    return next(found for found in (*BASELINE, *RESTRICTED) if found.rule_id == rule_id)


def test_a_baseline_control_is_a_high_mandatory_rule_named_after_its_standard() -> None:
    built = rule(control("pss-baseline-privileged"))
    assert (built.id, built.title, built.description, built.standard, built.url) == (
        "pss-baseline-privileged",
        "PSS baseline: Privileged Containers",
        "Privileged containers disable most isolation.",
        "Pod Security Standards, baseline: Privileged Containers",
        PSS_URL + "#baseline",
    )
    assert (built.severity, built.enforcement, built.params) == (Severity.HIGH, Enforcement.MANDATORY, Params)
    assert built.scope == "stack"


def test_a_restricted_control_is_a_medium_mandatory_rule_with_its_parameters() -> None:
    built = rule(control("pss-restricted-capabilities"))
    assert (built.title, built.standard, built.url) == (
        "PSS restricted: Capabilities",
        "Pod Security Standards, restricted: Capabilities",
        PSS_URL + "#restricted",
    )
    assert (built.severity, built.enforcement) == (Severity.MEDIUM, Enforcement.MANDATORY)
    assert built.params is RestrictedCapabilityParams


def namespace(name: str, **labels: str) -> dict[str, Any]:
    prefixed = {f"pod-security.kubernetes.io/{key.replace('_', '-')}": value for key, value in labels.items()}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": prefixed}}


def probed_deployment(namespace_name: str) -> dict[str, Any]:
    probe = {"httpGet": {"host": "169.254.169.254", "port": 8080}}
    pod = {"spec": {"containers": [{"name": "app", "image": "nginx", "livenessProbe": probe}]}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace_name},
        "spec": {"template": pod},
    }


def test_a_rule_reports_each_pod_at_its_namespace_version_with_the_path_in_its_object() -> None:
    # Host probes is a baseline control from v1.34: the pod enforced at v1.33 is not held to it,
    # and the one after it still is.
    objects = [
        namespace("old", enforce="baseline", enforce_version="v1.33", warn_version="v1.37"),
        namespace("new", enforce="baseline", enforce_version="v1.34", warn_version="v1.33"),
        probed_deployment("old"),
        probed_deployment("new"),
    ]
    path = "spec.template.spec.containers[0].livenessProbe.httpGet.host"
    message = f"{path}: container app sends its livenessProbe to host '169.254.169.254'; it must be unset"
    assert rule(control("pss-baseline-host-probes")).run(objects, Params()) == [Violation(3, message, path=path)]


def test_a_rule_hands_its_parameters_to_the_check() -> None:
    objects = [namespace("lab", enforce="baseline"), probed_deployment("lab")]
    objects[1]["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 80}]
    built = rule(control("pss-baseline-host-ports"))
    assert [v.path for v in built.run(objects, built.params())] == [
        "spec.template.spec.containers[0].ports[0].hostPort"
    ]
    assert built.run(objects, built.params.model_validate({"allowed": [80]})) == []


def test_since_is_a_definition_from_that_policy_minor() -> None:
    def check(pod: Pod, params: Any) -> Iterator[Hit]:
        return iter(())

    assert since(31, check) == Definition(Version(31), check)


def controlled(*minors: int) -> Control:
    return Control(
        "pss-test", "baseline", "Test", "A test control.", "nowhere", tuple(since(m, lambda *_: ()) for m in minors)
    )


@pytest.mark.parametrize("minors", [(), (31, 0), (0, 0)], ids=["none", "decreasing", "repeated"])
def test_a_control_needs_its_definitions_in_increasing_version_order(minors: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"^pss-test: definitions must be in increasing version order$"):
        controlled(*minors)


def test_a_control_in_force_from_a_version_has_its_newest_definition_there() -> None:
    built = controlled(0, 31)
    assert [built.at(Version(minor)) for minor in (0, 30, 31, 37)] == [
        built.definitions[0].check,
        built.definitions[0].check,
        built.definitions[1].check,
        built.definitions[1].check,
    ]
    assert controlled(34).at(Version(33)) is None


def recording() -> tuple[list[tuple[Pod, Any]], Any]:
    calls: list[tuple[Pod, Any]] = []

    def check(pod: Pod, params: Any) -> Iterator[Hit]:
        calls.append((pod, params))
        yield "spec.containers[0]", "found"

    return calls, check


def pod(**spec: Any) -> Pod:
    return Pod(0, {}, spec, "", UNLABELLED)


@pytest.mark.parametrize(
    ("guard", "skipped", "judged"),
    [
        (linux_only, pod(os={"name": "windows"}), pod(os={"name": "linux"})),
        (outside_user_namespace, pod(hostUsers=False), pod(hostUsers=True)),
    ],
    ids=["linux-only", "outside-user-namespace"],
)
def test_a_version_guard_skips_the_pods_it_names_and_runs_the_check_on_the_rest(
    guard: Any, skipped: Pod, judged: Pod
) -> None:
    calls, check = recording()
    params = Params()
    guarded = guard(check)
    assert list(guarded(skipped, params)) == [] and calls == []
    assert list(guarded(judged, params)) == [("spec.containers[0]", "found")]
    assert calls == [(judged, params)]
