"""Pieces of a task sheet: what a student writes for a lab in exercise mode, without the answers.

A task names the student's own parameters, the files to hand in and the corrected commands to
run; the Testing steps appear as commands only. What they print is for the student to find out
(the instructor's sheet, under `_instructor/`, has it).
"""

from __future__ import annotations

from labs.checks import namespace_flags
from labs.lab import Check
from labs.markdown import block
from labs.pod import LabArgs


def apply_command(args: LabArgs, file_name: str) -> str:
    """The seed's `kubectl create -f` as it should be: the right file, the student's namespace, re-runnable."""
    namespace = " ".join(namespace_flags(args))
    return f"kubectl apply -f {file_name}" + (f" {namespace}" if namespace else "")


def task_section(
    args: LabArgs, asks: list[str], hand_in: list[str], before: list[str], checks: list[Check], looks: list[str]
) -> list[str]:
    """The task: what to write (`asks`, one bullet each), commands to run first, then the Testing steps."""
    lines = ["Write:", "", *[f"- {ask}" for ask in asks], ""]
    lines += ["Hand in: " + ", ".join(f"`{name}`" for name in hand_in) + ".", ""]
    commands = [*before, *[apply_command(args, name) for name in hand_in]]
    lines += ["Create the objects:", "", *block("\n".join(commands), "console")]
    testing = [*looks, *[check.shell for check in checks]]
    lines += ["Testing: run these and explain what you see.", "", *block("\n".join(testing), "console")]
    return lines
