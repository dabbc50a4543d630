"""Where the project's shared/ folder is: beside the checkout, or where K8S_LABS_SHARED says.

CI lays out `<clone>/../shared`, and each git worktree sees one beside it too; `make mutants`
runs the tests from a copy of the tree (mutants/), so it names the folder in K8S_LABS_SHARED.
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_ENV = "K8S_LABS_SHARED"


def shared_folder() -> Path:
    override = os.environ.get(SHARED_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared"
