"""Given mutmut's results and the reviewed survivors, when the score page is rewritten, then it counts
each module right, keeps the hand-written review, and says which survivors still need a verdict."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from tools import mutation_score
from tools.mutation_score import BEGIN, END, generated_part, parse_results, parse_review, rewrite, score

RESULTS = """\
    labs.quantity.x_parse_cpu__mutmut_1: killed
    labs.quantity.x_parse_cpu__mutmut_2: survived
    labs.quantity.x_parse_cpu__mutmut_3: timeout
    labs.quantity.x_parse_cpu__mutmut_4: survived
    labs.probes.xǁProbeǁmanifest__mutmut_1: killed
    labs.probes.xǁProbeǁmanifest__mutmut_2: no tests
    labs.pod.x_metadata__mutmut_1: not checked
    labs.pod.x_metadata__mutmut_2: segfault
"""
PAGE = f"""# Mutation score

Why and how.

{BEGIN}
old numbers
{END}

## Reviewed survivors

- `labs.quantity.x_parse_cpu__mutmut_2`: equivalent: the two spellings give the same number
- `labs.quantity.x_parse_cpu__mutmut_4`: killed by tests/test_quota_boundary.py::test_x
"""
TODAY = datetime.date(2026, 11, 27)


def test_results_are_read_per_mutant_with_methods_and_unchecked_ones() -> None:
    results = parse_results(RESULTS)
    assert len(results) == 8
    assert results["labs.probes.xǁProbeǁmanifest__mutmut_2"] == "no tests"
    # the CPU limit ends a looping mutant with SIGKILL, which mutmut calls a segfault
    assert results["labs.pod.x_metadata__mutmut_2"] == "timeout"


def test_the_review_is_split_into_equivalent_and_killed() -> None:
    review = parse_review(PAGE)
    assert review.equivalent == {"labs.quantity.x_parse_cpu__mutmut_2"}
    assert review.killed == {"labs.quantity.x_parse_cpu__mutmut_4"}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"killed": 3, "timeout": 1, "survived": 1, "no tests": 0}, 0.8),
        ({"killed": 0, "timeout": 0, "survived": 1, "no tests": 1}, 0.0),
        ({"killed": 0, "timeout": 0, "survived": 0, "no tests": 0}, None),
    ],
)
def test_timeouts_count_as_detected_and_no_tests_as_missed(counts: dict[str, int], expected: float | None) -> None:
    assert score({"caught by type check": 0, **counts}) == expected


def test_the_page_counts_each_module_and_flags_a_survivor_reviewed_as_killed() -> None:
    generated, done = generated_part(parse_results(RESULTS), parse_review(PAGE), TODAY)
    lines = generated.splitlines()
    assert "Last run: 2026-11-27, 7 of 8 mutants checked." in lines[2]
    assert "| `labs.probes` | 2 | 1 | 0 | 0 | 1 | 50.0% |" in lines
    assert "| `labs.quantity` | 4 | 1 | 1 | 2 | 0 | 50.0% |" in lines
    assert "| `labs.pod` | 1 | 0 | 1 | 0 | 0 | 100.0% |" in lines
    assert "| **all checked** | 7 | 2 | 2 | 2 | 1 | 57.1% |" in lines
    # mutant 2 is explained as equivalent; mutant 4 was said to be killed but survives; the no-tests one is new
    assert "- `labs.quantity.x_parse_cpu__mutmut_2`" not in lines
    assert (
        lines[lines.index("Reviewed as killed, but surviving this run:") + 2]
        == "- `labs.quantity.x_parse_cpu__mutmut_4`"
    )
    assert "- `labs.probes.xǁProbeǁmanifest__mutmut_2`" in lines
    assert not done


def test_a_fully_reviewed_run_over_the_bar_is_done() -> None:
    results = {f"labs.quantity.x_f__mutmut_{n}": "killed" for n in range(1, 10)} | {
        "labs.quantity.x_f__mutmut_10": "survived"
    }
    review = parse_review("- `labs.quantity.x_f__mutmut_10`: equivalent: same value either way")
    generated, done = generated_part(results, review, TODAY)
    assert done
    assert "Survivors not reviewed yet (add each below): none." in generated.splitlines()
    # 8 of 10 is under the bar even when both survivors are reviewed as equivalent
    both = parse_review(
        "- `labs.quantity.x_f__mutmut_9`: equivalent: same value either way\n"
        "- `labs.quantity.x_f__mutmut_10`: equivalent: same value either way"
    )
    _, below_the_bar = generated_part({**results, "labs.quantity.x_f__mutmut_9": "survived"}, both, TODAY)
    assert not below_the_bar


def test_only_the_generated_part_is_rewritten() -> None:
    page = rewrite(PAGE, f"{BEGIN}\nnew numbers\n{END}")
    assert page == PAGE.replace("old numbers", "new numbers")
    with pytest.raises(SystemExit, match="no generated part"):
        rewrite("# a page without markers\n", "anything")


def test_a_page_that_is_not_there_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "mutation-scor.md"
    assert mutation_score.main([str(missing)]) == 2
    assert capsys.readouterr().err == f"mutation score: cannot read the page {missing}: No such file or directory\n"
    assert not missing.exists()
