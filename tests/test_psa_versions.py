"""Given a namespace's PSA labels, the policy the rules judge its pods by is the one the admission plugin uses."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.psa import LATEST, UNLABELLED, Version, namespace_policies, namespace_policy, parse_version, pods
from policy.rules.pss_baseline import CONTROLS


def namespace(**labels: str) -> dict[str, Any]:
    prefixed = {f"pod-security.kubernetes.io/{key.replace('_', '-')}": value for key, value in labels.items()}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab", "labels": prefixed}}


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (None, LATEST),
        ("latest", LATEST),
        ("v1.0", Version(0)),
        ("v1.25", Version(25)),
        ("v1.37", Version(37)),
        # Newer than any definition: the newest, as the plugin clamps to its own.
        ("v1.99", LATEST),
        # Not `latest` or `v1.<minor>`: the plugin reads it as latest.
        ("v1.05", LATEST),
        ("v2.0", LATEST),
        ("1.25", LATEST),
        ("v1.25 ", LATEST),
        ("v1.25\n", LATEST),
    ],
)
def test_a_version_label_reads_as_the_plugin_reads_it(label: str | None, expected: Version) -> None:
    assert parse_version(label) == expected


def test_an_unparsable_enforce_level_fails_closed_to_restricted() -> None:
    assert namespace_policy(namespace(enforce="strict")).enforce == "restricted"
    assert namespace_policy(namespace(enforce="baseline")).enforce == "baseline"
    assert namespace_policy(namespace(warn="restricted")).enforce == "privileged"


def test_baseline_reads_the_enforce_version_and_restricted_the_warn_version() -> None:
    policy = namespace_policy(namespace(enforce="baseline", enforce_version="v1.33", warn_version="v1.30"))
    assert (policy.enforce_version, policy.warn_version) == (Version(33), Version(30))
    host_probes = next(control for control in CONTROLS if control.rule_id == "pss-baseline-host-probes")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "lab"}, "spec": {}}
    [found] = list(pods([namespace(enforce="baseline", enforce_version="v1.33"), pod]))
    assert host_probes.version_for(found) == Version(33) and host_probes.at(Version(33)) is None
    assert host_probes.at(Version(34)) is not None


def test_a_pod_outside_the_reviewed_namespaces_is_judged_as_unlabelled() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "elsewhere"}, "spec": {}}
    [found] = list(pods([namespace(enforce="restricted", enforce_version="v1.20"), pod]))
    assert found.policy == UNLABELLED and UNLABELLED.enforce_version == LATEST
    assert namespace_policies([pod]) == {}
