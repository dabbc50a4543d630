"""Which environments a command works on: all of them, or the one a --student flag names."""

from __future__ import annotations

from config import Plan
from labctl.errors import BadInput
from labs.environment import Environment
from labs.lab import LabKey

SHOWN_NAMES = 5


class SelectionError(BadInput):
    """A flag names something the stack does not have; the message says what it has."""


def select_environments(plan: Plan, student: str | None) -> list[Environment]:
    if student is None:
        return list(plan.environments)
    chosen = [env for env in plan.environments if student in (env.student, env.name)]
    if chosen:
        return chosen
    names = [env.student or env.name for env in plan.environments]
    shown = ", ".join(names[:SHOWN_NAMES]) + (
        f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    )
    raise SelectionError(f"--student: the stack has no student '{student}'; allowed: {shown}")


def lab_key(env: Environment, lab: str) -> LabKey:
    """The key of the lab a --lab flag names, if it is one of this environment's labs."""
    for key in env.labs:
        if key == lab:
            return key
    raise SelectionError(f"--lab: '{lab}' is not one of {env.name}'s labs; allowed: {', '.join(env.labs)}")
