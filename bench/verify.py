"""`python -m bench.verify`: `labctl verify` over a class of 100 against a fake kubectl that answers
every call correctly after 200 ms, with the default pool (--parallel 16) and one call at a time
(--parallel 1), the two run in turn round by round; medians go into bench/RESULTS.md.

The fake is a shell script (sleep, then the right answer for the dev stack's parameters), so the
time measured is labctl's and the 200 ms waits, not a Python interpreter starting per call. The
section it writes sits after the notes marker, which `python -m bench` keeps across its runs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import NOTES_MARKER, ROOT, machine

STUDENTS = 100
ANSWER_SECONDS = 0.2
TARGET_SECONDS = 20.0
POOLS = (16, 1)
BEGIN = "<!-- verify: made by python -m bench.verify -->"
END = "<!-- end verify -->"

# The answers a healthy class gives for the dev stack's parameters (tests/test_verify.py says why).
FAKE_KUBECTL = f"""#!/bin/sh
sleep {ANSWER_SECONDS}
case "$*" in
  version*) echo '{{"clientVersion": {{}}, "serverVersion": {{"gitVersion": "v1.33.1"}}}}' ;;
  *liveness-readiness-pod*) echo 'true,1' ;;
  *"ls -ln /etc/directory"*) echo 'total 4'; echo '-rw-r--r--    1 45       231             58 Feb  3 19:07 file.txt' ;;
  *maxmemory-policy*) printf 'maxmemory-policy\\nallkeys-lru\\n' ;;
  *maxmemory*) printf 'maxmemory\\n2097152\\n' ;;
  *deploy/mysql*) echo 1 ;;
  *" env"*) printf 'LAB_GREETING=hello from example-configmap\\nLAB_MODE=classroom\\n' ;;
  *) echo "no answer for $*" >&2; exit 1 ;;
esac
"""


def run_once(folder: Path, workers: int) -> float:
    env = {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    argv = [sys.executable, "-m", "labctl", "verify", "--stack", "dev", "--project-dir", str(ROOT)]
    argv += ["--set", f"classroom.students={STUDENTS}", "--parallel", str(workers), "--format", "json"]
    began = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - began
    if done.returncode != 0 or f'"passed": {STUDENTS * 6}' not in done.stdout:
        raise SystemExit(f"labctl verify did not pass every check (exit {done.returncode}):\n{done.stderr[-2000:]}")
    print(f"  --parallel {workers:<3} {seconds:7.2f} s")
    return seconds


def section(medians: dict[int, float], runs: int, shared: str) -> list[str]:
    fast, sequential = medians[POOLS[0]], medians[POOLS[1]]
    verdict = "met" if fast < TARGET_SECONDS else "MISSED"
    return [
        BEGIN,
        "",
        "## labctl verify at class scale",
        "",
        f"`labctl verify --stack dev --set classroom.students={STUDENTS}` against a fake kubectl (a shell script)",
        f"that answers every call correctly after {ANSWER_SECONDS * 1000:.0f} ms: {STUDENTS * 6} Testing steps and",
        "`kubectl version`, each passing at its first try. Wall time of the whole process (stack load",
        f"included), median of {runs} runs each, the two pool sizes run in turn round by round, on:",
        "",
        *machine(),
        f"- {shared}",
        "",
        "| --parallel | median s | calls / s |",
        "|---:|---:|---:|",
        *(f"| {workers} | {medians[workers]:.2f} | {(STUDENTS * 6 + 1) / medians[workers]:.1f} |" for workers in POOLS),
        "",
        f"- target: {STUDENTS} students under {TARGET_SECONDS:g} s with the default pool: {verdict} ({fast:.2f} s);",
        f"  {sequential / fast:.1f}x faster than one call at a time ({sequential:.2f} s).",
        "",
        END,
    ]


def write(path: Path, lines: list[str]) -> None:
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{NOTES_MARKER}\n"
    if NOTES_MARKER not in text:
        text += f"\n{NOTES_MARKER}\n"
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END) + "\n?", "", text, flags=re.S)
    head, _, notes = text.partition(NOTES_MARKER)
    path.write_text(head + NOTES_MARKER + "\n\n" + "\n".join(lines) + "\n\n" + notes.lstrip("\n"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.verify")
    parser.add_argument("--runs", type=int, default=3, help="runs per pool size (median reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--shared", default="the machine ran nothing else of note", help="what else ran on the machine meanwhile"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fake = Path(folder) / "kubectl"
        fake.write_text(FAKE_KUBECTL)
        fake.chmod(0o755)
        rounds = []
        for number in range(args.runs):
            print(f"round {number + 1} of {args.runs}")
            rounds.append({workers: run_once(Path(folder), workers) for workers in POOLS})
    medians = {workers: statistics.median(round_[workers] for round_ in rounds) for workers in POOLS}
    write(args.out, section(medians, args.runs, args.shared))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
