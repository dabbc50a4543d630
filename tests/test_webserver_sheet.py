"""Given the web server lab's values, when its lab-sheet section is written, then every line says what the
student will see and when.

The times are worked out by hand from the kubelet's rules, as in tests/test_timeline_text.py: in Lab 2.2
the server listens at 45 s, readiness (delay 30, period 10) passes from 50 s, liveness (`ls index.html`,
delay 60, period 5) fails at 60, 65 and 70 s, and the container, stopped at 70 s, is SIGKILLed 30 s later
and restarted at 100 s. In Exercise 2.1 readiness (delay 5, period 10, one failure) fails at 5, 15, 25 and
35 s and passes from 45 s, when the server listens, until the 900 s horizon; nothing restarts it.
"""

from __future__ import annotations

from typing import Any

import pytest

from labs.webserver import ProbedWebServerArgs, parameter_line, sheet_section, warnings

SLEEPING = "readiness probe failed: connection refused (the server is still sleeping)"
WATCH = "Watch it, then read its events:"
KUBELET = (
    "What the kubelet will do, counted from the container's start (each probe may run up to one period later "
    "than shown):"
)


def check_paragraph(waits_for: str) -> list[str]:
    return [
        "The check below prints `ready,restartCount`, and the answer depends on when you run it: its Expected "
        "lists each answer with the time it holds, counted from the container's first start (each change may "
        f"come up to one probe period later). `labctl verify` waits for {waits_for}.",
        "",
    ]


def test_lab_2_2_sheet_tells_the_first_container_s_life_and_waits_for_the_restart() -> None:
    args = ProbedWebServerArgs(namespace="lab-ada", name="web")
    assert sheet_section(args) == [
        "Pod `web` sleeps `DELAY_START=45` seconds, then serves port 8000 with `python -m http.server`.",
        "",
        "Parameters: stage lab-2.2, delayStart 45s, grace 30s; "
        "readinessProbe delay 30s period 10s timeout 1s failure x4 success x1; "
        "livenessProbe delay 60s period 5s timeout 1s failure x3 success x1.",
        "",
        WATCH,
        "",
        "```console",
        "kubectl get pod web -n lab-ada --watch\nkubectl describe pod web -n lab-ada",
        "```",
        "",
        KUBELET,
        "",
        "- Ready first at 50s",
        "- 7 restart(s) within 900s, at 100s, 200s, 300s, 400s, 500s, 600s, 860s",
        "- first kill: livenessProbe fails 3 time(s) in a row 70s after the container starts; SIGKILL 30s later",
        "- CrashLoopBackOff after the exits at 700s",
        "",
        "```text",
        # Only the first container: every later one repeats it.
        "\n".join(
            [
                "  0s  container started",
                f" 30s  {SLEEPING} (x2 until 40s, every 10s)",
                " 45s  server starts listening",
                " 50s  readiness probe succeeded",
                " 50s  pod Ready (readiness result is success, successThreshold 1)",
                " 60s  readiness probe succeeded (x2 until 70s, every 10s)",
                " 60s  liveness probe failed (x3 until 70s, every 5s)",
                " 70s  container failed liveness probe, will be restarted (SIGTERM, SIGKILL after 30s)",
                " 80s  readiness probe succeeded (x2 until 90s, every 10s)",
                "100s  container stopped: pod not Ready",
                "100s  container exited (SIGKILL)",
                "100s  container restarted (restart 1)",
                "100s  ... the same again for each restart listed above",
            ]
        ),
        "```",
        "",
        *check_paragraph("a restart count of 1 or more (the first restart is predicted 100s in)"),
    ]


def test_exercise_2_1_sheet_shows_ready_at_45_and_waits_for_true() -> None:
    args = ProbedWebServerArgs(stage="exercise-2.1")
    assert sheet_section(args) == [
        "Pod `liveness-readiness-pod` sleeps `DELAY_START=45` seconds, then serves port 8000 with "
        "`python -m http.server`.",
        "",
        "Parameters: stage exercise-2.1, delayStart 45s, grace 30s; "
        "readinessProbe delay 5s period 10s timeout 1s failure x1 success x1.",
        "",
        WATCH,
        "",
        "```console",
        "kubectl get pod liveness-readiness-pod --watch\nkubectl describe pod liveness-readiness-pod",
        "```",
        "",
        KUBELET,
        "",
        "- Ready first at 45s",
        "- no restart within 900s",
        "",
        "```text",
        "\n".join(
            [
                " 0s  container started",
                f" 5s  {SLEEPING} (x4 until 35s, every 10s)",
                "45s  server starts listening",
                "45s  readiness probe succeeded",
                "45s  pod Ready (readiness result is success, successThreshold 1)",
                "55s  readiness probe succeeded (x85 until 895s, every 10s)",
            ]
        ),
        "```",
        "",
        *check_paragraph("`true` (Ready is predicted 45s in)"),
    ]


def test_a_pod_that_is_never_ready_gets_a_note_and_verify_waits_for_false() -> None:
    args = ProbedWebServerArgs(name="web", stage="exercise-2.1", readiness_probe={"httpGet": {"path": "/healthz"}})
    lines = sheet_section(args)
    note = (
        "> Note: web will never become Ready within 900s: the readiness probe never succeeds, but readinessProbe "
        "can never succeed (it probes something the server does not answer). Raise "
        "livenessProbe.initialDelaySeconds or failureThreshold, or lower delayStart, if the lab should reach Ready."
    )
    summary_end = lines.index("- no restart within 900s")
    assert lines[summary_end - 1 : summary_end + 4] == ["- never Ready within 900s", lines[summary_end], "", note, ""]
    assert lines[-2:] == check_paragraph("`false`: the pod is never Ready")


RAISE = (
    "Raise livenessProbe.initialDelaySeconds or failureThreshold, or lower delayStart, if the lab should reach Ready."
)


@pytest.mark.parametrize(
    ("values", "warning"),
    [
        # Lab 2.2's liveness kills at 70 s (60, 65, 70) a server due to listen at 100 s; readiness on the
        # server's own port and `/` would pass, so the sleep is to blame, whether the port is written or not.
        (
            {"delayStart": 100, "readinessProbe": {"httpGet": {"path": "/", "port": 8000}}},
            "web will never become Ready within 900s: livenessProbe fails 3 time(s) in a row 70s after the "
            f"container starts, but the server listens only after delayStart=100s. {RAISE}",
        ),
        (
            {"delayStart": 100},
            "web will never become Ready within 900s: livenessProbe fails 3 time(s) in a row 70s after the "
            f"container starts, but the server listens only after delayStart=100s. {RAISE}",
        ),
        # A readiness probe that always times out never passes, however early the server listens.
        (
            {"stage": "exercise-2.1", "readinessProbe": {"expect": "timeout"}},
            "web will never become Ready within 900s: the readiness probe never succeeds, but readinessProbe "
            f"can never succeed (it probes something the server does not answer). {RAISE}",
        ),
        ({"stage": "exercise-2.1"}, None),
    ],
    ids=["port-written", "port-unset", "timeout", "ready"],
)
def test_a_pod_never_ready_is_warned_about_naming_what_keeps_it_unready(
    values: dict[str, Any], warning: str | None
) -> None:
    args = ProbedWebServerArgs.model_validate({"name": "web", **values})
    assert warnings(args) == ([warning] if warning else [])


@pytest.mark.parametrize(
    ("values", "line"),
    [
        # A startup probe and a grace period of the student's own: every probe is listed, in the manifest's order.
        (
            {
                "stage": "exercise-2.1",
                "delayStart": 10,
                "terminationGracePeriodSeconds": 5,
                "startupProbe": {"tcpSocket": {}, "periodSeconds": 2, "failureThreshold": 30},
                "livenessProbe": {"httpGet": {"path": "/"}, "timeoutSeconds": 3},
            },
            "stage exercise-2.1, delayStart 10s, grace 5s; "
            "readinessProbe delay 5s period 10s timeout 1s failure x1 success x1; "
            "livenessProbe delay 0s period 10s timeout 3s failure x3 success x1; "
            "startupProbe delay 0s period 2s timeout 1s failure x30 success x1",
        ),
    ],
)
def test_the_parameter_line_lists_each_probe_and_the_grace_period(values: dict[str, Any], line: str) -> None:
    assert parameter_line(ProbedWebServerArgs.model_validate(values)) == line
