"""Given a prediction, when it is put in words (`labctl timeline`, the lab sheet), then each line says when.

Lab 2.2 at the lab text's values, worked out by hand from the kubelet's rules: the server
listens at 45 s; readiness (delay 30, period 10) fails at 30 and 40 and passes from 50;
liveness (delay 60, period 5, `ls index.html` never succeeds) fails at 60, 65 and 70, so the
container is killed at 70 and SIGKILLed 30 s later, at 100, and restarted at once. Each container
lives 100 s; the back-off, measured from the previous exit, first holds a restart at the exit at
700 s (back-off 160 s: restart at 860 s).
"""

from __future__ import annotations

import pytest

from labs import timeline, timeline_text
from labs.timeline import Event
from labs.webserver import ProbedWebServerArgs

SLEEPING = "readiness probe failed: connection refused (the server is still sleeping)"


def test_lab_2_2_reads_as_one_line_per_phase_of_the_containers_life() -> None:
    prediction = timeline.predict(ProbedWebServerArgs(), horizon=150)
    assert timeline_text.event_lines(prediction) == [
        (0, "container started"),
        (30, f"{SLEEPING} (x2 until 40s, every 10s)"),
        (45, "server starts listening"),
        (50, "readiness probe succeeded"),
        (50, "pod Ready (readiness result is success, successThreshold 1)"),
        # Both probes run from 60 s on; the kill ends both runs.
        (60, "readiness probe succeeded (x2 until 70s, every 10s)"),
        (60, "liveness probe failed (x3 until 70s, every 5s)"),
        (70, "container failed liveness probe, will be restarted (SIGTERM, SIGKILL after 30s)"),
        # Readiness keeps probing while the container is being stopped.
        (80, "readiness probe succeeded (x2 until 90s, every 10s)"),
        (100, "container stopped: pod not Ready"),
        (100, "container exited (SIGKILL)"),
        (100, "container restarted (restart 1)"),
        (130, f"{SLEEPING} (x2 until 140s, every 10s)"),
        (145, "server starts listening"),
    ]


def probe(at: float, success: bool = False, name: timeline.ProbeName = "liveness") -> Event:
    return Event(at, "probe", f"{name} probe {'succeeded' if success else 'failed'}", name, success)


def by_hand(*events: Event) -> timeline.Timeline:
    return timeline.Timeline(events=events, ready_at=None, restarts=(), horizon=100)


@pytest.mark.parametrize(
    ("events", "lines"),
    [
        # Results at irregular times fold into one line that gives no period.
        ((probe(10), probe(20), probe(35)), [(10, "liveness probe failed (x3 until 35s)")]),
        # Times that are not whole seconds: 0.1 s apart, whatever the floating point error.
        ((probe(0.1), probe(0.2), probe(0.3)), [(0.1, "liveness probe failed (x3 until 0.3s, every 0.1s)")]),
        # A different result of the same probe starts a new line; another probe's result does not.
        (
            (probe(10), probe(15, name="readiness"), probe(20), probe(30, success=True), probe(40, success=True)),
            [
                (10, "liveness probe failed (x2 until 20s, every 10s)"),
                (15, "readiness probe failed"),
                (30, "liveness probe succeeded (x2 until 40s, every 10s)"),
            ],
        ),
        # A result at the same moment as an event reads after it when it comes after it.
        (
            (Event(5, "started", "container started"), probe(5), Event(5, "listening", "server starts listening")),
            [(5, "container started"), (5, "liveness probe failed"), (5, "server starts listening")],
        ),
    ],
)
def test_runs_of_identical_results_fold_into_one_line(
    events: tuple[Event, ...], lines: list[tuple[float, str]]
) -> None:
    assert timeline_text.event_lines(by_hand(*events)) == lines


def test_lab_2_2_summary_gives_ready_the_restarts_the_first_kill_and_the_back_off() -> None:
    args = ProbedWebServerArgs()
    assert timeline_text.summary_lines(args, timeline.predict(args)) == [
        "Ready first at 50s",
        "7 restart(s) within 900s, at 100s, 200s, 300s, 400s, 500s, 600s, 860s",
        "first kill: livenessProbe fails 3 time(s) in a row 70s after the container starts; SIGKILL 30s later",
        "CrashLoopBackOff after the exits at 700s",
    ]


def test_a_pod_that_is_never_ready_nor_restarted_says_both() -> None:
    args = ProbedWebServerArgs(stage="exercise-2.1", readiness_probe={"httpGet": {"path": "/healthz"}})
    assert timeline_text.summary_lines(args, timeline.predict(args, horizon=300)) == [
        "never Ready within 300s",
        "no restart within 300s",
    ]


def test_exercise_2_1_summary_is_ready_at_45_and_never_restarted() -> None:
    args = ProbedWebServerArgs(stage="exercise-2.1")
    assert timeline_text.summary_lines(args, timeline.predict(args)) == ["Ready first at 45s", "no restart within 900s"]


def test_lab_2_2_status_lines_give_eight_windows_then_say_how_the_rest_go_on() -> None:
    # 16 windows in 900 s: unready then Ready in each of the seven 100 s containers, the
    # back-off from 700 to 860 s, and the eighth container, not Ready before 900 s.
    assert timeline_text.status_lines(timeline.predict(ProbedWebServerArgs())) == [
        "false,0  before 50s",
        "true,0   from 50s to 100s",
        "false,1  from 100s to 150s",
        "true,1   from 150s to 200s",
        "false,2  from 200s to 250s",
        "true,2   from 250s to 300s",
        "false,3  from 300s to 350s",
        "true,3   from 350s to 400s",
        "...      and so on: each restart listed above adds one to the count (8 more window(s))",
    ]


def test_a_status_line_marks_the_back_off_and_the_window_that_lasts() -> None:
    # delayStart 100: the liveness probe kills every container before its server listens.
    prediction = timeline.predict(ProbedWebServerArgs(delay_start=100))
    assert timeline_text.status_lines(prediction, shown=9) == [
        "false,0  before 100s",
        "false,1  from 100s to 200s",
        "false,2  from 200s to 300s",
        "false,3  from 300s to 400s",
        "false,4  from 400s to 500s",
        "false,5  from 500s to 600s",
        "false,6  from 600s to 700s",
        "false,6  from 700s to 860s (CrashLoopBackOff: waiting for the next start)",
        "false,7  from 860s on",
    ]


def test_without_a_readiness_probe_the_pod_is_ready_from_the_start_on() -> None:
    args = ProbedWebServerArgs(stage="exercise-2.1", readiness_probe=None)
    assert timeline_text.status_lines(timeline.predict(args)) == ["true,0   from the start on"]


def test_each_exit_into_crash_loop_back_off_is_listed() -> None:
    # A container killed every 70 s (liveness fails at 30, 35, 40; SIGKILL 30 s later): the
    # back-off outgrows that lifetime at the exit at 420 s, and again at 570 s and 800 s
    # (worked out in tests/test_timeline.py, after kubernetes#99697).
    args = ProbedWebServerArgs(
        stage="exercise-2.1",
        readiness_probe=None,
        liveness_probe={"exec": {"command": ["ls", "index.html"]}, "initialDelaySeconds": 30, "periodSeconds": 5},
    )
    assert timeline_text.summary_lines(args, timeline.predict(args)) == [
        "Ready first at 0s",
        "7 restart(s) within 900s, at 70s, 140s, 210s, 280s, 350s, 500s, 730s",
        "first kill: livenessProbe fails 3 time(s) in a row 40s after the container starts; SIGKILL 30s later",
        "CrashLoopBackOff after the exits at 420s, 570s, 800s",
    ]


def test_a_prediction_that_ends_in_back_off_ends_on_a_waiting_window() -> None:
    # delayStart 100: exits every 100 s; the exit at 700 s waits 160 s, past an 800 s horizon.
    prediction = timeline.predict(ProbedWebServerArgs(delay_start=100), horizon=800)
    assert timeline_text.status_lines(prediction, shown=8)[-2:] == [
        "false,6  from 600s to 700s",
        "false,6  from 700s on (CrashLoopBackOff: waiting for the next start)",
    ]
