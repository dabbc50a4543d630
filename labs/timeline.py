"""Predicts what the kubelet does with ProbedWebServer's probes, second by second.

The rules follow the kubelet's prober workers and its restart back-off:

- Each probe first runs at initialDelaySeconds after the container starts, then on every
  periodSeconds tick. A probe that outlasts its period runs again as soon as it ends (Go's
  ticker keeps one missed tick and drops the rest). A hanging probe fails after timeoutSeconds.
- failureThreshold consecutive failures or successThreshold consecutive successes change the
  result. The run counter belongs to the probe's worker, not to the container: it survives a
  restart, so a readiness probe that was passing before the restart needs only one success
  after it, whatever successThreshold says.
- Readiness starts as failed and only gates traffic; it keeps probing, even while the
  container is being stopped. Once it passes it keeps passing: a probe's answer only ever
  changes when the server starts listening, and the server listens until the container is
  killed, so the pod leaves Ready only when its container stops.
- A failed liveness or startup probe kills the container and holds that probe until the
  next container. A startup probe holds the others back until it succeeds, while their
  initialDelaySeconds still count from the container's start.
- A kill sends SIGTERM and SIGKILL after terminationGracePeriodSeconds (at least 2 s). The
  lab's PID 1, a shell or Python's http.server, installs no SIGTERM handler and the kernel
  drops unhandled signals to PID 1, so the container always lasts the whole grace period.
- Restarts back off from 10 s, doubling up to 300 s; the back-off is forgotten when the
  previous restart is more than 600 s old. The kubelet kills and restarts in one sync whose
  status predates the kill, so it measures the back-off from the previous container's exit:
  the first restarts after a liveness kill are immediate until the back-off outgrows the
  container's lifetime (kubernetes/kubernetes#22240, observed in #99697).

Times are nominal. A real probe runs up to one periodSeconds later than shown, because its
ticker is set when the kubelet first sees the pod rather than when the container starts, and a
restart out of back-off waits for the kubelet's next sync (about 10 to 15 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, Protocol

from labs.probes import Expectation, Probe

ProbeName = Literal["startup", "readiness", "liveness"]
EventKind = Literal[
    "started", "listening", "probe", "startup-passed", "ready", "not-ready", "killing", "exited", "back-off"
]
PROBE_ORDER: tuple[ProbeName, ...] = ("startup", "readiness", "liveness")
BACKOFF_INITIAL_SECONDS = 10
BACKOFF_MAX_SECONDS = 300
# The kubelet forgets a back-off entry not updated for twice its maximum.
BACKOFF_RESET_SECONDS = 2 * BACKOFF_MAX_SECONDS
MINIMUM_GRACE_SECONDS = 2
DEFAULT_HORIZON_SECONDS = 900


@dataclass(frozen=True)
class Event:
    at: float
    kind: EventKind
    message: str
    probe: ProbeName | None = None
    success: bool | None = None
    """For probe events: whether this one probe passed."""


@dataclass(frozen=True)
class Timeline:
    events: tuple[Event, ...]
    ready_at: float | None
    restarts: tuple[float, ...]
    horizon: float
    kill_reason: str | None = None
    kills: tuple[float, ...] = ()
    """When a failed liveness or startup probe made the kubelet kill the container."""
    back_offs: tuple[float, ...] = ()
    """When a container exited into CrashLoopBackOff instead of being restarted at once."""

    @property
    def ever_ready(self) -> bool:
        return self.ready_at is not None


class ProbedPod(Protocol):
    """What a prediction reads of a pod: its probes, when its server listens, how long a kill takes."""

    @property
    def port(self) -> int: ...
    @property
    def delay_start(self) -> int: ...
    @property
    def grace_period_seconds(self) -> int: ...
    @property
    def startup_probe(self) -> Probe | None: ...
    @property
    def readiness_probe(self) -> Probe | None: ...
    @property
    def liveness_probe(self) -> Probe | None: ...


def grace_seconds(pod: ProbedPod) -> int:
    """SIGTERM-to-SIGKILL time of a probe kill: the kubelet never gives less than 2 s."""
    return max(pod.grace_period_seconds, MINIMUM_GRACE_SECONDS)


def probes_of(pod: ProbedPod) -> dict[ProbeName, Probe]:
    found: dict[ProbeName, Probe | None] = {
        "startup": pod.startup_probe,
        "readiness": pod.readiness_probe,
        "liveness": pod.liveness_probe,
    }
    return {name: probe for name, probe in found.items() if probe is not None}


@dataclass(frozen=True)
class ProbeTiming:
    """One probe as the kubelet runs it: when, how patiently, and what it finds."""

    expectation: Expectation
    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int
    success_threshold: int


@dataclass(frozen=True)
class PodTiming:
    """Everything a prediction depends on, and nothing else: the key its cache keeps it under."""

    probes: tuple[tuple[ProbeName, ProbeTiming], ...]
    listening_after: int
    grace_seconds: int


def pod_timing(pod: ProbedPod) -> PodTiming:
    probes = tuple(
        (
            name,
            ProbeTiming(
                probe.resolved_expectation(pod.port),
                probe.initial_delay_seconds,
                probe.period_seconds,
                probe.timeout_seconds,
                probe.failure_threshold,
                probe.success_threshold,
            ),
        )
        for name, probe in probes_of(pod).items()
    )
    return PodTiming(probes, pod.delay_start, grace_seconds(pod))


@dataclass
class _Worker:
    """One probe's worker; it outlives containers, as the kubelet's does."""

    name: ProbeName
    probe: ProbeTiming
    last_success: bool | None = None
    run: int = 0

    def record(self, success: bool) -> bool:
        """Counts one result; True when it reaches its threshold and so becomes the probe's result."""
        if self.last_success is success:
            self.run += 1
        else:
            self.last_success, self.run = success, 1
        threshold = self.probe.success_threshold if success else self.probe.failure_threshold
        return self.run >= threshold


@dataclass
class _BackOff:
    """The kubelet's per-container back-off entry (client-go flowcontrol.Backoff)."""

    seconds: float | None = None
    last_update: float = 0.0

    def _expired(self, event_time: float) -> bool:
        return event_time - self.last_update > BACKOFF_RESET_SECONDS

    def _in_back_off(self, event_time: float, now: float) -> bool:
        if self.seconds is None or self._expired(event_time):
            return False
        return now - event_time < self.seconds

    def _next(self, event_time: float, now: float) -> None:
        if self.seconds is None or self._expired(event_time):
            self.seconds = BACKOFF_INITIAL_SECONDS
        else:
            self.seconds = min(self.seconds * 2, BACKOFF_MAX_SECONDS)
        self.last_update = now

    def restart_at(self, previous_exit: float | None, exit_at: float) -> float:
        """When the container killed into `exit_at` starts again."""
        if previous_exit is None:
            return exit_at  # no exited container yet: nothing to back off from
        if not self._in_back_off(previous_exit, exit_at):
            self._next(previous_exit, exit_at)
            return exit_at
        if self._expired(exit_at):
            self._next(exit_at, exit_at)
            return exit_at
        assert self.seconds is not None
        restart = exit_at + self.seconds
        self._next(exit_at, restart)
        return restart


@dataclass
class _Lifetime:
    """One container, from its start until it exits or the horizon comes."""

    pod: PodTiming
    workers: dict[ProbeName, _Worker]
    start: float
    horizon: float
    events: list[Event] = field(default_factory=list)
    ready_at: float | None = None
    kill_reason: str | None = None
    killed_at: float | None = None

    @property
    def listening_at(self) -> float:
        return self.start + self.pod.listening_after

    def outcome(self, probe: ProbeTiming, begin: float) -> tuple[bool, float, str]:
        """Whether a probe started at `begin` passes, when its result is known, and why."""
        expectation = probe.expectation
        if expectation == "always":
            return True, begin, "succeeded"
        if expectation == "timeout":
            return False, begin + probe.timeout_seconds, f"failed: timed out after {probe.timeout_seconds}s"
        if expectation == "afterServerStart" and begin >= self.listening_at:
            return True, begin, "succeeded"
        if expectation == "afterServerStart":
            return False, begin, "failed: connection refused (the server is still sleeping)"
        return False, begin, "failed"

    def _first_tick(self, probe: ProbeTiming) -> float:
        return self.start + probe.initial_delay_seconds

    def _tick_after(self, probe: ProbeTiming, moment: float) -> float:
        first = self._first_tick(probe)
        ticks = int((moment - first) // probe.period_seconds) + 1
        return first + ticks * probe.period_seconds

    def run(self) -> float | None:
        """Simulates the lifetime; returns when the container exits, or None at the horizon."""
        started = "startup" not in self.workers
        ready = False
        stop_at = self.horizon  # becomes the exit once a probe kills the container
        due = {name: self._first_tick(worker.probe) for name, worker in self.workers.items()}
        if started and "readiness" not in self.workers:
            ready = self._became_ready(self.start, "no readiness probe: Ready once the container runs")
        while due:
            name = min(due, key=lambda n: (due[n], PROBE_ORDER.index(n)))
            worker, begin = self.workers[name], due[name]
            if begin >= stop_at:
                break
            following = self._tick_after(worker.probe, begin)
            if name != "startup" and not started:
                due[name] = following  # held back by the startup probe; the ticker keeps going
                continue
            success, end, detail = self.outcome(worker.probe, begin)
            if end >= stop_at:
                del due[name]  # the container is gone before this probe could answer
                continue
            self.events.append(Event(end, "probe", f"{name} probe {detail}", name, success))
            due[name] = end if following <= end else following
            if not worker.record(success):
                continue
            if name == "startup" and success:
                started = True
                del due["startup"]
                self.events.append(Event(end, "startup-passed", "startup probe passed: the other probes may run"))
                if "readiness" not in self.workers:
                    ready = self._became_ready(end, "startup probe passed and there is no readiness probe")
            elif name == "readiness" and success and not ready:
                threshold = worker.probe.success_threshold
                ready = self._became_ready(end, f"readiness result is success, successThreshold {threshold}")
            elif name in ("liveness", "startup") and not success:
                stop_at = self._kill(name, worker, end)
                due.pop("liveness", None)
                due.pop("startup", None)
                worker.run = 0
        if self.listening_at < min(stop_at, self.horizon):
            self.events.append(Event(self.listening_at, "listening", "server starts listening"))
        # The server listening is not a probe result; it reads best before the probe that sees it.
        self.events.sort(key=lambda event: (event.at, event.kind != "listening"))
        if self.killed_at is None or stop_at >= self.horizon:
            return None
        if ready:
            self.events.append(Event(stop_at, "not-ready", "container stopped: pod not Ready"))
        self.events.append(Event(stop_at, "exited", "container exited (SIGKILL)"))
        return stop_at

    def _became_ready(self, at: float, why: str) -> bool:
        self.events.append(Event(at, "ready", f"pod Ready ({why})"))
        if self.ready_at is None:
            self.ready_at = at
        return True

    def _kill(self, name: ProbeName, worker: _Worker, at: float) -> float:
        threshold = worker.probe.failure_threshold
        self.kill_reason = (
            f"{name}Probe fails {threshold} time(s) in a row {at - self.start:g}s after the container starts"
        )
        self.killed_at = at
        grace = self.pod.grace_seconds
        self.events.append(
            Event(at, "killing", f"container failed {name} probe, will be restarted (SIGTERM, SIGKILL after {grace}s)")
        )
        return at + grace


@dataclass(frozen=True)
class StatusWindow:
    """A stretch of time in which the container's status reads the same."""

    start: float
    end: float | None
    """None: the status holds until the end of the prediction and beyond."""
    ready: bool
    restarts: int
    waiting: bool = False
    """In CrashLoopBackOff: the container exited and waits for its next start."""


def status_windows(prediction: Timeline) -> tuple[StatusWindow, ...]:
    """What `.status.containerStatuses[0]` shows (ready, restartCount), window by window, from the events.

    Events at the same moment (not Ready, exited, restarted) make one change, not several windows.
    """
    windows: list[StatusWindow] = []
    ready, restarts, waiting = False, 0, False
    start = 0.0
    for moment in sorted({event.at for event in prediction.events}):
        before = (ready, restarts, waiting)
        for event in (event for event in prediction.events if event.at == moment):
            if event.kind == "ready":
                ready = True
            elif event.kind in ("not-ready", "exited"):
                ready = False
            elif event.kind == "back-off":
                waiting = True
            elif event.kind == "started" and moment > 0:
                restarts, waiting = restarts + 1, False
        if (ready, restarts, waiting) != before and moment > start:
            windows.append(StatusWindow(start, moment, *before))
            start = moment
    windows.append(StatusWindow(start, None, ready, restarts, waiting))
    return tuple(windows)


def predict(pod: ProbedPod, horizon: float = DEFAULT_HORIZON_SECONDS) -> Timeline:
    """The kubelet's behaviour for this pod's probes and timing; its name or namespace do not change it.

    Config loading, the builder, the lab sheet and verify all ask for every student, so a
    class that shares its timing is simulated once, not four times per student.
    """
    return _simulate(pod_timing(pod), horizon)


@lru_cache(maxsize=4096)
def _simulate(pod: PodTiming, horizon: float) -> Timeline:
    workers = {name: _Worker(name, probe) for name, probe in pod.probes}
    back_off = _BackOff()
    events: list[Event] = []
    restarts: list[float] = []
    kills: list[float] = []
    back_offs: list[float] = []
    ready_at: float | None = None
    kill_reason: str | None = None
    previous_exit: float | None = None
    start = 0.0
    while True:
        label = f"container restarted (restart {len(restarts)})" if restarts else "container started"
        events.append(Event(start, "started", label))
        lifetime = _Lifetime(pod, workers, start, horizon)
        exit_at = lifetime.run()
        events.extend(lifetime.events)
        ready_at = ready_at if ready_at is not None else lifetime.ready_at
        kill_reason = kill_reason or lifetime.kill_reason
        if lifetime.killed_at is not None:
            kills.append(lifetime.killed_at)
        if exit_at is None:
            break
        restart = back_off.restart_at(previous_exit, exit_at)
        previous_exit = exit_at
        if restart > exit_at:
            back_offs.append(exit_at)
            events.append(Event(exit_at, "back-off", f"CrashLoopBackOff: next start in {restart - exit_at:g}s"))
        if restart >= horizon:
            break
        restarts.append(restart)
        start = restart
    events.sort(key=lambda event: event.at)
    return Timeline(tuple(events), ready_at, tuple(restarts), horizon, kill_reason, tuple(kills), tuple(back_offs))
