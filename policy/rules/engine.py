"""Runs the rules over a set of manifests and applies the exemptions that may be given, which stay in the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labs.metadata import EXEMPT_PREFIX

from .catalog import RULES
from .config import RuleSettings, load_settings
from .exemptions import honoured
from .model import Enforcement, Manifest, Rule
from .psa import ReviewedObjects, namespace_policies


@dataclass(frozen=True)
class Exemption:
    source: str
    """Where it comes from: the annotation, or the policy config parameter."""
    reason: str


@dataclass(frozen=True)
class Finding:
    rule: Rule
    enforcement: Enforcement
    subject: int
    """Index of the object in the reviewed sequence."""
    message: str
    exemption: Exemption | None = None
    path: str | None = None
    """The object field at fault, where the rule names one."""

    @property
    def blocking(self) -> bool:
        return self.enforcement is Enforcement.MANDATORY and self.exemption is None


def review(objects: Sequence[Manifest], settings: Mapping[str, RuleSettings] | None = None) -> list[Finding]:
    settings = settings if settings is not None else load_settings(None)
    objects = ReviewedObjects(objects)
    policies = namespace_policies(objects)
    findings: list[Finding] = []
    for rule in RULES:
        chosen = settings[rule.id]
        if chosen.enforcement is Enforcement.DISABLED:
            continue
        for violation in rule.run(objects, chosen.params):
            exempt: Exemption | None = None
            if violation.exempted_by is not None:
                exempt = Exemption(f"policy config {rule.id}", violation.exempted_by)
            else:
                reason = honoured(objects[violation.subject], rule.id, policies)
                if reason is not None:
                    exempt = Exemption(f"annotation {EXEMPT_PREFIX}{rule.id}", reason)
            findings.append(
                Finding(rule, chosen.enforcement, violation.subject, violation.message, exempt, violation.path)
            )
    return findings


def review_with_config(objects: Sequence[Manifest], config: Mapping[str, Any] | None) -> list[Finding]:
    return review(objects, load_settings(config))
