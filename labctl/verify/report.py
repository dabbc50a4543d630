"""What `labctl verify` found, one result per student and step, and the forms it is printed in.

table: the lines a person reads (PASS / FAIL / NOT STARTED). json: the same results as data.
junit: JUnit XML, which CI systems and graders read: one testsuite per student, one testcase per
student and step (classname the student), a <failure> whose message is the last problem, and
<skipped/> for a lab in exercise mode that the student has not started. When kubectl or the
cluster is unavailable, one testcase in <error> says why, so a CI job still has a report to read.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from labctl.printable import ESCAPE_SEQUENCE
from labs.catalog import LABS
from labs.lab import LabKey

Status = Literal["pass", "fail", "not started", "pending"]
Kind = Literal["testing step", "live object"]
FORMATS = ("table", "json", "junit")
# Characters XML 1.0 does not allow, escaped or not: a parser refuses the whole report for one of them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
UNAVAILABLE_SUITE = "cluster"
UNAVAILABLE_CASE = "kubectl and its current context answer"


@dataclass(frozen=True)
class Result:
    environment: str
    lab: LabKey
    step: str
    """The Testing step's name, or the live object and field a finding is about."""
    status: Status
    problem: str | None
    """The last problem seen (a wrong answer, a time-out, a field that differs), or None."""
    command: str
    """The command that checks it, as a person would type it."""
    expected: str | None
    kind: Kind = "testing step"
    seconds: float | None = None
    """From the start of the checks to the outcome."""

    @property
    def title(self) -> str:
        return f"{LABS[self.lab].title}: {self.step}"


def counts(results: Iterable[Result]) -> dict[str, int]:
    steps = [result for result in results if result.kind == "testing step"]
    return {
        "passed": sum(result.status == "pass" for result in steps),
        "failed": sum(result.status == "fail" for result in steps),
        "not_started": sum(result.status == "not started" for result in steps),
        "pending": sum(result.status == "pending" for result in steps),
    }


def failed(results: Iterable[Result]) -> bool:
    return any(result.status == "fail" for result in results)


def table(results: list[Result]) -> str:
    lines = []
    shown_not_started: set[tuple[str, LabKey]] = set()
    for result in results:
        lab_title = LABS[result.lab].title
        if result.status == "not started":
            if (result.environment, result.lab) not in shown_not_started:
                shown_not_started.add((result.environment, result.lab))
                lines.append(f"NOT STARTED  {result.environment}  {lab_title}: {result.problem}")
        elif result.kind == "live object":
            lines.append(f"FAIL  {result.environment}  {result.title}: {result.problem}")
        elif result.status == "pass":
            lines.append(f"PASS  {result.environment}  {result.title}")
        elif result.status == "fail":
            lines.append(
                f"FAIL  {result.environment}  {result.title}: {result.problem} (expected: {result.expected!r})"
            )
        else:
            lines.append(f"PENDING  {result.environment}  {result.title}: {result.problem}")
    tally = counts(results)
    lines.append(f"{tally['passed']} passed, {tally['failed']} failed")
    return "\n".join(lines) + "\n"


def as_json(results: list[Result]) -> str:
    document = {"summary": counts(results), "results": [asdict(result) for result in results]}
    return json.dumps(document, indent=2) + "\n"


def junit(results: list[Result]) -> str:
    by_student: dict[str, list[Result]] = {}
    for result in results:
        by_student.setdefault(result.environment, []).append(result)
    root = ET.Element("testsuites", name="labctl verify")
    _tally(root, results)
    for student, own in by_student.items():
        suite = ET.SubElement(root, "testsuite", name=student)
        _tally(suite, own)
        for result in own:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=student,
                name=xml_text(result.title),
                time=f"{result.seconds or 0:.3f}",
            )
            if result.status == "fail":
                failure = ET.SubElement(case, "failure", message=xml_text(result.problem or ""), type=result.kind)
                text = f"$ {result.command}\nexpected: {result.expected}\nlast problem: {result.problem}"
                failure.text = xml_text(text)
            elif result.status in ("not started", "pending"):
                ET.SubElement(case, "skipped", message=xml_text(result.problem or result.status))
    return _document(root)


def unavailable_junit(why: str) -> str:
    """The report when no check could run: one testcase, in error, saying why (no kubectl, no cluster)."""
    root = ET.Element("testsuites", name="labctl verify")
    suite = ET.SubElement(root, "testsuite", name=UNAVAILABLE_SUITE)
    for element in (root, suite):
        element.attrib.update(tests="1", failures="0", errors="1", skipped="0", time="0.000")
    case = ET.SubElement(suite, "testcase", classname=UNAVAILABLE_SUITE, name=UNAVAILABLE_CASE, time="0.000")
    error = ET.SubElement(case, "error", message=xml_text(why), type="unavailable")
    error.text = xml_text(why)
    return _document(root)


def xml_text(text: str) -> str:
    """`text` without terminal escape sequences or the characters XML 1.0 forbids (kubectl's output may hold any)."""
    return NOT_XML.sub("", ESCAPE_SEQUENCE.sub("", text))


def _document(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _tally(element: ET.Element, results: list[Result]) -> None:
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(result.status == "fail" for result in results)))
    element.set("errors", "0")
    element.set("skipped", str(sum(result.status in ("not started", "pending") for result in results)))
    element.set("time", f"{max((result.seconds or 0 for result in results), default=0):.3f}")


def render(results: list[Result], form: str) -> str:
    if form == "json":
        return as_json(results)
    if form == "junit":
        return junit(results)
    return table(results)
