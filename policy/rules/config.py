"""The policy config file: Pulumi's CrossGuard format, read the same way by `labctl review --config`.

    {"all": "advisory",                       # every rule's level (optional)
     "image-pinned": "mandatory",             # one rule's level
     "image-end-of-life": {"enforcementLevel": "mandatory", "patterns": ["python:2*"]}}

A rule's own entry beats `all`, which beats the rule's default.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .catalog import RULES, RULES_BY_ID
from .model import Enforcement, Params, Rule

ALL = "all"
LEVEL_KEY = "enforcementLevel"
LEVELS = [level.value for level in Enforcement]


class PolicyConfigError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RuleSettings:
    enforcement: Enforcement
    params: Params


def _level(value: Any, where: str, problems: list[str]) -> Enforcement | None:
    if isinstance(value, str) and value in LEVELS:
        return Enforcement(value)
    problems.append(f"{where}: {value!r} is not an enforcement level; allowed: {', '.join(LEVELS)}")
    return None


def parse_params(rule: Rule, raw: Mapping[str, Any], where: str) -> Params:
    """The rule's parameters from a config entry; raises PolicyConfigError naming the bad key."""
    try:
        return rule.params.model_validate(dict(raw))
    except ValidationError as error:
        allowed = ", ".join(field.alias or key for key, field in rule.params.model_fields.items()) or "none"
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"])
            problems.append(f"{where}.{key}: {item['msg']} (parameters of {rule.id}: {allowed})")
        raise PolicyConfigError(problems) from None


def _entry(rule: Rule, value: Any, problems: list[str]) -> tuple[Enforcement | None, Params | None]:
    if isinstance(value, str):
        return _level(value, rule.id, problems), None
    if not isinstance(value, Mapping):
        problems.append(f"{rule.id}: expected a level or a mapping, got {type(value).__name__}")
        return None, None
    level = _level(value[LEVEL_KEY], f"{rule.id}.{LEVEL_KEY}", problems) if LEVEL_KEY in value else None
    try:
        params = parse_params(rule, {k: v for k, v in value.items() if k != LEVEL_KEY}, rule.id)
    except PolicyConfigError as error:
        problems += error.problems
        return level, None
    return level, params


def load_settings(raw: Mapping[str, Any] | None) -> dict[str, RuleSettings]:
    """Every rule's effective level and parameters; raises PolicyConfigError listing every problem."""
    raw = raw or {}
    problems: list[str] = []
    default_level: Enforcement | None = None
    if ALL in raw:
        value = raw[ALL]
        if isinstance(value, Mapping):
            extra = sorted(set(value) - {LEVEL_KEY})
            if extra:
                problems.append(f"{ALL}: only {LEVEL_KEY} may be set for every rule, not {', '.join(extra)}")
            value = value.get(LEVEL_KEY)
        if value is not None:
            default_level = _level(value, ALL, problems)
    unknown = sorted(str(key) for key in raw if key != ALL and key not in RULES_BY_ID)
    for key in unknown:
        close = difflib.get_close_matches(key, [ALL, *RULES_BY_ID], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{key}: no such rule{hint}; allowed: {ALL} or a rule id (`labctl review --list-rules`)")
    result: dict[str, RuleSettings] = {}
    for rule in RULES:
        level, params = (None, None)
        if rule.id in raw:
            level, params = _entry(rule, raw[rule.id], problems)
        result[rule.id] = RuleSettings(level or default_level or rule.enforcement, params or rule.params())
    if problems:
        raise PolicyConfigError(problems)
    return result
