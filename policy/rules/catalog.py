"""Every rule, in the order reports list them."""

from __future__ import annotations

from typing import Any

from . import exemptions, judging
from .model import Rule

RULES: list[Rule] = [*judging.RULES, exemptions.RULE]
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
if len(RULES_BY_ID) != len(RULES):
    raise RuntimeError("two rules share an id")


def parameters(rule: Rule) -> list[dict[str, Any]]:
    """A rule's policy-config parameters: camelCase name, default and meaning."""
    return [
        {
            "name": field.alias or key,
            "default": field.get_default(call_default_factory=True),
            "description": field.description or "",
        }
        for key, field in rule.params.model_fields.items()
    ]


def entries() -> list[dict[str, Any]]:
    """The catalogue as data, in report order: what `labctl review --list-rules` prints and the docs show."""
    return [
        {
            "id": rule.id,
            "title": rule.title,
            "severity": rule.severity.value,
            "default": rule.enforcement.value,
            "scope": rule.scope,
            "standard": rule.standard,
            "url": rule.url,
            "description": rule.description,
            "parameters": parameters(rule),
        }
        for rule in RULES
    ]
