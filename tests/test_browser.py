"""Looked at as a person would: the verify page and the probe timeline in a real headless browser.

Debian's chromium loads each one (its own headless mode); a test copy of the page gets a script
that reads what the browser laid out (computed colours, font sizes, boxes) into the DOM, which
`--dump-dom` prints. A screenshot of each is taken as well. `make test` installs chromium; without
it these tests fail and say how to get it.
"""

from __future__ import annotations

import html
import json
import re
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from labctl.cli import main
from labctl.verify.html import page
from labctl.verify.report import Result, Status
from tests.conftest import ROOT
from tests.realprog import require_program

MEASURE_TABLE = """
<script>
const cells = [...document.querySelectorAll('td')].map(td => {
  const label = td.querySelector('.status');
  const style = getComputedStyle(td);
  return {status: td.dataset.status || null, background: style.backgroundColor, colour: style.color,
          text: td.innerText, labelSize: label ? parseFloat(getComputedStyle(label).fontSize) : null,
          width: td.getBoundingClientRect().width};
});
const heads = [...document.querySelectorAll('thead th')].map(th => th.innerText);
const out = document.createElement('pre');
out.id = 'measured';
out.textContent = JSON.stringify({cells, heads});
document.body.appendChild(out);
</script>
"""

MEASURE_SVG = """
<script>
const svg = document.querySelector('svg');
const box = svg.getBoundingClientRect();
const texts = [...svg.querySelectorAll('text')].map(t => {
  const b = t.getBBox();
  return {cls: t.getAttribute('class'), text: t.textContent, x: b.x, y: b.y, width: b.width, height: b.height};
});
const marks = [...svg.querySelectorAll('circle.probe')].map(c => ({
  cls: c.getAttribute('class'), fill: getComputedStyle(c).fill}));
const axis = svg.querySelector('line.axis').getBBox();
const out = document.createElement('pre');
out.id = 'measured';
out.textContent = JSON.stringify({width: box.width, height: box.height, texts, marks, plotLeft: axis.x});
document.body.appendChild(out);
</script>
"""


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    program = require_program("chromium", "chromium")
    argv = [program, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)


def measured(source: Path, tmp_path: Path) -> dict[str, Any]:
    dom = chromium("--dump-dom", source.as_uri(), profile=tmp_path / "profile").stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, f"the browser ran no measuring script:\n{dom[-2000:]}"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def screenshot(source: Path, tmp_path: Path, size: str) -> tuple[int, int]:
    shot = tmp_path / f"{source.stem}.png"
    chromium(f"--screenshot={shot}", f"--window-size={size}", source.as_uri(), profile=tmp_path / "profile")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = (int(part) for part in re.findall(r"\d+", colour)[:3])
    return red, green, blue


def class_results() -> list[Result]:
    """One student of each kind: all passing, one failing step, a lab not started, a step still pending."""
    command = "kubectl exec redis -n lab-{s} -- redis-cli CONFIG GET maxmemory"
    kinds: list[tuple[str, Status, str | None]] = [
        ("ada", "pass", None),
        ("grace", "fail", "expected maxmemory 2097152, got maxmemory 1"),
        ("linus", "not started", "none of its objects in lab-linus yet"),
        ("ken", "pending", "not run"),
    ]
    results = []
    for student, status, problem in kinds:
        step = "CONFIG GET maxmemory"
        results.append(
            Result(student, "redisWithConfigMap", step, status, problem, command.format(s=student), "2097152")
        )
        results.append(
            Result(student, "secureWriterPod", "file owner and group", "pass", None, "kubectl exec ...", "45:231")
        )
    return results


def test_the_verify_page_as_a_browser_shows_it(tmp_path: Path) -> None:
    document = page(class_results(), ["ada", "grace", "linus", "ken"], ["secureWriterPod", "redisWithConfigMap"], "t")
    source = tmp_path / "class.html"
    source.write_text(document.replace("</body>", MEASURE_TABLE + "</body>"))
    seen = measured(source, tmp_path)
    assert seen["heads"][1:] == ["Lab 2.3: pod security context", "Lab 2.4: Redis configured by a ConfigMap"]
    cells = {cell["status"]: cell for cell in seen["cells"][1::2]}  # the Redis column
    assert set(cells) == {"pass", "fail", "not started", "pending"}
    # Each state reads in words and in a colour of its own: green, red, grey, yellow.
    red, green, blue = rgb(cells["pass"]["background"])
    assert green > red and green > blue
    red, green, blue = rgb(cells["fail"]["background"])
    assert red > green and red > blue
    red, green, blue = rgb(cells["not started"]["background"])
    assert max(red, green, blue) - min(red, green, blue) < 24
    red, green, blue = rgb(cells["pending"]["background"])
    assert red > blue + 40 and green > blue + 40
    assert len({cell["background"] for cell in cells.values()}) == 4
    assert "FAIL" in cells["fail"]["text"] and "got maxmemory 1" in cells["fail"]["text"]
    assert "kubectl exec redis -n lab-grace" in cells["fail"]["text"]
    assert "NOT STARTED" in cells["not started"]["text"] and "PENDING" in cells["pending"]["text"]
    # Big enough for a projector at the back of a room.
    assert all(cell["labelSize"] >= 20 for cell in cells.values())
    assert screenshot(source, tmp_path, "1280,800") == (1280, 800)


def test_the_timeline_as_a_browser_shows_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["timeline", "--stack", "dev", "--project-dir", str(ROOT), "--format", "svg"])
    picture = capsys.readouterr().out
    assert code == 0
    svg_file = tmp_path / "timeline.svg"
    svg_file.write_text(picture)
    inline = picture.split("?>", 1)[1]
    source = tmp_path / "timeline.html"
    source.write_text(f"<!DOCTYPE html><html><body style='margin:0'>{inline}{MEASURE_SVG}</body></html>")
    seen = measured(source, tmp_path)
    assert seen["width"] == 1000
    words = [text["text"] for text in seen["texts"]]
    for label in ("container", "pod Ready", "readiness probe", "liveness probe", "Ready at 50s", "probe failed"):
        assert label in words
    # Every label is drawn inside the picture, none cut off at an edge.
    for text in seen["texts"]:
        assert text["width"] > 0, text
        assert text["x"] >= 0 and text["x"] + text["width"] <= seen["width"], text
        assert text["y"] >= 0 and text["y"] + text["height"] <= seen["height"], text
    # The rows' names and hints end before the plot begins.
    for text in seen["texts"]:
        if text["cls"] in ("row-label", "row-hint"):
            assert text["x"] + text["width"] < seen["plotLeft"], text
    # The moments' labels do not overlap one another.
    labels = [text for text in seen["texts"] if text["cls"] == "moment-label"]
    for index, one in enumerate(labels):
        for other in labels[index + 1 :]:
            apart = one["y"] + one["height"] <= other["y"] or other["y"] + other["height"] <= one["y"]
            assert apart, (one, other)
    fills = {mark["cls"].split()[-1]: mark["fill"] for mark in seen["marks"]}
    assert rgb(fills["pass"])[1] > rgb(fills["pass"])[0] and fills["fail"] == "rgb(255, 255, 255)"
    assert screenshot(svg_file, tmp_path, "1000,400") == (1000, 400)
