"""Runs the programs `labctl doctor` asks (kubectl, pulumi, a virtualenv's python), each with a time limit.

Output is read as UTF-8 with undecodable bytes replaced, so a program printing garbage gives text
to judge, never an exception. A program still running when the command is interrupted is killed:
nothing `labctl doctor` started outlives it.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labctl.printable import one_line

# kubectl enforces --request-timeout itself; the process gets this much longer before it is killed.
PROCESS_SLACK_SECONDS = 5.0


@dataclass(frozen=True)
class Outcome:
    stdout: str
    stderr: str
    code: int | None
    """The exit code; None when the program could not start or was stopped at its time limit."""
    problem: str | None
    """Why the program gave no usable answer (printable, one line), or None when it exited 0."""

    @property
    def first_words(self) -> str:
        """The first line of what it said, stderr first: kubectl puts its error there."""
        for text in (self.stderr, self.stdout):
            for line in text.splitlines():
                if line.strip():
                    return one_line(line)
        return ""


def run_program(
    argv: list[str],
    timeout: float,
    stdin: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    own_session: bool = False,
) -> Outcome:
    """Runs `argv` for at most `timeout` seconds; `own_session` keeps a terminal's Ctrl-C from reaching it."""
    name = Path(argv[0]).name
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
            errors="replace",
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=own_session,
        )
    except OSError as error:
        return Outcome("", "", None, f"{name} could not run: {one_line(error.strerror or str(error))}")
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return Outcome("", "", None, f"{name} gave no answer within {timeout:g}s")
    except BaseException:  # Ctrl-C or SIGTERM while it runs: it must not outlive the command
        process.kill()
        process.wait()
        raise
    if process.returncode != 0:
        answer = Outcome(stdout, stderr, process.returncode, None)
        said = answer.first_words or f"exit code {process.returncode}"
        return Outcome(stdout, stderr, process.returncode, f"{name} failed: {said}")
    return Outcome(stdout, stderr, 0, None)


@dataclass(frozen=True)
class Kubectl:
    """kubectl with the current context; every call carries --request-timeout and is stopped a little later."""

    path: str
    request_timeout: float

    def __call__(self, *words: str, stdin: str | None = None, own_session: bool = False) -> Outcome:
        argv = [self.path, *words, f"--request-timeout={self.request_timeout:g}s"]
        return run_program(argv, self.request_timeout + PROCESS_SLACK_SECONDS, stdin=stdin, own_session=own_session)

    def document(self, *words: str) -> Mapping[str, Any] | str:
        """The JSON object kubectl printed (`-o json` is added), or why there is none (printable)."""
        outcome = self(*words, "-o", "json")
        asked = shlex.join(("kubectl", *words))
        if outcome.problem:
            return f"`{asked}`: {outcome.problem}"
        try:
            found = json.loads(outcome.stdout)
        except json.JSONDecodeError:
            return f"`{asked}` printed no JSON: {one_line(outcome.stdout, 60)!r}"
        if not isinstance(found, Mapping):
            return f"`{asked}` printed JSON that is no object"
        return found
