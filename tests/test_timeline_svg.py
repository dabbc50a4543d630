"""Given the dev stack, when the probe timeline is drawn (`labctl timeline --format svg`, `labctl render`),
then every mark sits where the prediction puts it, the picture is a valid image, and it goes where
the lab sheet is (never into a student's folder in exercise mode)."""

from __future__ import annotations

import json
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from labctl.cli import main
from tests.conftest import ROOT
from tests.realprog import require_program

SVG = "{http://www.w3.org/2000/svg}"
OVERRIDE = "classroom.overrides.student-2.probedWebServer.delayStart=20"


def timeline_cli(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    code = main(["timeline", "--stack", "dev", "--project-dir", str(ROOT), *flags])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


class Drawing:
    """The SVG's marks, with the time axis read back from its own tick labels."""

    def __init__(self, text: str) -> None:
        self.root = ET.fromstring(text.encode())
        ticks = [
            (float((element.text or "").removesuffix(" s")), float(element.get("x", "")))
            for element in self.root.iter(f"{SVG}text")
            if "tick" in (element.get("class") or "")
        ]
        assert len(ticks) >= 3
        (t0, x0), (t1, x1) = ticks[0], ticks[-1]
        assert t0 == 0
        self.scale = (x1 - x0) / (t1 - t0)
        self.origin = x0
        self.last_tick = t1
        (axis,) = self.elements("line", "axis")
        self.end = round((float(axis.get("x2", "")) - x0) / self.scale, 1)

    def x(self, at: float) -> float:
        return self.origin + self.scale * at

    def elements(self, tag: str, css: str) -> list[ET.Element]:
        return [e for e in self.root.iter(f"{SVG}{tag}") if css in (e.get("class") or "").split()]

    def spans(self, css: str) -> list[tuple[float, float]]:
        """(start, end) in seconds of each rectangle of this class, read from where it is drawn."""
        return [
            (
                round((float(rect.get("x", "")) - self.origin) / self.scale, 1),
                round((float(rect.get("x", "")) + float(rect.get("width", "")) - self.origin) / self.scale, 1),
            )
            for rect in self.elements("rect", css)
        ]


def prediction(capsys: pytest.CaptureFixture[str], *flags: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(timeline_cli(capsys, "--format", "json", *flags))
    return entries


def test_every_probe_result_is_a_mark_where_and_as_the_prediction_says(capsys: pytest.CaptureFixture[str]) -> None:
    (entry,) = prediction(capsys)
    drawing = Drawing(timeline_cli(capsys, "--format", "svg"))
    for probe in ("readiness", "liveness"):
        expected = [
            (round(drawing.x(e["at"]), 1), e["success"])
            for e in entry["events"]
            if e["kind"] == "probe" and e["probe"] == probe and e["at"] <= drawing.end
        ]
        drawn = [
            (round(float(mark.get("cx", "")), 1), "pass" in (mark.get("class") or ""))
            for mark in drawing.elements("circle", probe)
        ]
        assert drawn == expected
        assert any(not success for _, success in drawn)  # Lab 2.2: both probes fail at times


def test_the_bands_follow_the_lab(capsys: pytest.CaptureFixture[str]) -> None:
    (entry,) = prediction(capsys)
    drawing = Drawing(timeline_cli(capsys, "--format", "svg"))
    # Lab 2.2 at the seed's values: asleep until 45 s, Ready at 50 s, killed at 70 s, SIGKILL at 100 s.
    assert drawing.spans("sleeping")[0] == (0, 45)
    assert drawing.spans("serving")[0] == (45, 70)
    assert drawing.spans("terminating")[0] == (70, 100)
    assert drawing.spans("ready-period")[0] == (50, 100)
    # Every kill starts a terminating band; CrashLoopBackOff starts a back-off band.
    assert [start for start, _ in drawing.spans("terminating")] == entry["kills"]
    assert [start for start, _ in drawing.spans("back-off")] == entry["crashLoopBackOffAt"]
    moments = {(round(float(line.get("x1", "")), 1)) for line in drawing.elements("line", "moment")}
    for at in (entry["readyAt"], entry["kills"][0], entry["restarts"][0], entry["crashLoopBackOffAt"][0]):
        assert round(drawing.x(at), 1) in moments
    labels = [e.text or "" for e in drawing.elements("text", "moment-label")]
    assert "Ready at 50s" in labels and "restart 1 at 100s" in labels
    words = " ".join(e.text or "" for e in drawing.root.iter(f"{SVG}text"))
    for label in ("container", "pod Ready", "readiness probe", "liveness probe", "probe passed", "probe failed"):
        assert label in words


def test_exercise_2_1_is_drawn_over_its_own_minute_not_the_whole_horizon(capsys: pytest.CaptureFixture[str]) -> None:
    drawing = Drawing(timeline_cli(capsys, "--format", "svg", "--set", "labs.probedWebServer.stage=exercise-2.1"))
    assert drawing.end <= 120
    assert drawing.elements("rect", "terminating") == []
    assert drawing.spans("ready-period")[0][1] == drawing.end  # Ready until the end


def test_same_input_same_bytes_and_an_override_gets_its_own_panel(capsys: pytest.CaptureFixture[str]) -> None:
    first = timeline_cli(capsys, "--format", "svg")
    assert timeline_cli(capsys, "--format", "svg") == first
    assert first.count('class="title"') == 1  # two students, one set of parameters
    both = timeline_cli(capsys, "--format", "svg", "--set", OVERRIDE)
    titles = [e.text or "" for e in ET.fromstring(both).iter(f"{SVG}text") if e.get("class") == "title"]
    assert len(titles) == 2 and titles[0].endswith("for student-1") and titles[1].endswith("for student-2")


def render(tmp_path: Path, *flags: str) -> Path:
    out = tmp_path / "out"
    code = main(["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out), *flags])
    assert code == 0
    return out


def test_render_puts_the_picture_beside_the_sheet_that_shows_it(tmp_path: Path) -> None:
    out = render(tmp_path, "--set", OVERRIDE)
    one, two = out / "student-1" / "probe-timeline.svg", out / "student-2" / "probe-timeline.svg"
    assert "![The probe pod's timeline](probe-timeline.svg)" in (out / "student-1" / "LAB-SHEET.md").read_text()
    assert one.read_bytes() != two.read_bytes()  # student-2 starts serving at 20 s
    again = render(tmp_path / "again")
    assert (again / "student-1" / "probe-timeline.svg").read_bytes() == (
        again / "student-2" / "probe-timeline.svg"
    ).read_bytes()
    assert (again / "student-1" / "probe-timeline.svg").read_bytes() == one.read_bytes()


def test_in_exercise_mode_the_picture_goes_only_to_the_instructor(tmp_path: Path) -> None:
    out = render(tmp_path, "--set", "classroom.mode=exercise")
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("probe-timeline.svg")) == [
        "_instructor/student-1/probe-timeline.svg",
        "_instructor/student-2/probe-timeline.svg",
    ]
    assert "probe-timeline.svg" in (out / "_instructor" / "student-1" / "LAB-SHEET.md").read_text()
    assert "probe-timeline.svg" not in (out / "student-1" / "LAB-SHEET.md").read_text()


def test_a_real_renderer_turns_it_into_a_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    converter = require_program("rsvg-convert", "librsvg2-bin")  # Debian's librsvg2-bin; `make test` installs it
    source = tmp_path / "timeline.svg"
    source.write_text(timeline_cli(capsys, "--format", "svg", "--set", OVERRIDE))
    png = tmp_path / "timeline.png"
    subprocess.run([converter, "-o", str(png), str(source)], check=True, capture_output=True, timeout=60)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    root = ET.fromstring(source.read_text())
    assert (width, height) == (int(root.get("width", "")), int(root.get("height", "")))
    assert height > 500  # two panels
