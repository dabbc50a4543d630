"""Given a class in exercise mode and a fake kubectl, when `labctl verify` and `labctl reset` run,
then they read (and only with --yes delete) the student's own objects by the lab's names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labctl.pool import call
from tests.conftest import ROOT
from tests.test_verify import LS_OUTPUT, SERVER, FakeCluster

EXERCISE = ("--set", "classroom.mode=exercise", "--student", "student-1")
NOTHING_ELSE = {"match": ["--ignore-not-found"], "answers": [{"stdout": ""}]}


def writer_pod(fs_group: int) -> dict[str, Any]:
    """The student's pod as the API server returns it: defaults and status filled in."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "security-context-pod", "namespace": "lab-student-1", "uid": "1234"},
        "spec": {
            "securityContext": {"runAsUser": 45, "fsGroup": fs_group},
            "volumes": [{"name": "simple-directory", "emptyDir": {}}],
            "containers": [
                {
                    "name": "example-container",
                    "image": "alpine:3.22",
                    "command": ["/bin/sh"],
                    "args": ["-c", "while true; do date >> /etc/directory/file.txt; sleep 5; done"],
                    "volumeMounts": [{"name": "simple-directory", "mountPath": "/etc/directory"}],
                    "terminationMessagePath": "/dev/termination-log",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "terminationGracePeriodSeconds": 30,
        },
        "status": {"phase": "Running"},
    }


def live_rules(fs_group: int) -> list[dict[str, Any]]:
    ls = LS_OUTPUT.replace(" 231 ", f" {fs_group} ")
    return [
        SERVER,
        {
            "match": ["get", "pod", "security-context-pod", "json"],
            "answers": [{"stdout": json.dumps(writer_pod(fs_group))}],
        },
        NOTHING_ELSE,
        {"match": ["ls", "-ln", "/etc/directory"], "answers": [{"stdout": ls}]},
    ]


@pytest.fixture
def cluster(tmp_path: Path) -> FakeCluster:
    return FakeCluster(tmp_path)


def test_labs_not_there_yet_are_not_started_and_a_correct_one_passes(cluster: FakeCluster) -> None:
    cluster.answer(live_rules(231))
    result = cluster.verify(*EXERCISE, "--poll-interval", "0.1", "--max-wait", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("NOT STARTED") == 4
    assert "PASS  student-1  Lab 2.3: pod security context: file owner and group" in result.stdout
    assert "1 passed, 0 failed" in result.stdout
    reads = [call for call in cluster.calls() if "json" in call and "get" in call]
    assert all(call[call.index("-n") + 1] == "lab-student-1" for call in reads)
    asked = ["get", "pod", "security-context-pod", "-n", "lab-student-1", "-o", "json", "--ignore-not-found"]
    assert asked in [call[:8] for call in reads]


def test_a_wrong_live_object_is_reported_like_check_does_then_its_testing_step_runs(cluster: FakeCluster) -> None:
    cluster.answer(live_rules(213))
    result = cluster.verify(*EXERCISE, "--poll-interval", "0.1", "--max-wait", "1")
    assert result.returncode == 1
    assert (
        "FAIL  student-1  Lab 2.3: pod security context: Pod/security-context-pod spec.securityContext.fsGroup: "
        "found 213, asked 231"
    ) in result.stdout
    assert "FAIL  student-1  Lab 2.3: pod security context: file owner and group" in result.stdout


def reset(cluster: FakeCluster, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{cluster.bin}{os.pathsep}{os.environ['PATH']}",
        "FAKE_KUBECTL_RULES": str(cluster.rules),
        "FAKE_KUBECTL_LOG": str(cluster.log),
    }
    return subprocess.run(
        [sys.executable, "-m", "labctl", "reset", "--stack", "dev", "--project-dir", str(ROOT), *flags],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_reset_shows_what_the_student_made_and_deletes_nothing_without_yes(cluster: FakeCluster) -> None:
    cluster.answer([*live_rules(231)])
    result = reset(cluster, "--set", "classroom.mode=exercise", "--student", "student-1", "--lab", "secureWriterPod")
    assert result.returncode == 0, result.stderr
    assert "Pod/security-context-pod" in result.stdout and "--yes" in result.stdout
    assert not [call for call in cluster.calls() if "delete" in call]


def test_reset_with_yes_deletes_only_the_labs_names_in_the_students_namespace(cluster: FakeCluster) -> None:
    cluster.answer([{"match": ["delete"], "answers": [{"stdout": "deleted\n"}]}, *live_rules(231)])
    result = reset(cluster, "--set", "classroom.mode=exercise", "--student", "student-1", "--yes")
    assert result.returncode == 0, result.stderr
    deletes = [call[:6] for call in cluster.calls() if "delete" in call]
    assert deletes == [["delete", "pod", "security-context-pod", "-n", "lab-student-1", "--ignore-not-found"]]
    assert "deleted Pod/security-context-pod in lab-student-1" in result.stdout


def test_reset_in_solution_mode_says_how_to_recreate_and_touches_nothing(cluster: FakeCluster) -> None:
    cluster.answer(live_rules(231))
    result = reset(cluster, "--student", "student-1", "--lab", "redisWithConfigMap", "--yes")
    assert result.returncode == 0, result.stderr
    assert "pulumi up --refresh" in result.stdout
    assert cluster.calls() == []


def test_reset_names_the_flag_for_an_unknown_lab(cluster: FakeCluster) -> None:
    cluster.answer(live_rules(231))
    result = reset(cluster, "--student", "student-1", "--lab", "redis")
    assert result.returncode == 2 and "--lab: 'redis'" in result.stderr


# kubectl without a cluster: client-go logs the failed discovery (klog lines) before its own error line.
REFUSED = "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
KLOG = (
    'E1208 00:43:36.017907   31112 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group '
    'list: Get \\"http://localhost:8080/api?timeout=20s\\": dial tcp 127.0.0.1:8080: connect: connection refused"\n'
)
NO_CLUSTER = [
    {"match": ["version"], "answers": [{"code": 1, "stdout": '{"clientVersion": {}}', "stderr": REFUSED + "\n"}]},
    {"match": ["get"], "answers": [{"code": 1, "stderr": KLOG * 5 + REFUSED + "\n"}]},
]


def test_reset_with_no_cluster_says_in_one_whole_line_that_the_cluster_does_not_answer(cluster: FakeCluster) -> None:
    # Given a kubectl whose current context has no server answering
    cluster.answer(NO_CLUSTER)
    # When reset looks for a student's objects
    result = reset(cluster, *EXERCISE, "--lab", "secureWriterPod")
    # Then exit 3, with kubectl's error line whole, and nothing else asked of the cluster
    assert (result.returncode, result.stdout) == (3, "")
    assert (
        result.stderr
        == f"labctl reset: the cluster of kubectl's current context does not answer: kubectl failed: {REFUSED}\n"
    )
    assert [call[0] for call in cluster.calls()] == ["version"]


@pytest.mark.parametrize(
    ("stderr", "said"),
    [
        (KLOG * 5 + "\x1b[31m" + REFUSED + "\x1b[0m\r\n", REFUSED),
        (
            KLOG,
            'couldn\'t get current server API group list: Get "http://localhost:8080/api?timeout=20s": '
            "dial tcp 127.0.0.1:8080: connect: connection refused",
        ),
        ("", "exit code 1"),
    ],
    ids=["log lines then the error", "log lines only", "nothing"],
)
def test_a_failed_kubectl_call_reports_the_error_it_printed_not_its_log_lines(stderr: str, said: str) -> None:
    # Given a kubectl that prints client-go's log lines, an error line in colour, or nothing, and fails
    program = f"import sys; sys.stderr.write({stderr!r}); sys.exit(1)"
    # When it is called
    answer = call([sys.executable, "-c", program], 10)
    # Then the problem is the error it meant, whole, on one line, with no control character
    assert answer.problem == f"kubectl failed: {said}"
