"""The helpers that run real programs: a missing program fails loudly, and processes never outlive a test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realprog import free_port, redis_call, remap, require_program, running, wait_for


def test_a_missing_program_fails_the_test_and_says_make_test_installs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(pytest.fail.Exception, match="`make test` installs it"):
        require_program("redis-server")


def test_a_started_process_group_is_stopped_with_its_children(tmp_path: Path) -> None:
    child_pid = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {child_pid}; wait"

    with running(["/bin/sh", "-c", script], cwd=tmp_path, log=tmp_path / "log") as shell:
        pid = wait_for(lambda: child_pid.read_text().strip() or None if child_pid.exists() else None, 5, "the child")

    assert shell.exited() is not None
    # A signalled process needs a moment of CPU to die; on a loaded machine that is not instant.
    wait_for(lambda: True if not alive(int(pid)) else None, 5, "the child to end")


def alive(pid: int) -> bool:
    """Running or sleeping; a killed child waiting for its reaper (state Z) has ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_remap_points_mounted_paths_at_local_folders(tmp_path: Path) -> None:
    argv = ["/data", "/data/x.conf", "--dir", "/database", "echo hi >> /data/f.txt"]

    assert remap(argv, {"/data": tmp_path}) == [
        str(tmp_path),
        f"{tmp_path}/x.conf",
        "--dir",
        "/database",
        f"echo hi >> {tmp_path}/f.txt",
    ]


def test_nothing_listens_on_a_free_port() -> None:
    with pytest.raises(ConnectionRefusedError):
        redis_call(free_port(), "PING")
