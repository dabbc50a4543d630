"""From what the component provider host hands a served component to the Python component's arguments.

The host maps camelCase inputs to Python names (nested blocks too), drops null inputs, and sends every
number in an untyped value as a float. Here the keys go back to the stack file's camelCase, `nullFields`
become explicit nulls, whole floats become integers, and the result is validated by the same pydantic
models, and for StudentEnvironment and Classroom by the same `config.load`, as a stack file, so a bad
value gets the same message naming the same key.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin

import pulumi
from pydantic import BaseModel, ValidationError

from components import Classroom, ClassroomArgs, StudentEnvironment
from components.base import LabComponent
from config import ConfigError, load
from config.errors import describe
from config.loader import Plan
from config.models import Classroom as ClassroomConfig
from config.models import StackConfig
from labs.catalog import LABS
from labs.pod import LabArgs

PASSWORD = "root_password"
NULL_FIELDS = "null_fields"
LAB_PARAMETERS = "lab_parameters"


class InvalidInputs(ValueError):
    """A served component's inputs break the lab's rules; nothing of the component is registered."""

    def __init__(self, component: str, name: str, problems: list[str]) -> None:
        self.by_key = [tuple(problem.split(": ", 1)) if ": " in problem else ("", problem) for problem in problems]
        count = len(problems)
        lines = [f"{component} {name} has {count} problem{'s' if count != 1 else ''}:"]
        super().__init__("\n".join([*lines, *(f"  - {problem}" for problem in problems)]))


def aliased(annotation: Any, value: Any) -> Any:
    """`value` with the keys of every model in `annotation` back in camelCase (the user's own keys stay)."""
    while get_origin(annotation) is not None and hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    models = [arg for arg in get_args(annotation) if inspect.isclass(arg) and issubclass(arg, BaseModel)]
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        models = [annotation]
    if models and isinstance(value, Mapping):
        fields = {name: info for model in models for name, info in model.model_fields.items()}
        return {
            (fields[key].alias or key if key in fields else key): aliased(fields[key].annotation, item)
            if key in fields
            else item
            for key, item in value.items()
        }
    origin = get_origin(annotation)
    args = [arg for arg in get_args(annotation) if arg is not type(None)]
    if origin in (list, tuple) and isinstance(value, list):
        return [aliased(args[0], item) for item in value]
    if origin is dict and isinstance(value, Mapping):
        return {key: aliased(args[1], item) for key, item in value.items()}
    if len(args) == 1 and origin is not None and origin not in (list, tuple, dict):
        return aliased(args[0], value)
    return value


def whole_numbers(value: Any) -> Any:
    """Pulumi sends numbers as floats; a stack file's `3` is an integer, so whole floats become integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    return value


def outputs_in(value: Any, path: str) -> list[str]:
    """Keys whose value is known only at deployment: the labs are planned from plain values."""
    if isinstance(value, pulumi.Output):
        return [f"{path}: must be a plain value, not another resource's output or a secret"]
    if isinstance(value, Mapping):
        keyed = [(f"{path}.{key}" if path else str(key), item) for key, item in value.items()]
        return [problem for where, item in keyed for problem in outputs_in(item, where)]
    if isinstance(value, list):
        return [problem for index, item in enumerate(value) for problem in outputs_in(item, f"{path}[{index}]")]
    return []


def stack_values(model: type[BaseModel], args: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as a stack file writes them; raises InvalidInputs for a value known only at deployment."""
    values = {key: item for key, item in args.items() if key not in (PASSWORD, NULL_FIELDS, LAB_PARAMETERS)}
    camel = aliased(model, values)
    for key in args.get(NULL_FIELDS) or []:
        camel[key] = None
    return dict(whole_numbers(camel))


def checked(component: str, name: str, values: Mapping[str, Any]) -> None:
    problems = outputs_in(values, "")
    if problems:
        raise InvalidInputs(component, name, problems)


def lab_args(component: str, name: str, args: Mapping[str, Any]) -> LabArgs:
    lab = next(lab for lab in LABS.values() if lab.component == component)
    checked(component, name, {key: item for key, item in args.items() if key != PASSWORD})
    nulls = args.get(NULL_FIELDS) or []
    known = [info.alias for info in lab.args_type.model_fields.values()]
    unknown = [key for key in nulls if key not in known]
    if unknown:
        raise InvalidInputs(component, name, [f"nullFields: {unknown} are not keys of {component}"])
    values = stack_values(lab.args_type, args)
    try:
        return lab.args_type.model_validate(values, strict=True)
    except ValidationError as error:
        raise InvalidInputs(component, name, describe(error, (), given=values)) from None


def construct_lab(
    component: LabComponent,
    python_class: type[LabComponent],
    name: str,
    args: Mapping[str, Any],
    opts: pulumi.ResourceOptions | None,
) -> None:
    """Runs the Python component's own constructor on `component`: the same type token, the same children."""
    validated = lab_args(python_class.__name__, name, args)
    init: Callable[..., None] = python_class.__init__
    if PASSWORD in inspect.signature(init).parameters:
        init(component, name, validated, opts, root_password=args.get(PASSWORD))
    else:
        init(component, name, validated, opts)


def planned(component: str, name: str, raw: Mapping[str, Any], renames: Mapping[str, str]) -> Plan:
    """`config.load` over the stack-file-shaped values, its key paths renamed to the component's inputs."""
    try:
        plan = load(raw)
    except ConfigError as error:
        raise InvalidInputs(component, name, [renamed(problem, renames) for problem in error.problems]) from None
    for warning in plan.warnings:
        pulumi.log.warn(f"{component} {name}: {warning}")
    return plan


def renamed(problem: str, renames: Mapping[str, str]) -> str:
    for old, new in renames.items():
        if problem.startswith(old):
            return new + problem.removeprefix(old)
    return problem


def construct_environment(
    component: StudentEnvironment,
    python_class: type[StudentEnvironment],
    name: str,
    args: Mapping[str, Any],
    opts: pulumi.ResourceOptions | None,
) -> None:
    """A single environment, planned by `config.load` exactly as a stack file without `classroom`."""
    checked(python_class.__name__, name, {key: item for key, item in args.items() if key != PASSWORD})
    plan = planned(python_class.__name__, name, stack_values(StackConfig, args), {})
    init: Callable[..., None] = python_class.__init__
    init(component, name, plan.environments[0], opts, root_password=args.get(PASSWORD))


def construct_classroom(
    component: Classroom,
    python_class: type[Classroom],
    name: str,
    args: Mapping[str, Any],
    opts: pulumi.ResourceOptions | None,
) -> None:
    """A class, planned by `config.load` from a stack file's `classroom` block and its `labs`."""
    checked(python_class.__name__, name, {key: item for key, item in args.items() if key != PASSWORD})
    raw: dict[str, Any] = {"classroom": stack_values(ClassroomConfig, args)}
    if args.get(LAB_PARAMETERS) is not None:
        raw["labs"] = whole_numbers(args[LAB_PARAMETERS])
    plan = planned(python_class.__name__, name, raw, {"classroom.": "", "labs": "labParameters"})
    server = str(plan.classroom.kubeconfig_server) if plan.classroom and plan.classroom.kubeconfig_server else None
    init: Callable[..., None] = python_class.__init__
    init(
        component,
        name,
        ClassroomArgs(environments=plan.environments, kubeconfig_server=server),
        opts,
        root_password=args.get(PASSWORD),
    )
