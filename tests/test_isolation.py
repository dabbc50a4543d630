"""Given a student's namespace and budget, when its isolation objects are built, then the cluster
gets exactly the Pod Security labels, quota, container defaults and network rules asked for, each
value in its own field."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from labs import isolation
from labs.isolation import Budget, PodSecurity

PART_OF = {"app.kubernetes.io/part-of": "k8s-labs"}


def test_the_namespace_carries_each_pod_security_level_its_version_and_the_student() -> None:
    security = PodSecurity(enforce="restricted", warn="baseline", audit="privileged", version="v1.33")
    assert isolation.namespace("lab-ann", security, "ann") == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "lab-ann",
            "labels": {
                **PART_OF,
                "k8s-labs.dev/student": "ann",
                "pod-security.kubernetes.io/audit": "privileged",
                "pod-security.kubernetes.io/audit-version": "v1.33",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.33",
                "pod-security.kubernetes.io/warn": "baseline",
                "pod-security.kubernetes.io/warn-version": "v1.33",
            },
        },
    }


def test_a_namespace_of_no_student_has_no_student_label() -> None:
    labels = isolation.namespace("lab-shared", PodSecurity(), None)["metadata"]["labels"]
    assert "k8s-labs.dev/student" not in labels


def test_the_quota_and_the_container_defaults_are_the_budgets_own_values() -> None:
    budget = Budget(
        requests_cpu="2",
        requests_memory="2Gi",
        limits_cpu="4",
        limits_memory="4Gi",
        pods=7,
        default_request_cpu="150m",
        default_request_memory="96Mi",
        default_limit_cpu="600m",
        default_limit_memory="640Mi",
    )
    assert isolation.quota("lab-ann", budget) == [
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "student-budget", "namespace": "lab-ann", "labels": PART_OF},
            "spec": {
                "hard": {
                    "requests.cpu": "2",
                    "requests.memory": "2Gi",
                    "limits.cpu": "4",
                    "limits.memory": "4Gi",
                    "pods": "7",
                }
            },
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "student-defaults", "namespace": "lab-ann", "labels": PART_OF},
            "spec": {
                "limits": [
                    {
                        "type": "Container",
                        "default": {"cpu": "600m", "memory": "640Mi"},
                        "defaultRequest": {"cpu": "150m", "memory": "96Mi"},
                    }
                ]
            },
        },
    ]


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ({"defaultRequestCpu": "600m", "defaultLimitCpu": "500m"}, "defaultRequestCpu is above defaultLimitCpu"),
        (
            {"defaultRequestMemory": "1Gi", "defaultLimitMemory": "512Mi"},
            "defaultRequestMemory is above defaultLimitMemory",
        ),
    ],
)
def test_a_default_request_above_its_default_limit_is_refused_naming_both(budget: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Budget.model_validate(budget)
    assert [error["msg"] for error in raised.value.errors()] == [f"Value error, {message}"]


def test_a_default_request_equal_to_its_default_limit_is_taken() -> None:
    budget = Budget(default_request_cpu="500m", default_limit_cpu="500m", default_request_memory="512Mi")
    assert (budget.default_request_memory, budget.default_limit_memory) == ("512Mi", "512Mi")


def test_egress_reaches_the_namespace_and_the_cluster_dns_on_port_53_only() -> None:
    policy = isolation.network_policy("lab-ann")
    assert policy["metadata"] == {"name": "same-namespace-only", "namespace": "lab-ann", "labels": PART_OF}
    assert policy["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {}}]}],
        "egress": [
            {"to": [{"podSelector": {}}]},
            {
                # kube-dns, as every kubeadm-style cluster labels it, in the namespace it runs in, and
                # NodeLocal DNSCache at its default address
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    },
                    {"ipBlock": {"cidr": "169.254.20.10/32"}},
                ],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
        ],
    }


def test_the_token_secret_is_bound_to_the_student_account() -> None:
    assert isolation.account_token("lab-ann") == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "student-token",
            "namespace": "lab-ann",
            "labels": PART_OF,
            "annotations": {"kubernetes.io/service-account.name": "student"},
        },
        "type": "kubernetes.io/service-account-token",
    }


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_a_reserved_namespace_is_refused_listing_every_reserved_name(name: str) -> None:
    assert isolation.reserved_namespace_problem(name) == (
        f"'{name}' is a namespace the cluster keeps for itself; a lab namespace must be none of "
        "default, kube-system, kube-public, kube-node-lease"
    )


@pytest.mark.parametrize("name", ["lab-ann", "kube-systems", "defaults"])
def test_any_other_namespace_may_hold_a_lab(name: str) -> None:
    assert isolation.reserved_namespace_problem(name) is None


def test_the_student_account_is_bound_to_the_student_role_in_its_namespace_only() -> None:
    account, role, binding = isolation.access("lab-ann")
    assert account == {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "student", "namespace": "lab-ann", "labels": PART_OF},
    }
    assert role == {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "lab-student", "namespace": "lab-ann", "labels": PART_OF},
        "rules": isolation.STUDENT_RULES,
    }
    assert binding == {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "lab-student", "namespace": "lab-ann", "labels": PART_OF},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "lab-student"},
        "subjects": [{"kind": "ServiceAccount", "name": "student", "namespace": "lab-ann"}],
    }


def test_the_dns_peer_follows_the_class_setting() -> None:
    dns = isolation.ClusterDns(namespace="openshift-dns", pod_labels={}, ip_blocks=["172.30.0.10/32", "fd00::a/128"])
    rule = isolation.network_policy("lab-ann", dns)["spec"]["egress"][1]
    assert rule["to"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openshift-dns"}}, "podSelector": {}},
        {"ipBlock": {"cidr": "172.30.0.10/32"}},
        {"ipBlock": {"cidr": "fd00::a/128"}},
    ]
    assert rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"ipBlocks": ["10.0.0.1/8"]}, "'10.0.0.1/8' is not a CIDR block such as 169.254.20.10/32"),
        ({"ipBlocks": ["kube-dns"]}, "'kube-dns' is not a CIDR block"),
        ({"podLabels": {"k8s app": "kube-dns"}}, "'k8s app' is not a label key"),
        ({"podLabels": {"k8s-app": "kube dns"}}, "'kube dns' is not a label value"),
        ({"namespace": "Kube-System"}, "must be a DNS-1123 label"),
    ],
)
def test_a_bad_dns_setting_is_refused_naming_the_value(setting: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        isolation.ClusterDns.model_validate(setting)
