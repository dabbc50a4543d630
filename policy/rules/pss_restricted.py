"""Pod Security Standards, restricted profile: the controls it adds to baseline, per pod-security-admission check.

From policy v1.25, pods that declare `spec.os.name: windows` skip the Linux-only controls
(privilege escalation, seccomp, capabilities). From v1.35, pods with `hostUsers: false` skip
runAsNonRoot and runAsUser: their root is not the node's (KEP-127). /proc Mount Type is a restricted
control of its own from v1.35, when baseline started to allow an unmasked /proc in a user namespace;
before that, restricted judged it by baseline's strict definition, which is the same check.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from .manifest import containers, dig, mapping, number, sequence, text
from .model import Params
from .psa import Pod
from .pss import Control, Hit, PodCheck, check_source, rule, since
from .pss_baseline import SECCOMP_TYPES, proc_mount_strict, security_contexts

# check_restrictedVolumes.go; `image` was added to its only (1.0) definition in Kubernetes 1.33, so
# it is allowed at every policy version. A volume that names no source is defaulted to emptyDir by
# the API server before admission.
RESTRICTED_VOLUME_TYPES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
)


def linux_only(check: PodCheck) -> PodCheck:
    """The 1.25 definition: the same check, skipped for pods that declare they run on Windows."""

    def skip_windows(pod: Pod, params: Params) -> Iterator[Hit]:
        return iter(()) if pod.is_windows else iter(check(pod, params))

    return skip_windows


def outside_user_namespace(check: PodCheck) -> PodCheck:
    """The 1.35 definition: the same check, skipped for pods with hostUsers: false."""

    def skip_user_namespace(pod: Pod, params: Params) -> Iterator[Hit]:
        return iter(()) if pod.in_user_namespace else iter(check(pod, params))

    return skip_user_namespace


class VolumeTypeParams(Params):
    allowed: list[str] = Field(list(RESTRICTED_VOLUME_TYPES), description="volume sources a pod may use")


def volume_types(pod: Pod, params: VolumeTypeParams) -> Iterator[Hit]:
    for index, volume in enumerate(sequence(pod.spec.get("volumes"))):
        name = text(mapping(volume).get("name")) or "?"
        for source in mapping(volume):
            if source != "name" and source not in params.allowed:
                yield f"spec.volumes[{index}].{source}", f"volume {name} uses {source}, not a restricted volume type"


def privilege_escalation(pod: Pod, _: Params) -> Iterator[Hit]:
    for container in containers(pod.spec):
        if container.security.get("allowPrivilegeEscalation") is not False:
            path = f"spec.{container.path}.securityContext.allowPrivilegeEscalation"
            yield path, f"{container.label} must set it to false"


def run_as_non_root(pod: Pod, _: Params) -> Iterator[Hit]:
    """As check_runAsNonRoot.go: explicit `false` settings are reported; failing those, unset containers."""
    pod_level = dig(pod.spec, "securityContext", "runAsNonRoot")
    explicit: list[Hit] = []
    implicit: list[Hit] = []
    if pod_level is False:
        explicit.append(("spec.securityContext.runAsNonRoot", "the pod sets false; it must be true"))
    for container in containers(pod.spec):
        own = container.security.get("runAsNonRoot")
        path = f"spec.{container.path}.securityContext.runAsNonRoot"
        if own is False:
            explicit.append((path, f"{container.label} sets false; it must be true"))
        elif own is None and pod_level is not True:
            implicit.append((path, f"{container.label} must set true, or the pod must"))
    yield from explicit or implicit


def run_as_user(pod: Pod, _: Params) -> Iterator[Hit]:
    for path, who, context in security_contexts(pod):
        if number(context.get("runAsUser")) == 0:
            yield f"{path}.runAsUser", f"{who} runs as UID 0 (root)"


def confined_seccomp(pod: Pod, _: Params) -> Iterator[Hit]:
    """As check_seccompProfile_restricted.go: explicit bad types are reported; failing those, unset containers."""
    pod_profile = dig(pod.spec, "securityContext", "seccompProfile")
    explicit: list[Hit] = []
    implicit: list[Hit] = []
    if pod_profile is not None and dig(pod_profile, "type") not in SECCOMP_TYPES:
        found = dig(pod_profile, "type")
        explicit.append(("spec.securityContext.seccompProfile.type", f"the pod sets {found!r}"))
    pod_confined = pod_profile is not None and not explicit
    for container in containers(pod.spec):
        path = f"spec.{container.path}.securityContext.seccompProfile.type"
        own = container.security.get("seccompProfile")
        if own is not None and dig(own, "type") not in SECCOMP_TYPES:
            explicit.append((path, f"{container.label} sets {dig(own, 'type')!r}"))
        elif own is None and not pod_confined:
            implicit.append((path, f"{container.label} must set RuntimeDefault or Localhost, or the pod must"))
    if explicit:
        yield from ((path, f"{what}; it must be RuntimeDefault or Localhost") for path, what in explicit)
    else:
        yield from implicit


class RestrictedCapabilityParams(Params):
    allowed: list[str] = Field(["NET_BIND_SERVICE"], description="capabilities a container may add back")


def drop_all_capabilities(pod: Pod, params: RestrictedCapabilityParams) -> Iterator[Hit]:
    for container in containers(pod.spec):
        capabilities = mapping(container.security.get("capabilities"))
        path = f"spec.{container.path}.securityContext.capabilities"
        if "ALL" not in sequence(capabilities.get("drop")):
            yield f"{path}.drop", f"{container.label} must drop ALL"
        for index, cap in enumerate(sequence(capabilities.get("add"))):
            if cap not in params.allowed:
                allowed = ", ".join(params.allowed) or "none"
                yield (
                    f"{path}.add[{index}]",
                    f"{container.label} adds {cap!r}; only {allowed} may be added",
                )


CONTROLS = [
    Control(
        "pss-restricted-volume-types",
        "restricted",
        "Volume Types",
        "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected and secret volumes.",
        check_source("check_restrictedVolumes.go", "restrictedVolumes"),
        (since(0, volume_types),),
        VolumeTypeParams,
    ),
    Control(
        "pss-restricted-privilege-escalation",
        "restricted",
        "Privilege Escalation",
        "Every container sets allowPrivilegeEscalation: false.",
        check_source("check_allowPrivilegeEscalation.go", "allowPrivilegeEscalation"),
        (since(8, privilege_escalation), since(25, linux_only(privilege_escalation))),
    ),
    Control(
        "pss-restricted-run-as-non-root",
        "restricted",
        "Running as Non-root",
        "Containers must run with runAsNonRoot: true.",
        check_source("check_runAsNonRoot.go", "runAsNonRoot"),
        (since(0, run_as_non_root), since(35, outside_user_namespace(run_as_non_root))),
    ),
    Control(
        "pss-restricted-run-as-user",
        "restricted",
        "Running as Non-root user",
        "No container may run as UID 0.",
        check_source("check_runAsUser.go", "runAsUser"),
        (since(23, run_as_user), since(35, outside_user_namespace(run_as_user))),
    ),
    Control(
        "pss-restricted-seccomp",
        "restricted",
        "Seccomp",
        "A RuntimeDefault or Localhost seccomp profile must be set.",
        check_source("check_seccompProfile_restricted.go", "seccompProfile_restricted"),
        (since(19, confined_seccomp), since(25, linux_only(confined_seccomp))),
    ),
    Control(
        "pss-restricted-capabilities",
        "restricted",
        "Capabilities",
        "Containers drop ALL capabilities and add back at most NET_BIND_SERVICE.",
        check_source("check_capabilities_restricted.go", "capabilities_restricted"),
        (since(22, drop_all_capabilities), since(25, linux_only(drop_all_capabilities))),
        RestrictedCapabilityParams,
    ),
    Control(
        "pss-restricted-proc-mount",
        "restricted",
        "/proc Mount Type",
        "The default /proc masks stay in place, in a user namespace too.",
        check_source("check_procMount_restricted.go", "procMount_restricted"),
        (since(0, proc_mount_strict),),
    ),
]
RULES = [rule(control) for control in CONTROLS]
