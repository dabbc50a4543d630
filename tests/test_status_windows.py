"""Given the probe pod, when the sheet gives the readiness answer, then each answer holds at the time it names.

`kubectl get pod -o jsonpath={ready},{restartCount}` answers differently as the pod goes through
its life, so the sheet gives one answer per window of time. Every window below is worked out
by hand from the kubelet's rules (probe ticks at initialDelaySeconds + k x periodSeconds,
failureThreshold in a row, SIGKILL after the grace period), not read back from the code.
"""

from __future__ import annotations

from labctl.render.handout import lab_sheet
from labs import timeline
from labs.environment import Environment
from labs.timeline_text import status_lines
from labs.webserver import ProbedWebServerArgs, checks

# (start, end, ready, restartCount)
Window = tuple[float, float | None, bool, int]


def windows_of(args: ProbedWebServerArgs) -> list[Window]:
    return [(w.start, w.end, w.ready, w.restarts) for w in timeline.status_windows(timeline.predict(args))]


def test_lab_2_2_is_unready_then_ready_then_restarted_cycle_by_cycle() -> None:
    # readiness: delay 30, period 10, server listening at 45 -> fails at 30, 40; passes at 50.
    # liveness: delay 60, period 5, `ls index.html` always fails -> 60, 65, 70: killed at 70,
    # SIGKILL 30 s later at 100, restarted at once (no earlier exit to back off from).
    # Each new container repeats it 100 s later: Ready at +50, restarted at +100.
    windows = windows_of(ProbedWebServerArgs())

    assert windows[:6] == [
        (0, 50, False, 0),
        (50, 100, True, 0),
        (100, 150, False, 1),
        (150, 200, True, 1),
        (200, 250, False, 2),
        (250, 300, True, 2),
    ]


def test_exercise_2_1_becomes_ready_once_and_stays() -> None:
    # readiness: delay 5, period 10 -> 5, 15, 25, 35 fail; 45 finds the server listening.
    assert windows_of(ProbedWebServerArgs(stage="exercise-2.1")) == [(0, 45, False, 0), (45, None, True, 0)]


def test_a_crash_loop_back_off_is_its_own_window() -> None:
    # delayStart 100: never Ready; liveness kills at 70 + 30 s grace = exit every 100 s. The
    # back-off doubles from 10 s and is measured from the previous exit, so restarts are immediate
    # until 10 x 2^k outgrows the 100 s lifetime: the exit at 700 s waits 160 s (restart at 860 s).
    windows = timeline.status_windows(timeline.predict(ProbedWebServerArgs(delay_start=100)))
    waiting = [(w.start, w.end, w.restarts) for w in windows if w.waiting]

    assert waiting == [(700, 860, 6)]
    assert all(not w.ready for w in windows)


def test_the_sheet_gives_each_answer_with_its_window_not_one_answer() -> None:
    args = ProbedWebServerArgs(namespace="lab-a")
    env = Environment(name="a", namespace="lab-a", labs={"probedWebServer": args})

    sheet = lab_sheet(env)

    assert "false,0  before 50s\ntrue,0   from 50s to 100s\nfalse,1  from 100s to 150s\n" in sheet
    assert "`labctl verify` waits for a restart count of 1 or more" in sheet


def test_the_check_expects_the_same_lines_the_sheet_shows() -> None:
    args = ProbedWebServerArgs(stage="exercise-2.1", namespace="lab-a")

    (check,) = checks(args)

    assert check.expected.splitlines() == ["false,0  before 45s", "true,0   from 45s on"]
    assert check.expected.splitlines() == status_lines(timeline.predict(args))
    assert check.verdict("true,0") is None
