"""The benchmark's bookkeeping: interleaved rounds, medians, GC time and the target verdicts."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench
from bench.worker import GcClock

KINDS = ("render", "render-disk", "floor", "components", "direct", "program")


def measured(seconds: float) -> dict[str, float]:
    return {"seconds": seconds, "gc_seconds": seconds / 4, "busy_seconds": seconds * 3 / 4, "peak_mib": 80.0, "runs": 3}


def results(
    direct: float, components_by_size: dict[int, float], review: tuple[float, float] = (1.0, 1.5)
) -> dict[tuple[str, int], dict[str, float]]:
    numbers: dict[tuple[str, int], dict[str, float]] = {}
    for students in bench.SIZES:
        for kind in KINDS:
            seconds = components_by_size.get(students, direct) if kind == "components" else direct
            numbers[(kind, students)] = measured(seconds)
    for kind, seconds in zip(bench.REVIEW_KINDS, review, strict=True):
        numbers[(kind, bench.REVIEW_STUDENTS)] = measured(seconds)
    return numbers


def verdict(report: str, target: str) -> str:
    return next(line for line in report.splitlines() if line.startswith(f"- {target}"))


def test_overhead_target_is_met_only_when_every_size_is_under_15_percent(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    bench.write_report(out, results(2.0, {100: 2.2, 1000: 2.2}))
    assert "met (worst +10.0%" in verdict(out.read_text(), "component overhead")

    bench.write_report(out, results(2.0, {100: 2.2, 1000: 2.4}))
    assert "MISSED (worst +20.0% at 1,000)" in verdict(out.read_text(), "component overhead")


def test_review_target_is_dir_within_twice_the_stack(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    bench.write_report(out, results(1.0, {}, review=(1.2, 2.4)))
    assert verdict(out.read_text(), "review --dir within 2x").endswith("met (2.00x)")
    bench.write_report(out, results(1.0, {}, review=(1.2, 2.5)))
    assert verdict(out.read_text(), "review --dir within 2x").endswith("MISSED (2.08x)")


def test_report_keeps_the_notes_below_the_marker(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(f"old table\n{bench.NOTES_MARKER}\n## Where the time goes\nkept\n")
    bench.write_report(out, results(1.0, {}))
    text = out.read_text()
    assert "old table" not in text
    assert text.endswith(f"{bench.NOTES_MARKER}\n## Where the time goes\nkept\n")


def test_kinds_run_in_turn_and_medians_are_taken_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    seconds = {"components": iter([5.0, 1.0, 3.0]), "direct": iter([2.0, 9.0, 4.0])}

    def measure(kind: str, students: int, parent: Path) -> dict[str, Any]:
        calls.append(kind)
        value = next(seconds[kind])
        return {"seconds": value, "gc_seconds": 1.0, "peak_kib": 1024 * value}

    monkeypatch.setattr(bench, "measure", measure)
    medians = bench.medians(("components", "direct"), 10, 3, Path("."))
    assert calls == ["components", "direct"] * 3
    assert medians["components"]["seconds"] == 3.0
    assert medians["direct"]["seconds"] == 4.0
    assert medians["direct"]["busy_seconds"] == 3.0
    assert medians["components"]["runs"] == 3


def test_gc_clock_counts_collections_only_while_registered() -> None:
    clock = GcClock()
    gc.callbacks.append(clock)
    try:
        garbage: list[Any] = []
        for _ in range(50_000):
            cycle: list[Any] = []
            cycle.append(cycle)
            garbage.append(cycle)
        del garbage
        gc.collect()
    finally:
        gc.callbacks.remove(clock)
    counted = clock.seconds
    assert counted > 0
    gc.collect()
    assert clock.seconds == counted
