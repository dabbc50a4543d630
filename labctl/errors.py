"""What every labctl command can fail with, and the one table of exit codes they all share.

Each command raises one of these errors; `labctl.cli.main` prints its message on one line
(or a short list) and exits with the code from the table. The table is also every `--help`
epilog, so the documentation can be generated from `labctl <command> --help`.
"""

from __future__ import annotations

import textwrap
from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
    UNAVAILABLE = 3
    IO_ERROR = 4
    INTERRUPTED = 130
    BROKEN_PIPE = 141
    TERMINATED = 143


MEANINGS: dict[Exit, str] = {
    Exit.OK: "success",
    Exit.FINDINGS: "findings: a mandatory policy rule fails (review), a Testing step or a student's object fails "
    "(verify), a required finding in a student's files, a file that cannot be read among them (check), a problem "
    "with a tool or the cluster (doctor)",
    Exit.BAD_INPUT: "bad input: a flag, the stack file or config, a policy config, or an --out that may not "
    "be replaced; the message names it and what is allowed, and nothing is written. review --dir: a file of the "
    "tree that cannot be read, reported with the review of the rest",
    Exit.UNAVAILABLE: "a tool or the cluster is unavailable (verify, reset: no kubectl, or the cluster does not "
    "answer; doctor: no Pulumi CLI, no kubectl or no answering cluster, its report printed all the same)",
    Exit.IO_ERROR: "an I/O error reading or writing a file; the message names the path given on the command line",
    Exit.INTERRUPTED: "interrupted (Ctrl-C, SIGINT); a render leaves the previous tree as it was, doctor deletes "
    "the namespace it made",
    Exit.BROKEN_PIPE: "the reader of the output went away (`labctl ... | head`); nothing is printed on stderr, "
    "the status a shell reports for any tool stopped by SIGPIPE",
    Exit.TERMINATED: "terminated (SIGTERM); a render leaves the previous tree as it was, doctor deletes the "
    "namespace it made",
}

# Kept for the modules that name the codes they return.
EXIT_BAD_INPUT = Exit.BAD_INPUT


def exit_code_table() -> str:
    """The epilog of every `--help`: one line per code, wrapped meanings indented under it."""
    lines = ["exit codes (the same for every command):"]
    for code, meaning in MEANINGS.items():
        lines.append(textwrap.fill(meaning, 92, initial_indent=f"  {int(code):>3}  ", subsequent_indent=" " * 7))
    return "\n".join(lines)


class BadInput(ValueError):
    """A flag, file or name the user gave is wrong; the message says what is allowed. Exit 2."""


class Unavailable(RuntimeError):
    """A program or service the command needs does not answer (kubectl, the cluster). Exit 3."""


class OutputError(Exception):
    """Writing where the user asked failed; the message names the path as the user gave it. Exit 4."""
