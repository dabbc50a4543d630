"""One error that carries every problem of a stack config, each naming its key path."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError


class ConfigError(ValueError):
    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(dict.fromkeys(problems))
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        lines = [f"the stack config has {count} problem{'s' if count != 1 else ''}:"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


def _short(value: Any) -> str | None:
    if isinstance(value, (Mapping, Sequence)) and not isinstance(value, str):
        return None
    text = repr(value)
    return text if len(text) <= 60 else None


def _as_yaml(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _user_path(loc: Sequence[str | int], given: Any, missing: bool) -> tuple[list[str | int], dict[str, Any]]:
    """`loc` as the user wrote it, and the discriminator that chose a model, if pydantic put one in `loc`.

    pydantic adds the chosen member of a union to `loc`: the tag of a discriminated union
    (`storage.emptyDir.size`) or a member type under a plain value (`cpuRequest.str`). Those
    parts are no key of what the user gave, so they are left out.
    """
    path: list[str | int] = []
    chosen: dict[str, Any] = {}
    node = given
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, Mapping) and part not in node and not (last and missing) and part in node.values():
            chosen = {key: value for key, value in node.items() if value == part}
            continue
        if node is not None and not isinstance(node, Mapping) and not isinstance(part, int):
            continue
        path.append(part)
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return path, chosen


# pydantic's type errors, as the kind of value the key wants.
WANTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "list_type": "a list",
}


def _wrong_type(kinds: list[str], given: Any) -> str:
    """One message for a value of the wrong type, whichever members of a union refused it."""
    wanted = list(dict.fromkeys(WANTED[kind] for kind in kinds))
    if "a number" in wanted and "a whole number" in wanted:
        wanted.remove("a whole number")
    shown = _short(given)
    message = f"must be {' or '.join(wanted)}" + (f", not {_as_yaml(given)}" if shown is not None else "")
    if wanted == ["text"] and isinstance(given, (bool, int, float)):
        message += " (quote it in YAML and --set, or use `pulumi config set --type string --path ...`)"
    elif isinstance(given, str) and given.strip().lstrip("-").replace(".", "", 1).isdigit():
        message += " (leave out the quotes)"
    return message


def _message(item: Any, chosen: dict[str, Any]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        when = " and ".join(f"{key} is {value}" for key, value in chosen.items())
        return "is not a known key" + (f" when {when}" if when else "")
    if kind == "missing":
        return "is required"
    message: str = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _unwrapped(annotation: Any) -> Any:
    """The type itself, without Annotated's metadata or an Optional's None."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif _is_union(annotation) and len(members := [m for m in get_args(annotation) if m is not type(None)]) == 1:
            annotation = members[0]
        else:
            return annotation


def _tagged(model: Any, tag: str | int) -> bool:
    """The model is the member of a tagged union that `tag` chooses (one of its Literal fields allows it)."""
    fields = model.model_fields.values()
    return any(get_origin(field.annotation) is Literal and tag in get_args(field.annotation) for field in fields)


def _child(annotation: Any, part: str | int) -> Any:
    """The type found at `part` of pydantic's `loc` inside a value of type `annotation`; None when unknown."""
    node = _unwrapped(annotation)
    if _is_model(node):
        return next(
            (field.annotation for name, field in node.model_fields.items() if part in (name, field.alias)), None
        )
    if get_origin(node) is dict:
        return get_args(node)[1]
    if get_origin(node) is list:
        return get_args(node)[0]
    if _is_union(node):  # pydantic puts the tag of the chosen member of a tagged union in `loc`
        return next((member for member in get_args(node) if _is_model(member) and _tagged(member, part)), None)
    return None


def _keys_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the model allows in the mapping at `loc` (pydantic's), as the user writes them."""
    node: Any = model
    for part in loc:
        node = _child(node, part)
        if node is None:
            return []
    node = _unwrapped(node)
    if not _is_model(node):
        return []
    return [field.alias or name for name, field in node.model_fields.items()]


def _did_you_mean(item: Any, model: type[BaseModel] | None) -> str:
    """`; did you mean 'key'?` for a key that is not allowed but close to one that is, else nothing."""
    loc = item["loc"]
    if item["type"] == "extra_forbidden" and loc and model is not None:
        typo, allowed = loc[-1], _keys_at(model, loc[:-1])
    elif item["type"] == "literal_error" and len(loc) > 1 and loc[-1] == "[key]":
        # A mapping's key outside a Literal (a lab's key): pydantic lists the allowed ones, quoted.
        typo, allowed = loc[-2], re.findall(r"'([^']*)'", str(item.get("ctx", {}).get("expected", "")))
    else:
        return ""
    close = difflib.get_close_matches(str(typo), allowed, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def describe(
    error: ValidationError,
    prefix: Sequence[str | int],
    show_input: bool = True,
    given: Any = None,
    model: type[BaseModel] | None = None,
) -> list[str]:
    """`prefix.path: message (got value)` for every pydantic error (see `describe_items`)."""
    return describe_items(error.errors(include_url=False), prefix, show_input, given, model)


def describe_items(
    items: Iterable[Any],
    prefix: Sequence[str | int],
    show_input: bool = True,
    given: Any = None,
    model: type[BaseModel] | None = None,
) -> list[str]:
    """One line per key path. With `given`, the validated input, paths follow the user's keys rather
    than pydantic's (see `_user_path`), so a value that fits none of a union's members is one line.
    With `model`, the one validated, an unknown key gets the closest allowed key at its level."""
    by_path: dict[str, list[Any]] = {}
    chosen_at: dict[str, dict[str, Any]] = {}
    for item in items:
        loc, chosen = _user_path(item["loc"], given, item["type"] == "missing")
        path = ".".join(str(part) for part in (*prefix, *loc))
        by_path.setdefault(path, []).append(item)
        chosen_at[path] = chosen
    problems = []
    for path, found in by_path.items():
        if all(item["type"] in WANTED for item in found):
            messages = [_wrong_type([item["type"] for item in found], found[0].get("input") if show_input else [])]
        else:
            messages = [_with_input(item, chosen_at[path], show_input) + _did_you_mean(item, model) for item in found]
        problems.append(f"{path}: {'; or '.join(messages)}" if path else "; ".join(messages))
    return problems


def _with_input(item: Any, chosen: dict[str, Any], show_input: bool) -> str:
    message = _message(item, chosen)
    got = _short(item.get("input")) if show_input and item["type"] not in ("extra_forbidden", "missing") else None
    if got is not None and got not in message:
        message += f" (got {got})"
    return message
