"""The lab sheet: one Markdown handout per environment, with that student's names and values.

Every command is the corrected one with the namespace filled in, and every expected answer is
worked out from the parameters (maxmemory in bytes, the file's owner, the probe timeline). The
same input gives the same bytes, and no secret value is ever written: the MySQL steps only name
the Secret and let the shell inside the pod read the password.
"""

from __future__ import annotations

from pathlib import Path

from labs.catalog import LABS
from labs.environment import Environment
from labs.lab import Check
from labs.markdown import block

LAB_SHEET = "LAB-SHEET.md"


def check_steps(checks: list[Check]) -> list[str]:
    lines: list[str] = []
    for check in checks:
        lines += [f"{check.name[:1].upper()}{check.name[1:]}:", "", *block(check.shell, "console"), "Expected:", ""]
        lines += block(check.expected, "output")
    return lines


def lab_sheet(env: Environment) -> str:
    who = env.student or env.name
    lines = [
        f"# Advanced Pod API labs: {who}",
        "",
        f"Your namespace is `{env.namespace}`; every command below already names it. "
        "Apply this folder with `kubectl apply -f .` from inside it.",
        "",
    ]
    for key, args in env.labs.items():
        lab = LABS[key]
        lines += [f"## {lab.title}", "", *lab.sheet_section(args), *check_steps(lab.checks(args))]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_lab_sheet(folder: Path, env: Environment) -> int:
    """Writes the sheet into an environment's folder; returns the number of files written."""
    (folder / LAB_SHEET).write_text(lab_sheet(env))
    return 1
