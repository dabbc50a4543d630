"""Runs the e2e's commands with a time limit each, and records every step for the report."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHOWN_CHARS = 400


class StepFailed(Exception):
    """A step did not give the expected result; the message says what happened instead."""


@dataclass
class Step:
    name: str
    started: str
    seconds: float = 0.0
    result: str = "running"
    """passed, failed or skipped."""
    detail: str = ""


@dataclass
class Report:
    versions: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    """Markdown tables (the probe timing) for the report."""
    outcome: str = "running"

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        data = {"outcome": self.outcome, "versions": self.versions, "steps": [asdict(step) for step in self.steps]}
        (folder / "report.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (folder / "report.md").write_text(self.markdown(), encoding="utf-8")

    def markdown(self) -> str:
        lines = [f"# k8s-labs end-to-end run: {self.outcome}", "", "| component | version |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in self.versions.items()]
        lines += ["", "| step | started (UTC) | seconds | result | detail |", "|---|---|---|---|---|"]
        for step in self.steps:
            detail = step.detail.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {step.name} | {step.started} | {step.seconds:.1f} | {step.result} | {detail} |")
        for table in self.tables:
            lines += ["", table]
        return "\n".join(lines) + "\n"

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        """Times the block; StepFailed (or a command that failed) marks the step failed and is raised again."""
        step = Step(name, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.steps.append(step)
        print(f"e2e: {name} ...", flush=True)
        start = time.monotonic()
        try:
            yield step
        except StepFailed as error:
            step.result, step.detail = "failed", str(error)
            raise
        except Exception as error:  # a bug or an answer of unexpected shape fails the step, with its cause
            step.result, step.detail = "failed", f"{type(error).__name__}: {error}"
            raise StepFailed(step.detail) from error
        finally:
            step.seconds = time.monotonic() - start
            if step.result == "running":
                step.result = "passed"
            print(f"e2e: {name}: {step.result} ({step.seconds:.1f}s){' - ' + step.detail if step.detail else ''}")


@dataclass
class Shell:
    """Every command of the run: its environment (the temporary backend), folder and time limit."""

    env: Mapping[str, str]
    cwd: Path

    def run(
        self, argv: Sequence[str], timeout: float, stdin: str | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The finished command, whatever its exit code; StepFailed when it could not run or ran too long."""
        try:
            return subprocess.run(
                list(argv),
                cwd=cwd or self.cwd,
                env=dict(self.env),
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise StepFailed(f"`{' '.join(argv[:3])} ...` did not finish within {timeout:g}s") from None
        except OSError as error:
            raise StepFailed(f"`{argv[0]}` could not run: {error.strerror or error}") from None

    def ok(self, argv: Sequence[str], timeout: float, stdin: str | None = None, cwd: Path | None = None) -> str:
        """stdout of a command that must succeed; StepFailed with its last words otherwise."""
        done = self.run(argv, timeout, stdin, cwd)
        if done.returncode != 0:
            raise StepFailed(f"`{' '.join(argv[:3])} ...` exited {done.returncode}: {last_words(done)}")
        return done.stdout


def last_words(done: subprocess.CompletedProcess[str]) -> str:
    text = (done.stderr.strip() or done.stdout.strip()).splitlines()
    return " ".join(text[-3:])[-SHOWN_CHARS:] if text else "(no output)"


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise StepFailed(f"{what}: not JSON: {text[:SHOWN_CHARS]!r}") from None
