"""What keeps one student's namespace apart from the others: PSA labels, quota, RBAC, network."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from labs.metadata import RESERVED_NAMESPACES, STUDENT_LABEL, metadata
from labs.model import Cpu, DnsLabel, Memory, Model
from labs.pod import Manifest
from labs.quantity import parse_cpu, parse_memory

Level = Literal["privileged", "baseline", "restricted"]
STUDENT_ACCOUNT = "student"
ROLE_NAME = "lab-student"
NETWORK_POLICY_NAME = "same-namespace-only"
TOKEN_SECRET = "student-token"
QUOTA_NAME = "student-budget"


LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")
LABEL_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _label_key(key: str) -> str:
    prefix, _, name = key.rpartition("/")
    if (prefix and (len(prefix) > 253 or not LABEL_PREFIX.match(prefix))) or not LABEL_NAME.match(name):
        raise ValueError(
            f"{key!r} is not a label key: an optional DNS subdomain and '/', then at most 63 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return key


def _label_value(value: str) -> str:
    if value and not LABEL_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a label value: at most 63 letters, digits, '-', '_' or '.', starting "
            "and ending with a letter or digit"
        )
    return value


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a CIDR block such as 169.254.20.10/32 ({error})") from None
    return str(network)


LabelKey = Annotated[str, AfterValidator(_label_key)]
LabelValue = Annotated[str, AfterValidator(_label_value)]
Cidr = Annotated[str, AfterValidator(_cidr)]
# NodeLocal DNSCache's default listen address (its manifest's __PILLAR__LOCAL__DNS__).
NODE_LOCAL_DNS = "169.254.20.10/32"


class ClusterDns(Model):
    """Where students' pods may send DNS queries (port 53): the one way out of a namespace the NetworkPolicy opens.

    The defaults reach CoreDNS or kube-dns as kubeadm, kind, EKS, GKE and AKS label them, and NodeLocal
    DNSCache at its default address."""

    namespace: DnsLabel = Field("kube-system", description="namespace the cluster DNS pods run in")
    pod_labels: dict[LabelKey, LabelValue] = Field(
        default_factory=lambda: {"k8s-app": "kube-dns"},
        description="labels of the cluster DNS pods; `{}` allows every pod of that namespace",
    )
    ip_blocks: list[Cidr] = Field(
        default_factory=lambda: [NODE_LOCAL_DNS],
        max_length=16,
        description="addresses outside the pod network the queries may also go to: a node-local cache, or the "
        "DNS Service's cluster IP where a node-local cache intercepts it",
    )


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


def network_policy(namespace_name: str, dns: ClusterDns | None = None) -> Manifest:
    dns = dns or ClusterDns()
    same_namespace: list[Manifest] = [{"podSelector": {}}]
    dns_pods: Manifest = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": dns.namespace}},
        "podSelector": {"matchLabels": dict(dns.pod_labels)} if dns.pod_labels else {},
    }
    cluster_dns = {
        "to": [dns_pods, *({"ipBlock": {"cidr": cidr}} for cidr in dns.ip_blocks)],
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
