"""Turns raw `k8s-labs:*` values into a Plan of environments, or a ConfigError listing every problem."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from config.errors import ConfigError, describe
from config.models import Classroom, StackConfig
from labs.catalog import LABS
from labs.environment import Environment
from labs.isolation import Budget, PodSecurity
from labs.lab import LabKey
from labs.merge import deep_merge
from labs.pod import LabArgs
from labs.quantity import format_cpu, format_memory, parse_cpu, parse_memory

PASSWORD_KEY = "mysqlRootPassword"
BUDGET_KEYS = {
    "requests.cpu": "requestsCpu",
    "requests.memory": "requestsMemory",
    "limits.cpu": "limitsCpu",
    "limits.memory": "limitsMemory",
}


@dataclass(frozen=True)
class Plan:
    """What a stack deploys: environments in a stable order, and what to warn about."""

    environments: tuple[Environment, ...]
    classroom: Classroom | None
    password_configured: bool
    warnings: tuple[str, ...] = field(default=())


def load(raw: Mapping[str, Any], secret_keys: Collection[str] = ()) -> Plan:
    """`raw` holds the config values without the `k8s-labs:` prefix; `secret_keys` those stored encrypted."""
    values = dict(raw)
    problems: list[str] = []
    password_configured = PASSWORD_KEY in values
    if password_configured:
        stored = values.pop(PASSWORD_KEY)
        encrypted = PASSWORD_KEY in secret_keys or (isinstance(stored, Mapping) and set(stored) == {"secure"})
        if not encrypted:
            problems.append(
                f"{PASSWORD_KEY}: must be stored encrypted (`pulumi config set --secret {PASSWORD_KEY}`); "
                "a plaintext password is refused"
            )
    try:
        stack = StackConfig.model_validate(values)
    except ValidationError as error:
        raise ConfigError(problems + describe(error, ()) + _class_wide_problems(values)) from None
    environments, lab_problems, warnings = _environments(stack)
    problems += lab_problems
    if stack.classroom is not None and not problems:
        problems += _quota_fit(environments, stack.classroom.budget)
    if problems:
        raise ConfigError(problems)
    return Plan(tuple(environments), stack.classroom, password_configured, tuple(warnings))


def _class_wide_problems(values: Mapping[str, Any]) -> list[str]:
    """Lab parameter problems, still reported when another part of the config is broken."""
    try:
        labs_only = StackConfig.model_validate({"labs": values["labs"]} if "labs" in values else {})
    except ValidationError:
        return []
    _, problems, _ = _environments(labs_only)
    return problems


class _LabResolver:
    """Validates each distinct parameter set once: a class of 1,000 mostly shares one."""

    def __init__(self, stack: StackConfig) -> None:
        self.stack = stack
        self.cache: dict[tuple[str, str], LabArgs | list[str]] = {}

    def resolve(self, key: LabKey, override: Mapping[str, Any] | None, override_path: str) -> LabArgs | list[str]:
        class_wide = self.stack.labs.get(key) or {}
        merged = deep_merge(class_wide, override) if override else class_wide
        cache_key = (key, json.dumps(merged, sort_keys=True, default=str))
        if cache_key not in self.cache:
            self.cache[cache_key] = self._validate(key, merged, override or {}, override_path)
        return self.cache[cache_key]

    def _validate(
        self, key: LabKey, merged: Mapping[str, Any], override: Mapping[str, Any], override_path: str
    ) -> LabArgs | list[str]:
        if "namespace" in merged:
            return [f"labs.{key}.namespace: is set by the environment (`namespace` or classroom.namespacePrefix)"]
        try:
            return LABS[key].args_type.model_validate(merged)
        except ValidationError as error:
            problems = []
            for item, text in zip(error.errors(include_url=False), describe(error, ()), strict=True):
                first = item["loc"][0] if item["loc"] else None
                where = override_path if first in override else f"labs.{key}"
                problems.append(f"{where}.{text}" if first is not None else f"{where}: {text}")
            return problems


def _environments(stack: StackConfig) -> tuple[list[Environment], list[str], list[str]]:
    resolver = _LabResolver(stack)
    classroom = stack.classroom
    members: list[tuple[str, str | None, str]]
    if classroom is None:
        members = [(stack.namespace, None, stack.namespace)]
    else:
        members = [(student, student, classroom.namespace_of(student)) for student in classroom.students]
    environments, problems, warnings = [], [], []
    for name, student, namespace in members:
        labs: dict[LabKey, LabArgs] = {}
        for key in stack.chosen_labs():
            override = classroom.overrides.get(student, {}).get(key) if classroom and student else None
            resolved = resolver.resolve(key, override, f"classroom.overrides.{student}.{key}")
            if isinstance(resolved, list):
                problems += resolved
                continue
            labs[key] = resolved.model_copy(update={"namespace": namespace})
            warnings += [f"{name}: {warning}" for warning in LABS[key].warnings(resolved)]
        environments.append(
            Environment(
                name=name,
                namespace=namespace,
                labs=labs,
                pod_security=classroom.pod_security if classroom else PodSecurity(),
                budget=classroom.budget if classroom else None,
                student=student,
                kubeconfig=bool(classroom and classroom.kubeconfig_server),
            )
        )
    return environments, problems, list(dict.fromkeys(warnings))


def _quota_fit(environments: list[Environment], budget: Budget) -> list[str]:
    """Labs plus one ad-hoc pod at the LimitRange defaults (the lab's `kubectl run` client) must fit."""
    problems = []
    client = {
        "requests.cpu": parse_cpu(str(budget.default_request_cpu)),
        "requests.memory": parse_memory(str(budget.default_request_memory)),
        "limits.cpu": parse_cpu(str(budget.default_limit_cpu)),
        "limits.memory": parse_memory(str(budget.default_limit_memory)),
    }
    hard = {
        "requests.cpu": parse_cpu(str(budget.requests_cpu)),
        "requests.memory": parse_memory(str(budget.requests_memory)),
        "limits.cpu": parse_cpu(str(budget.limits_cpu)),
        "limits.memory": parse_memory(str(budget.limits_memory)),
    }
    shortfalls: dict[str, list[str]] = {}
    for env in environments:
        need = dict(client)
        for args in env.labs.values():
            resources = args.resources
            need["requests.cpu"] += parse_cpu(str(resources.cpu_request))
            need["requests.memory"] += parse_memory(str(resources.memory_request))
            need["limits.cpu"] += parse_cpu(str(resources.cpu_limit))
            need["limits.memory"] += parse_memory(str(resources.memory_limit))
        for quantity, needed in need.items():
            if needed > hard[quantity]:
                show = format_cpu if quantity.endswith("cpu") else format_memory
                shortfall = (
                    f"classroom.budget.{BUDGET_KEYS[quantity]}: {{who}} need {quantity} {show(needed)} "
                    f"(labs {show(needed - client[quantity])} + one `kubectl run` client {show(client[quantity])}) "
                    f"but the budget allows {show(hard[quantity])}"
                )
                shortfalls.setdefault(shortfall, []).append(env.name)
        pods = len(env.labs) + 1
        if pods > budget.pods:
            shortfall = (
                f"classroom.budget.pods: {{who}} need {pods} pods (labs + one client) "
                f"but the budget allows {budget.pods}"
            )
            shortfalls.setdefault(shortfall, []).append(env.name)
    for shortfall, students in shortfalls.items():
        shown = ", ".join(students[:3]) + (f" and {len(students) - 3} more" if len(students) > 3 else "")
        problems.append(shortfall.format(who=f"students {shown}"))
    return problems
