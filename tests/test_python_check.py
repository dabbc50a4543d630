"""Given `make run` or `make test` with a Python older than 3.11, then one line says so and nothing is built;
given a .venv that another Python made, then it is made again rather than reused half-broken."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CHECK = ROOT / "tools" / "python_check.py"


@pytest.fixture
def check() -> dict[str, Any]:
    return runpy.run_path(str(CHECK))


def make_venv(folder: Path, version: str) -> Path:
    folder.mkdir()
    (folder / "pyvenv.cfg").write_text(f"home = /usr/bin\ninclude-system-site-packages = false\nversion = {version}\n")
    (folder / "marker").write_text("x")
    return folder


def test_an_old_python_gets_one_line_naming_the_version_needed(
    check: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 10, 12, "final", 0))
    venv = make_venv(tmp_path / ".venv", "3.10.12")
    assert check["main"](["python_check.py", str(venv)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("make: k8s-labs needs Python 3.11 or later, and ")
    assert err.endswith(" is Python 3.10; run make again with PYTHON=python3.11 (or any later python3)\n")
    assert (venv / "marker").exists(), "nothing is removed when the check refuses"


def test_a_venv_made_by_another_python_is_removed_so_make_builds_it_again(
    check: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    venv = make_venv(tmp_path / ".venv", "3.10.12")
    assert check["main"](["python_check.py", str(venv)]) == 0
    assert not venv.exists()
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert capsys.readouterr().err == f"make: {venv} was made by Python 3.10; making it again with Python {here}\n"


def test_a_venv_of_this_python_and_a_folder_that_is_no_venv_are_kept(check: dict[str, Any], tmp_path: Path) -> None:
    same = make_venv(tmp_path / "same", f"{sys.version_info[0]}.{sys.version_info[1]}.0")
    other = tmp_path / "other"
    other.mkdir()
    (other / "marker").write_text("x")
    for folder in (same, other):
        assert check["main"](["python_check.py", str(folder)]) == 0
        assert (folder / "marker").exists()


def test_make_run_with_an_old_python_stops_before_pip_with_that_line(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "tools", project / "tools")
    # An interpreter that reports itself as 3.10 to the check, and would build nothing after it.
    old = tmp_path / "python3.10"
    old.write_text(
        "#!/bin/sh\n"
        f'exec "{sys.executable}" -c "import runpy, sys; sys.version_info = (3, 10, 12, \'final\', 0); '
        'sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name=\'__main__\')" "$@"\n'
    )
    old.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    done = subprocess.run(
        ["make", "-C", str(project), "run", f"PYTHON={old}"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode != 0
    assert [line for line in done.stderr.splitlines() if not line.startswith("make: ***")] == [
        f"make: k8s-labs needs Python 3.11 or later, and {sys.executable} is Python 3.10; run make again with "
        "PYTHON=python3.11 (or any later python3)"
    ]
    assert not (project / ".venv").exists()
