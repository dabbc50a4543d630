"""Given probe parameters, the timeline predicts what the kubelet does.

Every expected number below is worked out in the test from the kubelet's rules, not read back
from the model: probes at initialDelaySeconds and then every periodSeconds, thresholds of
consecutive results, SIGKILL a grace period after a kill (never less than 2 s), and the
restart back-off of 10 s doubling to 300 s measured from the previous container's exit.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import load
from labs import timeline
from labs.webserver import ProbedWebServerArgs, never_ready_warning

NEVER = {"exec": {"command": ["ls", "index.html"]}}  # the lab's liveness command never finds its file
ON_SERVER = {"httpGet": {"path": "/"}}  # passes once the server listens


def web(**params: Any) -> ProbedWebServerArgs:
    return ProbedWebServerArgs.model_validate(params)


def probe_times(prediction: timeline.Timeline, probe: str, success: bool | None = None) -> list[float]:
    return [
        event.at
        for event in prediction.events
        if event.kind == "probe" and event.probe == probe and (success is None or event.success is success)
    ]


def times_of(prediction: timeline.Timeline, kind: str) -> list[float]:
    return [event.at for event in prediction.events if event.kind == kind]


def test_exercise_2_1_fails_four_times_then_is_ready_when_the_server_listens() -> None:
    # Probes at 5, 15, 25, 35 meet a sleeping server; the one at 45 meets it listening.
    # Four failures is the seed's "Unhealthy (x4 over ...)".
    prediction = timeline.predict(web(stage="exercise-2.1", delayStart=45))
    assert probe_times(prediction, "readiness", success=False) == [5, 15, 25, 35]
    assert prediction.ready_at == 45
    assert prediction.restarts == ()
    assert prediction.kills == ()
    assert times_of(prediction, "not-ready") == []


def test_lab_2_2_is_ready_at_50_then_killed_by_liveness_at_70_and_sigkilled_at_100() -> None:
    # Readiness (delay 30, period 10): fails at 30 and 40, passes at 50 (server listens at 45).
    # Liveness (delay 60, period 5, threshold 3): fails at 60, 65, 70 -> kill at 70.
    # The shell as PID 1 ignores SIGTERM, so the container lasts the default 30 s grace: exit at 100.
    prediction = timeline.predict(web(stage="lab-2.2", delayStart=45))
    assert probe_times(prediction, "readiness", success=False)[:2] == [30, 40]
    assert prediction.ready_at == 50
    assert probe_times(prediction, "liveness")[:3] == [60, 65, 70]
    assert prediction.kills[0] == 70
    assert times_of(prediction, "exited")[0] == 100
    # Readiness keeps probing while the container is being stopped: still passing at 80 and 90.
    assert [t for t in probe_times(prediction, "readiness", success=True) if 70 < t < 100] == [80, 90]
    assert times_of(prediction, "not-ready")[0] == 100


def test_a_server_due_to_listen_as_its_container_is_sigkilled_or_the_horizon_comes_never_listens() -> None:
    # Lab 2.2 with delayStart 100: each container is killed at 70 s and SIGKILLed 30 s later, the
    # moment its sleep would end, so no container ever serves.
    killed_as_it_wakes = timeline.predict(web(stage="lab-2.2", delayStart=100), horizon=300)
    assert times_of(killed_as_it_wakes, "exited") == [100, 200]
    assert times_of(killed_as_it_wakes, "listening") == []
    # Exercise 2.1 seen up to 45 s, when the server would start: the picture ends before it does.
    cut_at_the_start = timeline.predict(web(stage="exercise-2.1", delayStart=45), horizon=45)
    assert times_of(cut_at_the_start, "listening") == []
    assert cut_at_the_start.ready_at is None


def test_lab_2_2_restarts_follow_the_kubelets_back_off_from_the_previous_exit() -> None:
    # Each container lives 100 s (kill at 70 + 30 s grace) and is restarted the moment it exits
    # unless it is in back-off. The kill and the restart share one sync whose status predates the
    # kill, so the back-off is measured from the *previous* container's exit:
    #   exit 100: no earlier exit                                  -> restart 100 (no entry yet)
    #   exit 200: 200-100=100 >= nothing                           -> restart 200, back-off 10
    #   exit 300: 100 >= 10 -> restart 300, back-off 20;  exit 400: 100 >= 20 -> 400, back-off 40
    #   exit 500: 100 >= 40 -> restart 500, back-off 80;  exit 600: 100 >= 80 -> 600, back-off 160
    #   exit 700: 700-600=100 < 160 -> CrashLoopBackOff, restart at 700+160=860, back-off 300
    #   exit 960: 960-700=260 < 300 -> CrashLoopBackOff again (restart at 1260, past 900 s)
    prediction = timeline.predict(web(stage="lab-2.2", delayStart=45))
    assert prediction.restarts == (100, 200, 300, 400, 500, 600, 860)
    assert prediction.back_offs == (700,)
    assert prediction.ready_at == 50


def test_back_off_reproduces_the_pattern_reported_for_the_liveness_exec_example() -> None:
    # kubernetes#99697: a container killed every ~70 s ran 5 restarts without waiting, then went
    # into CrashLoopBackOff. Here: liveness fails at 30, 35, 40 -> kill 40, exit 70 (30 s grace).
    args = web(
        stage="exercise-2.1",
        readinessProbe=None,
        livenessProbe={**NEVER, "initialDelaySeconds": 30, "periodSeconds": 5},
    )
    prediction = timeline.predict(args)
    # Restarts at 70, 140 (back-off 10), 210 (20), 280 (40), 350 (80); exit 420: 70 < 80 -> wait 80
    # -> 500 (160); exit 570: 570-420=150 < 160 -> wait -> 730 (300); exit 800: 230 < 300 -> 1100.
    assert prediction.restarts == (70, 140, 210, 280, 350, 500, 730)
    assert prediction.back_offs == (420, 570, 800)


def test_a_long_lived_container_is_always_restarted_at_once() -> None:
    # Liveness fails at 400, 410, 420 (default period 10, threshold 3): kill at 420, exit 30 s later.
    # That 450 s lifetime outlasts even the 300 s cap of the back-off.
    args = web(stage="exercise-2.1", readinessProbe=None, livenessProbe={**NEVER, "initialDelaySeconds": 400})
    prediction = timeline.predict(args, horizon=2600)
    assert prediction.restarts == (450, 900, 1350, 1800, 2250)
    assert prediction.back_offs == ()


def test_startup_probe_holds_readiness_and_liveness_back_until_it_passes() -> None:
    # Startup (period 10) fails at 0..40 and passes at 50, after the server listens at 45.
    # Readiness ticks at 5, 15, ... but runs only from the first tick after 50: 55.
    args = web(
        stage="exercise-2.1",
        delayStart=45,
        startupProbe={**ON_SERVER, "periodSeconds": 10, "failureThreshold": 30},
        readinessProbe={**ON_SERVER, "initialDelaySeconds": 5, "periodSeconds": 10},
        livenessProbe={**ON_SERVER, "initialDelaySeconds": 0, "periodSeconds": 10},
    )
    prediction = timeline.predict(args)
    assert probe_times(prediction, "startup") == [0, 10, 20, 30, 40, 50]
    assert min(probe_times(prediction, "readiness") + probe_times(prediction, "liveness")) >= 50
    assert probe_times(prediction, "readiness")[0] == 55
    assert probe_times(prediction, "liveness")[0] == 50
    assert prediction.ready_at == 55
    assert prediction.restarts == ()


def test_a_startup_probe_that_runs_out_of_failures_kills_the_container() -> None:
    # Fails at 0, 10, 20 (threshold 3) -> kill at 20, SIGKILL 30 s later; the server never got to listen.
    args = web(stage="lab-2.2", delayStart=45, startupProbe={**ON_SERVER, "periodSeconds": 10, "failureThreshold": 3})
    prediction = timeline.predict(args)
    assert prediction.kills[0] == 20
    assert times_of(prediction, "exited")[0] == 50
    assert prediction.ever_ready is False
    assert prediction.kill_reason is not None and prediction.kill_reason.startswith("startupProbe")


def test_success_threshold_needs_that_many_passes_in_a_row() -> None:
    # Server listens at 45; probes every 10 s from 0: passes at 50, 60, 70 -> Ready at the third.
    args = web(
        stage="exercise-2.1",
        delayStart=45,
        readinessProbe={**ON_SERVER, "initialDelaySeconds": 0, "successThreshold": 3, "failureThreshold": 1},
    )
    assert timeline.predict(args).ready_at == 70


def test_a_readiness_success_streak_survives_a_restart() -> None:
    # The run counter belongs to the kubelet's probe worker, not to the container. The server
    # listens at once; readiness (success x3) passes at 0, 10, 20 -> Ready at 20, and keeps passing.
    # Liveness fails once at 40 (threshold 1) -> kill, exit at 50 (10 s grace), restart at 50.
    # The first pass of the new container continues the streak: Ready again at 50, not at 70.
    args = web(
        stage="exercise-2.1",
        delayStart=0,
        terminationGracePeriodSeconds=10,
        readinessProbe={**ON_SERVER, "initialDelaySeconds": 0, "successThreshold": 3},
        livenessProbe={**NEVER, "initialDelaySeconds": 40, "periodSeconds": 10, "failureThreshold": 1},
    )
    prediction = timeline.predict(args, horizon=60)
    assert prediction.restarts == (50,)
    assert times_of(prediction, "ready") == [20, 50]


def test_a_probe_that_outlasts_its_period_runs_again_as_soon_as_it_ends() -> None:
    # Timeout 15 s, period 10 s: the probe begun at 0 fails at 15; the tick at 10 waited, so the
    # next begins at 15 and fails at 30 (ticks at 20 and 30 fold into one); the third fails at 45.
    args = web(
        stage="exercise-2.1",
        readinessProbe=None,
        livenessProbe={**NEVER, "expect": "timeout", "timeoutSeconds": 15, "periodSeconds": 10},
    )
    prediction = timeline.predict(args)
    assert probe_times(prediction, "liveness")[:3] == [15, 30, 45]
    assert prediction.kills[0] == 45


def test_a_timeout_within_the_period_keeps_the_period() -> None:
    args = web(
        stage="exercise-2.1",
        readinessProbe=None,
        livenessProbe={**NEVER, "expect": "timeout", "timeoutSeconds": 3, "periodSeconds": 10},
    )
    prediction = timeline.predict(args)
    assert probe_times(prediction, "liveness")[:3] == [3, 13, 23]
    assert prediction.kills[0] == 23


def test_a_readiness_probe_that_never_succeeds_keeps_the_pod_unready_without_restarts() -> None:
    args = web(stage="exercise-2.1", readinessProbe={"httpGet": {"path": "/healthz"}})
    prediction = timeline.predict(args)
    assert prediction.ever_ready is False
    assert prediction.restarts == ()
    warning = never_ready_warning(args, prediction)
    assert warning is not None and "readinessProbe" in warning


def test_the_grace_period_sets_when_the_killed_container_exits() -> None:
    # Kill at 70 in every case; SIGKILL after the grace period, which the kubelet raises to 2 s.
    for grace, exit_at in ((5, 75), (0, 72), (1, 72), (45, 115)):
        prediction = timeline.predict(web(stage="lab-2.2", terminationGracePeriodSeconds=grace))
        assert times_of(prediction, "exited")[0] == exit_at, grace
        assert prediction.restarts[0] == exit_at, grace


def test_a_short_grace_period_brings_the_back_off_in_sooner() -> None:
    # Grace 0 -> 2 s: lifetime 72 s. Restarts at 72, 144 (10), 216 (20), 288 (40), 360 (80);
    # exit 432: 432-360=72 < 80 -> CrashLoopBackOff, next start at 432+80=512.
    prediction = timeline.predict(web(stage="lab-2.2", terminationGracePeriodSeconds=0))
    assert prediction.restarts[:6] == (72, 144, 216, 288, 360, 512)
    assert prediction.back_offs[0] == 432


def test_killed_before_the_server_listens_means_never_ready_and_a_warning_at_config_load() -> None:
    # Liveness kills at 70 but the server would listen at 100: no container ever serves.
    plan = load({"labs": {"probedWebServer": {"stage": "lab-2.2", "delayStart": 100}}})
    assert any("delayStart=100" in warning and "livenessProbe" in warning for warning in plan.warnings)
    prediction = timeline.predict(web(stage="lab-2.2", delayStart=100))
    assert prediction.ever_ready is False
    assert times_of(prediction, "listening") == []


@settings(max_examples=150, deadline=None)
@given(
    delay_start=st.integers(0, 120),
    grace=st.integers(0, 60),
    live_delay=st.integers(0, 120),
    live_period=st.integers(1, 30),
    live_timeout=st.integers(1, 40),
    live_failures=st.integers(1, 5),
    startup=st.booleans(),
)
def test_invariants_hold_for_any_parameters(
    delay_start: int,
    grace: int,
    live_delay: int,
    live_period: int,
    live_timeout: int,
    live_failures: int,
    startup: bool,
) -> None:
    params: dict[str, Any] = {
        "stage": "exercise-2.1",
        "delayStart": delay_start,
        "terminationGracePeriodSeconds": grace,
        "livenessProbe": {
            **ON_SERVER,
            "initialDelaySeconds": live_delay,
            "periodSeconds": live_period,
            "timeoutSeconds": live_timeout,
            "failureThreshold": live_failures,
            "expect": "timeout" if live_timeout > live_period else "auto",
        },
    }
    if startup:
        params["startupProbe"] = {**ON_SERVER, "periodSeconds": 5, "failureThreshold": 20}
    prediction = timeline.predict(web(**params))
    starts = times_of(prediction, "started")
    exits = times_of(prediction, "exited")
    assert list(prediction.restarts) == starts[1:]
    for kill, exit_at in zip(prediction.kills, exits, strict=False):
        assert exit_at - kill == max(grace, 2)
    for exit_at, restart in zip(exits, prediction.restarts, strict=False):
        assert 0 <= restart - exit_at <= timeline.BACKOFF_MAX_SECONDS
    if prediction.ready_at is not None:
        assert prediction.ready_at >= delay_start  # readiness on '/' needs the server
    passed = times_of(prediction, "startup-passed")
    if startup:
        first_start_end = exits[0] if exits else prediction.horizon
        gate = passed[0] if passed and passed[0] <= first_start_end else first_start_end
        early = [t for t in probe_times(prediction, "readiness") + probe_times(prediction, "liveness") if t < gate]
        assert early == []


def test_a_prediction_depends_on_the_parameters_not_the_namespace() -> None:
    first = timeline.predict(ProbedWebServerArgs(namespace="lab-a"))
    assert timeline.predict(ProbedWebServerArgs(namespace="lab-b")) is first
    other = timeline.predict(ProbedWebServerArgs(namespace="lab-a", delay_start=5))
    assert other.ready_at != first.ready_at


def test_what_does_not_change_a_prediction_shares_it() -> None:
    # Names, image, command, resources and how `pulumi up` waits: the kubelet's timing ignores them all.
    first = timeline.predict(web(delayStart=41))
    other = timeline.predict(
        web(
            delayStart=41,
            name="other",
            namespace="lab-x",
            image="python:3.12-alpine",
            containerName="web",
            args=["-c", "true"],
            awaitMode="none",
            resources={"cpuLimit": "1"},
        )
    )
    assert other is first


def test_a_probe_spelled_differently_but_timed_alike_shares_its_prediction() -> None:
    # 'auto' on httpGet '/' of the server's port is 'afterServerStart'; the port itself is no input.
    auto = timeline.predict(web(delayStart=42, readinessProbe={"httpGet": {"path": "/"}}))
    spelled = timeline.predict(
        web(
            delayStart=42,
            port=9000,
            readinessProbe={"httpGet": {"path": "/", "port": 9000}, "expect": "afterServerStart"},
        )
    )
    assert spelled is auto


@pytest.mark.parametrize(
    "change",
    [
        {"delayStart": 44},
        {"terminationGracePeriodSeconds": 5},
        {"readinessProbe": {"periodSeconds": 3}},
        {"readinessProbe": {"timeoutSeconds": 2}},
        {"readinessProbe": {"successThreshold": 2}},
        {"livenessProbe": {"failureThreshold": 4}},
        {"livenessProbe": {"initialDelaySeconds": 61}},
        {"livenessProbe": {"expect": "always"}},
        {"startupProbe": {"tcpSocket": {}}},
    ],
)
def test_every_timing_parameter_is_part_of_what_the_prediction_depends_on(change: dict[str, Any]) -> None:
    assert timeline.pod_timing(web(**{"delayStart": 43, **change})) != timeline.pod_timing(web(delayStart=43))


SLEEPING = "failed: connection refused (the server is still sleeping)"


def test_exercise_2_1_event_by_event() -> None:
    # Readiness on '/' (delay 5, period 10) meets a sleeping server until it listens at 45; the
    # server listening reads before the probe that finds it so.
    prediction = timeline.predict(web(stage="exercise-2.1", delayStart=45), horizon=60)
    assert prediction == timeline.Timeline(
        events=(
            timeline.Event(0, "started", "container started"),
            *[timeline.Event(at, "probe", f"readiness probe {SLEEPING}", "readiness", False) for at in (5, 15, 25, 35)],
            timeline.Event(45, "listening", "server starts listening"),
            timeline.Event(45, "probe", "readiness probe succeeded", "readiness", True),
            timeline.Event(45, "ready", "pod Ready (readiness result is success, successThreshold 1)"),
            timeline.Event(55, "probe", "readiness probe succeeded", "readiness", True),
        ),
        ready_at=45,
        restarts=(),
        horizon=60,
    )


def test_a_startup_probe_then_a_hanging_liveness_probe_event_by_event() -> None:
    # Startup on '/' (period 10, failure x5) fails at 0 and 10 and passes at 20, when the server
    # listens; with no readiness probe the pod is Ready then. Liveness (delay 0, period 10) was
    # held back until then; it hangs, so it fails timeoutSeconds (4 s) after each start: at 24
    # and 34, its second failure in a row: killed at 34, SIGKILL 6 s later, restarted at once.
    # The startup probe's worker remembers its last success across the restart, yet its
    # threshold counts from the first result that differs, so the new container passes at 60 again.
    args = web(
        stage="exercise-2.1",
        delayStart=20,
        terminationGracePeriodSeconds=6,
        readinessProbe=None,
        startupProbe={**ON_SERVER, "periodSeconds": 10, "failureThreshold": 5},
        livenessProbe={
            **NEVER,
            "expect": "timeout",
            "timeoutSeconds": 4,
            "periodSeconds": 10,
            "failureThreshold": 2,
            "initialDelaySeconds": 0,
        },
    )
    startup_failed = f"startup probe {SLEEPING}"
    hung = "liveness probe failed: timed out after 4s"
    passed = [
        ("listening", "server starts listening", None, None),
        ("probe", "startup probe succeeded", "startup", True),
        ("startup-passed", "startup probe passed: the other probes may run", None, None),
        ("ready", "pod Ready (startup probe passed and there is no readiness probe)", None, None),
    ]
    expected = [
        (0, "started", "container started", None, None),
        (0, "probe", startup_failed, "startup", False),
        (10, "probe", startup_failed, "startup", False),
        *[(20, *event) for event in passed],
        (24, "probe", hung, "liveness", False),
        (34, "probe", hung, "liveness", False),
        (34, "killing", "container failed liveness probe, will be restarted (SIGTERM, SIGKILL after 6s)", None, None),
        (40, "not-ready", "container stopped: pod not Ready", None, None),
        (40, "exited", "container exited (SIGKILL)", None, None),
        (40, "started", "container restarted (restart 1)", None, None),
        (40, "probe", startup_failed, "startup", False),
        (50, "probe", startup_failed, "startup", False),
        *[(60, *event) for event in passed],
        (64, "probe", hung, "liveness", False),
    ]
    prediction = timeline.predict(args, horizon=70)
    assert [(e.at, e.kind, e.message, e.probe, e.success) for e in prediction.events] == expected
    assert (prediction.ready_at, prediction.restarts, prediction.kills, prediction.back_offs) == (20, (40,), (34,), ())
    assert prediction.kill_reason == "livenessProbe fails 2 time(s) in a row 34s after the container starts"


def test_without_any_probe_the_pod_is_ready_as_soon_as_it_runs() -> None:
    prediction = timeline.predict(web(stage="exercise-2.1", delayStart=30, readinessProbe=None), horizon=60)
    assert prediction.events == (
        timeline.Event(0, "started", "container started"),
        timeline.Event(0, "ready", "pod Ready (no readiness probe: Ready once the container runs)"),
        timeline.Event(30, "listening", "server starts listening"),
    )
    assert prediction.ready_at == 0


def test_a_probe_expected_to_pass_always_passes() -> None:
    args = web(stage="exercise-2.1", delayStart=30, readinessProbe={"expect": "always", "periodSeconds": 20})
    prediction = timeline.predict(args, horizon=60)
    assert [(e.at, e.message) for e in prediction.events if e.kind == "probe"] == [
        (5, "readiness probe succeeded"),
        (25, "readiness probe succeeded"),
        (45, "readiness probe succeeded"),
    ]
    assert prediction.ready_at == 5


def test_a_crash_loop_back_off_event_says_when_the_next_start_comes() -> None:
    prediction = timeline.predict(web(stage="lab-2.2", delayStart=45))
    (back_off,) = [e for e in prediction.events if e.kind == "back-off"]
    assert back_off == timeline.Event(700, "back-off", "CrashLoopBackOff: next start in 160s")
    assert [e.message for e in prediction.events if e.kind == "started"][:3] == [
        "container started",
        "container restarted (restart 1)",
        "container restarted (restart 2)",
    ]


def test_the_back_off_entry_follows_client_gos_rules() -> None:
    # flowcontrol.Backoff as the kubelet uses it: a container that exited while its entry is in
    # back-off (less than the entry's delay since the previous exit) waits that delay, and the
    # delay doubles, up to 300 s; otherwise it starts at once and the entry is renewed. An entry
    # not updated for more than 600 s by the previous exit's time starts again from 10 s.
    back_off = timeline._BackOff()
    assert back_off.restart_at(None, 100) == 100  # the first exit: nothing to back off from
    assert (back_off.seconds, back_off.last_update) == (None, 0)
    assert back_off.restart_at(100, 150) == 150  # no entry yet: one of 10 s, start at once
    assert (back_off.seconds, back_off.last_update) == (10, 150)
    assert back_off.restart_at(150, 155) == 165  # 5 s after the previous exit, inside 10 s: wait
    assert (back_off.seconds, back_off.last_update) == (20, 165)
    assert back_off.restart_at(155, 175) == 175  # 20 s after it: no longer in back-off, doubled
    assert (back_off.seconds, back_off.last_update) == (40, 175)


@pytest.mark.parametrize(
    ("previous_exit", "seconds_after"),
    [
        (775, 80),  # 600 s after the entry's last update (175): still remembered, doubled
        (776, 10),  # 601 s: forgotten, 10 s again
    ],
)
def test_the_back_off_forgets_an_entry_older_than_600_seconds(previous_exit: float, seconds_after: float) -> None:
    back_off = timeline._BackOff(seconds=40, last_update=175)
    assert back_off.restart_at(previous_exit, 900) == 900
    assert (back_off.seconds, back_off.last_update) == (seconds_after, 900)


def test_a_container_in_back_off_whose_entry_has_since_expired_starts_at_once() -> None:
    # In back-off by the previous exit (500 s, 200 s before this one, inside 300 s), but by this
    # exit the entry is 700 s old: it is forgotten and the container starts again at once.
    back_off = timeline._BackOff(seconds=300, last_update=0)
    assert back_off.restart_at(500, 700) == 700
    assert (back_off.seconds, back_off.last_update) == (10, 700)
    # The delay never grows past 300 s.
    capped = timeline._BackOff(seconds=160, last_update=600)
    assert capped.restart_at(650, 700) == 860
    assert (capped.seconds, capped.last_update) == (300, 860)


def test_a_startup_probe_alone_kills_each_container_and_stops_probing_it() -> None:
    # Startup on '/' (period 10, failure x2) meets a server that sleeps 45 s: fails at 0 and 10,
    # killed at 10, SIGKILL 15 s later at 25. It does not probe the dying container (no result at
    # 20); its worker starts counting again in the next container: fails at 25 and 35, killed at 35,
    # exit at 50. That second exit is the first with an earlier one: restarted at once.
    args = web(
        stage="exercise-2.1",
        delayStart=45,
        terminationGracePeriodSeconds=15,
        readinessProbe=None,
        startupProbe={**ON_SERVER, "periodSeconds": 10, "failureThreshold": 2},
    )
    prediction = timeline.predict(args, horizon=55)
    failed = ("probe", f"startup probe {SLEEPING}")
    killing = ("killing", "container failed startup probe, will be restarted (SIGTERM, SIGKILL after 15s)")
    exited = ("exited", "container exited (SIGKILL)")
    assert [(e.at, e.kind, e.message) for e in prediction.events] == [
        (0, "started", "container started"),
        (0, *failed),
        (10, *failed),
        (10, *killing),
        (25, *exited),
        (25, "started", "container restarted (restart 1)"),
        (25, *failed),
        (35, *failed),
        (35, *killing),
        (50, *exited),
        (50, "started", "container restarted (restart 2)"),
        (50, *failed),
    ]
    assert prediction.kill_reason == "startupProbe fails 2 time(s) in a row 10s after the container starts"
    assert (prediction.kills, prediction.restarts, prediction.ready_at) == ((10, 35), (25, 50), None)


def test_a_probe_answer_due_at_or_after_the_horizon_is_left_out_and_the_others_go_on() -> None:
    # Readiness hangs for 20 s from each start (0, 30): it fails at 20, and its answer to the start
    # at 30 would come at 50, the horizon. Liveness on '/' passes every 10 s meanwhile.
    args = web(
        stage="exercise-2.1",
        delayStart=0,
        readinessProbe={"expect": "timeout", "timeoutSeconds": 20, "initialDelaySeconds": 0, "periodSeconds": 30},
        livenessProbe={**ON_SERVER, "initialDelaySeconds": 0, "periodSeconds": 10},
    )
    prediction = timeline.predict(args, horizon=50)
    assert [(e.at, e.probe, e.success) for e in prediction.events if e.kind == "probe"] == [
        (0, "liveness", True),
        (10, "liveness", True),
        (20, "readiness", False),
        (20, "liveness", True),
        (30, "liveness", True),
        (40, "liveness", True),
    ]


@pytest.mark.parametrize(("horizon", "exits"), [(100, []), (101, [100])])
def test_a_container_still_terminating_at_the_horizon_has_not_exited(horizon: float, exits: list[float]) -> None:
    # Lab 2.2: killed at 70, SIGKILL at 100.
    prediction = timeline.predict(web(stage="lab-2.2", delayStart=45), horizon=horizon)
    assert prediction.kills == (70,)
    assert times_of(prediction, "exited") == exits
    assert times_of(prediction, "not-ready") == exits
    assert prediction.restarts == tuple(exits)


def test_exercise_2_1_status_windows_are_not_ready_then_ready_for_good() -> None:
    prediction = timeline.predict(web(stage="exercise-2.1", delayStart=45))
    assert timeline.status_windows(prediction) == (
        timeline.StatusWindow(0, 45, ready=False, restarts=0, waiting=False),
        timeline.StatusWindow(45, None, ready=True, restarts=0, waiting=False),
    )


def test_an_http_probe_on_the_servers_own_port_waits_for_the_server() -> None:
    on_port = web(stage="exercise-2.1", delayStart=45, readinessProbe={"httpGet": {"path": "/", "port": 8000}})
    elsewhere = web(stage="exercise-2.1", delayStart=45, readinessProbe={"httpGet": {"path": "/", "port": 9000}})
    assert timeline.predict(on_port).ready_at == 45
    assert timeline.predict(elsewhere).ready_at is None
