"""Fixtures shared by the suites: the repository root, the dev stack, and manifest helpers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import labctl.timeline.command
from config import Plan, load
from config.sources import from_stack_file
from labs import timeline
from tests.shared import SHARED_ENV, SKIPPED
from tools import mutant_order

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def dev_raw() -> dict[str, Any]:
    return from_stack_file(ROOT / "Pulumi.dev.yaml")


@pytest.fixture(scope="session")
def dev_plan(dev_raw: dict[str, Any]) -> Plan:
    return load(dev_raw)


def pytest_sessionstart(session: pytest.Session) -> None:
    # A mutant's process forks from the one that ran the clean suite, so whatever that run cached
    # was computed by the unmutated code: a mutant of the kubelet simulation would be tested
    # against the clean predictions, and a mutant of the picture against the clean pictures.
    if mutant_order.testing_a_mutant():
        timeline._simulate.cache_clear()
        labctl.timeline.command._PICTURES.clear()
        # The Pulumi runtime hands its calls to the event loop's thread pool. The fork copied the
        # parent's loop and pool but not the pool's threads, so a program run under the mocks would
        # wait forever and count as a timeout. A new loop starts a pool of its own.
        asyncio.set_event_loop(asyncio.new_event_loop())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for what a clone without the shared/ folder did not run, and how to run it."""
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if SKIPPED in str(report.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"reference checks not run: {len(skipped)} tests need the project's shared/ folder (the lab text, "
            f"Kubernetes' PSA fixtures); put it beside this checkout or set {SHARED_ENV}, as CI does"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if mutant_order.testing_a_mutant():
        items[:] = mutant_order.fastest_first(items, mutant_order.measured_durations(Path.cwd()))
