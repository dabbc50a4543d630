"""Fixtures shared by the suites: the repository root, the dev stack, and manifest helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import Plan, load
from config.sources import from_stack_file
from tests import mutant_order

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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if mutant_order.testing_a_mutant():
        items[:] = mutant_order.fastest_first(items, mutant_order.measured_durations(Path.cwd()))
