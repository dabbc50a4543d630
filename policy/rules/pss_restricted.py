"""Pod Security Standards, restricted profile: the controls it adds to baseline."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from .manifest import containers, dig, mapping, number, pod_spec, sequence, text
from .model import Manifest, ObjectCheck, Params, Rule, Severity
from .pss_baseline import pss_rule

RESTRICTED_VOLUME_TYPES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
CONFINED_SECCOMP = ("RuntimeDefault", "Localhost")


class VolumeTypeParams(Params):
    allowed: list[str] = Field(list(RESTRICTED_VOLUME_TYPES), description="volume sources a pod may use")


def volume_types(obj: Manifest, params: VolumeTypeParams) -> Iterator[str]:
    for volume in sequence(mapping(pod_spec(obj)).get("volumes")):
        fields = [key for key in mapping(volume) if key != "name"]
        for source in fields:
            if source not in params.allowed:
                yield f"volume {text(mapping(volume).get('name')) or '?'} uses {source}, not a restricted volume type"


def privilege_escalation(obj: Manifest, _: Params) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        if container.security.get("allowPrivilegeEscalation") is not False:
            yield f"{container.label}: securityContext.allowPrivilegeEscalation must be false"


def run_as_non_root(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    pod_level = dig(spec, "securityContext", "runAsNonRoot")
    if pod_level is False:
        yield "securityContext.runAsNonRoot must not be false"
    for container in containers(spec):
        own = container.security.get("runAsNonRoot")
        if own is False:
            yield f"{container.label}: securityContext.runAsNonRoot must not be false"
        elif own is not True and pod_level is not True:
            yield f"{container.label}: runAsNonRoot must be true, on the pod or on the container"


def run_as_user(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    if number(dig(spec, "securityContext", "runAsUser")) == 0:
        yield "securityContext.runAsUser must not be 0 (root)"
    for container in containers(spec):
        if number(container.security.get("runAsUser")) == 0:
            yield f"{container.label}: securityContext.runAsUser must not be 0 (root)"


def confined_seccomp(obj: Manifest, _: Params) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    pod_type = dig(spec, "securityContext", "seccompProfile", "type")
    if pod_type is not None and pod_type not in CONFINED_SECCOMP:
        yield f"securityContext.seccompProfile.type={pod_type} must be RuntimeDefault or Localhost"
    for container in containers(spec):
        own = dig(container.security, "seccompProfile", "type")
        if own is not None and own not in CONFINED_SECCOMP:
            yield f"{container.label}: seccompProfile.type={own} must be RuntimeDefault or Localhost"
        elif own is None and pod_type not in CONFINED_SECCOMP:
            yield f"{container.label}: seccompProfile.type must be RuntimeDefault or Localhost, on the pod or container"


class RestrictedCapabilityParams(Params):
    allowed: list[str] = Field(["NET_BIND_SERVICE"], description="capabilities a container may add back")


def drop_all_capabilities(obj: Manifest, params: RestrictedCapabilityParams) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        capabilities = mapping(container.security.get("capabilities"))
        if "ALL" not in [text(cap) for cap in sequence(capabilities.get("drop"))]:
            yield f"{container.label}: securityContext.capabilities.drop must include ALL"
        extra = sorted(text(cap) or "?" for cap in sequence(capabilities.get("add")) if cap not in params.allowed)
        if extra:
            allowed = ", ".join(params.allowed) or "none"
            yield f"{container.label}: adds capabilities {', '.join(extra)}; only {allowed} may be added"


def _restricted(
    rule_id: str, control: str, description: str, check: ObjectCheck, params: type[Params] = Params
) -> Rule:
    return pss_rule("restricted", Severity.MEDIUM, rule_id, control, description, check, params)


RULES = [
    _restricted(
        "volume-types",
        "Volume Types",
        "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, PVC, projected and secret volumes.",
        volume_types,
        VolumeTypeParams,
    ),
    _restricted(
        "privilege-escalation",
        "Privilege Escalation",
        "Every container sets allowPrivilegeEscalation: false.",
        privilege_escalation,
    ),
    _restricted(
        "run-as-non-root", "Running as Non-root", "Containers must run with runAsNonRoot: true.", run_as_non_root
    ),
    _restricted("run-as-user", "Running as Non-root user", "No container may run as UID 0.", run_as_user),
    _restricted("seccomp", "Seccomp", "A RuntimeDefault or Localhost seccomp profile must be set.", confined_seccomp),
    _restricted(
        "capabilities",
        "Capabilities",
        "Containers drop ALL capabilities and add back at most NET_BIND_SERVICE.",
        drop_all_capabilities,
        RestrictedCapabilityParams,
    ),
]
