"""Given a fake kubectl, when `labctl verify` checks a class, then it runs a bounded number of calls
at once, shows its progress on stderr, prints its results as a table, JSON or JUnit XML, and stops
at once on Ctrl-C."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from labctl.errors import Exit
from tests.test_cli_process import default_ctrl_c
from tests.test_exercise_live import EXERCISE, live_rules
from tests.test_verify import SERVER, FakeCluster, right_answers

FAST = ("--poll-interval", "0.1")


@pytest.fixture
def cluster(tmp_path: Path) -> FakeCluster:
    return FakeCluster(tmp_path)


def slow(rules: list[dict[str, Any]], seconds: float) -> list[dict[str, Any]]:
    """The same answers, each given after `seconds`; `kubectl version` stays quick."""
    return [
        rule if rule is SERVER else {**rule, "answers": [{**answer, "sleep": seconds} for answer in rule["answers"]]}
        for rule in rules
    ]


def most_at_once(spans: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


@pytest.mark.parametrize("workers", [1, 3])
def test_at_most_parallel_calls_run_at_once_and_that_many_do(cluster: FakeCluster, workers: int) -> None:
    cluster.answer(slow(right_answers(), 0.6))
    result = cluster.verify(*FAST, "--parallel", str(workers))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 passed, 0 failed" in result.stdout
    spans = [span for span in cluster.spans()]
    assert len(spans) == 13  # kubectl version, then twelve checks that each pass at the first try
    assert most_at_once(spans) == workers


@pytest.mark.parametrize("value", ["0", "-2", "many", "1.5", "257"])
def test_a_bad_parallel_is_bad_input_before_any_call(cluster: FakeCluster, value: str) -> None:
    cluster.answer(right_answers())
    result = cluster.verify("--parallel", value)
    assert result.returncode == Exit.BAD_INPUT
    assert "--parallel must be a whole number from 1 to 256" in result.stderr and repr(value) in result.stderr
    assert "Traceback" not in result.stderr
    assert cluster.calls() == []


def test_a_bad_format_is_bad_input(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    result = cluster.verify("--format", "xml")
    assert result.returncode == Exit.BAD_INPUT
    assert "--format must be one of table, json, junit" in result.stderr
    assert cluster.calls() == []


def test_each_check_keeps_its_own_deadline_while_the_others_finish(cluster: FakeCluster) -> None:
    # given a class where one student's Redis answers wrongly forever and everything else is right
    rules = right_answers()
    rules.insert(4, {"match": ["lab-student-2", "GET", "maxmemory"], "answers": [{"stdout": "maxmemory\n1\n"}]})
    cluster.answer(rules)
    # (a wait long enough for a loaded machine to run the fake kubectl twice)
    result = cluster.verify(*FAST, "--max-wait", "4", "--format", "json")
    assert result.returncode == Exit.FINDINGS
    report = json.loads(result.stdout)
    assert report["summary"] == {"passed": 11, "failed": 1, "not_started": 0, "pending": 0}
    (failure,) = [r for r in report["results"] if r["status"] == "fail"]
    assert failure["environment"] == "student-2" and failure["step"] == "CONFIG GET maxmemory"
    assert failure["problem"].endswith("got maxmemory 1") and "2097152" in failure["expected"]
    # then the wrong one was asked again and again until its own deadline, never more often than
    # every poll interval (how many times depends on how fast the fake answers on a busy machine) ...
    asked = [call for call in cluster.calls() if "lab-student-2" in call and "maxmemory" in call]
    assert 2 <= len(asked) <= 41
    assert failure["seconds"] >= 4
    # ... while the others were done at their first answer, long before it
    assert all(r["seconds"] < 4 for r in report["results"] if r["status"] == "pass")


def test_progress_goes_to_stderr_one_plain_line_per_check_when_not_a_terminal(cluster: FakeCluster) -> None:
    cluster.answer(right_answers())
    result = cluster.verify(*FAST, "--format", "json")
    json.loads(result.stdout)  # stdout is nothing but the results
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == 12
    assert progress[-1].startswith("[12/12] PASS ")
    assert "\x1b[" not in result.stderr  # no terminal control in a log


def test_on_a_terminal_progress_is_one_updating_line(cluster: FakeCluster) -> None:
    # given stderr on a pseudo-terminal and one check that stays wrong for a while
    rules = right_answers()
    rules[1] = {"match": ["liveness-readiness-pod"], "answers": [{"stdout": "false,0"}] * 8 + [{"stdout": "true,1"}]}
    cluster.answer(rules)
    leader, follower = pty.openpty()
    shown = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    env = {**cluster.environ(), "COLUMNS": "200", "TERM": "xterm"}
    process = subprocess.run(
        cluster.argv(*FAST, "--student", "student-1"),
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
        text=True,
        timeout=120,
        check=False,
    )
    os.close(follower)
    reader.join(timeout=10)
    os.close(leader)
    text = shown.decode(errors="replace")
    assert process.returncode == 0, text
    # then the line was redrawn in place (cursor control), named the slowest pending check, and
    # no plain per-check lines were printed
    assert "\x1b[" in text, text
    assert "1 pending; slowest: student-1 Exercise 2.1 / Lab 2.2" in text
    assert "ready,restarts = false" in text  # what the slow check last answered
    assert "[1/6]" not in text
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert plain.rstrip().endswith("6 passed, 0 failed, 0 pending")  # the final state stays on screen


JUNIT_SUITE_ATTRIBUTES = {"name", "tests", "failures", "errors", "skipped", "time"}


def check_junit_shape(root: ET.Element) -> None:
    """The elements and attributes of the common JUnit schema (testsuites > testsuite > testcase)."""
    assert root.tag == "testsuites"
    assert {"tests", "failures", "errors", "time"} <= set(root.attrib)
    for suite in root:
        assert suite.tag == "testsuite"
        assert set(suite.attrib) >= JUNIT_SUITE_ATTRIBUTES
        cases = list(suite)
        assert all(case.tag == "testcase" for case in cases)
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(case.find("failure") is not None for case in cases)
        assert int(suite.get("skipped", "")) == sum(case.find("skipped") is not None for case in cases)
        assert int(suite.get("errors", "")) == sum(case.find("error") is not None for case in cases)
        for case in cases:
            assert {"name", "classname", "time"} <= set(case.attrib)
            float(case.get("time", ""))
            assert [child.tag for child in case] in ([], ["failure"], ["skipped"], ["error"])
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message")


def test_junit_has_one_testcase_per_student_and_check_with_the_last_problem(cluster: FakeCluster) -> None:
    rules = right_answers()
    rules.insert(2, {"match": ["lab-student-1", "ls", "-ln"], "answers": [{"stdout": "ls: no such file\n"}]})
    cluster.answer(rules)
    result = cluster.verify(*FAST, "--max-wait", "0.3", "--format", "junit")
    assert result.returncode == Exit.FINDINGS
    root = ET.fromstring(result.stdout)
    check_junit_shape(root)
    assert [suite.get("name") for suite in root] == ["student-1", "student-2"]
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 12
    assert {case.get("classname") for case in root.find("testsuite[@name='student-2']") or []} == {"student-2"}
    (failed,) = [case for case in cases if case.find("failure") is not None]
    assert failed.get("classname") == "student-1"
    assert failed.get("name") == "Lab 2.3: pod security context: file owner and group"
    failure = failed.find("failure")
    assert failure is not None
    assert "file.txt" in (failure.get("message") or "")  # the last problem: the file is not there
    assert "kubectl exec" in (failure.text or "")  # the command that checks it
    assert root.get("tests") == "12" and root.get("failures") == "1"


NO_CLUSTER_IN_COLOUR = (
    "\x1b[31mThe connection to the server 127.0.0.1:6443 was refused\x07 - did you specify the right host or port?"
    "\x1b[0m\n"
)
UNAVAILABLE = {
    "the cluster does not answer": (
        "cannot reach the cluster of kubectl's current context: kubectl failed: The connection to the server "
        "127.0.0.1:6443 was refused - did you specify the right host or port?"
    ),
    "no kubectl": "kubectl is not on PATH; install it and select the class's cluster",
}


@pytest.mark.parametrize("case", UNAVAILABLE)
def test_junit_with_no_cluster_is_a_report_of_one_test_in_error_saying_why(cluster: FakeCluster, case: str) -> None:
    # Given a kubectl whose cluster does not answer (its error in colour, with a bell), or no kubectl at all
    cluster.answer([{"match": ["version"], "answers": [{"code": 1, "stderr": NO_CLUSTER_IN_COLOUR}]}])
    path = str(cluster.bin.parent / "empty") if case == "no kubectl" else None
    # When a CI job verifies the class in JUnit
    result = cluster.verify("--format", "junit", path=path)
    # Then exit 3 as before, and stdout is a well-formed JUnit report of one test case in error, saying why
    why = UNAVAILABLE[case]
    assert (result.returncode, result.stderr) == (Exit.UNAVAILABLE, f"labctl verify: {why}\n")
    root = ET.fromstring(result.stdout)
    check_junit_shape(root)
    assert {key: root.get(key) for key in ("tests", "failures", "errors", "skipped")} == {
        "tests": "1",
        "failures": "0",
        "errors": "1",
        "skipped": "0",
    }
    (test_case,) = root.findall("testsuite/testcase")
    assert (test_case.get("classname"), test_case.get("name")) == ("cluster", "kubectl and its current context answer")
    (error,) = test_case
    assert (error.tag, error.get("type"), error.get("message"), error.text) == ("error", "unavailable", why, why)


def test_junit_skips_the_labs_a_student_has_not_started(cluster: FakeCluster) -> None:
    cluster.answer(live_rules(231))
    result = cluster.verify(*EXERCISE, *FAST, "--max-wait", "1", "--format", "junit")
    assert result.returncode == 0, result.stderr
    root = ET.fromstring(result.stdout)
    check_junit_shape(root)
    cases = root.findall("testsuite/testcase")
    skipped = [case for case in cases if case.find("skipped") is not None]
    passed = [case for case in cases if not list(case)]
    # four labs not started (Redis has two steps), the security lab done and passing
    assert len(skipped) == 5 and len(passed) == 1
    assert passed[0].get("name") == "Lab 2.3: pod security context: file owner and group"
    messages = [mark.get("message", "") for case in skipped for mark in case.iter("skipped")]
    assert len(messages) == 5 and all("none of its objects" in message for message in messages)


def test_json_reports_live_findings_and_not_started_labs(cluster: FakeCluster) -> None:
    cluster.answer(live_rules(213))
    result = cluster.verify(*EXERCISE, *FAST, "--max-wait", "0.5", "--format", "json")
    assert result.returncode == Exit.FINDINGS
    report = json.loads(result.stdout)
    statuses = {(r["kind"], r["status"]) for r in report["results"]}
    assert statuses == {("testing step", "not started"), ("live object", "fail"), ("testing step", "fail")}
    (finding,) = [r for r in report["results"] if r["kind"] == "live object"]
    assert finding["step"] == "Pod/security-context-pod spec.securityContext.fsGroup"
    assert finding["problem"].startswith("found 213, asked 231")
    assert finding["command"] == "kubectl get pod security-context-pod -n lab-student-1 -o json"


def kubectl_fakes_alive(rules: Path) -> list[int]:
    """The fake kubectl processes of this test still running (found by the rules file in their environment)."""
    alive = []
    marker = f"FAKE_KUBECTL_RULES={rules}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                alive.append(int(entry.name))
        except OSError:
            continue
    return alive


def test_ctrl_c_stops_the_pool_at_once_and_kills_the_calls_under_way(cluster: FakeCluster) -> None:
    # given twelve checks whose kubectl never answers (60 s), four at a time
    cluster.answer([SERVER, {"match": ["-n"], "answers": [{"sleep": 60}]}])
    process = subprocess.Popen(
        cluster.argv("--parallel", "4"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**cluster.environ(), "PYTHONUNBUFFERED": "1"},
        preexec_fn=default_ctrl_c,
    )
    deadline = time.monotonic() + 60
    while len(cluster.calls()) < 5 and time.monotonic() < deadline:  # version, then four checks
        time.sleep(0.05)
    assert len(cluster.calls()) == 5
    # when Ctrl-C arrives
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    # then it stops within seconds, says so in one line, starts no further call and leaves none running
    assert time.monotonic() - began < 10
    assert process.returncode == Exit.INTERRUPTED
    assert stderr.splitlines()[-1] == "labctl verify: interrupted"
    assert "Traceback" not in stderr
    assert stdout == ""
    assert len(cluster.calls()) == 5
    time.sleep(0.5)
    assert kubectl_fakes_alive(cluster.rules) == []
