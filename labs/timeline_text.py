"""A prediction in words: the lines the lab sheet and `labctl timeline` print."""

from __future__ import annotations

from dataclasses import dataclass

from labs import timeline


def seconds(value: float) -> str:
    return f"{value:g}s"


@dataclass
class _Run:
    """Consecutive identical results of one probe, shown as one line."""

    message: str
    times: list[float]

    def line(self) -> tuple[float, str]:
        first, last = self.times[0], self.times[-1]
        if len(self.times) == 1:
            return first, self.message
        gaps = {round(later - earlier, 6) for earlier, later in zip(self.times, self.times[1:], strict=False)}
        every = f", every {seconds(gaps.pop())}" if len(gaps) == 1 else ""
        return first, f"{self.message} (x{len(self.times)} until {seconds(last)}{every})"


def event_lines(prediction: timeline.Timeline) -> list[tuple[float, str]]:
    """Events in time order, each run of identical probe results folded into one line.

    A run ends at any event that is not a probe result (Ready, a kill, an exit), so every line
    reads as one phase of the container's life.
    """
    lines: list[tuple[float, int, str]] = []
    open_runs: dict[str, _Run] = {}

    def close(run: _Run) -> None:
        at, text = run.line()
        lines.append((at, len(lines), text))

    for event in prediction.events:
        if event.kind != "probe" or event.probe is None:
            for finished in open_runs.values():
                close(finished)
            open_runs.clear()
            lines.append((event.at, len(lines), event.message))
            continue
        current = open_runs.get(event.probe)
        if current is not None and current.message == event.message:
            current.times.append(event.at)
            continue
        if current is not None:
            close(current)
        open_runs[event.probe] = _Run(event.message, [event.at])
    for remaining in open_runs.values():
        close(remaining)
    return [(at, text) for at, _, text in sorted(lines)]


def summary_lines(pod: timeline.ProbedPod, prediction: timeline.Timeline) -> list[str]:
    horizon = seconds(prediction.horizon)
    ready = (
        f"Ready first at {seconds(prediction.ready_at)}"
        if prediction.ready_at is not None
        else f"never Ready within {horizon}"
    )
    lines = [ready]
    if prediction.restarts:
        at = ", ".join(seconds(moment) for moment in prediction.restarts)
        lines.append(f"{len(prediction.restarts)} restart(s) within {horizon}, at {at}")
        lines.append(f"first kill: {prediction.kill_reason}; SIGKILL {seconds(timeline.grace_seconds(pod))} later")
    else:
        lines.append(f"no restart within {horizon}")
    if prediction.back_offs:
        lines.append("CrashLoopBackOff after the exits at " + ", ".join(seconds(m) for m in prediction.back_offs))
    return lines


def status_answer(window: timeline.StatusWindow) -> str:
    """What `-o jsonpath={...ready},{...restartCount}` prints during the window."""
    return f"{'true' if window.ready else 'false'},{window.restarts}"


def status_lines(prediction: timeline.Timeline, shown: int = 8) -> list[str]:
    """One line per window: the answer, and when it holds (counted from the container's first start)."""
    windows = timeline.status_windows(prediction)
    lines = []
    for window in windows[:shown]:
        if window.end is None:
            when = "from the start on" if window.start == 0 else f"from {seconds(window.start)} on"
        elif window.start == 0:
            when = f"before {seconds(window.end)}"
        else:
            when = f"from {seconds(window.start)} to {seconds(window.end)}"
        waiting = " (CrashLoopBackOff: waiting for the next start)" if window.waiting else ""
        lines.append(f"{status_answer(window):<9}{when}{waiting}")
    if len(windows) > shown:
        more = len(windows) - shown
        lines.append(f"...      and so on: each restart listed above adds one to the count ({more} more window(s))")
    return lines
