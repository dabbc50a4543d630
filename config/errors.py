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


def describe(error: ValidationError, prefix: Sequence[str | int], show_input: bool = True) -> list[str]:
    """`prefix.loc: message (got value)` for every pydantic error."""
    problems = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in (*prefix, *item["loc"]))
        message = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if item["type"] == "extra_forbidden":
            message = "is not a known key"
        elif item["type"] == "missing":
            message = "is required"
        got = _short(item.get("input")) if show_input and item["type"] not in ("extra_forbidden", "missing") else None
        if got is not None and got not in message:
            message += f" (got {got})"
        problems.append(f"{path}: {message}" if path else message)
    return problems
