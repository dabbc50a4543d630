"""The probe lab's pod as the cluster reports it, against the timeline's prediction.

A watcher polls the pod from before `pulumi up` on and keeps the first Ready transition and the
first restart, both as the API server stamps them (seconds after the first container started).
The timeline's times are nominal: a real probe runs up to one period later (its ticker starts
when the kubelet first sees the pod), and a restart waits for the kubelet's next sync.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from config import load
from config.sources import read_stack
from labs.timeline import predict, probes_of
from labs.webserver import ProbedWebServerArgs
from tests.e2e.tools import Shell, StepFailed

KUBELET_SYNC_SECONDS = 15
POLL_SECONDS = 1.0


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@dataclass
class Observed:
    first_start: datetime | None = None
    ready_after: float | None = None
    restart_after: float | None = None

    def complete(self) -> bool:
        return self.ready_after is not None and self.restart_after is not None

    def take(self, pod: dict[str, Any]) -> None:
        """Reads one snapshot of the pod; only the first sighting of each moment counts."""
        statuses = pod.get("status", {}).get("containerStatuses") or []
        if not statuses:
            return
        status = statuses[0]
        restarts = int(status.get("restartCount", 0))
        running = status.get("state", {}).get("running") or {}
        if self.first_start is None:
            if restarts == 0 and running.get("startedAt"):
                self.first_start = _at(running["startedAt"])
            elif restarts == 1 and (status.get("lastState", {}).get("terminated") or {}).get("startedAt"):
                self.first_start = _at(status["lastState"]["terminated"]["startedAt"])
            else:
                return  # the first container is gone from the status: too late to time it
        if self.ready_after is None and restarts == 0:
            for condition in pod["status"].get("conditions") or []:
                if condition.get("type") == "Ready" and condition.get("status") == "True":
                    self.ready_after = (_at(condition["lastTransitionTime"]) - self.first_start).total_seconds()
        if self.restart_after is None and restarts == 1 and running.get("startedAt"):
            self.restart_after = (_at(running["startedAt"]) - self.first_start).total_seconds()


class Watcher:
    """Polls the pod in the background until both moments are seen, or until it is told to stop."""

    def __init__(self, shell: Shell, kubectl: str, namespace: str, pod: str) -> None:
        self.observed = Observed()
        self._argv = [kubectl, "get", "pod", pod, "-n", namespace, "-o", "json", "--request-timeout=10s"]
        self._shell = shell
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self, wait: float) -> Observed:
        """Waits up to `wait` seconds for both moments, then stops polling."""
        self._thread.join(wait)
        self._stop.set()
        self._thread.join(15)
        return self.observed

    def _poll(self) -> None:
        while not self._stop.is_set() and not self.observed.complete():
            # A failed poll is simply retried; the verdict is the timing step's.
            with contextlib.suppress(StepFailed, ValueError, KeyError, TypeError):
                done = self._shell.run(self._argv, 20)
                if done.returncode == 0:
                    self.observed.take(json.loads(done.stdout))
            self._stop.wait(POLL_SECONDS)


@dataclass(frozen=True)
class Row:
    moment: str
    predicted: float | None
    observed: float | None
    allowed: float

    @property
    def within(self) -> bool:
        if self.predicted is None or self.observed is None:
            return self.predicted is None and self.observed is None
        return abs(self.observed - self.predicted) <= self.allowed


def probe_args(project: Path, stack: str) -> ProbedWebServerArgs:
    plan = load(read_stack(project / f"Pulumi.{stack}.yaml").values)
    args = plan.environments[0].labs["probedWebServer"]
    assert isinstance(args, ProbedWebServerArgs)
    return args


def compare(args: ProbedWebServerArgs, observed: Observed) -> list[Row]:
    prediction = predict(args)
    probes = probes_of(args)
    ready_period = probes["readiness"].period_seconds if "readiness" in probes else 0
    live_period = probes["liveness"].period_seconds if "liveness" in probes else 0
    first_restart = prediction.restarts[0] if prediction.restarts else None
    return [
        Row("Ready", prediction.ready_at, observed.ready_after, ready_period + KUBELET_SYNC_SECONDS),
        Row("first restart", first_restart, observed.restart_after, live_period + KUBELET_SYNC_SECONDS),
    ]


def table(rows: list[Row]) -> str:
    def shown(value: float | None) -> str:
        return "never" if value is None else f"{value:g}"

    lines = [
        "| probe lab | predicted (s) | observed (s) | allowed difference (s) | within |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {row.moment} | {shown(row.predicted)} | {shown(row.observed)} | {row.allowed:g} | "
        f"{'yes' if row.within else 'NO'} |"
        for row in rows
    ]
    return "\n".join(lines)


def wait_budget(args: ProbedWebServerArgs) -> float:
    """How long the watcher may still need: the later predicted moment, with its slack."""
    prediction = predict(args)
    latest = max([prediction.ready_at or 0.0, *prediction.restarts[:1]])
    return latest + 60 + KUBELET_SYNC_SECONDS
