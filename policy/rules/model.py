"""What a rule is, what it reports, and the settings a policy config gives it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

Manifest = Mapping[str, Any]
Scope = Literal["object", "stack"]


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Enforcement(StrEnum):
    """The levels Pulumi's policy config knows; remediate is not offered by these rules."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    DISABLED = "disabled"


class Params(BaseModel):
    """A rule's tunable parameters; the camelCase names are the policy config's keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


@dataclass(frozen=True)
class Violation:
    """One thing wrong with one object. `exempted_by` set means the rule itself accepted it (with why)."""

    subject: int
    message: str
    exempted_by: str | None = None
    path: str | None = None
    """The object field at fault (`spec.containers[0].securityContext.privileged`), where a rule names one."""


ObjectCheck = Callable[[Manifest, Any], Iterable[str]]
StackCheck = Callable[[Sequence[Manifest], Any], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    severity: Severity
    enforcement: Enforcement
    standard: str
    url: str
    params: type[Params] = Params
    check_object: ObjectCheck | None = None
    """Looks at one object at a time: a CrossGuard resource policy."""
    check_stack: StackCheck | None = None
    """Needs every object at once (references, namespaces): a CrossGuard stack policy."""

    def __post_init__(self) -> None:
        if (self.check_object is None) == (self.check_stack is None):
            raise ValueError(f"rule {self.id} needs exactly one of check_object or check_stack")

    @property
    def scope(self) -> Scope:
        return "object" if self.check_object is not None else "stack"

    def run(self, objects: Sequence[Manifest], params: Params) -> list[Violation]:
        if self.check_stack is not None:
            return list(self.check_stack(objects, params))
        assert self.check_object is not None
        return [
            Violation(index, message) for index, obj in enumerate(objects) for message in self.check_object(obj, params)
        ]
