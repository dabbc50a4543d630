"""Under `make mutants`, a mutant's tests run fastest first.

mutmut hands each mutant the set of tests that reach its function, in no particular order, and stops
at the first failure. Most mutants are killed, and most by a test that takes milliseconds, so running
the quick ones first ends a killed mutant early; a survivor runs them all either way. The durations
are the ones mutmut measured in its clean run (`mutmut-stats.json`, in the mutated copy).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

STATS_FILE = "mutmut-stats.json"
# Values mutmut gives MUTANT_UNDER_TEST when it is not testing a mutant.
NOT_A_MUTANT = frozenset({"", "stats", "fail", "list_all_tests"})


class HasNodeId(Protocol):
    @property
    def nodeid(self) -> str: ...


ItemT = TypeVar("ItemT", bound=HasNodeId)


def testing_a_mutant(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("MUTANT_UNDER_TEST", "") not in NOT_A_MUTANT


def measured_durations(folder: Path) -> dict[str, float]:
    """Seconds per test id from mutmut's clean run; empty when there is none yet."""
    try:
        stats = json.loads((folder / STATS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    durations = stats.get("duration_by_test", {}) if isinstance(stats, dict) else {}
    return {str(test): float(seconds) for test, seconds in durations.items()}


def _module(test_id: str) -> str:
    return test_id.split("::", 1)[0]


def fastest_first(items: Sequence[ItemT], durations: Mapping[str, float]) -> list[ItemT]:
    """Modules in order of their slowest measured test, each module's tests fastest first; unmeasured
    tests last, in their given order.

    A module's shared fixtures are paid by whichever of its tests runs first, while the clean run
    books them to the one that happened to run first there; so a module counts as slow as its
    slowest measured test.
    """
    slowest: dict[str, float] = {}
    for test, seconds in durations.items():
        module = _module(test)
        slowest[module] = max(seconds, slowest.get(module, 0.0))

    def cost(item: ItemT) -> tuple[float, float]:
        own = durations.get(item.nodeid)
        return (float("inf"), float("inf")) if own is None else (slowest[_module(item.nodeid)], own)

    return sorted(items, key=cost)
