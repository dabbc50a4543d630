"""kubectl's version against the server's, and the server's against the Kubernetes minors the project validates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from labctl.doctor.programs import Kubectl
from labctl.doctor.report import CLUSTER, KUBECTL, Check
from labctl.json_fields import text
from labctl.printable import one_line
from labs.support import supported, supported_range

# "v1.33.1", "v1.33.1-eks-4096722", "v1.33.1+k3s1": the major and minor lead every gitVersion.
GIT_VERSION = re.compile(r"^v?(\d+)\.(\d+)")
# kubectl is supported within one minor version (older or newer) of kube-apiserver.
KUBECTL_SKEW = 1


@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    shown: str
    """The gitVersion as kubectl printed it, printable."""

    @property
    def minor_text(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Versions:
    client: Version | None
    server: Version | None
    problem: str | None
    """What kubectl said when it printed no server version (printable)."""


def parse_version(info: Any) -> Version | None:
    shown = text(info, "gitVersion")
    match = GIT_VERSION.match(shown)
    if match:
        return Version(int(match[1]), int(match[2]), one_line(shown, 60))
    # Some builds print only major and minor, the minor with a "+" ("33+" on some managed clusters).
    major, minor = (re.sub(r"\D", "", text(info, key)) for key in ("major", "minor"))
    if major and minor:
        return Version(int(major), int(minor), f"{int(major)}.{int(minor)}")
    return None


def read_versions(kubectl: Kubectl) -> Versions:
    """One `kubectl version -o json`: the client's version, and the server's when the cluster answers."""
    answer = kubectl("version", "-o", "json")
    try:
        # Without a server kubectl still prints its own version as JSON, and exits 1.
        document: Any = json.loads(answer.stdout) if answer.stdout.strip() else None
    except json.JSONDecodeError:
        return Versions(None, None, f"`kubectl version` printed no JSON: {one_line(answer.stdout, 60)!r}")
    if document is None and answer.code is None:
        return Versions(None, None, answer.problem)
    client = parse_version(document.get("clientVersion") if isinstance(document, dict) else None)
    server = parse_version(document.get("serverVersion") if isinstance(document, dict) else None)
    problem = None if server else (answer.problem or "kubectl printed no server version")
    return Versions(client, server, problem)


def kubectl_check(versions: Versions) -> Check:
    client, server = versions.client, versions.server
    if client is None:
        return KUBECTL.problem(
            f"`kubectl version` gave no client version: {versions.problem or 'none printed'}",
            "check that `kubectl version` works",
            unavailable="kubectl",
        )
    if server is None:
        return KUBECTL.unknown(f"{client.shown}; no server version to compare with", "see the cluster line")
    skew = client.minor - server.minor
    if client.major == server.major and abs(skew) <= KUBECTL_SKEW:
        return KUBECTL.ok(f"{client.shown} against the server's {server.minor_text}: within one minor")
    fitting = ", ".join(f"{server.major}.{minor}" for minor in range(server.minor - 1, server.minor + 2) if minor >= 0)
    relation = "older" if (client.major, client.minor) < (server.major, server.minor) else "newer"
    return KUBECTL.problem(
        f"{client.shown} is {relation} than the server's {server.minor_text} by more than the one minor kubectl "
        "supports",
        f"install kubectl {fitting}",
    )


def cluster_check(versions: Versions, context: str | None) -> Check:
    where = f"context {context}" if context else "the current context"
    server = versions.server
    if versions.client is None:
        return CLUSTER.no_cluster()
    if server is None:
        return CLUSTER.problem(
            f"{where} does not answer: {versions.problem}",
            "select a reachable cluster (`kubectl config use-context NAME`) and check `kubectl cluster-info`",
            unavailable="cluster",
        )
    if not supported(server.major, server.minor):
        return CLUSTER.problem(
            f"{where}: Kubernetes {server.shown}, outside the validated {supported_range()}",
            f"use a cluster of Kubernetes {supported_range()} (labs/support.py)",
        )
    return CLUSTER.ok(f"{where}: Kubernetes {server.shown}, within the validated {supported_range()}")
