"""`labctl verify --html FILE`: the class at a glance, one static page for the instructor's projector.

A grid of students x labs; each cell says pass, fail, not started or pending in words and in
colour, and lists the lab's steps with the last problem and the command that checks each. The
page has no external assets (no scripts, fonts or images) and is well-formed XML as well as
HTML. It carries a generator mark: a file without that mark was not written here and is never
replaced.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from labctl.errors import BadInput
from labctl.tree import replace_file
from labctl.verify.report import Result, Status, counts
from labs.catalog import LABS
from labs.lab import LabKey

GENERATOR = '<meta name="generator" content="labctl verify --html"/>'
STATUS_WORDS: dict[Status, str] = {"pass": "PASS", "fail": "FAIL", "not started": "NOT STARTED", "pending": "PENDING"}
STYLE = """
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 20px; margin: 24px; color: #111; }
h1 { font-size: 32px; margin: 0 0 8px 0; }
p.summary { font-size: 22px; margin: 0 0 16px 0; }
table { border-collapse: collapse; }
th, td { border: 2px solid #455a64; padding: 8px 10px; vertical-align: top; text-align: left; }
thead th { background: #263238; color: #fff; position: sticky; top: 0; }
th.student { background: #eceff1; white-space: nowrap; }
td .status { font-weight: bold; font-size: 22px; display: block; margin-bottom: 4px; }
td.pass { background: #c8e6c9; color: #1b5e20; }
td.fail { background: #ffcdd2; color: #8e0000; }
td.not-started { background: #eceff1; color: #37474f; }
td.pending { background: #fff3c4; color: #5d4000; }
td.none { background: #fff; color: #78909c; }
ul { margin: 0; padding-left: 18px; font-size: 16px; color: #111; }
li { margin: 2px 0; }
code { font-size: 14px; background: rgba(255,255,255,0.7); padding: 1px 3px; word-break: break-all; }
"""


def check_writable(path: Path) -> None:
    """Refuses (exit 2) a file this command did not write, before any kubectl call."""
    if path.is_dir():
        raise BadInput(f"--html {path}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise BadInput(f"--html {path}: the folder {path.parent} does not exist")
    if path.exists():
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        except OSError as error:
            raise BadInput(f"--html {path}: cannot read it ({error.strerror}); nothing was written") from None
        if GENERATOR not in head:
            raise BadInput(f"--html {path}: the file exists and was not written by labctl verify; give a new file name")


def cell_status(results: list[Result]) -> Status | None:
    if not results:
        return None
    statuses = {result.status for result in results}
    if "fail" in statuses:
        return "fail"
    if "pending" in statuses:
        return "pending"
    if "not started" in statuses:
        return "not started"
    return "pass"


def _cell(results: list[Result]) -> str:
    status = cell_status(results)
    if status is None:
        return '<td class="none">not in this class</td>'
    items = []
    for result in results:
        problem = f": {escape(result.problem)}" if result.problem and result.status != "pass" else ""
        items.append(f"<li>{escape(result.step)}{problem}<br/><code>{escape(result.command)}</code></li>")
    css = status.replace(" ", "-")
    return (
        f'<td class="{css}" data-status="{escape(status)}"><span class="status">{STATUS_WORDS[status]}</span>'
        f"<ul>{''.join(items)}</ul></td>"
    )


def page(results: list[Result], students: list[str], labs: list[LabKey], title: str) -> str:
    by_cell: dict[tuple[str, LabKey], list[Result]] = {}
    for result in results:
        by_cell.setdefault((result.environment, result.lab), []).append(result)
    tally = counts(results)
    head = "".join(f"<th>{escape(LABS[key].title)}</th>" for key in labs)
    rows = "\n".join(
        f'<tr><th class="student" scope="row">{escape(student)}</th>'
        + "".join(_cell(by_cell.get((student, key), [])) for key in labs)
        + "</tr>"
        for student in students
    )
    summary = (
        f"{tally['passed']} passed, {tally['failed']} failed, {tally['not_started']} not started, "
        f"{tally['pending']} pending (Testing steps)"
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"/>{GENERATOR}'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f'<body><h1>{escape(title)}</h1><p class="summary">{summary}</p>\n'
        f"<table><thead><tr><th>student</th>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody></table>\n"
        "</body></html>\n"
    )


def write(path: Path, text: str) -> None:
    """Replaces the page at once, so a projector reloading it never shows half of one."""
    check_writable(path)
    replace_file(path, text)
