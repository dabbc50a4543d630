"""Where the project's shared/ folder is (the lab text, Kubernetes' PSA fixtures), and what a test does
when it is not there.

CI lays out `<clone>/../shared`, and each git worktree sees one beside it too; `make mutants` runs the
tests from a copy of the tree (mutants/), so it names the folder in K8S_LABS_SHARED. A public clone has
no shared/ beside it: there the reference checks are skipped, and the run's summary says so in one line;
under CI (the CI variable set, as `.ci/run` runs) a missing folder fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_ENV = "K8S_LABS_SHARED"
SKIPPED = "reference data missing"
"""Starts the reason of every skip for want of shared/; the run's summary counts them."""


def shared_folder() -> Path:
    override = os.environ.get(SHARED_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared"


def reference_required() -> bool:
    """Under CI the reference data must be there: its absence is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def need(path: Path, what: str) -> Path:
    """`path` when it exists; otherwise skip (a public clone) or fail (CI), naming what is missing."""
    if path.exists():
        return path
    message = (
        f"{what} is not at {path}: put the project's shared/ folder beside this checkout, or set {SHARED_ENV} "
        "to where it is"
    )
    if reference_required():
        pytest.fail(message)
    pytest.skip(f"{SKIPPED}: {message}")
