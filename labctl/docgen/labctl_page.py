"""docs/labctl.md: every command's --help, read from the argument parser itself."""

from __future__ import annotations

import argparse

from labctl.cli import build_parser
from labctl.docgen.markdown import heading

SOURCES = "the argument parser in labctl/ (labctl.cli.build_parser)"
# The terminal width decides argparse's wrapping; a fixed one keeps the page the same everywhere.
WIDTH = 100

INTRO = """\
`python -m labctl <command>` (inside `.venv`; `make run` or `make test` creates it) reads
`Pulumi.<stack>.yaml` the way `pulumi up` would, without the engine, and runs the same builders.
`--set path=value` overrides one config key, its value read as YAML (`--set classroom.students=30`,
`--set labs.redisWithConfigMap.config.maxmemory=4mb`). Bad input exits 2 with every problem listed
and no traceback. What the commands write and check is described in [labs.md](labs.md) (render,
lab sheets, timeline, verify), [exercise-mode.md](exercise-mode.md) (check, reset, verify in
exercise mode) and [policy.md](policy.md) (review). Below is each command's `--help`."""


def _fixed_width(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The parser's own formatter class (raw epilogs stay raw), at WIDTH columns."""
    kind = parser.formatter_class
    if not (isinstance(kind, type) and issubclass(kind, argparse.HelpFormatter)):
        raise TypeError(f"{parser.prog}: formatter_class {kind!r} is not an argparse.HelpFormatter")

    def formatter(prog: str) -> argparse.HelpFormatter:
        return kind(prog, width=WIDTH)

    parser.formatter_class = formatter
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help(parser: argparse.ArgumentParser) -> str:
    return "```\n" + _fixed_width(parser).format_help().rstrip() + "\n```"


def render() -> str:
    parser = build_parser()
    parts = [heading(1, "labctl"), INTRO, _help(parser)]
    for name, subparser in _subcommands(parser).items():
        parts += [heading(2, f"labctl {name}"), _help(subparser)]
    return "\n\n".join(parts) + "\n"
