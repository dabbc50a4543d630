"""A field's type and its allowed values in a few words, read from the pydantic annotation."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, HttpUrl
from pydantic.fields import FieldInfo

from labctl.docgen.markdown import as_yaml, code

BASIC = {str: "string", int: "integer", float: "number", bool: "boolean", HttpUrl: "http(s) URL"}


def _flatten(metadata: Sequence[Any]) -> list[Any]:
    """Constraints as pydantic keeps them: a `Field(...)` inside `Annotated` holds its own list."""
    flat: list[Any] = []
    for item in metadata:
        flat += _flatten(item.metadata) if isinstance(item, FieldInfo) else [item]
    return flat


def _range(low: Any, high: Any, unit: str = "") -> str:
    if low is not None and high is not None:
        return f"{low} to {high}{unit}s" if unit else f"{low} to {high}"
    bound = low if low is not None else high
    unit = f"{unit}s" if unit and bound != 1 else unit
    return f"at least {bound}{unit}" if low is not None else f"at most {bound}{unit}"


def _constraints(metadata: Sequence[Any], sized: bool) -> list[str]:
    low = high = min_length = max_length = None
    words = []
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Gt):
            words.append(f"more than {item.gt}")
        elif isinstance(item, annotated_types.Lt):
            words.append(f"less than {item.lt}")
        elif isinstance(item, annotated_types.MinLen):
            min_length = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            max_length = item.max_length
        elif getattr(item, "pattern", None) is not None:
            words.append(f"matching {code(item.pattern)}")
    if low is not None or high is not None:
        words.insert(0, _range(low, high))
    if min_length is not None or max_length is not None:
        words.insert(0, _range(min_length, max_length, " item" if sized else " character"))
    return words


def _union_parts(annotation: Any) -> tuple[list[Any], bool]:
    """The members of a union other than None, and whether None was one; ([annotation], False) otherwise."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return [annotation], False
    members = get_args(annotation)
    return [member for member in members if member is not type(None)], type(None) in members


@dataclass
class Describer:
    """Turns annotations into phrases; the page supplies links for models and names for special types."""

    model_link: Callable[[type[BaseModel]], str]
    named: Mapping[Any, str] = field(default_factory=dict)
    """Phrases for validated types, keyed by the validator object their `Annotated` alias carries."""
    literal_names: Mapping[frozenset[Any], str] = field(default_factory=dict)
    """Phrases for whole Literal types (the lab keys), keyed by their values."""

    def field(self, info: FieldInfo) -> str:
        return self.describe(info.rebuild_annotation())

    def describe(self, annotation: Any) -> str:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *metadata = get_args(annotation)
            return self._constrained(base, _flatten(metadata))
        members, nullable = _union_parts(annotation)
        if len(members) > 1 or nullable:
            text = " or ".join(self.describe(member) for member in members)
            return f"{text}, or `null`" if nullable else text
        if origin is Literal:
            return self._literal(get_args(annotation))
        if origin is list:
            return f"list of {self._plural(get_args(annotation)[0])}"
        if origin is dict:
            key, value = get_args(annotation)
            if value is Any:
                return "mapping"
            described = self.describe(value)
            return f"mapping of {self.describe(key)} to {f'({described})' if ' or ' in described else described}"
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return self.model_link(annotation)
        if annotation in BASIC:
            return BASIC[annotation]
        raise TypeError(f"no phrase for the type {annotation!r}: teach labctl/docgen/types.py")

    def _constrained(self, base: Any, metadata: list[Any]) -> str:
        members, nullable = _union_parts(base)
        if nullable:
            # `Field(min_length=1)` on `list[str] | None` constrains the list, not the null.
            return " or ".join(self._constrained(member, metadata) for member in members) + ", or `null`"
        # A named type's phrase says what it allows; its own constraints would only repeat it.
        name = next((self.named[item] for item in metadata if item in self.named), None)
        if name is not None:
            return name
        sized = get_origin(base) in (list, dict)
        return ", ".join([self.describe(base), *_constraints(metadata, sized)])

    def _literal(self, values: tuple[Any, ...]) -> str:
        if frozenset(values) in self.literal_names:
            return self.literal_names[frozenset(values)]
        shown = ", ".join(code(as_yaml(value)) for value in values)
        return shown if len(values) == 1 else f"one of {shown}"

    def _plural(self, annotation: Any) -> str:
        """The items of a list, read after 'list of'."""
        if get_origin(annotation) is Literal and frozenset(get_args(annotation)) not in self.literal_names:
            return ", ".join(code(as_yaml(value)) for value in get_args(annotation))
        phrase = self.describe(annotation)
        return phrase + "s" if annotation in BASIC else phrase
