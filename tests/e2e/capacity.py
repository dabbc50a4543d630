"""What the e2e has on its one kind node at a time, against what a small GitHub runner can schedule.

The scheduler places a pod only where the requests of every pod already there plus its own fit the
node's allocatable; a pod that does not fit stays Pending (MySQL, the largest, first). The e2e's classes
are summed from their rendered manifests, kind's own pods from the sources named below.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import load
from config.sources import read_stack
from labctl.render.command import environment_files
from labs.pod import Manifest
from labs.quantity import parse_cpu, parse_memory
from tests.e2e import plan

# Kinds that run pods; the classes must hold no other (a new one would have to be counted here).
WORKLOADS = {"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}


@dataclass(frozen=True)
class Requests:
    cpu: int = 0
    """Millicores."""
    memory: int = 0
    """Bytes."""

    def __add__(self, other: Requests) -> Requests:
        return Requests(self.cpu + other.cpu, self.memory + other.memory)

    def fits(self, allocatable: Requests) -> bool:
        return self.cpu <= allocatable.cpu and self.memory <= allocatable.memory


def total(requests: Iterable[Requests]) -> Requests:
    return sum(requests, Requests())


@dataclass(frozen=True)
class NodePod:
    name: str
    cpu: str
    memory: str | None
    source: str

    @property
    def requests(self) -> Requests:
        return Requests(parse_cpu(self.cpu), parse_memory(self.memory) if self.memory else 0)


_KUBEADM = "kubeadm, cmd/kubeadm/app/phases/"
# Every pod a one-node kind cluster runs before the e2e starts, with what it requests: 950m CPU and
# 290Mi memory in all. kube-proxy (kubeadm's DaemonSet) and local-path-provisioner (kind's
# pkg/build/nodeimage/const_storage.go) request nothing.
KIND_NODE_PODS = (
    NodePod("kube-apiserver", "250m", None, _KUBEADM + 'controlplane/manifests.go: ComponentResources("250m")'),
    NodePod(
        "kube-controller-manager", "200m", None, _KUBEADM + 'controlplane/manifests.go: ComponentResources("200m")'
    ),
    NodePod("kube-scheduler", "100m", None, _KUBEADM + 'controlplane/manifests.go: ComponentResources("100m")'),
    NodePod("etcd", "100m", "100Mi", _KUBEADM + "etcd/local.go: requests cpu 100m, memory 100Mi"),
    # Two replicas: kubeadm's addons/dns/dns.go, coreDNSReplicas = 2.
    NodePod("coredns", "100m", "70Mi", _KUBEADM + "addons/dns/manifests.go: requests cpu 100m, memory 70Mi"),
    NodePod("coredns", "100m", "70Mi", _KUBEADM + "addons/dns/manifests.go: requests cpu 100m, memory 70Mi"),
    NodePod("kindnet", "100m", "50Mi", "kind v0.32.0 (and main at v1.37.0-rc.1), pkg/build/nodeimage/const_cni.go"),
)

# GitHub's smallest standard Linux runner: 2 CPUs and "7 GB" of memory, taken as 7 x 10^9 bytes (less
# than 7 GiB). kind's kubelet reserves nothing for the system or itself (kind's
# pkg/cluster/internal/kubeadm/config.go sets only disk eviction thresholds), so the allocatable is the
# whole machine less the kubelet's default 100Mi memory.available hard-eviction threshold.
RUNNER = Requests(parse_cpu("2"), parse_memory("7G"))
ALLOCATABLE = Requests(RUNNER.cpu, RUNNER.memory - parse_memory("100Mi"))


def _container(container: Manifest, defaults: Requests) -> Requests:
    """What the scheduler counts for one container: its requests; else its limits (the API server copies
    them); else the namespace LimitRange's defaultRequest."""
    resources = container.get("resources") or {}
    asked, limits = resources.get("requests") or {}, resources.get("limits") or {}
    cpu, memory = asked.get("cpu", limits.get("cpu")), asked.get("memory", limits.get("memory"))
    return Requests(
        parse_cpu(str(cpu)) if cpu is not None else defaults.cpu,
        parse_memory(str(memory)) if memory is not None else defaults.memory,
    )


def pod_requests(spec: Manifest, defaults: Requests) -> Requests:
    """A pod's effective requests: its containers (and sidecars) together, or its largest init container."""
    sidecars = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    inits = [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") != "Always"]
    running = total(_container(c, defaults) for c in [*spec["containers"], *sidecars])
    largest_init = [_container(c, defaults) for c in inits]
    return Requests(
        max([running.cpu, *(r.cpu for r in largest_init)]),
        max([running.memory, *(r.memory for r in largest_init)]),
    )


def limit_range_defaults(manifests: Sequence[Manifest]) -> Requests:
    for manifest in manifests:
        if manifest["kind"] == "LimitRange":
            for limit in manifest["spec"]["limits"]:
                if limit.get("type") == "Container":
                    asked = limit.get("defaultRequest") or {}
                    return Requests(
                        parse_cpu(asked["cpu"]) if "cpu" in asked else 0,
                        parse_memory(asked["memory"]) if "memory" in asked else 0,
                    )
    return Requests()


def manifests_requests(manifests: Sequence[Manifest]) -> Requests:
    """The requests of every pod these manifests run (one namespace's), a Deployment's replicas each."""
    defaults = limit_range_defaults(manifests)
    found = []
    for manifest in manifests:
        kind = manifest["kind"]
        if kind == "Pod":
            found.append(pod_requests(manifest["spec"], defaults))
        elif kind == "Deployment":
            one = pod_requests(manifest["spec"]["template"]["spec"], defaults)
            replicas = int(manifest["spec"].get("replicas", 1))
            found.append(Requests(one.cpu * replicas, one.memory * replicas))
        elif kind in WORKLOADS:
            raise ValueError(f"{kind}/{manifest['metadata']['name']}: a workload kind the e2e's budget does not count")
    return total(found)


def class_requests(project: Path, prefix: str, persistent: bool) -> Requests:
    """One e2e class (every lab of the dev stack for each student) as `labctl render` writes it."""
    config = plan.stack_config(plan.base_labs(project), prefix, persistent)
    with tempfile.TemporaryDirectory() as folder:
        stack = plan.write_stack(Path(folder), "capacity", config)
        environments = load(read_stack(stack).values).environments
    return total(
        manifests_requests([m for manifests in environment_files(env).values() for m in manifests])
        for env in environments
    )


def classes_at_once(
    main_steps: Sequence[tuple[str, Callable[..., Any]]],
    deploys: dict[Callable[..., Any], str],
    removes: dict[Callable[..., Any], str],
) -> list[tuple[str, frozenset[str]]]:
    """Each step with the classes on the cluster while it runs, walking the steps in the run's order."""
    live: set[str] = set()
    during = []
    for name, step in main_steps:
        if step in deploys:
            live.add(deploys[step])
        during.append((name, frozenset(live)))
        if step in removes:
            live.discard(removes[step])
    return during
