"""Passing and failing cases for every Pod Security control, field by field, as compact data.

A case patches the restricted pod (`pod`), the container under test (`container`: the case then
runs once per container kind) or every container (`every_container`), and states the exact rules
it must trip with the field paths in the pod: `{c}` is the container under test, `{each}` every
container of the pod, `{others}` every container but the one under test. A case that pins policy
versions runs in a namespace whose PSA labels say so (`enforce-version` for baseline rules,
`warn-version` for restricted ones). The expectations come from the controls' definitions in
kubernetes/pod-security-admission (policy/check_*.go, v1.37), not from the rules under test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.psa.workloads import DELETE

HOST_PROCESS = "pss-baseline-host-process"
HOST_NAMESPACES = "pss-baseline-host-namespaces"
PRIVILEGED = "pss-baseline-privileged"
CAPABILITIES = "pss-baseline-capabilities"
HOST_PATH = "pss-baseline-host-path"
HOST_PORTS = "pss-baseline-host-ports"
APPARMOR = "pss-baseline-apparmor"
SELINUX = "pss-baseline-selinux"
PROC_MOUNT = "pss-baseline-proc-mount"
SECCOMP = "pss-baseline-seccomp"
SYSCTLS = "pss-baseline-sysctls"
HOST_PROBES = "pss-baseline-host-probes"
VOLUME_TYPES = "pss-restricted-volume-types"
ESCALATION = "pss-restricted-privilege-escalation"
NON_ROOT = "pss-restricted-run-as-non-root"
RUN_AS_USER = "pss-restricted-run-as-user"
SECCOMP_RESTRICTED = "pss-restricted-seccomp"
DROP_ALL = "pss-restricted-capabilities"
PROC_MOUNT_RESTRICTED = "pss-restricted-proc-mount"

WINDOWS = {"spec": {"os": {"name": "windows"}}}
USER_NAMESPACE = {"spec": {"hostUsers": False}}
APPARMOR_KEY = "container.apparmor.security.beta.kubernetes.io/app"
SECCOMP_POD_KEY = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_APP_KEY = "container.seccomp.security.alpha.kubernetes.io/app"


@dataclass(frozen=True)
class Case:
    name: str
    trips: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    container: Mapping[str, Any] | None = None
    pod: Mapping[str, Any] | None = None
    every_container: Mapping[str, Any] | None = None
    enforce_version: str | None = None
    warn_version: str | None = None

    @property
    def per_container(self) -> bool:
        return self.container is not None


def fails(name: str, trips: Mapping[str, list[str]], **patches: Any) -> Case:
    return Case(name, {rule: tuple(paths) for rule, paths in trips.items()}, **patches)


def passes(name: str, **patches: Any) -> Case:
    return Case(name, **patches)


def security(**fields: Any) -> dict[str, Any]:
    return {"securityContext": fields}


def pod_security(**fields: Any) -> dict[str, Any]:
    return {"spec": {"securityContext": fields}}


def pod_annotations(**values: str) -> dict[str, Any]:
    return {"metadata": {"annotations": values}}


def both(*rules: str, path: str) -> dict[str, list[str]]:
    return {rule: [path] for rule in rules}


def _host_process() -> list[Case]:
    path = "windowsOptions.hostProcess"
    return [
        fails(
            "host-process-pod",
            {HOST_PROCESS: [f"spec.securityContext.{path}"]},
            pod=pod_security(windowsOptions={"hostProcess": True}),
        ),
        passes("host-process-pod-false", pod=pod_security(windowsOptions={"hostProcess": False})),
        fails(
            "host-process-container",
            {HOST_PROCESS: [f"{{c}}.securityContext.{path}"]},
            container=security(windowsOptions={"hostProcess": True}),
        ),
        passes("host-process-container-false", container=security(windowsOptions={"hostProcess": False})),
    ]


def _host_namespaces() -> list[Case]:
    cases = []
    for name in ("hostNetwork", "hostPID", "hostIPC"):
        cases.append(fails(f"{name}-true", {HOST_NAMESPACES: [f"spec.{name}"]}, pod={"spec": {name: True}}))
        cases.append(passes(f"{name}-false", pod={"spec": {name: False}}))
    return cases


def _privileged() -> list[Case]:
    return [
        fails("privileged", {PRIVILEGED: ["{c}.securityContext.privileged"]}, container=security(privileged=True)),
        passes("privileged-false", container=security(privileged=False)),
    ]


BASELINE_ADDS = (
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
)


def _capabilities() -> list[Case]:
    add = "{c}.securityContext.capabilities.add[0]"
    cases = [
        # Not in the baseline set, and not NET_BIND_SERVICE either: both levels refuse it.
        fails(
            f"add-{cap.lower()}",
            both(CAPABILITIES, DROP_ALL, path=add),
            container=security(capabilities={"add": [cap]}),
        )
        for cap in ("NET_RAW", "SYS_ADMIN", "chown", "CAP_CHOWN")
    ]
    # In the baseline set: only restricted refuses it.
    cases += [
        fails(f"add-{cap.lower()}-restricted", {DROP_ALL: [add]}, container=security(capabilities={"add": [cap]}))
        for cap in BASELINE_ADDS
    ]
    cases.append(
        fails(
            "add-second-entry",
            {
                CAPABILITIES: ["{c}.securityContext.capabilities.add[1]"],
                DROP_ALL: ["{c}.securityContext.capabilities.add[1]"],
            },
            container=security(capabilities={"add": ["NET_BIND_SERVICE", "NET_ADMIN"]}),
        )
    )
    cases.append(passes("add-net-bind-service", container=security(capabilities={"add": ["NET_BIND_SERVICE"]})))
    return cases


def _host_path() -> list[Case]:
    return [
        fails(
            "host-path",
            both(HOST_PATH, VOLUME_TYPES, path="spec.volumes[0].hostPath"),
            pod={"spec": {"volumes": [{"name": "node", "hostPath": {"path": "/var/run"}}]}},
        ),
        fails(
            "host-path-second-volume",
            both(HOST_PATH, VOLUME_TYPES, path="spec.volumes[1].hostPath"),
            pod={
                "spec": {"volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "node", "hostPath": {"path": "/"}}]}
            },
        ),
    ]


def _host_ports() -> list[Case]:
    return [
        fails(
            "host-port",
            {HOST_PORTS: ["{c}.ports[0].hostPort"]},
            container={"ports": [{"containerPort": 8080, "hostPort": 8080}]},
        ),
        fails(
            "host-port-second",
            {HOST_PORTS: ["{c}.ports[1].hostPort"]},
            container={"ports": [{"containerPort": 80}, {"containerPort": 8080, "hostPort": 9090}]},
        ),
        passes("host-port-zero", container={"ports": [{"containerPort": 8080, "hostPort": 0}]}),
        passes("container-port-only", container={"ports": [{"containerPort": 8080}]}),
    ]


def _apparmor() -> list[Case]:
    type_path = "securityContext.appArmorProfile.type"
    cases = [
        fails(
            "apparmor-annotation-unconfined",
            {APPARMOR: [f"metadata.annotations[{APPARMOR_KEY}]"]},
            pod=pod_annotations(**{APPARMOR_KEY: "unconfined"}),
        ),
        fails(
            "apparmor-pod-unconfined",
            {APPARMOR: [f"spec.{type_path}"]},
            pod=pod_security(appArmorProfile={"type": "Unconfined"}),
        ),
        passes(
            "apparmor-pod-localhost", pod=pod_security(appArmorProfile={"type": "Localhost", "localhostProfile": "lab"})
        ),
        fails(
            "apparmor-container-unconfined",
            {APPARMOR: [f"{{c}}.{type_path}"]},
            container=security(appArmorProfile={"type": "Unconfined"}),
        ),
        passes("apparmor-container-runtime-default", container=security(appArmorProfile={"type": "RuntimeDefault"})),
    ]
    # The standard allows an empty value, the runtime's default and a local profile.
    for label, value in (("empty", ""), ("runtime-default", "runtime/default"), ("localhost", "localhost/lab")):
        cases.append(passes(f"apparmor-annotation-{label}", pod=pod_annotations(**{APPARMOR_KEY: value})))
    return cases


def _selinux() -> list[Case]:
    options = "securityContext.seLinuxOptions"
    cases = [
        fails(
            "selinux-pod-type", {SELINUX: [f"spec.{options}.type"]}, pod=pod_security(seLinuxOptions={"type": "spc_t"})
        ),
        fails(
            "selinux-container-type",
            {SELINUX: [f"{{c}}.{options}.type"]},
            container=security(seLinuxOptions={"type": "spc_t"}),
        ),
        passes(
            "selinux-pod-container-t", pod=pod_security(seLinuxOptions={"type": "container_t", "level": "s0:c123,c456"})
        ),
        passes("selinux-container-empty", container=security(seLinuxOptions={})),
        # container_engine_t joined the allowed types at policy v1.31.
        fails(
            "selinux-engine-v1.30",
            {SELINUX: [f"{{c}}.{options}.type"]},
            container=security(seLinuxOptions={"type": "container_engine_t"}),
            enforce_version="v1.30",
        ),
        passes(
            "selinux-engine-v1.31",
            container=security(seLinuxOptions={"type": "container_engine_t"}),
            enforce_version="v1.31",
        ),
    ]
    for selinux_type in ("container_t", "container_init_t", "container_kvm_t", "container_engine_t"):
        cases.append(
            passes(f"selinux-container-{selinux_type}", container=security(seLinuxOptions={"type": selinux_type}))
        )
    for name in ("user", "role"):
        value = {"user": "system_u", "role": "system_r"}[name]
        cases.append(
            fails(
                f"selinux-pod-{name}",
                {SELINUX: [f"spec.{options}.{name}"]},
                pod=pod_security(seLinuxOptions={name: value}),
            )
        )
        cases.append(
            fails(
                f"selinux-container-{name}",
                {SELINUX: [f"{{c}}.{options}.{name}"]},
                container=security(seLinuxOptions={name: value}),
            )
        )
    return cases


def _proc_mount() -> list[Case]:
    path = "{c}.securityContext.procMount"
    unmasked = security(procMount="Unmasked")
    return [
        fails("proc-unmasked", both(PROC_MOUNT, PROC_MOUNT_RESTRICTED, path=path), container=unmasked),
        fails(
            "proc-unmasked-host-users",
            both(PROC_MOUNT, PROC_MOUNT_RESTRICTED, path=path),
            container=unmasked,
            pod={"spec": {"hostUsers": True}},
        ),
        passes("proc-default", container=security(procMount="Default")),
        passes("proc-default-user-namespace", container=security(procMount="Default"), pod=USER_NAMESPACE),
        # From v1.35 baseline lets a pod in its own user namespace unmask /proc; restricted never does.
        fails("proc-unmasked-user-namespace", {PROC_MOUNT_RESTRICTED: [path]}, container=unmasked, pod=USER_NAMESPACE),
        fails(
            "proc-unmasked-user-namespace-v1.34",
            both(PROC_MOUNT, PROC_MOUNT_RESTRICTED, path=path),
            container=unmasked,
            pod=USER_NAMESPACE,
            enforce_version="v1.34",
            warn_version="v1.34",
        ),
    ]


def _seccomp() -> list[Case]:
    pod_path = "spec.securityContext.seccompProfile.type"
    container_path = "{c}.securityContext.seccompProfile.type"
    old = {"enforce_version": "v1.18", "warn_version": "v1.18"}
    cases = [
        fails(
            "seccomp-pod-unconfined",
            both(SECCOMP, SECCOMP_RESTRICTED, path=pod_path),
            pod=pod_security(seccompProfile={"type": "Unconfined"}),
        ),
        fails(
            "seccomp-container-unconfined",
            both(SECCOMP, SECCOMP_RESTRICTED, path=container_path),
            container=security(seccompProfile={"type": "Unconfined"}),
        ),
        fails(
            "seccomp-container-no-type",
            both(SECCOMP, SECCOMP_RESTRICTED, path=container_path),
            container=security(seccompProfile={}),
        ),
        passes(
            "seccomp-container-localhost",
            container=security(seccompProfile={"type": "Localhost", "localhostProfile": "lab.json"}),
        ),
        passes(
            "seccomp-pod-localhost",
            pod=pod_security(seccompProfile={"type": "Localhost", "localhostProfile": "lab.json"}),
        ),
        # Before v1.19 seccomp was chosen by alpha annotations, and the field meant nothing to the policy.
        fails(
            "seccomp-annotation-pod-v1.18",
            {SECCOMP: [f"metadata.annotations[{SECCOMP_POD_KEY}]"]},
            pod=pod_annotations(**{SECCOMP_POD_KEY: "unconfined"}),
            **old,
        ),
        fails(
            "seccomp-annotation-app-v1.18",
            {SECCOMP: [f"metadata.annotations[{SECCOMP_APP_KEY}]"]},
            pod=pod_annotations(**{SECCOMP_APP_KEY: "unconfined"}),
            **old,
        ),
        passes("seccomp-field-unconfined-v1.18", pod=pod_security(seccompProfile={"type": "Unconfined"}), **old),
        passes("seccomp-annotation-unconfined-latest", pod=pod_annotations(**{SECCOMP_POD_KEY: "unconfined"})),
    ]
    for label, value in (
        ("runtime", "runtime/default"),
        ("docker", "docker/default"),
        ("localhost", "localhost/lab.json"),
    ):
        cases.append(
            passes(f"seccomp-annotation-{label}-v1.18", pod=pod_annotations(**{SECCOMP_POD_KEY: value}), **old)
        )
    return cases


SAFE_SYSCTLS_LATEST = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
)
# (sysctl, last policy version that refuses it, first that allows it)
SYSCTL_ARRIVALS = (
    ("net.ipv4.ip_local_reserved_ports", "v1.26", "v1.27"),
    ("net.ipv4.tcp_keepalive_time", "v1.28", "v1.29"),
    ("net.ipv4.tcp_rmem", "v1.31", "v1.32"),
    ("net.ipv4.tcp_notsent_lowat", "v1.36", "v1.37"),
)


def sysctls(*names: str) -> dict[str, Any]:
    return pod_security(sysctls=[{"name": name, "value": "1"} for name in names])


def _sysctls() -> list[Case]:
    first = "spec.securityContext.sysctls[0].name"
    cases = [
        fails("sysctl-kernel-msgmax", {SYSCTLS: [first]}, pod=sysctls("kernel.msgmax")),
        fails(
            "sysctl-second-entry",
            {SYSCTLS: ["spec.securityContext.sysctls[1].name"]},
            pod=sysctls("net.ipv4.tcp_syncookies", "vm.swappiness"),
        ),
    ]
    cases += [passes(f"sysctl-{name}", pod=sysctls(name)) for name in SAFE_SYSCTLS_LATEST]
    for name, refused, allowed in SYSCTL_ARRIVALS:
        cases.append(fails(f"sysctl-{name}-{refused}", {SYSCTLS: [first]}, pod=sysctls(name), enforce_version=refused))
        cases.append(passes(f"sysctl-{name}-{allowed}", pod=sysctls(name), enforce_version=allowed))
    return cases


def _host_probes() -> list[Case]:
    cases = []
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        for action in ("httpGet", "tcpSocket"):
            handler = {action: {"host": "169.254.169.254", "port": 8080}}
            cases.append(
                fails(
                    f"{probe}-{action}-host",
                    {HOST_PROBES: [f"{{c}}.{probe}.{action}.host"]},
                    container={probe: handler},
                )
            )
    for hook in ("postStart", "preStop"):
        for action in ("httpGet", "tcpSocket"):
            handler = {action: {"host": "bad.host", "port": 8080}}
            path = f"{{c}}.lifecycle.{hook}.{action}.host"
            cases.append(
                fails(f"{hook}-{action}-host", {HOST_PROBES: [path]}, container={"lifecycle": {hook: handler}})
            )
    cases += [
        passes("probe-without-host", container={"readinessProbe": {"httpGet": {"path": "/", "port": 8080}}}),
        passes("probe-empty-host", container={"livenessProbe": {"tcpSocket": {"host": "", "port": 8080}}}),
        # The control exists from policy v1.34.
        passes(
            "probe-host-v1.33",
            container={"livenessProbe": {"httpGet": {"host": "127.0.0.1", "port": 8080}}},
            enforce_version="v1.33",
        ),
        fails(
            "probe-host-v1.34",
            {HOST_PROBES: ["{c}.livenessProbe.httpGet.host"]},
            container={"livenessProbe": {"httpGet": {"host": "127.0.0.1", "port": 8080}}},
            enforce_version="v1.34",
        ),
    ]
    return cases


ALLOWED_VOLUMES: dict[str, Any] = {
    "configMap": {"name": "settings"},
    "csi": {"driver": "inline.storage.example"},
    "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
    "emptyDir": {},
    "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}},
    "image": {"reference": "registry.k8s.io/pause:3.10"},
    "persistentVolumeClaim": {"claimName": "data"},
    "projected": {"sources": []},
    "secret": {"secretName": "creds"},
}
REFUSED_VOLUMES: dict[str, Any] = {
    "gcePersistentDisk": {"pdName": "test"},
    "awsElasticBlockStore": {"volumeID": "test"},
    "gitRepo": {"repository": "https://example.invalid/repo.git"},
    "nfs": {"server": "nfs.example", "path": "/"},
    "iscsi": {"targetPortal": "127.0.0.1", "iqn": "iqn.2001-04.com.example:storage", "lun": 0},
    "glusterfs": {"endpoints": "test", "path": "test"},
    "rbd": {"monitors": ["test"], "image": "test"},
    "flexVolume": {"driver": "test"},
    "cinder": {"volumeID": "test"},
    "cephfs": {"monitors": ["test"]},
    "flocker": {"datasetName": "test"},
    "fc": {"wwids": ["test"]},
    "azureFile": {"secretName": "test", "shareName": "test"},
    "vsphereVolume": {"volumePath": "test"},
    "quobyte": {"registry": "localhost:1234", "volume": "test"},
    "azureDisk": {"diskName": "test", "diskURI": "https://test.example/test.vhd"},
    "portworxVolume": {"volumeID": "test"},
    "photonPersistentDisk": {"pdID": "test"},
    "scaleIO": {"gateway": "localhost", "system": "test", "secretRef": {"name": "test"}},
    "storageos": {"volumeName": "test"},
}


def _volumes() -> list[Case]:
    cases = [
        passes(f"volume-{source}", pod={"spec": {"volumes": [{"name": "v", source: value}]}})
        for source, value in ALLOWED_VOLUMES.items()
    ]
    # A volume that names no source is an emptyDir by the API server's defaults.
    cases.append(passes("volume-name-only", pod={"spec": {"volumes": [{"name": "v"}]}}))
    cases += [
        fails(
            f"volume-{source}",
            {VOLUME_TYPES: [f"spec.volumes[0].{source}"]},
            pod={"spec": {"volumes": [{"name": "v", source: value}]}},
        )
        for source, value in REFUSED_VOLUMES.items()
    ]
    return cases


def _privilege_escalation() -> list[Case]:
    path = "{c}.securityContext.allowPrivilegeEscalation"
    unset = security(allowPrivilegeEscalation=DELETE)
    return [
        fails("escalation-unset", {ESCALATION: [path]}, container=unset),
        fails("escalation-true", {ESCALATION: [path]}, container=security(allowPrivilegeEscalation=True)),
        fails(
            "no-security-context",
            {ESCALATION: [path], DROP_ALL: ["{c}.securityContext.capabilities.drop"]},
            container={"securityContext": DELETE},
        ),
        # From policy v1.25 a pod that declares Windows skips the Linux-only controls.
        passes("escalation-unset-windows", container=unset, pod=WINDOWS),
        fails(
            "escalation-unset-windows-v1.24", {ESCALATION: [path]}, container=unset, pod=WINDOWS, warn_version="v1.24"
        ),
        passes("escalation-unset-v1.7", container=unset, warn_version="v1.7"),
    ]


def _run_as_non_root() -> list[Case]:
    field_path = "securityContext.runAsNonRoot"
    return [
        fails("non-root-pod-false", {NON_ROOT: [f"spec.{field_path}"]}, pod=pod_security(runAsNonRoot=False)),
        fails("non-root-pod-unset", {NON_ROOT: [f"{{each}}.{field_path}"]}, pod=pod_security(runAsNonRoot=DELETE)),
        fails(
            "non-root-pod-unset-one-container-true",
            {NON_ROOT: [f"{{others}}.{field_path}"]},
            pod=pod_security(runAsNonRoot=DELETE),
            container=security(runAsNonRoot=True),
        ),
        fails("non-root-container-false", {NON_ROOT: [f"{{c}}.{field_path}"]}, container=security(runAsNonRoot=False)),
        passes(
            "non-root-every-container",
            pod=pod_security(runAsNonRoot=DELETE),
            every_container=security(runAsNonRoot=True),
        ),
        # From policy v1.35 a pod in its own user namespace (hostUsers: false) is not held to it.
        passes(
            "non-root-false-user-namespace",
            pod={"spec": {"hostUsers": False, "securityContext": {"runAsNonRoot": False}}},
        ),
        fails(
            "non-root-false-user-namespace-v1.34",
            {NON_ROOT: [f"spec.{field_path}"]},
            pod={"spec": {"hostUsers": False, "securityContext": {"runAsNonRoot": False}}},
            warn_version="v1.34",
        ),
    ]


def _run_as_user() -> list[Case]:
    return [
        fails("run-as-root-pod", {RUN_AS_USER: ["spec.securityContext.runAsUser"]}, pod=pod_security(runAsUser=0)),
        fails(
            "run-as-root-container", {RUN_AS_USER: ["{c}.securityContext.runAsUser"]}, container=security(runAsUser=0)
        ),
        passes("run-as-user-pod", pod=pod_security(runAsUser=1000)),
        passes("run-as-user-container", container=security(runAsUser=1000)),
        passes("run-as-root-user-namespace", pod={"spec": {"hostUsers": False, "securityContext": {"runAsUser": 0}}}),
        fails(
            "run-as-root-user-namespace-v1.34",
            {RUN_AS_USER: ["spec.securityContext.runAsUser"]},
            pod={"spec": {"hostUsers": False, "securityContext": {"runAsUser": 0}}},
            warn_version="v1.34",
        ),
        # The control exists from policy v1.23.
        passes("run-as-root-v1.22", pod=pod_security(runAsUser=0), warn_version="v1.22"),
    ]


def _seccomp_restricted() -> list[Case]:
    type_path = "securityContext.seccompProfile.type"
    unset = pod_security(seccompProfile=DELETE)
    return [
        fails("seccomp-unset", {SECCOMP_RESTRICTED: [f"{{each}}.{type_path}"]}, pod=unset),
        fails(
            "seccomp-unset-one-container-set",
            {SECCOMP_RESTRICTED: [f"{{others}}.{type_path}"]},
            pod=unset,
            container=security(seccompProfile={"type": "RuntimeDefault"}),
        ),
        passes(
            "seccomp-every-container", pod=unset, every_container=security(seccompProfile={"type": "RuntimeDefault"})
        ),
        passes(
            "seccomp-unset-windows",
            pod={"spec": {"os": {"name": "windows"}, "securityContext": {"seccompProfile": DELETE}}},
        ),
        fails(
            "seccomp-unset-windows-v1.24",
            {SECCOMP_RESTRICTED: [f"{{each}}.{type_path}"]},
            pod={"spec": {"os": {"name": "windows"}, "securityContext": {"seccompProfile": DELETE}}},
            warn_version="v1.24",
        ),
    ]


def _drop_all() -> list[Case]:
    drop = "{c}.securityContext.capabilities.drop"
    return [
        fails("drop-unset", {DROP_ALL: [drop]}, container=security(capabilities={"drop": DELETE})),
        fails("drop-net-raw-only", {DROP_ALL: [drop]}, container=security(capabilities={"drop": ["NET_RAW"]})),
        fails("drop-all-lowercase", {DROP_ALL: [drop]}, container=security(capabilities={"drop": ["all"]})),
        fails("capabilities-unset", {DROP_ALL: [drop]}, container=security(capabilities=DELETE)),
        passes("drop-all-and-more", container=security(capabilities={"drop": ["NET_RAW", "ALL"]})),
        passes("drop-unset-windows", container=security(capabilities=DELETE), pod=WINDOWS),
        fails(
            "drop-unset-windows-v1.24",
            {DROP_ALL: [drop]},
            container=security(capabilities=DELETE),
            pod=WINDOWS,
            warn_version="v1.24",
        ),
        # The control exists from policy v1.22.
        passes("drop-unset-v1.21", container=security(capabilities=DELETE), warn_version="v1.21"),
    ]


CASES: list[Case] = [
    *_host_process(),
    *_host_namespaces(),
    *_privileged(),
    *_capabilities(),
    *_host_path(),
    *_host_ports(),
    *_apparmor(),
    *_selinux(),
    *_proc_mount(),
    *_seccomp(),
    *_sysctls(),
    *_host_probes(),
    *_volumes(),
    *_privilege_escalation(),
    *_run_as_non_root(),
    *_run_as_user(),
    *_seccomp_restricted(),
    *_drop_all(),
]
