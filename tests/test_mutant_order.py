"""Given the durations mutmut measured, when a mutant is tested, then its quickest tests run first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tools import mutant_order


@dataclass(frozen=True)
class Item:
    nodeid: str


def test_tests_run_in_order_of_their_measured_duration_and_unmeasured_ones_last() -> None:
    items = [Item("t::slow"), Item("t::new_a"), Item("t::quick"), Item("t::new_b"), Item("t::middle")]
    durations = {"t::slow": 2.5, "t::quick": 0.01, "t::middle": 0.3}

    ordered = mutant_order.fastest_first(items, durations)

    assert [item.nodeid for item in ordered] == ["t::quick", "t::middle", "t::slow", "t::new_a", "t::new_b"]


def test_a_module_whose_fixtures_are_slow_comes_after_modules_of_quick_tests() -> None:
    # The clean run booked a module fixture's 6 s to matrix::first; matrix::second reused it.
    durations = {"matrix::first": 6.0, "matrix::second": 0.001, "findings::a": 0.02, "findings::b": 0.01}
    items = [Item("matrix::second"), Item("findings::a"), Item("matrix::first"), Item("findings::b")]

    ordered = mutant_order.fastest_first(items, durations)

    assert [item.nodeid for item in ordered] == ["findings::b", "findings::a", "matrix::second", "matrix::first"]


def test_durations_come_from_mutmuts_stats_file(tmp_path: Path) -> None:
    (tmp_path / "mutmut-stats.json").write_text(
        json.dumps({"tests_by_mangled_function_name": {}, "duration_by_test": {"t::a": 0.5, "t::b": 1}}),
        encoding="utf-8",
    )

    assert mutant_order.measured_durations(tmp_path) == {"t::a": 0.5, "t::b": 1.0}


def test_no_stats_file_or_a_broken_one_leaves_the_order_alone(tmp_path: Path) -> None:
    assert mutant_order.measured_durations(tmp_path) == {}
    (tmp_path / "mutmut-stats.json").write_text("{not json", encoding="utf-8")
    assert mutant_order.measured_durations(tmp_path) == {}


def test_only_a_mutant_under_test_reorders() -> None:
    assert mutant_order.testing_a_mutant({"MUTANT_UNDER_TEST": "labs.quantity.x_parse_cpu__mutmut_3"})
    for value in ("", "stats", "fail", "list_all_tests"):
        assert not mutant_order.testing_a_mutant({"MUTANT_UNDER_TEST": value})
    assert not mutant_order.testing_a_mutant({})
