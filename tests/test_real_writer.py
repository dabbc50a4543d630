"""Lab 2.3: the writer container's own command, run here with its mount pointed at a temporary folder."""

from __future__ import annotations

import re
import time
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from labs.expansion import container_argv
from labs.secure_writer import SecureWriterPodArgs, build
from tests.realprog import remap, running, wait_for

INTERVAL = 1
LINES = 4
# `date` with no arguments, as busybox and coreutils print it: "Tue Nov  4 09:05:01 UTC 2026".
DATE_LINE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+ \d{4}$")


def test_the_writer_appends_one_date_line_per_interval(tmp_path: Path) -> None:
    (pod,) = build(SecureWriterPodArgs(interval=INTERVAL))
    (container,) = pod["spec"]["containers"]
    (mount,) = container["volumeMounts"]
    volume = tmp_path / "volume"
    volume.mkdir()
    argv = remap(container_argv(container), {mount["mountPath"]: volume})
    written = volume / "file.txt"
    arrivals: list[float] = []

    def lines_so_far() -> list[str] | None:
        lines = written.read_text().splitlines() if written.exists() else []
        arrivals.extend([time.monotonic()] * (len(lines) - len(arrivals)))
        return lines if len(lines) >= LINES else None

    with running(argv, cwd=tmp_path, log=tmp_path / "writer.log", limit=15) as writer:
        lines = wait_for(lines_so_far, LINES * INTERVAL + 5, f"{LINES} lines", interval=0.02)
        still_running = writer.exited() is None

    assert still_running
    assert len(lines) == LINES, lines
    assert all(DATE_LINE.match(line) for line in lines), lines
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert all(INTERVAL * 0.8 < gap < INTERVAL * 1.5 for gap in gaps), gaps
    stamps = [datetime.strptime(line.split()[3], "%H:%M:%S") for line in lines]
    steps = [(later - earlier).total_seconds() % 86400 for earlier, later in pairwise(stamps)]
    assert all(step in (INTERVAL, INTERVAL + 1) for step in steps), lines
