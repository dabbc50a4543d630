"""The rules as CrossGuard policies: the analyzer's props become manifests, findings become diagnostics.

Exempted findings are not violations, but they are not dropped either: the policy reports itself
not applicable to that resource (or stack) with the exemption and its reason, which the engine
records per policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PolicySeverity

from labs.metadata import EXEMPT_PREFIX

from .catalog import RULES
from .config import PolicyConfigError, parse_params
from .exemptions import honoured
from .model import Manifest, Params, Rule
from .psa import namespace_policies

PACK_NAME = "k8s-labs"
_TYPE = re.compile(r"^kubernetes:(?P<group>[A-Za-z0-9.-]+)/(?P<version>v[A-Za-z0-9]+):(?P<kind>[A-Za-z0-9]+)$")
# Component and helper types of pulumi-kubernetes that are not API objects.
_NOT_API_GROUPS = {"yaml", "helm.sh", "kustomize"}
_TOP_LEVEL = {"api_version": "apiVersion", "string_data": "stringData", "binary_data": "binaryData"}


class _Manifest(Mapping[str, Any]):
    """The props with top-level names as the API has them; nested values stay the analyzer's proxies."""

    def __init__(self, props: Mapping[str, Any], api_version: str, kind: str) -> None:
        self._props = props
        self._fixed = {"apiVersion": api_version, "kind": kind}
        self._names = {_TOP_LEVEL.get(key, key): key for key in props}

    def __getitem__(self, key: str) -> Any:
        # The SDK sets apiVersion and kind to what the type token names, so the token's answer
        # holds whether the props carry them or not.
        if key in self._fixed:
            return self._fixed[key]
        return self._props[self._names[key]]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._fixed, **self._names})

    def __len__(self) -> int:
        return len({**self._fixed, **self._names})


def to_manifest(resource_type: str, props: Mapping[str, Any]) -> Manifest | None:
    """A manifest view of a pulumi-kubernetes resource, or None for anything else."""
    match = _TYPE.match(resource_type)
    if match is None or match["group"] in _NOT_API_GROUPS or match["kind"].endswith("List"):
        return None
    group = match["group"]
    api_version = match["version"] if group == "core" else f"{group}/{match['version']}"
    return _Manifest(props, api_version, match["kind"])


def _params(rule: Rule, config: Mapping[str, Any], report: ReportViolation) -> Params | None:
    try:
        return parse_params(rule, config or {}, rule.id)
    except PolicyConfigError as error:
        # Fail closed: a mandatory rule with a broken config blocks instead of passing silently.
        report(f"policy config is invalid: {error}", None)
        return None


def _exempted_note(rule: Rule, reasons: Sequence[str]) -> str:
    unique = sorted(set(reasons))
    return f"exempted ({len(reasons)} finding(s)): " + "; ".join(unique) if unique else f"exempted from {rule.id}"


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        manifest = to_manifest(args.resource_type, args.props)
        if manifest is None:
            args.not_applicable("not a Kubernetes object")
            return
        params = _params(rule, args.get_config(), report)
        if params is None or rule.check_object is None:
            return
        reasons = []
        for message in rule.check_object(manifest, params):
            # One object alone shows no namespace labels; the rules that read them are stack policies.
            reason = honoured(manifest, rule.id, {})
            if reason is None:
                report(message, None)
            else:
                reasons.append(f"{EXEMPT_PREFIX}{rule.id}: {reason} [{message}]")
        if reasons:
            args.not_applicable(_exempted_note(rule, reasons))

    return ResourceValidationPolicy(validate=validate, **_metadata(rule))


def stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        found = [(resource.urn, to_manifest(resource.resource_type, resource.props)) for resource in args.resources]
        urns = [urn for urn, manifest in found if manifest is not None]
        objects = [manifest for _, manifest in found if manifest is not None]
        params = _params(rule, args.get_config(), report)
        if params is None or rule.check_stack is None:
            return
        policies = namespace_policies(objects)
        reasons = []
        for violation in rule.check_stack(objects, params):
            reason = violation.exempted_by
            if reason is None:
                annotated = honoured(objects[violation.subject], rule.id, policies)
                reason = None if annotated is None else f"{EXEMPT_PREFIX}{rule.id}: {annotated}"
            if reason is None:
                report(violation.message, urns[violation.subject])
            else:
                reasons.append(f"{reason} [{violation.message}]")
        if reasons:
            args.not_applicable(_exempted_note(rule, reasons))

    return StackValidationPolicy(validate=validate, **_metadata(rule))


def _metadata(rule: Rule) -> dict[str, Any]:
    schema = rule.params.model_json_schema(by_alias=True).get("properties") or {}
    return {
        "name": rule.id,
        "description": rule.description,
        "enforcement_level": EnforcementLevel(rule.enforcement.value),
        "config_schema": PolicyConfigSchema(properties=schema) if schema else None,
        "display_name": rule.title,
        "severity": PolicySeverity(rule.severity.value),
        "url": rule.url,
        "tags": ["kubernetes", rule.standard],
    }


def policies() -> list[Policy]:
    return [resource_policy(rule) if rule.scope == "object" else stack_policy(rule) for rule in RULES]


def serve() -> None:
    """Starts the analyzer: prints its port on stdout and serves until interrupted."""
    PolicyPack(
        name=PACK_NAME,
        policies=policies(),
        description="Reviews the k8s-labs classroom: Pod Security Standards, references, isolation, lab hygiene.",
    )
