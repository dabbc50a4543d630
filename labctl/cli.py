"""Argument parsing and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from config import ConfigError
from labctl import render, review, verify
from labctl import timeline as timeline_command
from labctl.errors import EXIT_BAD_INPUT, BadInput

# Each command module has add_parser(subparsers) and run(namespace) -> exit code.
COMMANDS: list[ModuleType] = [render, review, timeline_command, verify]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labctl", description="Render, review and explain the k8s-labs stacks.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (ConfigError, BadInput) as error:
        print(f"labctl {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"labctl {args.command}: {error.strerror or error} ({error.filename or ''})", file=sys.stderr)
        return 1
    return code
