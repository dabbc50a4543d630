"""A render replaces the whole tree or nothing: failures and kills leave the previous tree as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labctl import cli, tree

ROOT = Path(__file__).resolve().parent.parent


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def siblings(out: Path) -> list[str]:
    return sorted(entry.name for entry in out.parent.iterdir() if entry.name != out.name)


def render(out: Path, *sets: str) -> int:
    argv = ["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]
    return cli.main(argv + [f"--set={value}" for value in sets])


@pytest.fixture
def previous(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "parent" / "out"
    assert render(out) == 0
    capsys.readouterr()
    return out, snapshot(out)


def test_a_write_failing_midway_keeps_the_previous_tree_and_leaves_no_staging(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    # given a render of a larger class whose 20th file cannot be written
    calls = iter(range(10_000))
    real = Path.write_text

    def failing(self: Path, text: str, *args: object, **kwargs: object) -> int:
        if next(calls) == 20:
            raise OSError(28, "No space left on device", str(self))
        return real(self, text)

    monkeypatch.setattr(Path, "write_text", failing)
    # when it runs
    code = render(out, "classroom.students=10")
    # then it fails, and the tree and its folder are exactly as before
    assert code == 4
    assert snapshot(out) == before
    assert siblings(out) == []


def test_the_swap_is_one_exchange_so_the_target_never_goes_missing(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = previous
    # given renames that would move the existing tree away
    moved_away: list[str] = []
    real_replace = os.replace

    def watching(source: str | Path, destination: str | Path) -> None:
        if Path(source) == out.resolve():
            moved_away.append(str(destination))
        real_replace(source, destination)

    monkeypatch.setattr("labctl.tree.os.replace", watching)
    # when a new class is rendered over it
    assert render(out, "classroom.students=3") == 0
    # then the old tree was never renamed out of the way, and the new one is in place
    assert moved_away == []
    assert sorted(p.name for p in out.iterdir()) == [
        ".k8s-labs-render",
        "kustomization.yaml",
        "student-1",
        "student-2",
        "student-3",
    ]
    assert siblings(out) == []


def test_without_an_exchange_a_failed_second_rename_puts_the_previous_tree_back(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    # given a file system without atomic exchange, where moving the new tree in fails
    monkeypatch.setattr(tree, "exchange", lambda first, second: False)
    real_replace = os.replace

    def failing(source: str | Path, destination: str | Path) -> None:
        if Path(destination) == out.resolve() and ".new-" in str(source):
            raise OSError(5, "Input/output error", str(destination))
        real_replace(source, destination)

    monkeypatch.setattr("labctl.tree.os.replace", failing)
    # when a render swaps its tree in
    assert render(out, "classroom.students=3") == 4
    # then the previous tree is back where it was, and nothing else is left
    assert snapshot(out) == before
    assert siblings(out) == []


def start_large_render(out: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "labctl", "render", "--stack", "dev", "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--set", "classroom.students=2000"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    # Wait until the staging folder holds some files: the kill lands mid-write.
    while time.monotonic() < deadline:
        staging = [entry for entry in out.parent.iterdir() if ".new-" in entry.name]
        if staging and sum(1 for _ in staging[0].iterdir()) >= 20:
            return process
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    process.kill()
    raise AssertionError("the render never started writing")


@pytest.mark.slow
def test_sigterm_during_a_large_render_keeps_the_previous_tree_and_removes_staging(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, before = previous
    process = start_large_render(out)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in stderr
    assert snapshot(out) == before
    assert siblings(out) == []


@pytest.mark.slow
def test_sigkill_during_a_large_render_keeps_the_previous_tree_and_the_next_render_cleans_up(
    previous: tuple[Path, dict[str, bytes]], capsys: pytest.CaptureFixture[str]
) -> None:
    out, before = previous
    process = start_large_render(out)
    process.kill()
    process.communicate(timeout=60)
    # then the previous tree is untouched; the dead writer's staging folder is still there
    assert snapshot(out) == before
    assert [name for name in siblings(out) if ".new-" in name] != []
    # and the next render removes it
    assert render(out, "classroom.students=1") == 0
    assert siblings(out) == []
    assert sorted(p.name for p in out.iterdir()) == [".k8s-labs-render", "kustomization.yaml", "student-1"]


def test_leftovers_of_a_running_writer_are_kept(tmp_path: Path) -> None:
    # given a staging folder named for this (live) process and one for a pid that cannot exist
    target = tmp_path / "out"
    live = tmp_path / f".out.new-{os.getppid()}-abc"
    dead = tmp_path / ".out.new-999999999-abc"
    unrelated = tmp_path / ".other.new-999999999-abc"
    for folder in (live, dead, unrelated):
        folder.mkdir()
    # when leftovers are cleaned
    removed = tree.remove_leftovers(target)
    # then only the dead writer's folder of this target goes
    assert removed == [dead]
    assert live.exists() and unrelated.exists() and not dead.exists()
