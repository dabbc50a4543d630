"""Does a network plugin enforce NetworkPolicy? No API says so: judged from the DaemonSets it runs.

A network plugin runs an agent on every node as a DaemonSet. Each container of every DaemonSet
(all namespaces: Calico's operator puts it in calico-system) is matched by container name or by
image repository against the plugins below:

- enforcing: Calico (calico-node, also inside Canal), Cilium (cilium-agent; GKE Dataplane V2),
  kube-router unless its container runs with --run-firewall=false, Antrea (antrea-agent), Weave
  Net's policy controller (weave-npc), kube-network-policies, Azure NPM, the Amazon VPC CNI when
  its node agent runs with --enable-network-policy=true, and kind's kindnetd from image tag
  v20240813 (kind v0.24.0), which embeds kube-network-policies;
- not enforcing: flannel alone, Weave Net without weave-npc, the Amazon VPC CNI without its
  policy agent, kindnetd before v20240813.

k3s runs flannel and its NetworkPolicy controller inside its own binary, not as a DaemonSet; a
server whose version carries `+k3s` counts as enforcing unless another plugin says otherwise.
Nothing recognised: unknown. The limits: a plugin's own configuration can switch enforcement
off without this seeing it (Cilium's `enable-policy: never`; kindnetd without the kernel's
nft_queue skips its policies), and only a connection refused by a NetworkPolicy proves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from labctl.doctor.programs import Kubectl
from labctl.doctor.report import NETWORK_POLICY, Check
from labctl.json_fields import objects, strings, text
from labctl.printable import one_line

# kind v0.24.0 moved to kindnetd v20240813-c6f155d6, the first with kube-network-policies inside.
KINDNETD_POLICY_SINCE = 20240813
KINDNETD_TAG = re.compile(r"^v(\d{8})(-|$)")


@dataclass(frozen=True)
class Container:
    daemonset: str
    """namespace/name of its DaemonSet."""
    name: str
    repository: str
    """The image without its tag or digest: docker.io/calico/node."""
    tag: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    plugin: str
    enforces: bool | None
    """None: the plugin is known, but whether this version or configuration enforces is not."""
    why: str


@dataclass(frozen=True)
class Plugin:
    name: str
    containers: frozenset[str]
    image: re.Pattern[str]
    """Matched against the image repository."""
    judge: Callable[[Container, list[Container]], Verdict]


def split_image(image: str) -> tuple[str, str]:
    """(repository, tag); a digest counts as no tag. A registry's port is no tag."""
    repository = image.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        return repository[: len(repository) - len(last)] + last.split(":", 1)[0], last.split(":", 1)[1]
    return repository, ""


def containers_of(daemonsets: Mapping[str, Any]) -> list[Container]:
    found = []
    for daemonset in objects(daemonsets, "items"):
        where = f"{text(daemonset, 'metadata', 'namespace')}/{text(daemonset, 'metadata', 'name')}"
        spec = daemonset.get("spec")
        for kind in ("initContainers", "containers"):
            for container in objects(spec, "template", "spec", kind):
                repository, tag = split_image(text(container, "image"))
                arguments = (*strings(container, "command"), *strings(container, "args"))
                found.append(Container(where, text(container, "name"), repository, tag, arguments))
    return found


def seen(container: Container) -> str:
    image = f"{container.repository}:{container.tag}" if container.tag else container.repository
    return f"{container.daemonset} runs {image}"


def enforcing(plugin: str) -> Callable[[Container, list[Container]], Verdict]:
    def judge(container: Container, every: list[Container]) -> Verdict:
        return Verdict(plugin, True, seen(container))

    return judge


def not_enforcing(plugin: str) -> Callable[[Container, list[Container]], Verdict]:
    def judge(container: Container, every: list[Container]) -> Verdict:
        return Verdict(plugin, False, seen(container))

    return judge


def kube_router(container: Container, every: list[Container]) -> Verdict:
    # Its firewall (the NetworkPolicy controller) is on unless switched off.
    off = "--run-firewall=false" in container.args
    return Verdict("kube-router", not off, seen(container) + (" with --run-firewall=false" if off else ""))


def kindnetd(container: Container, every: list[Container]) -> Verdict:
    match = KINDNETD_TAG.match(container.tag)
    if not match:
        return Verdict("kindnet", None, seen(container) + ", a tag that gives no date")
    return Verdict("kindnet", int(match[1]) >= KINDNETD_POLICY_SINCE, seen(container))


def weave(container: Container, every: list[Container]) -> Verdict:
    # Weave Net's router does not enforce; its weave-npc container, when present, does.
    return Verdict("Weave Net without weave-npc", False, seen(container))


def amazon_vpc_cni(container: Container, every: list[Container]) -> Verdict:
    agents = [other for other in every if other.daemonset == container.daemonset and other.name == "aws-eks-nodeagent"]
    on = any("--enable-network-policy=true" in agent.args for agent in agents)
    how = "its node agent runs with --enable-network-policy=true" if on else "without its network policy agent on"
    return Verdict("Amazon VPC CNI", on, f"{seen(container)}, {how}")


PLUGINS = (
    Plugin("Calico", frozenset({"calico-node"}), re.compile(r"(^|/)calico/node$|calico-node$"), enforcing("Calico")),
    Plugin("Cilium", frozenset({"cilium-agent"}), re.compile(r"(^|/)cilium$"), enforcing("Cilium")),
    Plugin("kube-router", frozenset({"kube-router"}), re.compile(r"(^|/)kube-router$"), kube_router),
    Plugin("Antrea", frozenset({"antrea-agent"}), re.compile(r"(^|/)antrea-(agent-)?ubuntu$"), enforcing("Antrea")),
    Plugin("Weave Net", frozenset({"weave-npc"}), re.compile(r"(^|/)weave-npc$"), enforcing("Weave Net (weave-npc)")),
    Plugin(
        "kube-network-policies",
        frozenset({"kube-network-policies"}),
        re.compile(r"(^|/)kube-network-policies$"),
        enforcing("kube-network-policies"),
    ),
    Plugin("Azure NPM", frozenset({"azure-npm"}), re.compile(r"(^|/)azure-npm$"), enforcing("Azure NPM")),
    Plugin("kindnet", frozenset({"kindnet-cni"}), re.compile(r"(^|/)kindnetd$"), kindnetd),
    Plugin("Amazon VPC CNI", frozenset({"aws-node"}), re.compile(r"(^|/)amazon-k8s-cni$"), amazon_vpc_cni),
    Plugin("Weave Net", frozenset({"weave"}), re.compile(r"(^|/)weave-kube$"), weave),
    Plugin("flannel", frozenset({"kube-flannel"}), re.compile(r"(^|/)(flannel|flannelcni-flannel)$"), not_enforcing(
        "flannel")),
)  # fmt: skip


def verdicts(containers: list[Container]) -> list[Verdict]:
    found = []
    for container in containers:
        for plugin in PLUGINS:
            if container.name in plugin.containers or plugin.image.search(container.repository):
                found.append(plugin.judge(container, containers))
                break
    return found


def judge(containers: list[Container], daemonset_count: int, server_version: str) -> Check:
    found = verdicts(containers)
    how = "judged by the DaemonSets' containers and images"
    yes = [verdict for verdict in found if verdict.enforces]
    if yes:
        first = yes[0]
        return NETWORK_POLICY.ok(f"{first.plugin} enforces it ({how}: {one_line(first.why, 120)})")
    maybe = [verdict for verdict in found if verdict.enforces is None]
    if maybe:
        first = maybe[0]
        return NETWORK_POLICY.unknown(
            f"{first.plugin} may or may not enforce it ({how}: {one_line(first.why, 120)})",
            "check the plugin's version and documentation; students are kept apart only if it enforces",
        )
    if "+k3s" in server_version:
        return NETWORK_POLICY.ok(
            f"k3s ({server_version}) runs kube-router's NetworkPolicy controller inside its own binary unless started "
            "with --disable-network-policy (judged by the server version)"
        )
    if found:
        names = ", ".join(dict.fromkeys(verdict.plugin for verdict in found))
        first = found[0]
        return NETWORK_POLICY.problem(
            f"{names} does not enforce it ({how}: {one_line(first.why, 120)}): students are not kept apart",
            "add a plugin that enforces NetworkPolicy (Calico, Cilium, kube-network-policies) before the class",
        )
    return NETWORK_POLICY.unknown(
        f"no known network plugin among {daemonset_count} DaemonSet(s) ({how}): there is no API that says",
        "prove it: a connection a deny-all NetworkPolicy must refuse (docs/deploy.md, on labctl doctor)",
    )


def network_policy(kubectl: Kubectl, server_version: str) -> Check:
    daemonsets = kubectl.document("get", "daemonsets", "--all-namespaces")
    if isinstance(daemonsets, str):
        return NETWORK_POLICY.unknown(
            f"cannot list the DaemonSets to tell: {daemonsets}", "run with a context that may list DaemonSets"
        )
    return judge(containers_of(daemonsets), len(objects(daemonsets, "items")), server_version)
