"""Pod Security Standards, baseline profile: one control per pod-security-admission baseline check.

Each control names the file of kubernetes/pod-security-admission (policy/) it mirrors and carries
one definition per policy version at which that check changed, up to v1.37.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from pydantic import Field

from .manifest import containers, dig, mapping, number, sequence, text
from .model import Params
from .psa import Pod, Version
from .pss import Control, Hit, check_source, rule, since

BASELINE_CAPABILITIES = (
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
)
# check_sysctls.go: the safe list grew at 1.27, 1.29, 1.32 and 1.37; each set includes the earlier ones.
SAFE_SYSCTLS: dict[Version, tuple[str, ...]] = {
    Version(0): (
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ),
    Version(27): ("net.ipv4.ip_local_reserved_ports",),
    Version(29): (
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ),
    Version(32): ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"),
    Version(37): ("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"),
}
# check_seLinuxOptions.go: container_engine_t is allowed from 1.31; "" is the runtime's default.
SELINUX_TYPES: dict[Version, tuple[str, ...]] = {
    Version(0): ("", "container_t", "container_init_t", "container_kvm_t"),
    Version(31): ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"),
}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_TYPES = ("RuntimeDefault", "Localhost")
SECCOMP_TYPES = ("RuntimeDefault", "Localhost")
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
LIFECYCLE_HANDLERS = ("postStart", "preStop")


def safe_sysctls(version: Version) -> tuple[str, ...]:
    return tuple(name for since_, names in SAFE_SYSCTLS.items() if since_ <= version for name in names)


def security_contexts(pod: Pod) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, who, securityContext) of the pod and then of every container, init and ephemeral one."""
    yield "spec.securityContext", "the pod", mapping(pod.spec.get("securityContext"))
    for container in containers(pod.spec):
        yield f"spec.{container.path}.securityContext", container.label, container.security


def host_process(pod: Pod, _: Params) -> Iterator[Hit]:
    for path, who, context in security_contexts(pod):
        if dig(context, "windowsOptions", "hostProcess") is True:
            yield (
                f"{path}.windowsOptions.hostProcess",
                f"{who} runs as a Windows HostProcess; it must be unset or false",
            )


def host_namespaces(pod: Pod, _: Params) -> Iterator[Hit]:
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(field) is True:
            yield f"spec.{field}", "shares the node's namespace; it must be unset or false"


def privileged(pod: Pod, _: Params) -> Iterator[Hit]:
    for container in containers(pod.spec):
        if container.security.get("privileged") is True:
            path = f"spec.{container.path}.securityContext.privileged"
            yield path, f"{container.label} runs privileged; it must be unset or false"


class CapabilityParams(Params):
    allowed: list[str] = Field(list(BASELINE_CAPABILITIES), description="capabilities a container may add")


def added_capabilities(pod: Pod, params: CapabilityParams) -> Iterator[Hit]:
    for container in containers(pod.spec):
        for index, cap in enumerate(sequence(dig(container.security, "capabilities", "add"))):
            if cap not in params.allowed:
                path = f"spec.{container.path}.securityContext.capabilities.add[{index}]"
                yield path, f"{container.label} adds {cap!r}, beyond the baseline set"


def host_path(pod: Pod, _: Params) -> Iterator[Hit]:
    for index, volume in enumerate(sequence(pod.spec.get("volumes"))):
        if mapping(volume).get("hostPath") is not None:
            name = text(mapping(volume).get("name")) or "?"
            yield f"spec.volumes[{index}].hostPath", f"volume {name} exposes the node's filesystem"


class HostPortParams(Params):
    allowed: list[int] = Field(default_factory=list, description="host ports that may be opened")


def host_ports(pod: Pod, params: HostPortParams) -> Iterator[Hit]:
    for container in containers(pod.spec):
        for index, port in enumerate(sequence(container.spec.get("ports"))):
            host_port = number(mapping(port).get("hostPort"))
            if host_port and host_port not in params.allowed:
                path = f"spec.{container.path}.ports[{index}].hostPort"
                yield path, f"{container.label} opens port {host_port:g} on the node"


def _allowed_apparmor_annotation(value: Any) -> bool:
    # check_appArmorProfile.go allowedAnnotationValue: empty, runtime/default or localhost/<profile>.
    profile = text(value)
    return profile is not None and (profile in ("", "runtime/default") or profile.startswith("localhost/"))


def apparmor(pod: Pod, _: Params) -> Iterator[Hit]:
    for key, value in mapping(pod.metadata.get("annotations")).items():
        if key.startswith(APPARMOR_ANNOTATION) and not _allowed_apparmor_annotation(value):
            yield (
                f"metadata.annotations[{key}]",
                f"{value!r} must be empty, runtime/default or localhost/<profile>",
            )
    for path, who, context in security_contexts(pod):
        profile = context.get("appArmorProfile")
        if profile is not None and dig(profile, "type") not in APPARMOR_TYPES:
            found = dig(profile, "type")
            yield f"{path}.appArmorProfile.type", f"{who} sets {found!r}; it must be RuntimeDefault or Localhost"


def selinux(pod: Pod, _: Params, allowed_types: tuple[str, ...]) -> Iterator[Hit]:
    for path, who, context in security_contexts(pod):
        options = context.get("seLinuxOptions")
        if options is None:
            continue
        selinux_type = dig(options, "type") or ""
        if selinux_type not in allowed_types:
            allowed = ", ".join(t for t in allowed_types if t)
            yield f"{path}.seLinuxOptions.type", f"{who} sets {selinux_type!r}; allowed: unset, {allowed}"
        for field in ("user", "role"):
            if dig(options, field):
                yield f"{path}.seLinuxOptions.{field}", f"{who} sets an SELinux {field}; it must be unset"


def _unmasked_proc(pod: Pod) -> Iterator[Hit]:
    for container in containers(pod.spec):
        mount = container.security.get("procMount")
        if mount is not None and mount != "Default":
            path = f"spec.{container.path}.securityContext.procMount"
            yield path, f"{container.label} sets {mount!r}; it must be unset or Default"


def proc_mount_strict(pod: Pod, _: Params) -> Iterator[Hit]:
    return _unmasked_proc(pod)


def proc_mount_unless_user_namespace(pod: Pod, _: Params) -> Iterator[Hit]:
    # From 1.35 a pod with hostUsers: false may unmask /proc: its root is not the node's.
    return iter(()) if pod.in_user_namespace else _unmasked_proc(pod)


def _allowed_seccomp_annotation(value: Any) -> bool:
    profile = text(value) or ""
    return profile in ("runtime/default", "docker/default") or profile.startswith("localhost/")


def seccomp_annotations(pod: Pod, _: Params) -> Iterator[Hit]:
    """Before 1.19 seccomp was chosen by alpha annotations, one for the pod and one per container."""
    annotations = mapping(pod.metadata.get("annotations"))
    keys = [SECCOMP_POD_ANNOTATION] + [
        SECCOMP_CONTAINER_ANNOTATION + (text(c.spec.get("name")) or "") for c in containers(pod.spec)
    ]
    for key in keys:
        if key in annotations and not _allowed_seccomp_annotation(annotations[key]):
            yield f"metadata.annotations[{key}]", f"{annotations[key]!r} must be runtime/default or localhost/<profile>"


def seccomp_not_unconfined(pod: Pod, _: Params) -> Iterator[Hit]:
    for path, who, context in security_contexts(pod):
        profile = context.get("seccompProfile")
        if profile is not None and dig(profile, "type") not in SECCOMP_TYPES:
            found = dig(profile, "type")
            yield f"{path}.seccompProfile.type", f"{who} sets {found!r}; it must be unset, RuntimeDefault or Localhost"


class SysctlParams(Params):
    allowed: list[str] | None = Field(
        None, description="sysctls a pod may set (unset: the safe set of the namespace's policy version)"
    )


def sysctls(pod: Pod, params: SysctlParams, version: Version) -> Iterator[Hit]:
    allowed = params.allowed if params.allowed is not None else safe_sysctls(version)
    for index, sysctl in enumerate(sequence(dig(pod.spec, "securityContext", "sysctls"))):
        sysctl_name = dig(sysctl, "name")
        if sysctl_name not in allowed:
            path = f"spec.securityContext.sysctls[{index}].name"
            yield path, f"{sysctl_name!r} is not in the safe set of policy {version}"


def host_probes(pod: Pod, _: Params) -> Iterator[Hit]:
    for container in containers(pod.spec):
        handlers = [(probe, container.spec.get(probe)) for probe in PROBES]
        handlers += [(f"lifecycle.{hook}", dig(container.spec, "lifecycle", hook)) for hook in LIFECYCLE_HANDLERS]
        for where, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                host = dig(handler, action, "host")
                if host:
                    path = f"spec.{container.path}.{where}.{action}.host"
                    yield path, f"{container.label} sends its {where} to host {host!r}; it must be unset"


CONTROLS = [
    Control(
        "pss-baseline-host-process",
        "baseline",
        "HostProcess",
        "Windows HostProcess pods get privileged access to the node.",
        check_source("check_windowsHostProcess.go", "windowsHostProcess"),
        (since(0, host_process),),
    ),
    Control(
        "pss-baseline-host-namespaces",
        "baseline",
        "Host Namespaces",
        "Pods must not share the node's network, PID or IPC namespace.",
        check_source("check_hostNamespaces.go", "hostNamespaces"),
        (since(0, host_namespaces),),
    ),
    Control(
        "pss-baseline-privileged",
        "baseline",
        "Privileged Containers",
        "Privileged containers disable most isolation.",
        check_source("check_privileged.go", "privileged"),
        (since(0, privileged),),
    ),
    Control(
        "pss-baseline-capabilities",
        "baseline",
        "Capabilities",
        "Containers may add only the baseline capabilities.",
        check_source("check_capabilities_baseline.go", "capabilities_baseline"),
        (since(0, added_capabilities),),
        CapabilityParams,
    ),
    Control(
        "pss-baseline-host-path",
        "baseline",
        "HostPath Volumes",
        "hostPath volumes expose the node's filesystem.",
        check_source("check_hostPathVolumes.go", "hostPathVolumes"),
        (since(0, host_path),),
    ),
    Control(
        "pss-baseline-host-ports",
        "baseline",
        "Host Ports",
        "Host ports bind the node's network interfaces.",
        check_source("check_hostPorts.go", "hostPorts"),
        (since(0, host_ports),),
        HostPortParams,
    ),
    Control(
        "pss-baseline-apparmor",
        "baseline",
        "AppArmor",
        "AppArmor may only be the runtime default or a local profile.",
        check_source("check_appArmorProfile.go", "appArmorProfile"),
        (since(0, apparmor),),
    ),
    Control(
        "pss-baseline-selinux",
        "baseline",
        "SELinux",
        "SELinux types are limited and user/role may not be set.",
        check_source("check_seLinuxOptions.go", "seLinuxOptions"),
        tuple(since(version.minor, partial(selinux, allowed_types=types)) for version, types in SELINUX_TYPES.items()),
    ),
    Control(
        "pss-baseline-proc-mount",
        "baseline",
        "/proc Mount Type",
        "The default /proc masks must stay in place, unless the pod runs in its own user namespace.",
        check_source("check_procMount_baseline.go", "procMount"),
        (since(0, proc_mount_strict), since(35, proc_mount_unless_user_namespace)),
    ),
    Control(
        "pss-baseline-seccomp",
        "baseline",
        "Seccomp",
        "The seccomp profile must not be Unconfined.",
        check_source("check_seccompProfile_baseline.go", "seccompProfile_baseline"),
        (since(0, seccomp_annotations), since(19, seccomp_not_unconfined)),
    ),
    Control(
        "pss-baseline-sysctls",
        "baseline",
        "Sysctls",
        "Only namespaced, node-safe sysctls may be set.",
        check_source("check_sysctls.go", "sysctls"),
        tuple(since(version.minor, partial(sysctls, version=version)) for version in SAFE_SYSCTLS),
        SysctlParams,
    ),
    Control(
        "pss-baseline-host-probes",
        "baseline",
        "Host Probes / Lifecycle Hooks",
        "Probes and lifecycle handlers must not send requests to another host (httpGet.host, tcpSocket.host).",
        check_source("check_hostProbesAndhostLifecycle.go", "hostProbesAndHostLifecycle"),
        (since(34, host_probes),),
    ),
]
RULES = [rule(control) for control in CONTROLS]
