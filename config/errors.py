"""One error that carries every problem of a stack config, each naming its key path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError


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


def describe(
    error: ValidationError, prefix: Sequence[str | int], show_input: bool = True, given: Any = None
) -> list[str]:
    """`prefix.path: message (got value)` for every pydantic error (see `describe_items`)."""
    return describe_items(error.errors(include_url=False), prefix, show_input, given)


def describe_items(
    items: Iterable[Any], prefix: Sequence[str | int], show_input: bool = True, given: Any = None
) -> list[str]:
    """One line per key path. With `given`, the validated input, paths follow the user's keys rather
    than pydantic's (see `_user_path`), so a value that fits none of a union's members is one line."""
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
            messages = [_with_input(item, chosen_at[path], show_input) for item in found]
        problems.append(f"{path}: {'; or '.join(messages)}" if path else "; ".join(messages))
    return problems


def _with_input(item: Any, chosen: dict[str, Any], show_input: bool) -> str:
    message = _message(item, chosen)
    got = _short(item.get("input")) if show_input and item["type"] not in ("extra_forbidden", "missing") else None
    if got is not None and got not in message:
        message += f" (got {got})"
    return message
