"""A prediction as a picture: the probe pod's life on a time axis, as an SVG document.

One panel per set of parameters: the container's state as coloured bands (sleeping before its
server listens, serving, terminating after a kill, waiting in back-off), the Ready periods, every
probe result as a mark on its own row, and dashed lines at the moments the lab text talks about
(first Ready, the first liveness kill, the exit, the restart, CrashLoopBackOff). Every label is
written for someone who has never seen a probe. The output depends only on its input: same
parameters, same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from labs import timeline
from labs.timeline_text import seconds

WIDTH = 1000
LEFT = 210
RIGHT = 30
PLOT = WIDTH - LEFT - RIGHT
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

STATE_COLOURS = {
    "sleeping": "#90a4ae",
    "serving": "#2e7d32",
    "terminating": "#ef6c00",
    "back-off": "#c62828",
}
STATE_WORDS = {
    "sleeping": "sleeping: server not listening yet",
    "serving": "serving: server answers",
    "terminating": "terminating: SIGTERM, then SIGKILL",
    "back-off": "back-off: waiting to restart",
}
READY_COLOUR = "#1565c0"
PASS_COLOUR = "#2e7d32"
FAIL_COLOUR = "#c62828"
ROW_HINTS = {
    "startup": "the others wait until it passes",
    "readiness": "decides Ready: traffic or not",
    "liveness": "a failure kills the container",
}


@dataclass(frozen=True)
class Panel:
    """One picture: who it is for, the parameters in one line, and the prediction."""

    title: str
    parameters: str
    prediction: timeline.Timeline
    probes: Sequence[timeline.ProbeName]


@dataclass(frozen=True)
class Band:
    state: str
    start: float
    end: float


def window_end(prediction: timeline.Timeline) -> float:
    """The seconds shown: up to a little after the last moment that is not a probe result.

    A pod that keeps restarting is shown up to the horizon; one that settles is shown until it
    has, so Exercise 2.1's 45 seconds are not squeezed into 900.
    """
    if prediction.restarts and len(prediction.restarts) > 2:
        return prediction.horizon
    moments = [event.at for event in prediction.events if event.kind != "probe"]
    last = max(moments, default=0.0)
    wanted = max(60.0, last * 1.25 + 10)
    step = tick_step(wanted)
    return min(prediction.horizon, math.ceil(wanted / step) * step)


def tick_step(span: float) -> float:
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400):
        if span / step <= 12:
            return step
    return 28800


def bands(prediction: timeline.Timeline, end: float) -> list[Band]:
    """The container's state from 0 to `end`, one band per phase."""
    found: list[Band] = []
    state, since = "sleeping", 0.0

    def switch(new: str, at: float) -> None:
        nonlocal state, since
        if at > since:
            found.append(Band(state, since, min(at, end)))
        state, since = new, at

    for event in prediction.events:
        if event.at >= end:
            break
        if event.kind == "started":
            switch("sleeping", event.at)
        elif event.kind == "listening":
            switch("serving", event.at)
        elif event.kind == "killing":
            switch("terminating", event.at)
        elif event.kind == "back-off":
            switch("back-off", event.at)
    if end > since:
        found.append(Band(state, since, end))
    return found


def ready_periods(prediction: timeline.Timeline, end: float) -> list[tuple[float, float]]:
    periods: list[tuple[float, float]] = []
    since: float | None = None
    for event in prediction.events:
        if event.at >= end:
            break
        if event.kind == "ready" and since is None:
            since = event.at
        elif event.kind == "not-ready" and since is not None:
            periods.append((since, event.at))
            since = None
    if since is not None:
        periods.append((since, end))
    return periods


def moments(prediction: timeline.Timeline, end: float) -> list[tuple[float, str]]:
    """The first of each moment the lab text talks about, in time order."""
    found: list[tuple[float, str]] = []
    if prediction.ready_at is not None:
        found.append((prediction.ready_at, f"Ready at {seconds(prediction.ready_at)}"))
    if prediction.kills:
        found.append((prediction.kills[0], f"probe kill at {seconds(prediction.kills[0])} (SIGTERM)"))
    exits = [event.at for event in prediction.events if event.kind == "exited"]
    if exits:
        found.append((exits[0], f"exit at {seconds(exits[0])} (SIGKILL)"))
    if prediction.restarts:
        found.append((prediction.restarts[0], f"restart 1 at {seconds(prediction.restarts[0])}"))
    if prediction.back_offs:
        found.append((prediction.back_offs[0], f"CrashLoopBackOff from {seconds(prediction.back_offs[0])}"))
    return sorted(moment for moment in found if moment[0] <= end)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Canvas:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, tag: str, text: str | None = None, **attributes: str | float) -> None:
        attrs = "".join(
            f" {name.rstrip('_').replace('_', '-')}={quoteattr(value if isinstance(value, str) else _number(value))}"
            for name, value in attributes.items()
        )
        self.parts.append(f"<{tag}{attrs}/>" if text is None else f"<{tag}{attrs}>{escape(text)}</{tag}>")


def _panel(canvas: _Canvas, panel: Panel, top: float) -> float:
    """Draws one panel from `top`; returns its height."""
    prediction = panel.prediction
    end = window_end(prediction)

    def x(at: float) -> float:
        return LEFT + PLOT * min(at, end) / end

    canvas.add("text", panel.title, x=20.0, y=top + 24, font_size=18.0, font_weight="bold", class_="title")
    lines = panel.parameters.split("; ")
    for index, line in enumerate(lines):
        text = line + (";" if index < len(lines) - 1 else "")
        canvas.add("text", text, x=20.0, y=top + 44 + 15 * index, font_size=12.0, fill="#37474f", class_="parameters")
    found = moments(prediction, end)
    label_top = top + 54 + 15 * len(lines)
    label_rows = max(1, len(found))
    rows_top = label_top + 16 * label_rows + 8
    row_height = 34
    rows = ["container", "ready", *panel.probes]
    bottom = rows_top + row_height * len(rows)
    # The rows' names and what they mean.
    names = {"container": ("container", "what the server is doing"), "ready": ("pod Ready", "receives traffic")}
    names.update({probe: (f"{probe} probe", ROW_HINTS[probe]) for probe in panel.probes})
    for index, row in enumerate(rows):
        y = rows_top + row_height * index
        if index % 2 == 0:
            canvas.add("rect", x=LEFT, y=y, width=PLOT, height=row_height, fill="#f5f7f8")
        label, hint = names[row]
        canvas.add("text", label, x=20.0, y=y + 15, font_size=13.0, font_weight="bold", class_="row-label")
        canvas.add("text", hint, x=20.0, y=y + 28, font_size=10.0, fill="#546e7a", class_="row-hint")
    # Container state.
    y_state = rows_top + 5
    for band in bands(prediction, end):
        width = x(band.end) - x(band.start)
        canvas.add(
            "rect",
            x=x(band.start),
            y=y_state,
            width=width,
            height=row_height - 10,
            fill=STATE_COLOURS[band.state],
            class_=f"band {band.state}",
            data_start=band.start,
            data_end=band.end,
        )
        word = band.state
        if width > 7 * len(word) + 6:
            canvas.add("text", word, x=x(band.start) + 4, y=y_state + 16, font_size=11.0, fill="#ffffff")
    # Ready periods.
    y_ready = rows_top + row_height + 5
    periods = ready_periods(prediction, end)
    for start, stop in periods:
        width = x(stop) - x(start)
        canvas.add(
            "rect",
            x=x(start),
            y=y_ready,
            width=width,
            height=row_height - 10,
            fill=READY_COLOUR,
            class_="ready-period",
            data_start=start,
            data_end=stop,
        )
        if width > 50:
            canvas.add("text", "Ready", x=x(start) + 4, y=y_ready + 16, font_size=11.0, fill="#ffffff")
    if not periods:
        canvas.add("text", "never Ready in this time", x=LEFT + 6.0, y=y_ready + 16, font_size=11.0, fill="#546e7a")
    # Probe results, one row each.
    for index, probe in enumerate(panel.probes):
        y = rows_top + row_height * (index + 2) + row_height / 2
        for event in prediction.events:
            if event.kind != "probe" or event.probe != probe or event.at > end:
                continue
            passed = bool(event.success)
            canvas.add(
                "circle",
                cx=x(event.at),
                cy=y,
                r=4.5,
                fill=PASS_COLOUR if passed else "#ffffff",
                stroke=PASS_COLOUR if passed else FAIL_COLOUR,
                stroke_width=2.0,
                class_=f"probe {probe} {'pass' if passed else 'fail'}",
                data_at=event.at,
            )
    # The moments the lab text talks about.
    for index, (at, text) in enumerate(found):
        y_label = label_top + 16 * index + 11
        canvas.add(
            "line",
            x1=x(at),
            y1=y_label + 3,
            x2=x(at),
            y2=bottom,
            stroke="#263238",
            stroke_width=1.0,
            stroke_dasharray="4 3",
            class_="moment",
            data_at=at,
        )
        anchor = "end" if x(at) > LEFT + PLOT * 0.7 else "start"
        shift = -4 if anchor == "end" else 4
        canvas.add("text", text, x=x(at) + shift, y=y_label, font_size=12.0, text_anchor=anchor, class_="moment-label")
    # The time axis.
    canvas.add("line", x1=float(LEFT), y1=bottom, x2=float(LEFT + PLOT), y2=bottom, stroke="#263238", class_="axis")
    step = tick_step(end)
    tick = 0.0
    while tick <= end + 1e-9:
        canvas.add("line", x1=x(tick), y1=bottom, x2=x(tick), y2=bottom + 5, stroke="#263238")
        canvas.add("text", f"{tick:g} s", x=x(tick), y=bottom + 18, font_size=11.0, text_anchor="middle", class_="tick")
        tick += step
    canvas.add(
        "text",
        "seconds since the pod's container first started (probes may run up to one period later on a real node)",
        x=LEFT + PLOT / 2,
        y=bottom + 36,
        font_size=12.0,
        text_anchor="middle",
        fill="#37474f",
    )
    legend_top = bottom + 52
    _legend(canvas, legend_top)
    return legend_top + 40 - top


def _legend(canvas: _Canvas, top: float) -> None:
    x = 20.0
    for state, colour in STATE_COLOURS.items():
        canvas.add("rect", x=x, y=top, width=14.0, height=14.0, fill=colour, class_="legend")
        canvas.add("text", STATE_WORDS[state], x=x + 19, y=top + 11, font_size=11.0)
        x += 19 + 6.4 * len(STATE_WORDS[state]) + 16
    y = top + 24
    canvas.add("rect", x=20.0, y=y, width=14.0, height=14.0, fill=READY_COLOUR, class_="legend")
    canvas.add("text", "pod Ready: the Service sends it traffic", x=39.0, y=y + 11, font_size=11.0)
    canvas.add("circle", cx=330.0, cy=y + 7, r=4.5, fill=PASS_COLOUR, stroke=PASS_COLOUR, stroke_width=2.0)
    canvas.add("text", "probe passed", x=340.0, y=y + 11, font_size=11.0)
    canvas.add("circle", cx=440.0, cy=y + 7, r=4.5, fill="#ffffff", stroke=FAIL_COLOUR, stroke_width=2.0)
    canvas.add("text", "probe failed", x=450.0, y=y + 11, font_size=11.0)
    canvas.add("line", x1=550.0, y1=y + 7, x2=580.0, y2=y + 7, stroke="#263238", stroke_dasharray="4 3")
    canvas.add("text", "a moment the lab text talks about", x=586.0, y=y + 11, font_size=11.0)


def svg(panels: Sequence[Panel]) -> str:
    """One SVG document, the panels one under the other."""
    canvas = _Canvas()
    top = 0.0
    for index, panel in enumerate(panels):
        if index:
            canvas.add("line", x1=0.0, y1=top, x2=float(WIDTH), y2=top, stroke="#b0bec5")
        top += _panel(canvas, panel, top)
    height = math.ceil(top)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img">'
    )
    title = "; ".join(panel.title for panel in panels)
    body = "\n".join(canvas.parts)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n<title>{escape(title)}</title>\n'
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>\n{body}\n</svg>\n'
    )
