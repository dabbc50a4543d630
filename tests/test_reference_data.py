"""Given a checkout without the project's shared/ folder, the reference checks are skipped with one line
saying so and how to run them; under CI the same absence fails them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.shared import SHARED_ENV, need, shared_folder

REFERENCE_TESTS = ["tests/test_psa_fixtures.py", "tests/test_review_seed.py"]


def run_reference_tests(shared: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "PYTEST_XDIST_WORKER")}
    env[SHARED_ENV] = str(shared)
    if ci is not None:
        env["CI"] = ci
    argv = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-o", "addopts=-q"]
    return subprocess.run(
        [*argv, *REFERENCE_TESTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_a_public_clone_skips_them_and_says_so_in_one_line(tmp_path: Path) -> None:
    done = run_reference_tests(tmp_path, ci=None)
    assert done.returncode == 0, done.stdout[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("reference checks not run:")]
    assert lines == [
        "reference checks not run: 3 tests need the project's shared/ folder (the lab text, Kubernetes' PSA "
        f"fixtures); put it beside this checkout or set {SHARED_ENV}, as CI does"
    ]
    assert " failed" not in done.stdout


def test_under_ci_their_absence_fails_them(tmp_path: Path) -> None:
    done = run_reference_tests(tmp_path, ci="true")
    assert done.returncode == 1
    assert "3 failed" in done.stdout and "reference checks not run" not in done.stdout


def test_with_the_folder_they_run() -> None:
    shared = need(shared_folder(), "the project's shared/ folder")
    done = run_reference_tests(shared, ci="true")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "skipped" not in done.stdout
