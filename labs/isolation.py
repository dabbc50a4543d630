"""What keeps one student's namespace apart from the others: PSA labels, quota, RBAC, network."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from labs.metadata import RESERVED_NAMESPACES, STUDENT_LABEL, metadata
from labs.model import Cpu, Memory, Model
from labs.pod import Manifest
from labs.quantity import parse_cpu, parse_memory

Level = Literal["privileged", "baseline", "restricted"]
STUDENT_ACCOUNT = "student"
ROLE_NAME = "lab-student"
NETWORK_POLICY_NAME = "same-namespace-only"
TOKEN_SECRET = "student-token"
QUOTA_NAME = "student-budget"


def reserved_namespace_problem(namespace_name: str) -> str | None:
    """Why `namespace_name` cannot hold a lab, or None when it can."""
    if namespace_name not in RESERVED_NAMESPACES:
        return None
    return (
        f"'{namespace_name}' is a namespace the cluster keeps for itself; a lab namespace must be none of "
        f"{', '.join(RESERVED_NAMESPACES)}"
    )


class PodSecurity(Model):
    """Pod Security Admission levels of the namespace."""

    enforce: Level = Field("baseline", description="pods that break it are rejected")
    warn: Level = Field("restricted", description="kubectl warns the student about pods that break it")
    audit: Level = Field("restricted", description="the audit log records pods that break it")
    version: str = Field("latest", pattern=r"^(latest|v1\.[0-9]+)$", description="policy version")


class Budget(Model):
    """What one student's namespace may use at most (ResourceQuota) and what a bare pod gets (LimitRange)."""

    requests_cpu: Cpu = Field("1", description="sum of cpu requests")
    requests_memory: Memory = Field("1536Mi", description="sum of memory requests")
    # The limits fit any mix of modes: per lab the larger of its own limit and the LimitRange
    # default a student's bare pod gets, plus one `kubectl run` client. Worst case: MySQL deployed
    # (1 cpu, 1Gi) and the four other labs written by the student (4 x 500m, 4 x 512Mi), plus the
    # client (500m, 512Mi): 3500m and 3584Mi. All five written: 6 x 500m = 3 cpu, 6 x 512Mi = 3Gi.
    limits_cpu: Cpu = Field("3500m", description="sum of cpu limits")
    limits_memory: Memory = Field("3584Mi", description="sum of memory limits")
    pods: int = Field(10, ge=1, le=1000, description="number of pods")
    default_request_cpu: Cpu = Field("100m", description="cpu request of a container that sets none")
    default_request_memory: Memory = Field("128Mi", description="memory request of a container that sets none")
    default_limit_cpu: Cpu = Field("500m", description="cpu limit of a container that sets none")
    default_limit_memory: Memory = Field("512Mi", description="memory limit of a container that sets none")

    @model_validator(mode="after")
    def _defaults_within_limits(self) -> Budget:
        if parse_cpu(str(self.default_request_cpu)) > parse_cpu(str(self.default_limit_cpu)):
            raise ValueError("defaultRequestCpu is above defaultLimitCpu")
        if parse_memory(str(self.default_request_memory)) > parse_memory(str(self.default_limit_memory)):
            raise ValueError("defaultRequestMemory is above defaultLimitMemory")
        return self


def namespace(name: str, security: PodSecurity, student: str | None) -> Manifest:
    labels = {
        f"pod-security.kubernetes.io/{mode}": getattr(security, mode) for mode in ("enforce", "warn", "audit")
    } | {f"pod-security.kubernetes.io/{mode}-version": security.version for mode in ("enforce", "warn", "audit")}
    if student is not None:
        labels[STUDENT_LABEL] = student
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata(name, None, labels=dict(sorted(labels.items()))),
    }


def quota(namespace_name: str, budget: Budget) -> list[Manifest]:
    hard = {
        "requests.cpu": str(budget.requests_cpu),
        "requests.memory": str(budget.requests_memory),
        "limits.cpu": str(budget.limits_cpu),
        "limits.memory": str(budget.limits_memory),
        "pods": str(budget.pods),
    }
    limit_range = {
        "type": "Container",
        "default": {"cpu": str(budget.default_limit_cpu), "memory": str(budget.default_limit_memory)},
        "defaultRequest": {"cpu": str(budget.default_request_cpu), "memory": str(budget.default_request_memory)},
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": metadata(QUOTA_NAME, namespace_name),
            "spec": {"hard": hard},
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": metadata("student-defaults", namespace_name),
            "spec": {"limits": [limit_range]},
        },
    ]


# What the labs' kubectl steps call: get/describe/apply/delete/exec/logs and `run -it --rm`.
STUDENT_RULES: list[Manifest] = [
    {
        "apiGroups": [""],
        "resources": ["pods", "configmaps", "secrets", "services", "persistentvolumeclaims"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {"apiGroups": [""], "resources": ["pods/exec", "pods/attach"], "verbs": ["get", "create"]},
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get", "list"]},
    {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["get", "list", "watch"]},
    {
        "apiGroups": ["apps"],
        "resources": ["deployments"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
]


def access(namespace_name: str) -> list[Manifest]:
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(STUDENT_ACCOUNT, namespace_name)},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": metadata(ROLE_NAME, namespace_name),
            "rules": STUDENT_RULES,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": metadata(ROLE_NAME, namespace_name),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ROLE_NAME},
            "subjects": [{"kind": "ServiceAccount", "name": STUDENT_ACCOUNT, "namespace": namespace_name}],
        },
    ]


def account_token(namespace_name: str) -> Manifest:
    """A long-lived token for the student's kubeconfig; the cluster fills in token and ca.crt."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(
            TOKEN_SECRET, namespace_name, annotations={"kubernetes.io/service-account.name": STUDENT_ACCOUNT}
        ),
        "type": "kubernetes.io/service-account-token",
    }


def network_policy(namespace_name: str) -> Manifest:
    same_namespace: list[Manifest] = [{"podSelector": {}}]
    cluster_dns = {
        "to": [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(NETWORK_POLICY_NAME, namespace_name),
        "spec": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": same_namespace}],
            "egress": [{"to": same_namespace}, cluster_dns],
        },
    }
