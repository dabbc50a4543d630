"""Given hand-ins written from the task sheets alone, by someone who never read the graders, then `labctl check`
judges each as its writer did: every correct answer passes, every wrong one fails.

tests/fixtures/blind/: the class's stack (three students with different parameters, every lab in exercise
mode), one folder per case with the files a student hands in, and cases.json, each case with the writer's
verdict and reason. The writer worked from the three students' LAB-SHEET.md (`labctl render` of that stack)
and nothing else. A case `labctl check` does not yet judge as the writer did is listed in KNOWN_GAPS with
what is missing; the test fails when a gap closes (strict xfail), so the list stays true.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from labctl import cli
from tests.conftest import ROOT

BLIND = ROOT / "tests" / "fixtures" / "blind"
CASES: list[dict[str, Any]] = json.loads((BLIND / "cases.json").read_text())
# The sheets' section titles, as the writer named the labs, to the stack's lab keys.
LAB_KEYS = {
    "Exercise 2.1 / Lab 2.2": "probedWebServer",
    "Lab 2.3": "secureWriterPod",
    "Lab 2.4": "redisWithConfigMap",
    "Lab 2.5": "mysqlWithSecret",
    "ConfigMap consumed through envFrom": "configMapEnvPod",
}
KNOWN_GAPS: dict[str, str] = {
    "ada-lab22-no-workingdir": "a missing workingDir the sheet states is not a finding (the default behaves the same)",
    "ada-lab23-runasuser-container": "runAsUser on the container instead of the pod is accepted (the same effect)",
    "ada-lab24-no-data-dir": "a missing emptyDir the sheet asks for is not a required finding",
    "grace-envfrom-wrong-filename": "the hand-in's file names are not compared with the ones the sheet asks for",
    "grace-lab22-all-in-command": "the shell line in command, not command and args, is accepted (it runs the same)",
    "grace-lab22-container-name": "a container named otherwise than the sheet says is not a required finding",
    "linus-lab22-exec-via-sh": "an exec liveness probe through `sh -c` is refused though it checks the same file",
    "linus-lab23-sleep5": "the writer's interval inside the shell loop is not compared with the student's interval",
    "linus-lab25-no-volume": "MySQL's data directory without a volume is not a required finding",
    "linus-lab25-secret-in-file": "a Secret handed in with the password in the file is not refused",
}


def check(case: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    argv = ["check", "--project-dir", str(BLIND), "--stack", "class", "--student", case["student"]]
    argv += ["--lab", LAB_KEYS[case["lab"]], "--format", "json", str(BLIND / "handins" / case["id"])]
    code = cli.main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("{") else {"raw": out}


def params() -> list[Any]:
    marks = {
        case["id"]: [pytest.mark.xfail(reason=KNOWN_GAPS[case["id"]], strict=True)] if case["id"] in KNOWN_GAPS else []
        for case in CASES
    }
    return [pytest.param(case, id=case["id"], marks=marks[case["id"]]) for case in CASES]


def test_the_set_covers_three_students_every_lab_and_both_verdicts() -> None:
    assert {case["student"] for case in CASES} == {"ada", "linus", "grace"}
    assert {case["lab"] for case in CASES} == set(LAB_KEYS)
    assert {case["verdict"] for case in CASES} == {"pass", "fail"}
    for case in CASES:
        folder = BLIND / "handins" / case["id"]
        assert sorted(path.name for path in folder.iterdir()) == sorted(case["files"]), case["id"]


@pytest.mark.parametrize("case", params())
def test_check_judges_as_the_sheets_reader_did(case: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check(case, capsys)
    expected = 0 if case["verdict"] == "pass" else 1
    assert code == expected, f"{case['why']}\n{json.dumps(report, indent=1)[:3000]}"
