"""Given a fake kubectl, when `labctl verify --html FILE` runs, then FILE is one static page of the class:
students x labs, each cell's status, last problem and checking command; a file it did not write is refused."""

from __future__ import annotations

import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from labctl.errors import Exit
from tests.test_exercise_live import live_rules
from tests.test_verify import FakeCluster, right_answers

FAST = ("--poll-interval", "0.1", "--max-wait", "0.5")


@pytest.fixture
def cluster(tmp_path: Path) -> FakeCluster:
    return FakeCluster(tmp_path)


def cells(page: Path) -> dict[tuple[str, str], ET.Element]:
    """(student, lab heading) -> the cell, read from the table as a browser lays it out."""
    root = ET.fromstring(page.read_text())
    headings = [th.text or "" for th in root.iterfind(".//thead/tr/th")][1:]
    found = {}
    for row in root.iterfind(".//tbody/tr"):
        student = row.find("th")
        assert student is not None
        for heading, cell in zip(headings, row.findall("td"), strict=True):
            found[(student.text or "", heading)] = cell
    return found


def text(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_the_page_shows_each_student_and_lab_with_problem_and_command(cluster: FakeCluster, tmp_path: Path) -> None:
    rules = right_answers()
    rules.insert(4, {"match": ["lab-student-2", "GET", "maxmemory"], "answers": [{"stdout": "maxmemory\n1\n"}]})
    cluster.answer(rules)
    page = tmp_path / "class.html"
    result = cluster.verify(*FAST, "--html", str(page))
    assert result.returncode == Exit.FINDINGS
    grid = cells(page)
    assert {student for student, _ in grid} == {"student-1", "student-2"}
    assert len({lab for _, lab in grid}) == 5
    redis = next(lab for _, lab in grid if "Redis" in lab)
    failed = grid[("student-2", redis)]
    assert failed.get("class") == "fail"
    assert "FAIL" in text(failed) and "got maxmemory 1" in text(failed)
    assert "kubectl exec" in text(failed) and "-n lab-student-2" in text(failed)  # the command that checks it
    assert grid[("student-1", redis)].get("class") == "pass"
    assert sum(cell.get("class") == "pass" for cell in grid.values()) == 9


def test_labs_not_started_are_shown_as_such(cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.answer(live_rules(213))
    page = tmp_path / "class.html"
    result = cluster.verify("--set", "classroom.mode=exercise", "--student", "student-1", *FAST, "--html", str(page))
    assert result.returncode == Exit.FINDINGS
    grid = cells(page)
    statuses = sorted(cell.get("class") or "" for cell in grid.values())
    assert statuses == ["fail", "not-started", "not-started", "not-started", "not-started"]
    (failed,) = [cell for cell in grid.values() if cell.get("class") == "fail"]
    assert "found 213, asked 231" in text(failed)
    assert "kubectl get pod security-context-pod -n lab-student-1 -o json" in text(failed)


def test_the_page_needs_nothing_from_outside(cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.answer(right_answers())
    page = tmp_path / "class.html"
    cluster.verify(*FAST, "--html", str(page))
    html = page.read_text()
    for outside in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert outside not in html


def test_a_file_it_did_not_write_is_refused_before_any_call(cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.answer(right_answers())
    page = tmp_path / "notes.html"
    page.write_text("<html>my own notes</html>")
    result = cluster.verify(*FAST, "--html", str(page))
    assert result.returncode == Exit.BAD_INPUT
    assert "--html" in result.stderr and "was not written by labctl verify" in result.stderr
    assert page.read_text() == "<html>my own notes</html>"
    assert cluster.calls() == []
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".notes")) == []


def test_its_own_page_is_replaced_on_the_next_run(cluster: FakeCluster, tmp_path: Path) -> None:
    page = tmp_path / "class.html"
    rules = right_answers()
    rules.insert(2, {"match": ["ls", "-ln"], "answers": [{"stdout": "nothing\n"}]})
    cluster.answer(rules)
    cluster.verify(*FAST, "--html", str(page))
    assert "FAIL" in page.read_text()
    cluster.answer(right_answers())
    result = cluster.verify(*FAST, "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert {cell.get("class") for cell in cells(page).values()} == {"pass"}


def test_the_page_shows_outcomes_while_a_slow_check_is_still_pending(cluster: FakeCluster, tmp_path: Path) -> None:
    # given a class whose probe pod answers "not yet" for a few seconds while the rest pass at once
    rules = right_answers()
    rules[1] = {"match": ["liveness-readiness-pod"], "answers": [{"stdout": "false,0"}] * 40 + [{"stdout": "true,1"}]}
    cluster.answer(rules)
    page = tmp_path / "class.html"
    process = subprocess.Popen(
        cluster.argv("--student", "student-1", "--poll-interval", "0.1", "--html", str(page)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=cluster.environ(),
    )
    seen: set[tuple[str, ...]] = set()
    while process.poll() is None:
        if page.exists():
            seen.add(tuple(sorted(cell.get("class") or "" for cell in cells(page).values())))
        time.sleep(0.05)
    assert process.returncode == 0
    # then the page showed the passed labs and the pending one together before the end
    assert ("pass", "pass", "pass", "pass", "pending") in seen
    assert {cell.get("class") for cell in cells(page).values()} == {"pass"}
