"""Argument parsing and the one place that turns errors into messages and exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from labctl import version
from labctl.errors import BadInput, Exit, OutputError, Unavailable, exit_code_table

COMMAND_NAMES = ("render", "review", "shard", "timeline", "verify", "check", "reset", "doctor")
DESCRIPTION = """\
Render, review and explain the k8s-labs stacks offline, verify a deployed class, and check the
tools and the cluster before deploying one (doctor).

Every command that reads a stack takes --stack NAME (the file Pulumi.NAME.yaml), --project-dir
(default: the nearest folder holding Pulumi.yaml, from the current folder upwards, as `pulumi`
finds its project) and any number of --set path=value overrides. `labctl COMMAND --help` tells
more."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions and the exit-code table; appends each option's default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == []
        if "default" in text or unset or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


class CommandParser(argparse.ArgumentParser):
    """Every parser, the top one and each command's, ends its --help with the exit-code table."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs.setdefault("epilog", exit_code_table())
        super().__init__(**kwargs)


def command_modules() -> list[ModuleType]:
    # Imported on first use rather than with this module: the labs and pydantic take a moment to
    # load, and a Ctrl-C during that moment is then handled by `main` like any other.
    from labctl.check import command as check
    from labctl.doctor import command as doctor
    from labctl.render import command as render
    from labctl.reset import command as reset
    from labctl.review import command as review
    from labctl.shard import command as shard
    from labctl.timeline import command as timeline
    from labctl.verify import command as verify

    return [render, review, shard, timeline, verify, check, reset, doctor]


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="labctl", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"labctl {version()}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    # Each command module has add_parser(subparsers) and run(namespace) -> exit code.
    for command in command_modules():
        command.add_parser(subparsers)
    return parser


def unknown_command(argv: Sequence[str]) -> str | None:
    """A message for a first word that is no command, with the closest one; None when it is one."""
    words = [word for word in argv if not word.startswith("-")]
    if not words or words[0] in COMMAND_NAMES:
        return None
    import difflib

    close = difflib.get_close_matches(words[0], COMMAND_NAMES, n=1)
    hint = f"did you mean `labctl {close[0]}`? " if close else ""
    return f"labctl: no command '{words[0]}'; {hint}the commands are {', '.join(COMMAND_NAMES)} (labctl --help)"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command and returns its exit code; the `labctl` console script exits with it."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    name = "labctl"
    try:
        problem = unknown_command(arguments)
        if problem:
            print(problem, file=sys.stderr)
            return Exit.BAD_INPUT
        try:
            args = build_parser().parse_args(arguments)
        except SystemExit as stop:  # --help, --version, or argparse's own usage error (2)
            return stop.code if isinstance(stop.code, int) else Exit.BAD_INPUT
        name = f"labctl {args.command}"
        code = _run(args, name)
        sys.stdout.flush()  # a closed pipe must show up here, not after main has returned
        return code
    except SystemExit as stop:  # SIGTERM during a render (labctl.tree) exits as the signal would
        return stop.code if isinstance(stop.code, int) else Exit.BAD_INPUT
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return Exit.BROKEN_PIPE


def _run(args: argparse.Namespace, name: str) -> int:
    from config import ConfigError

    try:
        return int(args.run(args))
    except (ConfigError, BadInput) as error:
        print(f"{name}: {error}", file=sys.stderr)
        return Exit.BAD_INPUT
    except Unavailable as error:
        print(f"{name}: {error}", file=sys.stderr)
        return Exit.UNAVAILABLE
    except OutputError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return Exit.IO_ERROR
    except BrokenPipeError:
        raise
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        print(f"{name}: {error.strerror or error}{where}", file=sys.stderr)
        return Exit.IO_ERROR


def _discard_stdout() -> None:
    """Whatever is still buffered for stdout goes nowhere, so Python's own flush at exit stays quiet."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)
