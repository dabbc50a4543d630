"""Given a pod that breaks one Pod Security control, the review says exactly what a student reads: path and reason.

tests/test_psa_matrix.py holds every control to the rules and field paths Pod Security Admission
would name; this table holds the whole message of each finding, one row per way a control words
it. The pod is the restricted pod of tests/psa/workloads.py (containers `app`, `init` and `debug`)
in a namespace that enforces baseline and warns at restricted, at the row's policy versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from policy.rules import load_settings, review
from tests.psa.workloads import DELETE, patched, restricted_pod

NS = "lab"
APP = "spec.containers[0].securityContext"
INIT = "spec.initContainers[0].securityContext"
DEBUG = "spec.ephemeralContainers[0].securityContext"
POD = "spec.securityContext"
SELINUX_TYPES_V1_30 = "container_t, container_init_t, container_kvm_t"
SELINUX_TYPES_LATEST = SELINUX_TYPES_V1_30 + ", container_engine_t"


@dataclass(frozen=True)
class Row:
    name: str
    pod: Mapping[str, Any]
    """A patch of the restricted pod (metadata and spec)."""
    findings: list[tuple[str, str]]
    """Every Pod Security finding, as (rule id, message)."""
    enforce_version: str | None = None
    warn_version: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)


def container_patch(kind: str, patch: Mapping[str, Any]) -> dict[str, Any]:
    """A pod patch that merges `patch` into the first container of `kind`."""
    return {"spec": {kind: [patched(restricted_pod("Pod")["spec"][kind][0], patch)]}}


def app(**fields: Any) -> dict[str, Any]:
    return container_patch("containers", fields)


def app_security(**fields: Any) -> dict[str, Any]:
    return container_patch("containers", {"securityContext": fields})


def pod_security(**fields: Any) -> dict[str, Any]:
    return {"spec": {"securityContext": fields}}


def joined(*patches: Mapping[str, Any]) -> dict[str, Any]:
    """Pod patches that touch different fields of the spec, as one."""
    return {"spec": {key: value for patch in patches for key, value in patch["spec"].items()}}


def pod_annotations(**values: Any) -> dict[str, Any]:
    return {"metadata": {"annotations": values}}


ROWS = [
    Row(
        "host-process-pod",
        pod_security(windowsOptions={"hostProcess": True}),
        [
            (
                "pss-baseline-host-process",
                f"{POD}.windowsOptions.hostProcess: the pod runs as a Windows HostProcess; it must be unset or false",
            )
        ],
    ),
    Row(
        "host-process-container",
        app_security(windowsOptions={"hostProcess": True}),
        [
            (
                "pss-baseline-host-process",
                f"{APP}.windowsOptions.hostProcess: container app runs as a Windows HostProcess; "
                "it must be unset or false",
            )
        ],
    ),
    Row(
        "host-namespaces-all-three",
        {"spec": {"hostNetwork": True, "hostPID": True, "hostIPC": True}},
        [
            ("pss-baseline-host-namespaces", f"spec.{name}: shares the node's namespace; it must be unset or false")
            for name in ("hostNetwork", "hostPID", "hostIPC")
        ],
    ),
    Row(
        "privileged-init-container",
        container_patch("initContainers", {"securityContext": {"privileged": True}}),
        [
            (
                "pss-baseline-privileged",
                f"{INIT}.privileged: init container init runs privileged; it must be unset or false",
            )
        ],
    ),
    Row(
        "capabilities-beyond-both-sets",
        app_security(capabilities={"drop": ["ALL"], "add": ["CHOWN", "SYS_ADMIN", "NET_BIND_SERVICE"]}),
        [
            (
                "pss-baseline-capabilities",
                f"{APP}.capabilities.add[1]: container app adds 'SYS_ADMIN', beyond the baseline set",
            ),
            (
                "pss-restricted-capabilities",
                f"{APP}.capabilities.add[0]: container app adds 'CHOWN'; only NET_BIND_SERVICE may be added",
            ),
            (
                "pss-restricted-capabilities",
                f"{APP}.capabilities.add[1]: container app adds 'SYS_ADMIN'; only NET_BIND_SERVICE may be added",
            ),
        ],
    ),
    Row(
        "capabilities-none-allowed-by-config",
        app_security(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
        [
            (
                "pss-baseline-capabilities",
                f"{APP}.capabilities.add[0]: container app adds 'NET_BIND_SERVICE', beyond the baseline set",
            ),
            (
                "pss-restricted-capabilities",
                f"{APP}.capabilities.add[0]: container app adds 'NET_BIND_SERVICE'; only none may be added",
            ),
        ],
        config={"pss-baseline-capabilities": {"allowed": []}, "pss-restricted-capabilities": {"allowed": []}},
    ),
    Row(
        "capabilities-two-allowed-by-config",
        app_security(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        [
            (
                "pss-baseline-capabilities",
                f"{APP}.capabilities.add[0]: container app adds 'SYS_ADMIN', beyond the baseline set",
            ),
            (
                "pss-restricted-capabilities",
                f"{APP}.capabilities.add[0]: container app adds 'SYS_ADMIN'; only NET_BIND_SERVICE, CHOWN may be added",
            ),
        ],
        config={"pss-restricted-capabilities": {"allowed": ["NET_BIND_SERVICE", "CHOWN"]}},
    ),
    Row(
        "capability-that-is-not-a-name",
        app_security(capabilities={"drop": ["ALL"], "add": [7]}),
        [
            ("pss-baseline-capabilities", f"{APP}.capabilities.add[0]: container app adds 7, beyond the baseline set"),
            (
                "pss-restricted-capabilities",
                f"{APP}.capabilities.add[0]: container app adds 7; only NET_BIND_SERVICE may be added",
            ),
        ],
    ),
    Row(
        "host-path-second-volume",
        {"spec": {"volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "node", "hostPath": {"path": "/"}}]}},
        [
            ("pss-baseline-host-path", "spec.volumes[1].hostPath: volume node exposes the node's filesystem"),
            (
                "pss-restricted-volume-types",
                "spec.volumes[1].hostPath: volume node uses hostPath, not a restricted volume type",
            ),
        ],
    ),
    Row(
        "host-path-unnamed-volume",
        {"spec": {"volumes": [{"hostPath": {"path": "/"}}]}},
        [
            ("pss-baseline-host-path", "spec.volumes[0].hostPath: volume ? exposes the node's filesystem"),
            (
                "pss-restricted-volume-types",
                "spec.volumes[0].hostPath: volume ? uses hostPath, not a restricted volume type",
            ),
        ],
    ),
    Row(
        "host-port",
        app(ports=[{"containerPort": 80}, {"containerPort": 8080, "hostPort": 8080}]),
        [
            (
                "pss-baseline-host-ports",
                "spec.containers[0].ports[1].hostPort: container app opens port 8080 on the node",
            )
        ],
    ),
    Row(
        "host-port-allowed-by-config",
        app(ports=[{"containerPort": 8080, "hostPort": 8080}, {"containerPort": 9090, "hostPort": 9090}]),
        [
            (
                "pss-baseline-host-ports",
                "spec.containers[0].ports[1].hostPort: container app opens port 9090 on the node",
            )
        ],
        config={"pss-baseline-host-ports": {"allowed": [8080]}},
    ),
    Row(
        "apparmor-annotation-unconfined",
        pod_annotations(**{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}),
        [
            (
                "pss-baseline-apparmor",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: "
                "'unconfined' must be empty, runtime/default or localhost/<profile>",
            )
        ],
    ),
    Row(
        # A local profile is named after `localhost/`; the bare word names none.
        "apparmor-annotation-localhost-without-profile",
        pod_annotations(**{"container.apparmor.security.beta.kubernetes.io/app": "localhost"}),
        [
            (
                "pss-baseline-apparmor",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: "
                "'localhost' must be empty, runtime/default or localhost/<profile>",
            )
        ],
    ),
    Row(
        "apparmor-other-annotations-are-not-read",
        pod_annotations(
            **{"example.com/apparmor": "unconfined", "container.apparmor.security.beta.kubernetes.io/app": ""}
        ),
        [],
    ),
    Row(
        # An annotation value is a string; a number is none of the allowed ones (seccomp's annotations alike).
        "apparmor-annotation-not-a-string",
        pod_annotations(**{"container.apparmor.security.beta.kubernetes.io/app": 5}),
        [
            (
                "pss-baseline-apparmor",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: "
                "5 must be empty, runtime/default or localhost/<profile>",
            )
        ],
    ),
    Row(
        "apparmor-field-unconfined",
        pod_security(appArmorProfile={"type": "Unconfined"}),
        [
            (
                "pss-baseline-apparmor",
                f"{POD}.appArmorProfile.type: the pod sets 'Unconfined'; it must be RuntimeDefault or Localhost",
            )
        ],
    ),
    Row(
        "selinux-type-latest",
        pod_security(seLinuxOptions={"type": "spc_t"}),
        [
            (
                "pss-baseline-selinux",
                f"{POD}.seLinuxOptions.type: the pod sets 'spc_t'; allowed: unset, {SELINUX_TYPES_LATEST}",
            )
        ],
    ),
    Row(
        "selinux-type-v1.30",
        app_security(seLinuxOptions={"type": "container_engine_t"}),
        [
            (
                "pss-baseline-selinux",
                f"{APP}.seLinuxOptions.type: container app sets 'container_engine_t'; "
                f"allowed: unset, {SELINUX_TYPES_V1_30}",
            )
        ],
        enforce_version="v1.30",
    ),
    Row(
        "selinux-user-and-role",
        app_security(seLinuxOptions={"user": "system_u", "role": "system_r", "type": "container_t"}),
        [
            (
                "pss-baseline-selinux",
                f"{APP}.seLinuxOptions.user: container app sets an SELinux user; it must be unset",
            ),
            (
                "pss-baseline-selinux",
                f"{APP}.seLinuxOptions.role: container app sets an SELinux role; it must be unset",
            ),
        ],
    ),
    Row(
        # check_seLinuxOptions.go: the level is free, and an unset type is allowed
        "selinux-level-only-is-allowed",
        pod_security(seLinuxOptions={"level": "s0:c123,c456"}),
        [],
    ),
    Row(
        "proc-mount-unmasked",
        app_security(procMount="Unmasked"),
        [
            ("pss-baseline-proc-mount", f"{APP}.procMount: container app sets 'Unmasked'; it must be unset or Default"),
            (
                "pss-restricted-proc-mount",
                f"{APP}.procMount: container app sets 'Unmasked'; it must be unset or Default",
            ),
        ],
    ),
    Row(
        "seccomp-pod-unconfined",
        pod_security(seccompProfile={"type": "Unconfined"}),
        [
            (
                "pss-baseline-seccomp",
                f"{POD}.seccompProfile.type: the pod sets 'Unconfined'; it must be unset, RuntimeDefault or Localhost",
            ),
            (
                "pss-restricted-seccomp",
                f"{POD}.seccompProfile.type: the pod sets 'Unconfined'; it must be RuntimeDefault or Localhost",
            ),
        ],
    ),
    Row(
        # An explicit bad profile is reported; containers that merely lack one are not
        # (check_seccompProfile_restricted.go).
        "seccomp-container-unconfined-pod-unset",
        joined(pod_security(seccompProfile=DELETE), app_security(seccompProfile={"type": "Unconfined"})),
        [
            (
                "pss-baseline-seccomp",
                f"{APP}.seccompProfile.type: container app sets 'Unconfined'; "
                "it must be unset, RuntimeDefault or Localhost",
            ),
            (
                "pss-restricted-seccomp",
                f"{APP}.seccompProfile.type: container app sets 'Unconfined'; it must be RuntimeDefault or Localhost",
            ),
        ],
    ),
    Row(
        "seccomp-unset-everywhere",
        pod_security(seccompProfile=DELETE),
        [
            (
                "pss-restricted-seccomp",
                f"{where}.seccompProfile.type: {who} must set RuntimeDefault or Localhost, or the pod must",
            )
            for where, who in (
                (APP, "container app"),
                (INIT, "init container init"),
                (DEBUG, "ephemeral container debug"),
            )
        ],
    ),
    Row(
        "seccomp-annotations-v1.18",
        pod_annotations(
            **{
                "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                "container.seccomp.security.alpha.kubernetes.io/init": "localhost",
                "container.seccomp.security.alpha.kubernetes.io/debug": "docker/default",
            }
        ),
        [
            (
                "pss-baseline-seccomp",
                "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: "
                "'unconfined' must be runtime/default or localhost/<profile>",
            ),
            (
                "pss-baseline-seccomp",
                "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/init]: "
                "'localhost' must be runtime/default or localhost/<profile>",
            ),
        ],
        enforce_version="v1.18",
        warn_version="v1.18",
    ),
    Row(
        # PSA reads the annotation named after the container; a nameless one reads the bare prefix.
        "seccomp-annotation-of-a-nameless-container-v1.18",
        {
            **pod_annotations(**{"container.seccomp.security.alpha.kubernetes.io/": "unconfined"}),
            **container_patch("containers", {"name": DELETE}),
        },
        [
            (
                "pss-baseline-seccomp",
                "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/]: "
                "'unconfined' must be runtime/default or localhost/<profile>",
            ),
        ],
        enforce_version="v1.18",
        warn_version="v1.18",
    ),
    Row(
        "seccomp-annotation-not-a-string-v1.18",
        pod_annotations(**{"seccomp.security.alpha.kubernetes.io/pod": 5}),
        [
            (
                "pss-baseline-seccomp",
                "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: "
                "5 must be runtime/default or localhost/<profile>",
            ),
        ],
        enforce_version="v1.18",
        warn_version="v1.18",
    ),
    Row(
        "sysctl-outside-the-safe-set",
        pod_security(
            sysctls=[{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]
        ),
        [("pss-baseline-sysctls", f"{POD}.sysctls[1].name: 'kernel.msgmax' is not in the safe set of policy v1.37")],
    ),
    Row(
        # The message names the definition in force: v1.29's list still holds at v1.31.
        "sysctl-newer-than-the-policy",
        pod_security(sysctls=[{"name": "net.ipv4.tcp_rmem", "value": "4096 87380 6291456"}]),
        [
            (
                "pss-baseline-sysctls",
                f"{POD}.sysctls[0].name: 'net.ipv4.tcp_rmem' is not in the safe set of policy v1.29",
            )
        ],
        enforce_version="v1.31",
    ),
    Row(
        "sysctl-allowed-by-config",
        pod_security(
            sysctls=[{"name": "kernel.msgmax", "value": "1"}, {"name": "kernel.shm_rmid_forced", "value": "1"}]
        ),
        [
            (
                "pss-baseline-sysctls",
                f"{POD}.sysctls[1].name: 'kernel.shm_rmid_forced' is not in the safe set of policy v1.37",
            )
        ],
        config={"pss-baseline-sysctls": {"allowed": ["kernel.msgmax"]}},
    ),
    Row(
        "host-probe-and-lifecycle-hook",
        app(
            livenessProbe={"httpGet": {"host": "169.254.169.254", "port": 8080}},
            lifecycle={"preStop": {"tcpSocket": {"host": "bad.host", "port": 8080}}},
        ),
        [
            (
                "pss-baseline-host-probes",
                "spec.containers[0].livenessProbe.httpGet.host: container app sends its livenessProbe "
                "to host '169.254.169.254'; it must be unset",
            ),
            (
                "pss-baseline-host-probes",
                "spec.containers[0].lifecycle.preStop.tcpSocket.host: container app sends its lifecycle.preStop "
                "to host 'bad.host'; it must be unset",
            ),
        ],
    ),
    Row(
        "volume-type-nfs",
        {"spec": {"volumes": [{"name": "share", "nfs": {"server": "nfs.example", "path": "/"}}]}},
        [("pss-restricted-volume-types", "spec.volumes[0].nfs: volume share uses nfs, not a restricted volume type")],
    ),
    Row(
        "volume-type-allowed-by-config",
        {
            "spec": {
                "volumes": [
                    {"name": "share", "nfs": {"server": "nfs.example", "path": "/"}},
                    {"name": "s", "secret": {}},
                ]
            }
        },
        [("pss-restricted-volume-types", "spec.volumes[1].secret: volume s uses secret, not a restricted volume type")],
        config={"pss-restricted-volume-types": {"allowed": ["nfs"]}},
    ),
    Row(
        "privilege-escalation-unset",
        app_security(allowPrivilegeEscalation=DELETE),
        [
            (
                "pss-restricted-privilege-escalation",
                f"{APP}.allowPrivilegeEscalation: container app must set it to false",
            )
        ],
    ),
    Row(
        "run-as-non-root-pod-false",
        pod_security(runAsNonRoot=False),
        [("pss-restricted-run-as-non-root", f"{POD}.runAsNonRoot: the pod sets false; it must be true")],
    ),
    Row(
        # The explicit `false` is reported; the containers that merely inherit are not (check_runAsNonRoot.go).
        "run-as-non-root-container-false-pod-unset",
        joined(pod_security(runAsNonRoot=DELETE), app_security(runAsNonRoot=False)),
        [("pss-restricted-run-as-non-root", f"{APP}.runAsNonRoot: container app sets false; it must be true")],
    ),
    Row(
        "run-as-non-root-unset-everywhere",
        joined(pod_security(runAsNonRoot=DELETE), app_security(runAsNonRoot=True)),
        [
            ("pss-restricted-run-as-non-root", f"{where}.runAsNonRoot: {who} must set true, or the pod must")
            for where, who in ((INIT, "init container init"), (DEBUG, "ephemeral container debug"))
        ],
    ),
    Row(
        "run-as-user-root",
        joined(pod_security(runAsUser=0), app_security(runAsUser=0)),
        [
            ("pss-restricted-run-as-user", f"{POD}.runAsUser: the pod runs as UID 0 (root)"),
            ("pss-restricted-run-as-user", f"{APP}.runAsUser: container app runs as UID 0 (root)"),
        ],
    ),
    Row(
        "drop-all-missing",
        app_security(capabilities={"drop": ["NET_RAW"]}),
        [("pss-restricted-capabilities", f"{APP}.capabilities.drop: container app must drop ALL")],
    ),
]


def namespace(row: Row) -> dict[str, Any]:
    labels = {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"}
    if row.enforce_version:
        labels["pod-security.kubernetes.io/enforce-version"] = row.enforce_version
    if row.warn_version:
        labels["pod-security.kubernetes.io/warn-version"] = row.warn_version
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "labels": labels}}


def pod(row: Row) -> dict[str, Any]:
    built = patched(restricted_pod("Pod"), row.pod)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": NS, **built["metadata"]},
        "spec": built["spec"],
    }


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_each_pod_security_finding_says_where_and_why(row: Row) -> None:
    findings = review([namespace(row), pod(row)], load_settings(row.config))
    found = [(f.rule.id, f.message) for f in findings if f.rule.id.startswith("pss-")]
    assert sorted(found) == sorted(row.findings)
    assert all(f.subject == 1 and f.message.startswith(f"{f.path}: ") for f in findings if f.rule.id.startswith("pss-"))
