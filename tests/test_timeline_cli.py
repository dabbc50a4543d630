"""Given the dev stack, when `labctl timeline` runs, then it explains the probe pod's life."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labctl.cli import main
from tests.conftest import ROOT


def timeline_cli(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    code = main(["timeline", "--stack", "dev", "--project-dir", str(ROOT), *flags])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_says_when_ready_and_when_restarted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = timeline_cli(capsys)
    assert code == 0
    # Lab 2.2 at the seed's values: Ready at 50 s, first kill at 70 s, SIGKILL 30 s later.
    assert "Ready first at 50s" in out
    assert "livenessProbe fails 3 time(s) in a row 70s after the container starts" in out
    assert "SIGKILL 30s later" in out
    assert "student-1, student-2" in out  # identical parameters are predicted once


def test_repeated_probe_results_fold_into_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = timeline_cli(capsys)
    lines = [line.strip() for line in out.splitlines()]
    # Readiness fails at 30 and 40 before the server listens at 45: one line, not two.
    assert any(line.startswith("30s  readiness probe failed") and "x2 until 40s, every 10s" in line for line in lines)
    assert not any(line.startswith("40s  readiness probe failed") for line in lines)
    assert any(line.startswith("60s  liveness probe failed") and "x3 until 70s, every 5s" in line for line in lines)


def test_json_output_carries_the_prediction(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = timeline_cli(capsys, "--format", "json")
    assert code == 0
    (entry,) = json.loads(out)
    assert entry["readyAt"] == 50
    assert entry["everReady"] is True
    assert entry["restarts"][:2] == [100, 200]
    assert [env["namespace"] for env in entry["environments"]] == ["lab-student-1", "lab-student-2"]
    kinds = {event["kind"] for event in entry["events"]}
    assert {"started", "probe", "ready", "killing", "exited"} <= kinds


def test_student_flag_picks_one_environment(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = timeline_cli(capsys, "--student", "student-2", "--format", "json")
    (entry,) = json.loads(out)
    assert [env["student"] for env in entry["environments"]] == ["student-2"]


def test_unknown_student_is_refused_naming_the_flag_and_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = timeline_cli(capsys, "--student", "nobody")
    assert code == 2
    assert "--student" in err and "nobody" in err and "student-1" in err
    assert "Traceback" not in err and out == ""


def test_set_overrides_reach_the_prediction_and_the_warning(capsys: pytest.CaptureFixture[str]) -> None:
    # The server would listen at 100 s, but liveness kills every container at 70 s.
    _, out, _ = timeline_cli(capsys, "--set", "labs.probedWebServer.delayStart=100", "--format", "json")
    entry: dict[str, Any] = json.loads(out)[0]
    assert entry["everReady"] is False
    assert "delayStart=100" in entry["warning"]


def test_out_of_range_horizon_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = timeline_cli(capsys, "--horizon", "0")
    assert code == 2
    assert "--horizon" in err
