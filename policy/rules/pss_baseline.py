"""Pod Security Standards, baseline profile: one rule per control."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from .manifest import containers, dig, mapping, number, pod_annotations, pod_spec, sequence, text
from .model import Enforcement, Manifest, ObjectCheck, Params, Rule, Severity

PSS_URL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
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
SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
)
SELINUX_TYPES = ("container_t", "container_init_t", "container_kvm_t", "container_engine_t")
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def host_process(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    if dig(spec, "securityContext", "windowsOptions", "hostProcess") is True:
        yield "securityContext.windowsOptions.hostProcess must not be true"
    for container in containers(spec):
        if dig(container.security, "windowsOptions", "hostProcess") is True:
            yield f"{container.label}: securityContext.windowsOptions.hostProcess must not be true"


def host_namespaces(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec is not None and spec.get(field) is True:
            yield f"{field} shares the node's namespace; it must be unset or false"


def privileged(obj: Manifest, _: Params) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        if container.security.get("privileged") is True:
            yield f"{container.label}: securityContext.privileged must be unset or false"


class CapabilityParams(Params):
    allowed: list[str] = Field(list(BASELINE_CAPABILITIES), description="capabilities a container may add")


def baseline_capabilities(obj: Manifest, params: CapabilityParams) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        added = [text(cap) or "?" for cap in sequence(dig(container.security, "capabilities", "add"))]
        extra = sorted(cap for cap in added if cap not in params.allowed)
        if extra:
            yield f"{container.label}: adds capabilities {', '.join(extra)} beyond the baseline set"


def host_path(obj: Manifest, _: Params) -> Iterator[str]:
    for volume in sequence(mapping(pod_spec(obj)).get("volumes")):
        if mapping(volume).get("hostPath") is not None:
            yield f"volume {text(mapping(volume).get('name')) or '?'} is a hostPath volume"


class HostPortParams(Params):
    allowed: list[int] = Field(default_factory=list, description="host ports that may be opened")


def host_ports(obj: Manifest, params: HostPortParams) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        for port in sequence(container.spec.get("ports")):
            host_port = number(mapping(port).get("hostPort"))
            if host_port and host_port not in params.allowed:
                yield f"{container.label}: hostPort {host_port:g} opens a port on the node"


def apparmor(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    for key, value in pod_annotations(obj).items():
        profile = text(value) or ""
        if (
            key.startswith(APPARMOR_ANNOTATION)
            and profile != "runtime/default"
            and not profile.startswith("localhost/")
        ):
            yield f"annotation {key}={profile!r} must be runtime/default or localhost/<profile>"
    profiles = [("securityContext", mapping(spec.get("securityContext")))]
    profiles += [(f"{c.label}: securityContext", c.security) for c in containers(spec)]
    for where, context in profiles:
        profile_type = text(dig(context, "appArmorProfile", "type"))
        if profile_type is not None and profile_type not in ("RuntimeDefault", "Localhost"):
            yield f"{where}.appArmorProfile.type={profile_type} must be RuntimeDefault or Localhost"


def selinux(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    contexts = [("securityContext", mapping(spec.get("securityContext")))]
    contexts += [(f"{c.label}: securityContext", c.security) for c in containers(spec)]
    for where, context in contexts:
        options = mapping(context.get("seLinuxOptions"))
        selinux_type = text(options.get("type")) or ""
        if selinux_type and selinux_type not in SELINUX_TYPES:
            yield f"{where}.seLinuxOptions.type={selinux_type} is not one of {', '.join(SELINUX_TYPES)}"
        for field in ("user", "role"):
            if text(options.get(field)):
                yield f"{where}.seLinuxOptions.{field} must not be set"


def proc_mount(obj: Manifest, _: Params) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        mount = container.security.get("procMount")
        if mount is not None and mount != "Default":
            yield f"{container.label}: securityContext.procMount must be Default"


def unconfined_seccomp(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    if dig(spec, "securityContext", "seccompProfile", "type") == "Unconfined":
        yield "securityContext.seccompProfile.type must not be Unconfined"
    for container in containers(spec):
        if dig(container.security, "seccompProfile", "type") == "Unconfined":
            yield f"{container.label}: securityContext.seccompProfile.type must not be Unconfined"


class SysctlParams(Params):
    allowed: list[str] = Field(list(SAFE_SYSCTLS), description="sysctls a pod may set")


def sysctls(obj: Manifest, params: SysctlParams) -> Iterator[str]:
    for sysctl in sequence(dig(pod_spec(obj), "securityContext", "sysctls")):
        sysctl_name = text(mapping(sysctl).get("name")) or "?"
        if sysctl_name not in params.allowed:
            yield f"sysctl {sysctl_name} is not in the safe set"


def pss_rule(
    level: str,
    severity: Severity,
    rule_id: str,
    control: str,
    description: str,
    check: ObjectCheck,
    params: type[Params] = Params,
) -> Rule:
    """One Pod Security Standards control as a mandatory rule; both levels are made here."""
    return Rule(
        id=f"pss-{level}-{rule_id}",
        title=f"PSS {level}: {control}",
        description=description,
        severity=severity,
        enforcement=Enforcement.MANDATORY,
        standard=f"Pod Security Standards, {level}: {control}",
        url=f"{PSS_URL}#{level}",
        params=params,
        check_object=check,
    )


def _baseline(rule_id: str, control: str, description: str, check: ObjectCheck, params: type[Params] = Params) -> Rule:
    return pss_rule("baseline", Severity.HIGH, rule_id, control, description, check, params)


RULES = [
    _baseline(
        "host-process", "HostProcess", "Windows HostProcess pods get privileged access to the node.", host_process
    ),
    _baseline(
        "host-namespaces",
        "Host Namespaces",
        "Pods must not share the node's network, PID or IPC namespace.",
        host_namespaces,
    ),
    _baseline("privileged", "Privileged Containers", "Privileged containers disable most isolation.", privileged),
    _baseline(
        "capabilities",
        "Capabilities",
        "Containers may add only the baseline capabilities.",
        baseline_capabilities,
        CapabilityParams,
    ),
    _baseline("host-path", "HostPath Volumes", "hostPath volumes expose the node's filesystem.", host_path),
    _baseline("host-ports", "Host Ports", "Host ports bind the node's network interfaces.", host_ports, HostPortParams),
    _baseline("apparmor", "AppArmor", "AppArmor may only be the runtime default or a local profile.", apparmor),
    _baseline("selinux", "SELinux", "SELinux types are limited and user/role may not be set.", selinux),
    _baseline("proc-mount", "/proc Mount Type", "The default /proc masks must stay in place.", proc_mount),
    _baseline("seccomp", "Seccomp", "The seccomp profile must not be Unconfined.", unconfined_seccomp),
    _baseline("sysctls", "Sysctls", "Only namespaced, node-safe sysctls may be set.", sysctls, SysctlParams),
]
