"""Given a stack, the lab sheet shows each student's own commands and the answers their parameters call for."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import load
from labctl.render.handout import LAB_SHEET, lab_sheet
from tests.conftest import ROOT


def sheets(raw: dict[str, Any]) -> dict[str, str]:
    return {env.name: lab_sheet(env) for env in load(raw).environments}


def render(project: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labctl", "render", "--stack", "dev", "--project-dir", str(project), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_render_writes_one_sheet_per_student_the_same_bytes_every_time(project: Path) -> None:
    assert render(project, "--out", str(project / "a")).returncode == 0
    assert render(project, "--out", str(project / "b")).returncode == 0
    for student in ("student-1", "student-2"):
        first = (project / "a" / student / LAB_SHEET).read_bytes()
        assert first == (project / "b" / student / LAB_SHEET).read_bytes()
    one = (project / "a" / "student-1" / LAB_SHEET).read_text()
    assert "-n lab-student-1" in one and "lab-student-2" not in one


def test_dev_sheet_has_the_seed_answers_with_its_typos_fixed(dev_plan: Any) -> None:
    sheet = lab_sheet(dev_plan.environments[0])
    # 2mb in Redis units is 2 * 1024 * 1024.
    assert "kubectl exec redis -n lab-student-1 -c redis -- redis-cli -p 6379 CONFIG GET maxmemory\n" in sheet
    assert "maxmemory\n2097152\n" in sheet
    assert "maxmemory-policy\nallkeys-lru\n" in sheet
    # runAsUser 45 owns the file and fsGroup 231 (not the seed's "213") is its group.
    assert "kubectl exec security-context-pod -n lab-student-1 -c example-container -- ls -ln /etc/directory" in sheet
    assert "1 45       231      ... file.txt" in sheet
    # Lab 2.2: Ready at 50 s, liveness kill at 70 s, restart at 100 s (30 s grace, shell ignores SIGTERM).
    assert "Ready first at 50s" in sheet
    assert " 70s  container failed liveness probe" in sheet
    assert "100s  container restarted (restart 1)" in sheet
    assert "LAB_GREETING=hello from example-configmap\nLAB_MODE=classroom" in sheet
    for seed_bug in ("SimpleHTTPServer", "python:2.7", "security-pod.yaml.yaml", "213", "exec -it redis redis-cli"):
        assert seed_bug not in sheet


def test_values_follow_the_parameters() -> None:
    raw = {
        "namespace": "class-a",
        "labs": {
            "probedWebServer": {"stage": "exercise-2.1", "delayStart": 20},
            "secureWriterPod": {"runAsUser": 1001, "fsGroup": 2002, "mountPath": "/data", "fileName": "log.txt"},
            "redisWithConfigMap": {"config": {"maxmemory": "3mb", "maxmemoryPolicy": "volatile-lfu"}},
            "configMapEnvPod": {"data": {"COLOR": "blue"}, "prefix": "APP_"},
        },
    }
    (sheet,) = sheets(raw).values()
    # Readiness every 10 s from 5 s: fails at 5 and 15, the server listens at 20, passes at 25.
    assert "Ready first at 25s" in sheet and "no restart within 900s" in sheet
    assert "-- ls -ln /data" in sheet and "1 1001     2002     ... log.txt" in sheet
    assert "maxmemory\n3145728\n" in sheet and "maxmemory-policy\nvolatile-lfu\n" in sheet  # 3 * 1024 * 1024
    assert "APP_COLOR=blue" in sheet
    assert "-n class-a" in sheet
    assert "Lab 2.5" not in sheet  # only the labs the stack deploys


def test_redis_units_of_1000_are_not_units_of_1024() -> None:
    (sheet,) = sheets({"labs": {"redisWithConfigMap": {"config": {"maxmemory": "100k"}}}}).values()
    assert "maxmemory\n100000\n" in sheet


def test_each_student_sees_their_own_override() -> None:
    raw = {
        "labs": {"redisWithConfigMap": {"config": {"maxmemory": "2mb"}}},
        "classroom": {
            "students": ["ann", "bob"],
            "overrides": {"bob": {"redisWithConfigMap": {"config": {"maxmemory": "1mb"}}}},
        },
    }
    by_student = sheets(raw)
    assert "maxmemory\n2097152\n" in by_student["ann"]
    assert "maxmemory\n1048576\n" in by_student["bob"] and "2097152" not in by_student["bob"]
    assert "-n lab-bob" in by_student["bob"]


def test_no_password_is_ever_in_the_sheet(project: Path) -> None:
    result = render(project, "--out", str(project / "out"), "--include-secrets")
    assert result.returncode == 0, result.stderr
    folder = project / "out" / "student-1"
    (secret,) = yaml.safe_load_all((folder / "05-secrets.yaml").read_text())
    password = secret["stringData"]["password"]
    sheet = (folder / LAB_SHEET).read_text()
    assert password not in sheet
    # The client reads the password inside the pod; the command line only names the variable.
    assert 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD"' in sheet
    assert "--from-literal" not in sheet and "base64" not in sheet
