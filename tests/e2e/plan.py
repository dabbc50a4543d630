"""What one e2e run deploys: its stack files, its namespaces and the pods admission must refuse."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from labs.envfrom import ConfigMapEnvPodArgs

STACK = "e2e"
KUBECTL_STACK = "e2e-kubectl"
STUDENTS = ("student-1", "student-2")
SERVICE_ACCOUNT = "student"
PROBE_POD = "liveness-readiness-pod"
# What the run copies of the project: the Pulumi program, the packages it imports and the policy pack.
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py", "requirements.txt", "pyproject.toml", "README.md")
PROJECT_PACKAGES = ("labs", "components", "config", "labctl", "policy")
SERVER_PORT = 8000


@dataclass(frozen=True)
class Names:
    """Random for each run, so the run can tell its own namespaces from everything else on the cluster."""

    tag: str
    marker: str
    """A value the envFrom change puts in the ConfigMap, to find it live in the pod's environment."""

    @classmethod
    def fresh(cls) -> Names:
        return cls(tag=secrets.token_hex(3), marker=secrets.token_hex(6))

    @property
    def prefix(self) -> str:
        return f"e2e-{self.tag}-"

    @property
    def kubectl_prefix(self) -> str:
        return f"e2e-{self.tag}-k-"

    def namespaces(self) -> list[str]:
        return [self.prefix + student for student in STUDENTS]

    def kubectl_namespaces(self) -> list[str]:
        return [self.kubectl_prefix + student for student in STUDENTS]


def base_labs(project: Path) -> dict[str, Any]:
    """The dev stack's labs: every lab, at the seed's final values."""
    document = yaml.safe_load((project / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    labs = document["config"]["k8s-labs:labs"]
    assert isinstance(labs, dict)
    return labs


def stack_config(labs: dict[str, Any], prefix: str, persistent: bool) -> dict[str, Any]:
    labs = yaml.safe_load(yaml.safe_dump(labs))  # a deep copy the caller's changes do not reach
    if persistent:
        labs["mysqlWithSecret"] = {"storage": {"type": "persistentVolumeClaim", "size": "1Gi"}}
    return {
        "config": {
            "k8s-labs:labs": labs,
            "k8s-labs:classroom": {"students": len(STUDENTS), "namespacePrefix": prefix},
        }
    }


def write_stack(folder: Path, stack: str, config: dict[str, Any]) -> Path:
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


# The changes after the first `pulumi up`, each one a Pod replacement or a Redis restart.
READINESS_DELAY = 7
STARTUP_PERIOD = 3
MAXMEMORY = "3mb"
MAXMEMORY_BYTES = "3145728"


def with_readiness_delay(labs: dict[str, Any]) -> None:
    labs["probedWebServer"]["readinessProbe"] = {
        "httpGet": {"path": "/", "port": SERVER_PORT},
        "initialDelaySeconds": READINESS_DELAY,
        "periodSeconds": 5,
    }


def with_startup_probe(labs: dict[str, Any]) -> None:
    labs["probedWebServer"]["startupProbe"] = {
        "tcpSocket": {"port": SERVER_PORT},
        "periodSeconds": STARTUP_PERIOD,
        "failureThreshold": 60,
    }


def with_env_marker(labs: dict[str, Any], marker: str) -> None:
    lab = labs.setdefault("configMapEnvPod", {}) or {}
    data = dict(lab.get("data") or ConfigMapEnvPodArgs().data)
    data["E2E_MARKER"] = marker
    lab["data"] = data
    labs["configMapEnvPod"] = lab


def with_maxmemory(labs: dict[str, Any]) -> None:
    labs["redisWithConfigMap"]["config"]["maxmemory"] = MAXMEMORY


def copy_project(source: Path, target: Path) -> None:
    """The program and pack, copied so no stack file or state is written into the user's project."""
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "venv", "*.pyc")
    for package in PROJECT_PACKAGES:
        shutil.copytree(source / package, target / package, ignore=ignore)
    # The project's virtualenv (Pulumi.yaml and policy/PulumiPolicy.yaml: .venv) is used as it is, not rebuilt.
    if (source / ".venv").is_dir():
        (target / ".venv").symlink_to((source / ".venv").resolve(), target_is_directory=True)


def pod(name: str, namespace: str, container: dict[str, Any]) -> str:
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": "main", "image": "python:3.13-alpine", **container}]},
    }
    return yaml.safe_dump(manifest)


def privileged_pod(namespace: str) -> str:
    """Baseline forbids privileged containers: PSA must refuse it."""
    return pod("e2e-privileged", namespace, {"securityContext": {"privileged": True}})


def over_quota_pod(namespace: str) -> str:
    """Asks for more memory than the whole namespace's quota: quota admission must refuse it."""
    limits = {"cpu": "100m", "memory": "64Gi"}
    return pod("e2e-over-quota", namespace, {"resources": {"requests": limits, "limits": limits}})
