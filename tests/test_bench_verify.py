"""The verify benchmark's report: its section replaces the previous one and keeps the notes around it."""

from __future__ import annotations

from pathlib import Path

import bench.verify as bench_verify
from bench.__main__ import NOTES_MARKER


def test_the_section_replaces_the_last_one_and_keeps_the_notes(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(f"# Benchmarks\n\ntable\n{NOTES_MARKER}\n\n## Where the time goes\n\nnotes\n")
    bench_verify.write(out, bench_verify.section({16: 30.0, 1: 130.0}, 3, "shared"))
    bench_verify.write(out, bench_verify.section({16: 8.5, 1: 127.0}, 3, "shared"))
    text = out.read_text()
    assert text.count(bench_verify.BEGIN) == 1 and text.count(NOTES_MARKER) == 1
    assert text.startswith("# Benchmarks\n\ntable\n")
    assert text.rstrip().endswith("## Where the time goes\n\nnotes")
    assert "| 16 | 8.50 |" in text and "| 1 | 127.00 |" in text
    assert "under 20 s with the default pool: met (8.50 s)" in text
    assert "14.9x faster than one call at a time" in text


def test_a_slow_pool_is_reported_as_missed(tmp_path: Path) -> None:
    lines = bench_verify.section({16: 20.0, 1: 120.0}, 1, "shared")
    assert any("MISSED (20.00 s)" in line for line in lines)
