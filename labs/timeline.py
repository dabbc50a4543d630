"""Predicts what the kubelet does with ProbedWebServer's probes, second by second.

The model follows the kubelet's rules: each probe first runs at initialDelaySeconds after
the container starts and then every periodSeconds (a probe that outlasts its period runs
again as soon as it ends, as Go's ticker keeps one tick); a hanging probe fails after
timeoutSeconds; failureThreshold consecutive failures and successThreshold consecutive
successes flip a result; a startup probe holds readiness and liveness back until it
succeeds; a failed liveness or startup probe kills the container, which stops at once if
PID 1 handles SIGTERM and after terminationGracePeriodSeconds if not (a shell as PID 1 does
not); restarts are immediate the first time, then back off from 10 s, doubling up to 300 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from labs.probes import Probe
    from labs.webserver import ProbedWebServerArgs

ProbeName = Literal["startup", "readiness", "liveness"]
PROBE_ORDER: tuple[ProbeName, ...] = ("startup", "readiness", "liveness")
BACKOFF_INITIAL_SECONDS = 10
BACKOFF_MAX_SECONDS = 300
DEFAULT_HORIZON_SECONDS = 900


@dataclass(frozen=True)
class Event:
    at: float
    kind: str
    message: str
    probe: ProbeName | None = None


@dataclass(frozen=True)
class Timeline:
    events: tuple[Event, ...]
    ready_at: float | None
    restarts: tuple[float, ...]
    horizon: float
    kill_reason: str | None = None

    @property
    def ever_ready(self) -> bool:
        return self.ready_at is not None


def restart_delay(exits_so_far: int) -> int:
    """Back-off before the restart that follows exit number `exits_so_far` (1-based)."""
    if exits_so_far <= 1:
        return 0
    return int(min(BACKOFF_INITIAL_SECONDS * 2 ** (exits_so_far - 2), BACKOFF_MAX_SECONDS))


@dataclass
class _Counter:
    successes: int = 0
    failures: int = 0

    def record(self, success: bool) -> None:
        if success:
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.successes, self.failures = 0, self.failures + 1


@dataclass
class _Container:
    """One container lifetime, from its start until it is killed or the horizon comes."""

    args: ProbedWebServerArgs
    start: float
    horizon: float
    events: list[Event] = field(default_factory=list)
    ready_at: float | None = None
    kill_reason: str | None = None

    def probes(self) -> dict[ProbeName, Probe]:
        found = {
            "startup": self.args.startup_probe,
            "readiness": self.args.readiness_probe,
            "liveness": self.args.liveness_probe,
        }
        return {name: probe for name, probe in found.items() if probe is not None}  # type: ignore[misc]

    def outcome(self, probe: Probe, started_at: float) -> tuple[bool, float, str]:
        expectation = probe.resolved_expectation(self.args.port)
        if expectation == "always":
            return True, started_at, "succeeded"
        if expectation == "timeout":
            return False, started_at + probe.timeout_seconds, f"timed out after {probe.timeout_seconds}s"
        if expectation == "afterServerStart" and started_at - self.start >= self.args.delay_start:
            return True, started_at, "succeeded"
        if expectation == "afterServerStart":
            return False, started_at, "failed: connection refused (the server is still sleeping)"
        return False, started_at, "failed"

    def run(self) -> float | None:
        """Simulates the lifetime; returns when the container exits, or None at the horizon."""
        probes = self.probes()
        started = "startup" not in probes
        ready = False
        counters = {name: _Counter() for name in probes}
        next_run = {name: self.start + probe.initial_delay_seconds for name, probe in probes.items()}
        listening = self.start + self.args.delay_start
        if not probes.get("readiness") and started:
            ready = True
            self._became_ready(self.start, "no readiness probe: Ready as soon as the container runs")
        while next_run:
            name = min(next_run, key=lambda n: (next_run[n], PROBE_ORDER.index(n)))
            probe, begin = probes[name], next_run[name]
            if begin >= self.horizon:
                self._listening_before(listening, self.horizon)
                return None
            grid_next = self._next_tick(probe, begin)
            if name != "startup" and not started:
                next_run[name] = grid_next
                continue
            success, end, detail = self.outcome(probe, begin)
            counters[name].record(success)
            self.events.append(Event(end, "probe", f"{name} probe {detail}", name))
            next_run[name] = end if grid_next <= end else grid_next
            if name == "startup" and success:
                started = True
                del next_run["startup"]
                if "readiness" not in probes:
                    ready = True
                    self._became_ready(end, "startup probe passed and there is no readiness probe")
            elif name == "readiness" and not ready and counters[name].successes >= probe.success_threshold:
                ready = True
                self._became_ready(end, f"{probe.success_threshold} readiness success(es) in a row")
            elif name == "readiness" and ready and counters[name].failures >= probe.failure_threshold:
                ready = False
                self.events.append(Event(end, "not-ready", "readiness failed: removed from Service endpoints"))
            elif name in ("liveness", "startup") and counters[name].failures >= probe.failure_threshold:
                return self._kill(name, probe, end, ready, listening)
        self._listening_before(listening, self.horizon)
        return None

    def _next_tick(self, probe: Probe, after: float) -> float:
        first = self.start + probe.initial_delay_seconds
        ticks = int((after - first) // probe.period_seconds) + 1
        return first + ticks * probe.period_seconds

    def _became_ready(self, at: float, why: str) -> None:
        self.events.append(Event(at, "ready", f"pod Ready ({why})"))
        if self.ready_at is None:
            self.ready_at = at

    def _listening_before(self, listening: float, until: float) -> None:
        if listening < until:
            self.events.append(Event(listening, "listening", "server starts listening"))

    def _kill(self, name: ProbeName, probe: Probe, at: float, ready: bool, listening: float) -> float:
        self.kill_reason = (
            f"{name}Probe fails {probe.failure_threshold} time(s) in a row "
            f"{at - self.start:g}s after the container starts"
        )
        grace = self.args.grace_period_seconds
        exit_at = at + grace
        self.events.append(
            Event(at, "killing", f"container failed {name} probe, will be restarted (SIGTERM; SIGKILL after {grace}s)")
        )
        if ready:
            self.events.append(Event(exit_at, "not-ready", "container stopped: pod not Ready"))
        self.events.append(Event(exit_at, "exited", "container exited"))
        self._listening_before(listening, at)
        return exit_at


def predict(args: ProbedWebServerArgs, horizon: float = DEFAULT_HORIZON_SECONDS) -> Timeline:
    events: list[Event] = []
    restarts: list[float] = []
    ready_at: float | None = None
    kill_reason: str | None = None
    start = 0.0
    while True:
        container = _Container(args, start, horizon)
        events.append(
            Event(start, "started", "container started" if not restarts else f"container restarted ({len(restarts)})")
        )
        exit_at = container.run()
        events.extend(container.events)
        ready_at = ready_at if ready_at is not None else container.ready_at
        kill_reason = kill_reason or container.kill_reason
        if exit_at is None:
            break
        delay = restart_delay(len(restarts) + 1)
        if delay:
            events.append(Event(exit_at, "back-off", f"CrashLoopBackOff: restart in {delay}s"))
        start = exit_at + delay
        if start >= horizon:
            break
        restarts.append(start)
    events.sort(key=lambda event: event.at)
    return Timeline(tuple(events), ready_at, tuple(restarts), horizon, kill_reason)


def never_ready_warning(args: ProbedWebServerArgs, prediction: Timeline) -> str | None:
    """A sentence naming the parameters that keep the pod from ever becoming Ready."""
    if prediction.ever_ready:
        return None
    readiness = args.readiness_probe
    cause = prediction.kill_reason or "the readiness probe never succeeds"
    listening = f"the server listens only after delayStart={args.delay_start}s"
    if readiness is not None and readiness.resolved_expectation(args.port) == "never":
        listening = "readinessProbe can never succeed (it probes something the server does not answer)"
    return (
        f"{args.name} will never become Ready within {prediction.horizon:g}s: {cause}, but {listening}. "
        "Raise livenessProbe.initialDelaySeconds or failureThreshold, or lower delayStart, "
        "if the lab should reach Ready."
    )
