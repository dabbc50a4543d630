"""Turns raw `k8s-labs:*` values into a Plan of environments, or a ConfigError listing every problem."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from config.errors import ConfigError, describe, describe_items
from config.models import Classroom, StackConfig
from labs.catalog import LABS
from labs.environment import Environment
from labs.isolation import Budget, ClusterDns, PodSecurity
from labs.lab import LabKey
from labs.merge import deep_merge
from labs.pod import LabArgs, Resources, with_defaults
from labs.quantity import format_cpu, format_memory, parse_cpu, parse_memory

PASSWORD_KEY = "mysqlRootPassword"
PASSWORD_DESCRIPTION = (
    "MySQL root password for Lab 2.5, set with `pulumi config set --secret mysqlRootPassword`. "
    "Unset, one is generated per environment."
)
# What the quota check reads besides each lab's resources; with one of them in error it is not run.
QUOTA_INPUTS = [
    ("classroom", "budget"),
    ("classroom", "students"),
    ("classroom", "labs"),
    ("classroom", "overrides"),
    ("classroom", "mode"),
    ("classroom", "modes"),
    ("labs",),
]
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
    """`raw` holds the config values without the `k8s-labs:` prefix; `secret_keys` those stored encrypted.

    Values are validated strictly: YAML and `pulumi config set --path` keep numbers, booleans and
    text typed, so `true` for a UID, `45` for a ConfigMap value or `"45"` for a count is a mistake
    to report, not a value to convert (pydantic's lax mode would read true as 1).
    """
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
    stack, stack_problems, quota_inputs_valid = _validate_stack(values)
    problems += stack_problems
    if stack is None:
        raise ConfigError(problems + _class_wide_problems(values))
    environments, lab_problems, warnings, needs = _environments(stack)
    problems += lab_problems
    # Checks across keys run wherever the values they read are valid, beside any other problem.
    if stack.classroom is not None and quota_inputs_valid:
        problems += _quota_fit(needs, stack.classroom.budget)
    if problems:
        raise ConfigError(problems)
    if stack.classroom is not None and "namespace" in values:
        warnings.insert(0, "namespace is ignored: a classroom puts each student in classroom.namespacePrefix + student")
    return Plan(tuple(environments), stack.classroom, password_configured, tuple(warnings))


def _validate_stack(values: Mapping[str, Any]) -> tuple[StackConfig | None, list[str], bool]:
    """The stack, its problems, and whether the quota check's inputs are the user's own values.

    On errors, the stack is validated once more without the keys in error, so that the checks
    across keys still run; it is None when that is impossible (a required key is in error).
    """
    try:
        return StackConfig.model_validate(values, strict=True), [], True
    except ValidationError as error:
        problems = describe(error, (), given=values, model=StackConfig)
        failing = [_given_part(item["loc"], values) for item in error.errors(include_url=False)]
    if any(not path for path in failing):
        return None, problems, False
    try:
        salvaged = StackConfig.model_validate(_without(values, failing), strict=True)
    except ValidationError:
        return None, problems, False
    touched = any(path[: len(need)] == need or need[: len(path)] == path for path in failing for need in QUOTA_INPUTS)
    return salvaged, problems, not touched


def _given_part(loc: Sequence[str | int], values: Mapping[str, Any]) -> tuple[str, ...]:
    """The longest run of mapping keys of `loc` the user actually gave."""
    path: list[str] = []
    node: Any = values
    for part in loc:
        if not isinstance(part, str) or not isinstance(node, Mapping) or part not in node:
            break
        path.append(part)
        node = node[part]
    return tuple(path)


def _without(values: Mapping[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    copy = dict(values)
    for path in paths:
        node = copy
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, Mapping):
                break
            node[part] = node = dict(child)
        else:
            node.pop(path[-1], None)
    return copy


def _class_wide_problems(values: Mapping[str, Any]) -> list[str]:
    """Lab parameter problems, still reported when another part of the config is broken."""
    try:
        labs_only = StackConfig.model_validate({"labs": values["labs"]} if "labs" in values else {}, strict=True)
    except ValidationError:
        return []
    _, problems, _, _ = _environments(labs_only)
    return problems


@dataclass(frozen=True)
class _Failed:
    problems: list[str]
    resources: Resources | None
    """The lab's requests and limits when they are valid on their own, for the quota check."""


class _LabResolver:
    """Validates each distinct parameter set once: a class of 1,000 mostly shares one."""

    def __init__(self, stack: StackConfig) -> None:
        self.stack = stack
        self.cache: dict[tuple[str, str], LabArgs | _Failed] = {}

    def resolve(self, key: LabKey, override: Mapping[str, Any] | None, override_path: str) -> LabArgs | _Failed:
        class_wide = self.stack.labs.get(key) or {}
        merged = deep_merge(class_wide, override) if override else class_wide
        cache_key = (key, json.dumps(merged, sort_keys=True, default=str))
        if cache_key not in self.cache:
            self.cache[cache_key] = self._validate(key, merged, override or {}, override_path)
        return self.cache[cache_key]

    def _validate(
        self, key: LabKey, merged: Mapping[str, Any], override: Mapping[str, Any], override_path: str
    ) -> LabArgs | _Failed:
        args_type = LABS[key].args_type
        if "namespace" in merged:
            problem = f"labs.{key}.namespace: is set by the environment (`namespace` or classroom.namespacePrefix)"
            return _Failed([problem], _resources(args_type, merged))
        try:
            return args_type.model_validate(merged, strict=True)
        except ValidationError as error:
            items = error.errors(include_url=False)
            overridden = [item for item in items if item["loc"] and item["loc"][0] in override]
            class_wide = [item for item in items if item not in overridden]
            if class_wide and override and not isinstance(self.resolve(key, None, ""), _Failed):
                # The class-wide block is valid on its own: a check across keys (maxmemory against
                # memoryLimit) fails because of what the override changed, whichever key it names.
                overridden, class_wide = items, []
            problems = describe_items(overridden, override_path.split("."), given=merged, model=args_type)
            problems += describe_items(class_wide, ("labs", key), given=merged, model=args_type)
            return _Failed(problems, _resources(args_type, merged))


def _resources(args_type: type[LabArgs], params: Mapping[str, Any]) -> Resources | None:
    """What the lab would request, read from its parameters alone (None when they are invalid too)."""
    default = args_type.model_fields["resources"].get_default(call_default_factory=True)
    if not isinstance(default, Resources):
        return None
    if "resources" not in params:
        return default
    given = params["resources"]
    if not isinstance(given, Mapping):
        return None
    try:
        return Resources.model_validate(with_defaults(given, default), strict=True)
    except ValidationError:
        return None


def _environments(stack: StackConfig) -> tuple[list[Environment], list[str], list[str], list[_Needs]]:
    resolver = _LabResolver(stack)
    classroom = stack.classroom
    members: list[tuple[str, str | None, str]]
    if classroom is None:
        members = [(stack.namespace, None, stack.namespace)]
    else:
        members = [(student, student, classroom.namespace_of(student)) for student in classroom.students]
    environments, problems, warnings, needs = [], [], [], []
    for name, student, namespace in members:
        labs: dict[LabKey, LabArgs] = {}
        requested: list[Resources] = []
        chosen = stack.chosen_labs()
        exercises = tuple(
            key for key in chosen if classroom and student and classroom.mode_of(student, key) == "exercise"
        )
        pods = 0
        for key in chosen:
            if key in exercises and classroom is not None:
                # The student's own pods, written as the lab text writes them: no resources, so the
                # LimitRange defaults apply to each.
                requested += [_bare_pod(classroom.budget)] * LABS[key].student_pods
                pods += LABS[key].student_pods
            else:
                pods += 1
            override = classroom.overrides.get(student, {}).get(key) if classroom and student else None
            resolved = resolver.resolve(key, override, f"classroom.overrides.{student}.{key}")
            if isinstance(resolved, _Failed):
                problems += resolved.problems
                if resolved.resources is not None and key not in exercises:
                    requested.append(resolved.resources)
                continue
            if key not in exercises:
                requested.append(resolved.resources)
            labs[key] = resolved.model_copy(update={"namespace": namespace})
            warnings += [f"{name}: {warning}" for warning in LABS[key].warnings(resolved)]
        needs.append(_Needs(name, requested, pods))
        environments.append(
            Environment(
                name=name,
                namespace=namespace,
                labs=labs,
                pod_security=classroom.pod_security if classroom else PodSecurity(),
                budget=classroom.budget if classroom else None,
                cluster_dns=classroom.cluster_dns if classroom else ClusterDns(),
                student=student,
                kubeconfig=bool(classroom and classroom.kubeconfig_server),
                exercises=exercises,
            )
        )
    return environments, problems, list(dict.fromkeys(warnings)), needs


def _bare_pod(budget: Budget) -> Resources:
    """What the LimitRange gives a container that sets no resources."""
    return Resources(
        cpu_request=budget.default_request_cpu,
        cpu_limit=budget.default_limit_cpu,
        memory_request=budget.default_request_memory,
        memory_limit=budget.default_limit_memory,
    )


@dataclass(frozen=True)
class _Needs:
    """What one environment asks of its quota: the labs' requests and limits that are known, and its pods."""

    name: str
    resources: list[Resources]
    labs: int
    """The pods of the labs: one per lab in solution mode, the student's own in exercise mode."""


def _quota_fit(environments: list[_Needs], budget: Budget) -> list[str]:
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
        for resources in env.resources:
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
        pods = env.labs + 1
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
