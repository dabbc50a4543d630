"""The task sheet: a student's LAB-SHEET.md when some of their labs are in exercise mode.

A lab in exercise mode gets its task (the student's parameters, the files to hand in, the
corrected commands, the Testing steps as commands only); a lab the stack deploys keeps its
usual section. The full sheet, answers included, goes to the instructor's folder instead.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from labctl.render.handout import LAB_SHEET, lab_part, lab_sheet, setup_section, sheet_header
from labctl.timeline.command import PICTURE_FILE, picture
from labs.catalog import LABS
from labs.environment import Environment

INSTRUCTOR_FOLDER = "_instructor"
"""Beside the environments' folders; no student's folder can have this name (DNS labels have no '_')."""


def task_sheet(env: Environment, secrets_file: bool = False) -> str:
    todo = ", ".join(LABS[key].title for key in env.exercises)
    lines = [
        *sheet_header(env),
        f"Yours to write: {todo}. The values below are yours: they may differ from your neighbour's "
        "and from the lab text. `labctl check` compares what you hand in with them.",
        "",
        *setup_section(env, secrets_file),
    ]
    for key, args in env.labs.items():
        if key in env.exercises:
            lines += [f"## {LABS[key].title} (exercise)", "", *LABS[key].task_section(args)]
        else:
            lines += lab_part(key, args)
    return "\n".join(lines).rstrip("\n") + "\n"


def full_sheet(folder: Path, env: Environment, secrets_file: bool, where: str = "this folder") -> int:
    """The full lab sheet, and beside it the probe timeline it shows; returns the files written.

    `where`: the environment's folder as seen from `folder`, for the set-up steps.
    """
    drawn = picture(env)
    sheet = lab_sheet(env, secrets_file, where)
    if drawn is None:
        (folder / LAB_SHEET).write_text(sheet, encoding="utf-8")
        return 1
    (folder / PICTURE_FILE).write_text(drawn, encoding="utf-8")
    shown = (
        "\n## The probe timeline, drawn\n\nWhat the kubelet does with the probe lab's pod, second by second, as "
        f"predicted from the parameters above:\n\n![The probe pod's timeline]({PICTURE_FILE})\n"
    )
    (folder / LAB_SHEET).write_text(sheet + shown, encoding="utf-8")
    return 2


def write_sheets(folder: Path, instructor: Path | None, env: Environment, secrets_file: bool = False) -> int:
    """The environment's sheet, and with exercises the instructor's full one; returns the files written.

    `secrets_file`: the render wrote the Secrets the stack would create beside the sheet. The probe
    timeline is an answer in exercise mode: it goes only to the instructor's folder, and nowhere
    when there is none (a tree meant for a git repository the students can read).
    """
    if not env.exercises:
        return full_sheet(folder, env, secrets_file)
    (folder / LAB_SHEET).write_text(task_sheet(env, secrets_file), encoding="utf-8")
    if instructor is None:
        return 1
    answers = instructor / env.name
    answers.mkdir(parents=True)
    # The instructor's copy sits two folders away from the files its set-up steps apply.
    where = f"the environment's folder (`cd {shlex.quote(f'../../{env.name}')}`)"
    return 1 + full_sheet(answers, env, secrets_file, where=where)
