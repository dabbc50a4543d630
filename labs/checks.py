"""Pieces each lab builds its Testing steps from: kubectl command lines in the lab's namespace.

No command carries a password: a check that needs one runs inside the pod that already holds it.
"""

from __future__ import annotations

import shlex

from labs.pod import LabArgs

# Scheduling, the image pull and the container start come before anything the timeline counts.
START_SLACK_SECONDS = 120


def namespace_flags(args: LabArgs) -> tuple[str, ...]:
    return ("-n", args.namespace) if args.namespace else ()


def kubectl(*words: str, args: LabArgs) -> str:
    """A kubectl command line in the lab's namespace, as a student types it."""
    return shlex.join(("kubectl", *words, *namespace_flags(args)))


def kubectl_exec(args: LabArgs, target: str, container: str, *command: str, tty: bool = False) -> tuple[str, ...]:
    """`tty` gives the command a terminal, for a prompt a student answers."""
    interactive = ("-it",) if tty else ()
    return ("kubectl", "exec", *interactive, target, *namespace_flags(args), "-c", container, "--", *command)


def output_lines(output: str) -> list[str]:
    return [line.strip() for line in output.strip().splitlines() if line.strip()]
