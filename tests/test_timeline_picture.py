"""Given a prediction, when it is drawn, then every mark of the picture says what the prediction says.

The prediction below is written by hand, not simulated, so that the picture is tested on its own:
a pod whose container is killed by its liveness probe four times, with one CrashLoopBackOff,
over a horizon of 760 s. The plot is 760 px wide from x = 210, so one second is one pixel and a
moment `t` is drawn at x = 210 + t.

The layout, from the top of a panel: the title (baseline 24), the parameters one line each
(baselines 44, 59, ...), the moment labels one 16 px line each from 10 px under the parameters,
then 8 px lower the rows, 34 px each (container, pod Ready, one per probe); under the rows the
time axis, its tick labels (18 px below it), the caption (36 px below) and the legend (52 px
below: the four container states on one line, then Ready, a passed and a failed probe and a
moment line on the next, 24 px lower).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from labs import timeline, timeline_svg
from labs.timeline import Event

SVG = "{http://www.w3.org/2000/svg}"
TITLE = "probe-pod: what the kubelet does with its probes"
PARAMETERS = "stage lab-2.2, delayStart 20s, grace 84s; readinessProbe delay 10s; livenessProbe delay 40s"


def x(at: float) -> float:
    return 210 + at


def probe(at: float, name: timeline.ProbeName, success: bool) -> Event:
    return Event(at, "probe", f"{name} probe {'succeeded' if success else 'failed'}", name, success)


def container(start: float, restart: int) -> Event:
    return Event(start, "started", f"container restarted (restart {restart})" if restart else "container started")


EVENTS = (
    container(0, 0),
    probe(10, "readiness", False),
    Event(20, "listening", "server starts listening"),
    probe(30, "readiness", True),
    Event(30, "ready", "pod Ready"),
    probe(40, "liveness", False),
    Event(40, "killing", "container failed liveness probe"),
    probe(80, "readiness", False),
    Event(80, "not-ready", "readiness result is failure"),
    probe(90, "readiness", True),
    Event(90, "ready", "pod Ready"),
    Event(124, "not-ready", "container stopped"),
    Event(124, "exited", "container exited (SIGKILL)"),
    container(124, 1),
    Event(144, "listening", "server starts listening"),
    probe(150, "readiness", True),
    Event(150, "ready", "pod Ready"),
    probe(164, "liveness", False),
    Event(164, "killing", "container failed liveness probe"),
    probe(201, "readiness", False),
    Event(201, "not-ready", "readiness result is failure"),
    Event(247, "exited", "container exited (SIGKILL)"),
    container(247, 2),
    Event(267, "listening", "server starts listening"),
    probe(280, "liveness", False),
    Event(280, "killing", "container failed liveness probe"),
    Event(300, "exited", "container exited (SIGKILL)"),
    container(300, 3),
    Event(320, "listening", "server starts listening"),
    probe(330, "liveness", False),
    Event(330, "killing", "container failed liveness probe"),
    Event(540, "exited", "container exited (SIGKILL)"),
    Event(540, "back-off", "CrashLoopBackOff: next start in 160s"),
    container(700, 4),
    Event(720, "listening", "server starts listening"),
    probe(730, "readiness", True),
    Event(730, "ready", "pod Ready"),
    probe(760, "readiness", True),
)
PREDICTION = timeline.Timeline(
    events=EVENTS,
    ready_at=30,
    restarts=(124, 247, 300, 700),
    horizon=760,
    kill_reason="livenessProbe fails 1 time(s) in a row 40s after the container starts",
    kills=(40, 164, 280, 330),
    back_offs=(540,),
)
PANEL = timeline_svg.Panel(TITLE, PARAMETERS, PREDICTION, ("readiness", "liveness"))

# From the layout above, for this panel: three parameter lines, five moments, four rows.
LABEL_TOP = 54 + 15 * 3
ROWS_TOP = LABEL_TOP + 16 * 5 + 8
BOTTOM = ROWS_TOP + 34 * 4
LEGEND_TOP = BOTTOM + 52
HEIGHT = LEGEND_TOP + 40

Mark = tuple[str, dict[str, str], str | None]


def marks(text: str, css: str | None = None, tag: str | None = None) -> list[Mark]:
    """The drawn elements in document order, as (tag, attributes, text), optionally of one class or tag."""
    root = ET.fromstring(text.encode())
    found = []
    for element in root.iter():
        name = element.tag.removeprefix(SVG)
        if element is root or (tag is not None and name != tag):
            continue
        if css is not None and css not in (element.get("class") or "").split():
            continue
        found.append((name, dict(element.attrib), element.text))
    return found


def number(value: float) -> str:
    """How the picture writes a coordinate: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".")


def draw() -> str:
    return timeline_svg.svg([PANEL])


def test_the_document_is_one_image_whose_view_box_holds_the_whole_panel() -> None:
    picture = draw()
    root = ET.fromstring(picture.encode())
    assert picture.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert root.tag == f"{SVG}svg"
    assert root.attrib == {
        "width": "1000",
        "height": str(HEIGHT),
        "viewBox": f"0 0 1000 {HEIGHT}",
        "font-family": "DejaVu Sans, Verdana, Arial, sans-serif",
        "role": "img",
    }
    assert root.findtext(f"{SVG}title") == TITLE
    assert marks(picture)[1] == (
        "rect",
        {"x": "0", "y": "0", "width": "1000", "height": str(HEIGHT), "fill": "#ffffff"},
        None,
    )
    # Nothing is drawn outside the view box.
    for tag, attributes, _ in marks(picture):
        xs = [float(attributes[key]) for key in ("x", "x1", "x2", "cx") if key in attributes]
        ys = [float(attributes[key]) for key in ("y", "y1", "y2", "cy") if key in attributes]
        if tag == "rect":
            xs.append(float(attributes["x"]) + float(attributes["width"]))
            ys.append(float(attributes["y"]) + float(attributes["height"]))
        assert all(0 <= value <= 1000 for value in xs), (tag, attributes)
        assert all(0 <= value <= HEIGHT for value in ys), (tag, attributes)


def test_the_title_and_the_parameters_head_the_panel() -> None:
    picture = draw()
    assert marks(picture, "title") == [
        ("text", {"x": "20", "y": "24", "font-size": "18", "font-weight": "bold", "class": "title"}, TITLE)
    ]
    lines = ["stage lab-2.2, delayStart 20s, grace 84s;", "readinessProbe delay 10s;", "livenessProbe delay 40s"]
    assert marks(picture, "parameters") == [
        ("text", {"x": "20", "y": str(44 + 15 * i), "font-size": "12", "fill": "#37474f", "class": "parameters"}, line)
        for i, line in enumerate(lines)
    ]


def test_each_row_is_named_and_explained_and_every_other_row_is_shaded() -> None:
    picture = draw()
    rows = [
        ("container", "what the server is doing"),
        ("pod Ready", "receives traffic"),
        ("readiness probe", "decides Ready: traffic or not"),
        ("liveness probe", "a failure kills the container"),
    ]
    tops = [ROWS_TOP + 34 * i for i in range(4)]
    assert marks(picture, "row-label") == [
        ("text", {"x": "20", "y": str(top + 15), "font-size": "13", "font-weight": "bold", "class": "row-label"}, name)
        for top, (name, _) in zip(tops, rows, strict=True)
    ]
    assert marks(picture, "row-hint") == [
        ("text", {"x": "20", "y": str(top + 28), "font-size": "10", "fill": "#546e7a", "class": "row-hint"}, hint)
        for top, (_, hint) in zip(tops, rows, strict=True)
    ]
    shading = [m for m in marks(picture, tag="rect") if m[1].get("fill") == "#f5f7f8"]
    assert shading == [
        ("rect", {"x": "210", "y": str(top), "width": "760", "height": "34", "fill": "#f5f7f8"}, None)
        for top in (tops[0], tops[2])
    ]


def legend_colour(picture: str, words: str) -> str:
    """The fill of the legend key drawn just before these words."""
    drawn = marks(picture)
    (index,) = [i for i, (_, _, text) in enumerate(drawn) if text == words]
    return drawn[index - 1][1]["fill"]


CONTAINER_STATES = [
    # (state, start, end): the container sleeps until its server listens, serves until a probe
    # kills it, terminates until SIGKILL, and waits in back-off before its next start.
    ("sleeping", 0, 20),
    ("serving", 20, 40),
    ("terminating", 40, 124),
    ("sleeping", 124, 144),
    ("serving", 144, 164),
    ("terminating", 164, 247),
    ("sleeping", 247, 267),
    ("serving", 267, 280),
    ("terminating", 280, 300),
    ("sleeping", 300, 320),
    ("serving", 320, 330),
    ("terminating", 330, 540),
    ("back-off", 540, 700),
    ("sleeping", 700, 720),
    ("serving", 720, 760),
]
LEGEND_WORDS = {
    "sleeping": "sleeping: server not listening yet",
    "serving": "serving: server answers",
    "terminating": "terminating: SIGTERM, then SIGKILL",
    "back-off": "back-off: waiting to restart",
}


def test_the_container_row_shows_each_state_from_its_start_to_its_end_in_the_legends_colour() -> None:
    picture = draw()
    bands = marks(picture, "band")
    assert [(m[1]["class"], m[1]["data-start"], m[1]["data-end"]) for m in bands] == [
        (f"band {state}", str(start), str(end)) for state, start, end in CONTAINER_STATES
    ]
    for (tag, attributes, _), (state, start, end) in zip(bands, CONTAINER_STATES, strict=True):
        assert tag == "rect"
        assert attributes["x"] == number(x(start))
        assert attributes["width"] == number(x(end) - x(start))
        assert (attributes["y"], attributes["height"]) == (str(ROWS_TOP + 5), "24")
        assert attributes["fill"] == legend_colour(picture, LEGEND_WORDS[state])
    # The four states have four different colours.
    assert len({legend_colour(picture, words) for words in LEGEND_WORDS.values()}) == 4


def test_a_state_is_named_inside_its_band_only_where_the_word_fits() -> None:
    picture = draw()
    # A word needs 7 px a letter and 6 px of margin: "terminating" fits in 84 s (84 px) but not in 83.
    named = [m for m in marks(picture, tag="text") if m[2] in LEGEND_WORDS]
    assert named == [
        ("text", {"x": number(x(start) + 4), "y": str(ROWS_TOP + 21), "font-size": "11", "fill": "#ffffff"}, state)
        for state, start in [("terminating", 40), ("terminating", 330), ("back-off", 540)]
    ]


def test_the_ready_row_shows_each_ready_period_and_names_those_wide_enough() -> None:
    picture = draw()
    # Ready from each "ready" to the next "not-ready" (a failed readiness result or the exit), and
    # the last one until the end of the picture.
    periods = [(30, 80), (90, 124), (150, 201), (730, 760)]
    assert marks(picture, "ready-period") == [
        (
            "rect",
            {
                "x": number(x(start)),
                "y": str(ROWS_TOP + 34 + 5),
                "width": number(end - start),
                "height": "24",
                "fill": legend_colour(picture, "pod Ready: the Service sends it traffic"),
                "class": "ready-period",
                "data-start": str(start),
                "data-end": str(end),
            },
            None,
        )
        for start, end in periods
    ]
    # "Ready" is written in periods wider than 50 px: 51 s is, 50 s is not.
    assert [m for m in marks(picture, tag="text") if m[2] == "Ready"] == [
        ("text", {"x": number(x(150) + 4), "y": str(ROWS_TOP + 34 + 21), "font-size": "11", "fill": "#ffffff"}, "Ready")
    ]
    assert [m for m in marks(picture, tag="text") if m[2] == "never Ready in this time"] == []


def test_a_pod_never_ready_says_so_in_its_ready_row() -> None:
    never = replace(PREDICTION, events=tuple(e for e in EVENTS if e.kind not in ("ready", "not-ready")), ready_at=None)
    drawn = timeline_svg.svg([replace(PANEL, prediction=never)])
    assert marks(drawn, "ready-period") == []
    rows_top = ROWS_TOP - 16  # one moment fewer: no "Ready at"
    assert [m for m in marks(drawn, tag="text") if m[2] == "never Ready in this time"] == [
        (
            "text",
            {"x": "216", "y": str(rows_top + 34 + 21), "font-size": "11", "fill": "#546e7a"},
            "never Ready in this time",
        )
    ]


def legend_mark(picture: str, words: str) -> dict[str, str]:
    drawn = marks(picture)
    (index,) = [i for i, (_, _, text) in enumerate(drawn) if text == words]
    return drawn[index - 1][1]


def test_every_probe_result_is_a_mark_on_its_probes_row_styled_as_the_legend_says() -> None:
    picture = draw()
    centres = {"readiness": ROWS_TOP + 34 * 2 + 17, "liveness": ROWS_TOP + 34 * 3 + 17}
    passed, failed = legend_mark(picture, "probe passed"), legend_mark(picture, "probe failed")
    style = {key: passed[key] for key in ("r", "fill", "stroke", "stroke-width")}
    assert style == {"r": "4.5", "fill": "#2e7d32", "stroke": "#2e7d32", "stroke-width": "2"}
    fail_style = {key: failed[key] for key in ("r", "fill", "stroke", "stroke-width")}
    assert fail_style == {"r": "4.5", "fill": "#ffffff", "stroke": "#c62828", "stroke-width": "2"}
    expected = [
        (
            "circle",
            {
                "cx": number(x(e.at)),
                "cy": str(centres[e.probe]),
                **(style if e.success else fail_style),
                "class": f"probe {e.probe} {'pass' if e.success else 'fail'}",
                "data-at": str(e.at),
            },
            None,
        )
        for name in ("readiness", "liveness")
        for e in EVENTS
        if e.probe == name
    ]
    assert marks(picture, "probe") == expected
    # The result at the very end is drawn too, on the plot's edge.
    assert [m[1]["cx"] for m in expected if m[1]["data-at"] == "760"] == ["970"]


MOMENTS = [
    (30, "Ready at 30s"),
    (40, "probe kill at 40s (SIGTERM)"),
    (124, "exit at 124s (SIGKILL)"),
    (124, "restart 1 at 124s"),
    (540, "CrashLoopBackOff from 540s"),
]


def test_the_moments_the_lab_talks_about_are_dashed_lines_each_labelled_on_its_own_line() -> None:
    picture = draw()
    key = legend_mark(picture, "a moment the lab text talks about")
    assert marks(picture, "moment") == [
        (
            "line",
            {
                "x1": number(x(at)),
                "y1": str(LABEL_TOP + 16 * i + 14),
                "x2": number(x(at)),
                "y2": str(BOTTOM),
                "stroke": key["stroke"],
                "stroke-width": "1",
                "stroke-dasharray": key["stroke-dasharray"],
                "class": "moment",
                "data-at": str(at),
            },
            None,
        )
        for i, (at, _) in enumerate(MOMENTS)
    ]
    # A label reads from its line, or, in the last 30 % of the plot, towards it.
    labels = [
        (
            "text",
            {
                "x": number(x(at) + 4),
                "y": str(LABEL_TOP + 16 * i + 11),
                "font-size": "12",
                "text-anchor": "start",
                "class": "moment-label",
            },
            text,
        )
        for i, (at, text) in enumerate(MOMENTS[:-1])
    ]
    late = (
        "text",
        {
            "x": number(x(540) - 4),
            "y": str(LABEL_TOP + 16 * 4 + 11),
            "font-size": "12",
            "text-anchor": "end",
            "class": "moment-label",
        },
        MOMENTS[-1][1],
    )
    assert marks(picture, "moment-label") == [*labels, late]


def test_the_time_axis_has_a_labelled_tick_every_two_minutes_under_the_rows() -> None:
    picture = draw()
    assert marks(picture, "axis") == [
        (
            "line",
            {"x1": "210", "y1": str(BOTTOM), "x2": "970", "y2": str(BOTTOM), "stroke": "#263238", "class": "axis"},
            None,
        )
    ]
    ticks = range(0, 760, 120)
    assert marks(picture, "tick") == [
        (
            "text",
            {"x": number(x(t)), "y": str(BOTTOM + 18), "font-size": "11", "text-anchor": "middle", "class": "tick"},
            f"{t} s",
        )
        for t in ticks
    ]
    tick_lines = [m for m in marks(picture, tag="line") if m[1].get("y2") == str(BOTTOM + 5)]
    assert tick_lines == [
        (
            "line",
            {"x1": number(x(t)), "y1": str(BOTTOM), "x2": number(x(t)), "y2": str(BOTTOM + 5), "stroke": "#263238"},
            None,
        )
        for t in ticks
    ]
    caption = "seconds since the pod's container first started (probes may run up to one period later on a real node)"
    assert [m for m in marks(picture, tag="text") if m[2] == caption] == [
        (
            "text",
            {"x": "590", "y": str(BOTTOM + 36), "font-size": "12", "text-anchor": "middle", "fill": "#37474f"},
            caption,
        )
    ]


def test_the_legend_puts_each_key_just_before_its_words() -> None:
    picture = draw()
    drawn = marks(picture)
    start = next(i for i, m in enumerate(drawn) if "legend" in m[1].get("class", ""))
    legend = drawn[start:]
    words = [(tag, attributes) for tag, attributes, text in legend if text is None]
    texts = [(attributes, text) for tag, attributes, text in legend if text is not None and tag == "text"]
    assert [tag for tag, _, text in legend if text is not None] == ["text"] * 8
    # First line: a 14 px square per container state, its words 5 px after it, the next square
    # 16 px after the words (measured at 6.4 px a letter).
    left, squares = 20.0, []
    for state, colour in (
        ("sleeping", "#90a4ae"),
        ("serving", "#2e7d32"),
        ("terminating", "#ef6c00"),
        ("back-off", "#c62828"),
    ):
        squares.append((left, colour, LEGEND_WORDS[state]))
        left += 19 + 6.4 * len(LEGEND_WORDS[state]) + 16
    second = LEGEND_TOP + 24
    assert words == [
        *[
            (
                "rect",
                {
                    "x": number(left),
                    "y": str(LEGEND_TOP),
                    "width": "14",
                    "height": "14",
                    "fill": colour,
                    "class": "legend",
                },
            )
            for left, colour, _ in squares
        ],
        ("rect", {"x": "20", "y": str(second), "width": "14", "height": "14", "fill": "#1565c0", "class": "legend"}),
        (
            "circle",
            {
                "cx": "330",
                "cy": str(second + 7),
                "r": "4.5",
                "fill": "#2e7d32",
                "stroke": "#2e7d32",
                "stroke-width": "2",
            },
        ),
        (
            "circle",
            {
                "cx": "440",
                "cy": str(second + 7),
                "r": "4.5",
                "fill": "#ffffff",
                "stroke": "#c62828",
                "stroke-width": "2",
            },
        ),
        (
            "line",
            {
                "x1": "550",
                "y1": str(second + 7),
                "x2": "580",
                "y2": str(second + 7),
                "stroke": "#263238",
                "stroke-dasharray": "4 3",
            },
        ),
    ]
    assert texts == [
        *[({"x": number(left + 19), "y": str(LEGEND_TOP + 11), "font-size": "11"}, text) for left, _, text in squares],
        ({"x": "39", "y": str(second + 11), "font-size": "11"}, "pod Ready: the Service sends it traffic"),
        ({"x": "340", "y": str(second + 11), "font-size": "11"}, "probe passed"),
        ({"x": "450", "y": str(second + 11), "font-size": "11"}, "probe failed"),
        ({"x": "586", "y": str(second + 11), "font-size": "11"}, "a moment the lab text talks about"),
    ]


def test_panels_stack_one_under_the_other_with_a_rule_between_them() -> None:
    picture = draw()
    second = replace(PANEL, title="for student-2", parameters="one line")
    both = timeline_svg.svg([PANEL, second])
    root = ET.fromstring(both.encode())
    # The second panel: one parameter line instead of three, the same moments and rows.
    height = HEIGHT + (HEIGHT - 30)
    assert (root.get("height"), root.get("viewBox")) == (str(height), f"0 0 1000 {height}")
    assert root.findtext(f"{SVG}title") == f"{TITLE}; for student-2"
    rules = [m for m in marks(both, tag="line") if m[1].get("stroke") == "#b0bec5"]
    assert rules == [
        ("line", {"x1": "0", "y1": str(HEIGHT), "x2": "1000", "y2": str(HEIGHT), "stroke": "#b0bec5"}, None)
    ]
    assert [m[1]["y"] for m in marks(both, "title")] == ["24", str(HEIGHT + 24)]
    # Same input, same bytes.
    assert timeline_svg.svg([PANEL]) == picture


def test_text_is_escaped_and_attributes_are_quoted() -> None:
    odd = replace(PANEL, title='a <pod> & "its" probes', parameters="x < y & z")
    drawn = timeline_svg.svg([odd])
    assert (
        '<text x="20" y="24" font-size="18" font-weight="bold" class="title">a &lt;pod&gt; &amp; "its" probes</text>'
        in drawn
    )
    assert '<title>a &lt;pod&gt; &amp; "its" probes</title>' in drawn
    assert [m[2] for m in marks(drawn, "parameters")] == ["x < y & z"]


def settled(last: float, horizon: float = 900, restarts: tuple[float, ...] = ()) -> timeline.Timeline:
    """A prediction whose last event that is not a probe result comes at `last`."""
    events = (container(0, 0), Event(last, "ready", "pod Ready"), probe(last + 400, "readiness", True))
    return timeline.Timeline(events=events, ready_at=last, restarts=restarts, horizon=horizon)


@pytest.mark.parametrize(
    ("prediction", "seconds_shown"),
    [
        # A pod that settles is shown until a quarter after its last change and 10 s more, at
        # least a minute, rounded up to a whole tick; probe results after it do not count.
        (settled(45), 70),  # Exercise 2.1: Ready at 45 s -> 66.25 s -> ticks of 10 s -> 70 s
        (settled(0), 60),
        (settled(40), 60),  # exactly a minute: ticks of 5 s
        (settled(41), 70),  # 61.25 s: ticks of 10 s
        (settled(200, restarts=(100, 200)), 270),  # 260 s: ticks of 30 s
        (settled(45, horizon=50), 50),  # never past the prediction's end
        # A pod restarted more than twice keeps restarting: the whole horizon is shown.
        (settled(300, horizon=1000, restarts=(100, 200, 300)), 1000),
    ],
)
def test_the_picture_shows_the_seconds_that_matter(prediction: timeline.Timeline, seconds_shown: float) -> None:
    assert timeline_svg.window_end(prediction) == seconds_shown


@pytest.mark.parametrize(
    ("span", "step"),
    [
        (60, 5),
        (61, 10),
        (120, 10),
        (121, 15),
        (180, 15),
        (181, 30),
        (360, 30),
        (361, 60),
        (720, 60),
        (721, 120),
        (1440, 120),
        (1441, 300),
        (3600, 300),
        (3601, 600),
        (7200, 600),
        (7201, 1800),
        (21600, 1800),
        (21601, 3600),
        (43200, 3600),
        (43201, 7200),
        (86400, 7200),
        (86401, 14400),
        (172800, 14400),
        (172801, 28800),
    ],
)
def test_the_axis_has_at_most_twelve_ticks_at_round_numbers_of_seconds(span: float, step: float) -> None:
    assert timeline_svg.tick_step(span) == step


def test_a_moment_at_the_very_end_is_still_drawn() -> None:
    prediction = replace(PREDICTION, ready_at=760, kills=(), restarts=(), back_offs=(), events=(container(0, 0),))
    drawn = timeline_svg.svg([replace(PANEL, prediction=replace(prediction, restarts=(1, 2, 3)))])
    assert [m[2] for m in marks(drawn, "moment-label")] == ["restart 1 at 1s", "Ready at 760s"]


@pytest.mark.parametrize("ready_at", [45, None])
def test_a_short_picture_keeps_one_line_for_moments_and_ends_its_axis_on_a_tick(ready_at: float | None) -> None:
    # Ready at 45 s (Exercise 2.1): 70 s shown, a tick every 10 s up to the axis' end. One
    # parameter line, one line for the moment's label (kept even when there is none), three rows.
    prediction = settled(45)
    if ready_at is None:
        listening = (container(0, 0), Event(45, "listening", "server starts listening"))
        prediction = replace(prediction, events=listening, ready_at=None)
    drawn = timeline_svg.svg([timeline_svg.Panel("short", "one line", prediction, ("readiness",))])
    rows_top = 54 + 15 + 16 + 8
    assert [m[1]["y"] for m in marks(drawn, "row-label")] == [str(rows_top + 15 + 34 * i) for i in range(3)]
    bottom = rows_top + 34 * 3
    assert [(m[2], m[1]["x"], m[1]["y"]) for m in marks(drawn, "tick")] == [
        (f"{t} s", number(210 + 760 * t / 70), str(bottom + 18)) for t in range(0, 71, 10)
    ]
    assert marks(drawn, "probe") == []  # the only result, at 445 s, is past the picture's end
    assert [m[2] for m in marks(drawn, "moment-label")] == (["Ready at 45s"] if ready_at else [])


def test_no_tick_is_drawn_past_the_end_of_the_axis() -> None:
    # 839 s in ticks of 2 minutes: the last is 720 s; 840 s would lie past the axis.
    prediction = replace(settled(800, horizon=839), restarts=(100, 200, 300))
    drawn = timeline_svg.svg([replace(PANEL, prediction=prediction)])
    assert [m[2] for m in marks(drawn, "tick")] == [f"{t} s" for t in range(0, 721, 120)]


def test_a_label_in_the_last_30_percent_of_the_plot_reads_towards_its_line() -> None:
    # At one pixel a second, 70 % of the plot is 532 s.
    prediction = replace(PREDICTION, ready_at=532, restarts=(533, 600, 700), kills=(), back_offs=(), events=())
    drawn = timeline_svg.svg([replace(PANEL, prediction=prediction)])
    assert [(m[2], m[1]["text-anchor"], m[1]["x"]) for m in marks(drawn, "moment-label")] == [
        ("Ready at 532s", "start", number(x(532) + 4)),
        ("restart 1 at 533s", "end", number(x(533) - 4)),
    ]


def test_a_pod_ready_only_at_the_last_second_shown_has_no_ready_bar() -> None:
    events = (container(0, 0), Event(760, "ready", "pod Ready"))
    prediction = replace(PREDICTION, events=events, ready_at=760, kills=(), back_offs=())
    drawn = timeline_svg.svg([replace(PANEL, prediction=prediction)])
    assert marks(drawn, "ready-period") == []


def test_the_picture_holds_no_stray_text_between_its_elements() -> None:
    root = ET.fromstring(draw().encode())
    assert [element.tail for element in root.iter() if (element.tail or "").strip()] == []
