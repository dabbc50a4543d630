"""`python -m bench`: every measurement in a fresh process, medians of several runs, bench/RESULTS.md.

Render and floor write to a tmpfs folder when there is one, so the numbers are about this code
and not about the disk; one render per size is also timed on the project's disk, for reference.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 100, 1000)
REVIEW_STUDENTS = 300
REVIEW_KINDS = ("review-stack", "review-dir")
NOTES_MARKER = "<!-- notes: kept across runs -->"
PACKAGES = ("pulumi", "pulumi-kubernetes", "pulumi-random", "pydantic", "PyYAML", "kubernetes-validate")


def measure(kind: str, students: int, parent: Path) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(dir=parent)) / "out"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.worker", kind, str(students), str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"  {kind:<10} {students:>5} students  {measured['seconds']:8.3f} s  {measured['peak_kib'] / 1024:7.1f} MiB")
    return measured


def medians(kinds: tuple[str, ...], students: int, runs: int, parent: Path) -> dict[str, dict[str, float]]:
    """`runs` rounds of every kind in turn, so that drift on the machine falls on each kind alike."""
    rounds = [{kind: measure(kind, students, parent) for kind in kinds} for _ in range(runs)]
    return {kind: summary([round_[kind] for round_ in rounds]) for kind in kinds}


def summary(results: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "gc_seconds": statistics.median(r["gc_seconds"] for r in results),
        "busy_seconds": statistics.median(r["seconds"] - r["gc_seconds"] for r in results),
        "peak_mib": statistics.median(r["peak_kib"] for r in results) / 1024,
        "runs": len(results),
    }


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    import os

    versions = ", ".join(f"{name} {metadata.version(name)}" for name in PACKAGES)
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores (nproc); {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {versions}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--mock-runs-at-1000", type=int, default=1, help="runs of each mock benchmark at 1,000")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    shm = Path("/dev/shm")
    fast_parent = shm if shm.is_dir() else Path(tempfile.gettempdir())
    disk_parent = ROOT / "build"
    disk_parent.mkdir(exist_ok=True)
    results: dict[tuple[str, int], dict[str, float]] = {}
    for students in SIZES:
        print(f"{students} students")
        measured = medians(("render", "floor"), students, args.runs, fast_parent)
        measured["render-disk"] = medians(("render",), students, 1, disk_parent)["render"]
        mock_runs = args.runs if students < 1000 else args.mock_runs_at_1000
        measured |= medians(("components", "direct", "program"), students, mock_runs, fast_parent)
        results |= {(kind, students): numbers for kind, numbers in measured.items()}
    print(f"{REVIEW_STUDENTS} students, review")
    reviewed = medians(REVIEW_KINDS, REVIEW_STUDENTS, args.runs, fast_parent)
    results |= {(kind, REVIEW_STUDENTS): numbers for kind, numbers in reviewed.items()}
    write_report(args.out, results)
    print(f"wrote {args.out}")


def review_section(s: Callable[..., float]) -> list[str]:
    """`labctl review` of one class from its stack and from its rendered tree, and the 2x target."""
    n = REVIEW_STUDENTS
    ratio = s("review-dir", n) / s("review-stack", n)
    return [
        f"`review --stack` is `labctl review --stack dev --set classroom.students={n}` (builds the manifests in",
        "memory, then reviews them); `review --dir` is `labctl review --dir` over the same class rendered",
        "beforehand into a tmpfs folder (the render is not timed: it reads and parses the YAML files instead).",
        "",
        "| students | review --stack s | review --dir s | --dir / --stack | --dir MiB |",
        "|---:|---:|---:|---:|---:|",
        f"| {n:,} | {s('review-stack', n):.2f} | {s('review-dir', n):.2f} | {ratio:.2f}x"
        f" | {s('review-dir', n, 'peak_mib'):.0f} |",
        "",
        f"- review --dir within 2x of --stack at {n:,} students: {'met' if ratio <= 2 else 'MISSED'} ({ratio:.2f}x)",
        "",
    ]


def write_report(path: Path, results: dict[tuple[str, int], dict[str, float]]) -> None:
    def s(kind: str, students: int, measure: str = "seconds") -> float:
        return results[(kind, students)][measure]

    def overhead(students: int, measure: str = "seconds") -> float:
        return s("components", students, measure) / s("direct", students, measure) - 1

    lines = ["# Benchmarks", "", "Made by `make bench` (`python -m bench`) on:", "", *machine(), ""]
    lines += [
        "Each number is the median of the runs shown, each run a fresh process, the kinds of one size",
        "run in turn round by round; time is the work only (after imports), peak memory is the process's",
        "maximum resident set, imports included; GC is the part of the time spent in Python's cyclic",
        "garbage collector.",
        "`render` is `labctl render` of the dev stack with `classroom.students=N` into a tmpfs folder;",
        "`render (disk)` the same into `build/` on the project's disk, one run; `floor` loads the same",
        "config, builds the same file dicts and writes them with PyYAML's C dumper, without staging or swap.",
        "`components` runs the Classroom component under the test mocks; `direct` registers the same",
        "manifests and generated passwords under the same mocks through the same `components.manifests.register`",
        "(same names, same ordering: namespace first, ConfigMaps and Secrets before their readers), with no",
        "ComponentResource at all, so `overhead` is what the component layer itself costs, and `outside GC`",
        "the same ratio for the time not spent collecting garbage;",
        "`program` is the real `__main__.py` with the stack config under the mocks.",
        "",
        "| students | render s | render MiB | render (disk) s | floor s | render / floor | components s (GC)"
        " | direct s (GC) | overhead | outside GC | program s | program MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in SIZES:
        lines.append(
            f"| {n:,} | {s('render', n):.2f} | {s('render', n, 'peak_mib'):.0f} | {s('render-disk', n):.2f}"
            f" | {s('floor', n):.2f} | {s('render', n) / s('floor', n):.2f}x"
            f" | {s('components', n):.2f} ({s('components', n, 'gc_seconds'):.2f};"
            f" {s('components', n, 'runs'):.0f} runs)"
            f" | {s('direct', n):.2f} ({s('direct', n, 'gc_seconds'):.2f})"
            f" | {overhead(n):+.1%} | {overhead(n, 'busy_seconds'):+.1%}"
            f" | {s('program', n):.2f} | {s('program', n, 'peak_mib'):.0f} |"
        )
    lines += ["", "Growth from 100 to 1,000 students (10x the students):", ""]
    for kind in ("render", "floor", "components", "direct", "program"):
        lines.append(f"- {kind}: {s(kind, 1000) / s(kind, 100):.1f}x")
    worst = max(SIZES[1:], key=overhead)
    lines += [
        "",
        "Targets: render of 1,000 students under 3 s and within 3x of the floor; component overhead",
        "under 15 %; growth 100 -> 1,000 under 12x.",
        "",
        f"- render 1,000 < 3 s: {'met' if s('render', 1000) < 3 else 'MISSED'} ({s('render', 1000):.2f} s)",
        f"- render within 3x of floor: {'met' if s('render', 1000) < 3 * s('floor', 1000) else 'MISSED'}",
        f"- component overhead < 15 % at 100 and 1,000: {'met' if overhead(worst) < 0.15 else 'MISSED'}"
        f" (worst {overhead(worst):+.1%} at {worst:,})",
        f"- growth < 12x: {'met' if all(s(k, 1000) < 12 * s(k, 100) for k in ('render', 'program')) else 'MISSED'}",
        "",
    ]
    lines += review_section(s)
    # Hand-written analysis below the marker survives a new run.
    notes = path.read_text().partition(NOTES_MARKER)[2] if path.exists() else ""
    path.write_text("\n".join(lines) + "\n" + NOTES_MARKER + (notes or "\n"))


if __name__ == "__main__":
    main()
