"""Given a fake kubectl on PATH, when `labctl verify` runs, then it reports each lab's Testing step.

The fake records every call and answers from rules the test writes: right answers, wrong
answers, answers that come late, and calls that never return.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from labs.checks import START_SLACK_SECONDS
from labs.webserver import ProbedWebServerArgs, checks
from tests.conftest import ROOT

FAKE = ROOT / "tests" / "fakes" / "kubectl.py"
SERVER = {
    "match": ["version"],
    "answers": [{"stdout": '{"clientVersion": {}, "serverVersion": {"gitVersion": "v1.33.1"}}'}],
}
LS_OUTPUT = "total 4\n-rw-r--r--    1 45       231             58 Feb  3 19:07 file.txt\n"
# The envFrom step filters `env` down to the ConfigMap's two variables, sorted by name.
ENV_OUTPUT = "LAB_GREETING=hello from example-configmap\nLAB_MODE=classroom\n"


def right_answers() -> list[dict[str, Any]]:
    """What a healthy class answers: values worked out from Pulumi.dev.yaml, not from the code."""
    return [
        SERVER,
        # Lab 2.2 restarts its container: ready, one restart so far.
        {"match": ["get", "pod", "liveness-readiness-pod"], "answers": [{"stdout": "true,1"}]},
        # runAsUser 45 owns the file; fsGroup 231's setgid volume gives it group 231.
        {"match": ["ls", "-ln", "/etc/directory"], "answers": [{"stdout": LS_OUTPUT}]},
        # maxmemory 2mb = 2 * 1024 * 1024 bytes in Redis's units.
        {"match": ["GET", "maxmemory-policy"], "answers": [{"stdout": "maxmemory-policy\nallkeys-lru\n"}]},
        {"match": ["GET", "maxmemory"], "answers": [{"stdout": "maxmemory\n2097152\n"}]},
        {"match": ["deploy/mysql"], "answers": [{"stdout": "1\n"}]},
        {"match": ["pod-env-var"], "answers": [{"stdout": ENV_OUTPUT}]},
    ]


class FakeCluster:
    def __init__(self, folder: Path) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir()
        self.rules = folder / "rules.json"
        self.log = folder / "calls.log"
        self.spans_log = folder / "spans.log"
        script = self.bin / "kubectl"
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" "$@"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)

    def answer(self, rules: list[dict[str, Any]]) -> None:
        self.rules.write_text(json.dumps(rules))

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def spans(self) -> list[tuple[float, float]]:
        """When each answered call began and ended."""
        if not self.spans_log.exists():
            return []
        return [tuple(json.loads(line)) for line in self.spans_log.read_text().splitlines()]

    def environ(self, path: str | None = None) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": path if path is not None else f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "FAKE_KUBECTL_RULES": str(self.rules),
            "FAKE_KUBECTL_LOG": str(self.log),
            "FAKE_KUBECTL_SPANS": str(self.spans_log),
        }

    def argv(self, *flags: str) -> list[str]:
        return [sys.executable, "-m", "labctl", "verify", "--stack", "dev", "--project-dir", str(ROOT), *flags]

    def verify(self, *flags: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
        env = self.environ(path)
        return subprocess.run(
            self.argv(*flags),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def cluster(tmp_path: Path) -> FakeCluster:
    return FakeCluster(tmp_path)


def test_every_lab_passes_when_the_cluster_answers_as_the_parameters_say(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    result = cluster.verify("--poll-interval", "0.1")
    assert result.returncode == 0, result.stdout + result.stderr
    # Two students, six Testing steps each (Redis has two).
    assert result.stdout.count("PASS") == 12
    assert "12 passed, 0 failed" in result.stdout
    namespaces = {call[call.index("-n") + 1] for call in cluster.calls() if "-n" in call}
    assert namespaces == {"lab-student-1", "lab-student-2"}


def test_every_kubectl_call_is_bounded_by_a_request_timeout(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    cluster.verify("--student", "student-1", "--call-timeout", "7")
    calls = cluster.calls()
    assert calls
    for call in calls:
        flag = call.index("--request-timeout=7s")
        assert "--" not in call or flag < call.index("--")  # a kubectl flag, not part of the remote command


def test_the_mysql_check_keeps_the_password_inside_the_pod(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    cluster.verify("--student", "student-1")
    (mysql,) = [call for call in cluster.calls() if "deploy/mysql" in call]
    remote = mysql[mysql.index("--") + 1 :]
    assert remote[:2] == ["sh", "-c"]
    # Only the variable's name crosses kubectl; the shell in the pod expands it.
    assert '"$MYSQL_ROOT_PASSWORD"' in remote[2]
    assert "-h mysql -P 3306" in remote[2]  # through the headless Service, as the lab says
    assert not any(word.startswith("-p") and len(word) > 2 for word in mysql)


def test_a_wrong_answer_fails_that_lab_only_and_says_what_was_expected(cluster: FakeCluster) -> None:
    rules = right_answers()
    rules[4] = {"match": ["GET", "maxmemory"], "answers": [{"stdout": "maxmemory\n1048576\n"}]}
    cluster.answer(rules)
    result = cluster.verify("--student", "student-1", "--max-wait", "0.3", "--poll-interval", "0.1")
    assert result.returncode == 1
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 1
    assert "CONFIG GET maxmemory" in failures[0] and "2097152" in failures[0] and "1048576" in failures[0]
    assert "5 passed, 1 failed" in result.stdout


def test_a_wrong_owner_fails_the_security_lab(cluster: FakeCluster) -> None:
    rules = right_answers()
    rules[2] = {"match": ["ls", "-ln"], "answers": [{"stdout": LS_OUTPUT.replace(" 231 ", " 213 ")}]}
    cluster.answer(rules)
    result = cluster.verify("--student", "student-1", "--max-wait", "0.2", "--poll-interval", "0.1")
    assert result.returncode == 1
    assert "file.txt belongs to 45:213, expected 45:231" in result.stdout


def test_a_late_answer_passes_after_asking_again(cluster: FakeCluster) -> None:
    rules = right_answers()
    rules[1] = {
        "match": ["get", "pod", "liveness-readiness-pod"],
        "answers": [{"stdout": "false,0"}, {"stdout": "true,0"}, {"stdout": "true,1"}],
    }
    cluster.answer(rules)
    result = cluster.verify("--student", "student-1", "--poll-interval", "0.1")
    assert result.returncode == 0, result.stdout
    asked = [call for call in cluster.calls() if "liveness-readiness-pod" in call]
    assert len(asked) == 3


def test_a_call_that_hangs_is_cut_off_and_fails_at_the_deadline(cluster: FakeCluster) -> None:
    rules = right_answers()
    rules[2] = {"match": ["ls", "-ln"], "answers": [{"sleep": 30, "stdout": LS_OUTPUT}]}
    cluster.answer(rules)
    began = time.monotonic()
    result = cluster.verify(
        "--student", "student-1", "--call-timeout", "0.5", "--max-wait", "1", "--poll-interval", "0.2"
    )
    assert time.monotonic() - began < 25  # the hung fake (30 s) was killed, not waited for
    assert result.returncode == 1
    (failure,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert "file owner" in failure and "no answer within" in failure


def test_no_kubectl_on_path_is_a_clear_error(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    result = cluster.verify(path=str(cluster.bin.parent / "empty"))
    assert result.returncode == 3
    assert "kubectl is not on PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_cluster_is_a_clear_error(cluster: FakeCluster) -> None:
    refused = "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n"
    cluster.answer([{"match": ["version"], "answers": [{"code": 1, "stderr": refused}]}])
    result = cluster.verify()
    assert result.returncode == 3
    assert "cannot reach the cluster" in result.stderr and "was refused" in result.stderr
    assert [call[0] for call in cluster.calls()] == ["version"]  # no lab was tried


def test_unknown_student_is_bad_input(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    result = cluster.verify("--student", "nobody")
    assert result.returncode == 2
    assert "--student" in result.stderr and "student-1" in result.stderr
    assert cluster.calls() == []


def test_the_probe_pod_deadline_follows_the_timeline() -> None:
    # Lab 2.2: first restart 100 s after the start (kill at 70 + 30 s grace); probes may run one
    # period (at most 10 s here) late; the start itself gets the fixed allowance.
    (check,) = checks(ProbedWebServerArgs(stage="lab-2.2", delay_start=45))
    assert check.wait_seconds == 100 + 10 + START_SLACK_SECONDS
    # Exercise 2.1 never restarts: the check waits for Ready at 45 s instead.
    (ready,) = checks(ProbedWebServerArgs(stage="exercise-2.1", delay_start=45))
    assert ready.wait_seconds == 45 + 10 + START_SLACK_SECONDS
    assert ready.verdict("true,0") is None and ready.verdict("false,0") is not None
