"""Given an --out that holds something `labctl render` did not write, when it renders, then nothing is touched.

Every test works in a sandbox under a temporary folder: its own home (HOME), a git work tree
holding a copy of the project, and the current folder inside it, so `.`, `..` and `$HOME` are
tried without coming near the real ones.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labctl import cli
from labctl.render import outdir as outdir
from labctl.render.outdir import MARKER
from tests.conftest import ROOT


@dataclass(frozen=True)
class Sandbox:
    top: Path
    home: Path
    repo: Path
    """The top of a git work tree."""
    project: Path
    cwd: Path
    """An empty folder inside the project, where labctl runs."""

    def labctl(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HOME": str(self.home)}
        return subprocess.run(
            [sys.executable, "-m", "labctl", *args],
            cwd=cwd or self.cwd,
            env={**env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def render(self, out: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.labctl("render", "--stack", "dev", "--project-dir", str(self.project), "--out", out, cwd=cwd)


def make_sandbox(top: Path) -> Sandbox:
    home = top / "home"
    repo = top / "repo"
    project = repo / "project"
    cwd = project / "sub"
    for folder in (home, repo / ".git", cwd):
        folder.mkdir(parents=True)
    (repo / "README").write_text("the user's repository\n")
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, project / name)
    return Sandbox(top, home, repo, project, cwd)


def snapshot(top: Path) -> dict[str, bytes | str]:
    """Every file's bytes, every symlink's target and every folder, below `top`."""
    found: dict[str, bytes | str] = {}
    for folder, folders, names in os.walk(top):
        for name in folders + names:
            path = Path(folder, name)
            key = str(path.relative_to(top))
            found[key] = (
                f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes() if path.is_file() else "/"
            )
    return found


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return make_sandbox(tmp_path)


def foreign_folder(sandbox: Sandbox) -> Path:
    folder = sandbox.top / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("the user's notes\n")
    return folder


def link_to(folder: Path) -> Path:
    link = folder.parent / "link"
    link.symlink_to(folder)
    return link


REFUSALS = {
    "the current folder, even empty": (lambda s: ".", "current folder"),
    "an empty --out": (lambda s: "", "empty value"),
    "a parent of the current folder": (lambda s: "..", "holds the current folder"),
    "the project folder": (lambda s: str(s.project), "holds the current folder"),
    "the top of a git work tree": (lambda s: str(s.repo), "holds the current folder"),
    "the root of the file system": (lambda s: "/", "root of the file system"),
    "the home folder, even empty": (lambda s: str(s.home), "home folder"),
    "a folder of the user's": (lambda s: str(foreign_folder(s)), "no render wrote it"),
    "a file": (lambda s: str(s.repo / "README"), "is a file"),
    "a path below a file": (lambda s: str(s.repo / "README" / "out"), "is a file"),
    "a symlink to a folder of the user's": (lambda s: str(link_to(foreign_folder(s))), "a symlink to"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_an_out_that_is_not_the_renders_own_is_refused_and_nothing_is_touched(sandbox: Sandbox, case: str) -> None:
    # given a sandbox with the user's files, and an --out naming one of the places render must not replace
    target, reason = REFUSALS[case]
    out = target(sandbox)
    before = snapshot(sandbox.top)
    # when labctl renders into it
    result = sandbox.render(out)
    # then it exits 2 with one message saying why, and every file and folder is as it was
    assert result.returncode == 2, result.stdout + result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(sandbox.top) == before


def test_the_project_root_is_refused_from_outside_it_too(sandbox: Sandbox) -> None:
    before = snapshot(sandbox.top)
    result = sandbox.render(str(sandbox.project), cwd=sandbox.top)
    assert result.returncode == 2
    assert "it is the project folder" in result.stderr
    result = sandbox.render(str(sandbox.repo), cwd=sandbox.top)
    assert result.returncode == 2
    assert "holds the project folder" in result.stderr
    assert snapshot(sandbox.top) == before


def test_a_git_work_tree_or_another_pulumi_project_is_refused_wherever_it_is(sandbox: Sandbox) -> None:
    # given a second, empty-looking checkout and a second Pulumi project outside the first
    other_repo = sandbox.top / "other-repo"
    (other_repo / ".git").mkdir(parents=True)
    other_project = sandbox.top / "other-project"
    other_project.mkdir()
    (other_project / "Pulumi.yaml").write_text("name: other\n")
    before = snapshot(sandbox.top)
    assert "top of a git work tree" in sandbox.render(str(other_repo)).stderr
    assert "holds a Pulumi project" in sandbox.render(str(other_project)).stderr
    assert snapshot(sandbox.top) == before


def test_build_dev_inside_the_project_renders_and_renders_again(sandbox: Sandbox) -> None:
    # given the usual target inside the project, run from the project folder
    out = sandbox.project / "build" / "dev"
    first = sandbox.render("build/dev", cwd=sandbox.project)
    assert first.returncode == 0, first.stderr
    assert (out / MARKER).read_text().startswith("k8s-labs render ")
    # when it is rendered again, with a different class
    again = sandbox.labctl(
        "render", "--stack", "dev", "--out", "build/dev", "--set", "classroom.students=3", cwd=sandbox.project
    )
    # then the earlier render is replaced
    assert again.returncode == 0, again.stderr
    top = sorted(p.name for p in out.iterdir())
    assert top == [MARKER, "kustomization.yaml", "student-1", "student-2", "student-3"]


def test_an_empty_folder_and_a_symlink_to_an_earlier_render_are_replaced(sandbox: Sandbox) -> None:
    empty = sandbox.top / "empty"
    empty.mkdir()
    assert sandbox.render(str(empty)).returncode == 0
    link = sandbox.top / "latest"
    link.symlink_to(empty)
    result = sandbox.render(str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and (empty / MARKER).is_file()


@pytest.mark.parametrize("change", ["a file added", "a manifest edited", "a folder added", "no marker"])
def test_an_earlier_render_someone_changed_is_refused(sandbox: Sandbox, change: str) -> None:
    # given an earlier render that has since been changed by hand
    out = sandbox.top / "out"
    assert sandbox.render(str(out)).returncode == 0
    if change == "a file added":
        (out / "student-1" / "notes.md").write_text("mine\n")
    elif change == "a manifest edited":
        manifest = out / "student-1" / "20-security-pod.yaml"
        manifest.write_text(manifest.read_text() + "# tuned by hand\n")
    elif change == "a folder added":
        (out / "extra").mkdir()
    else:
        (out / MARKER).unlink()  # as a tree rendered before renders were marked
    before = snapshot(sandbox.top)
    # when it is rendered over
    result = sandbox.render(str(out))
    # then it is refused, naming what is not the render's, and nothing changes
    assert result.returncode == 2
    assert "refusing to replace" in result.stderr and "Nothing was changed" in result.stderr
    if change != "no marker":
        assert {"a file added": "notes.md", "a manifest edited": "20-security-pod.yaml", "a folder added": "extra"}[
            change
        ] in result.stderr
    assert snapshot(sandbox.top) == before


def test_a_file_that_appears_during_the_render_stops_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an earlier render
    out = tmp_path / "out"
    argv = ["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]
    assert cli.main(argv) == 0

    # and a user who saves a file into it while the next render is writing
    def meanwhile(staging: Path) -> None:
        (out / "saved-meanwhile.txt").write_text("mine\n")
        outdir.write_marker(staging)

    monkeypatch.setattr("labctl.render.command.write_marker", meanwhile)
    before = snapshot(tmp_path)
    # when that render finishes
    code = cli.main(argv)
    # then it refuses to swap, the user's file and the earlier tree stay, and no staging folder is left
    assert code == 2
    assert "saved-meanwhile.txt" in capsys.readouterr().err
    assert snapshot(tmp_path) == {**before, "out/saved-meanwhile.txt": b"mine\n"}


@contextmanager
def working_in(folder: Path, home: Path) -> Iterator[None]:
    previous, previous_home = Path.cwd(), os.environ.get("HOME")
    os.chdir(folder)
    os.environ["HOME"] = str(home)
    try:
        yield
    finally:
        os.chdir(previous)
        if previous_home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = previous_home


KINDS = ["new", "empty", "earlier render", "foreign folder", "file", ".", "parent", "home", "symlink to foreign"]
FILE_NAMES = st.from_regex(r"note-[a-z0-9]{1,6}(\.txt|\.yaml)?", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(KINDS),
    foreign=st.dictionaries(FILE_NAMES, st.binary(max_size=40), max_size=3),
    nested=st.booleans(),
)
def test_nothing_foreign_is_ever_deleted(kind: str, foreign: dict[str, bytes], nested: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sandbox = make_sandbox(Path(folder))
        argv = ["render", "--stack", "dev", "--project-dir", str(sandbox.project)]
        # given a target of this kind, with the user's files where that kind has them
        holder = {
            "new": None,
            "empty": sandbox.top / "target",
            "earlier render": sandbox.top / "target",
            "foreign folder": sandbox.top / "target",
            "file": None,
            ".": sandbox.cwd,
            "parent": sandbox.project,
            "home": sandbox.home,
            "symlink to foreign": sandbox.top / "elsewhere",
        }[kind]
        out = {
            "new": str(sandbox.top / "target"),
            "file": str(sandbox.top / "target"),
            ".": ".",
            "parent": "..",
            "home": str(sandbox.home),
            "symlink to foreign": str(sandbox.top / "link"),
        }.get(kind, str(sandbox.top / "target"))
        if holder is not None:
            holder.mkdir(exist_ok=True)
        if kind == "earlier render":
            with working_in(sandbox.cwd, sandbox.home):
                assert cli.main([*argv, "--out", out]) == 0
        if kind == "file":
            (sandbox.top / "target").write_bytes(b"the user's file")
        if kind == "symlink to foreign":
            (sandbox.top / "link").symlink_to(holder)  # type: ignore[arg-type]
        if kind not in ("new", "empty", "file") and holder is not None:
            place = holder / "student-1" if nested and kind == "earlier render" else holder
            for name, content in foreign.items():
                (place / name).write_bytes(content)
        before = snapshot(sandbox.top)
        # when labctl renders into it
        with working_in(sandbox.cwd, sandbox.home):
            code = cli.main([*argv, "--out", out])
        # then whatever the user had is still there, byte for byte
        after = snapshot(sandbox.top)
        assert {key: value for key, value in before.items() if Path(key).name.startswith("note-")} == {
            key: value for key, value in after.items() if Path(key).name.startswith("note-")
        }
        # and only a new or empty folder, or an untouched earlier render, was replaced
        emptied = not foreign and kind in ("earlier render", "foreign folder", "symlink to foreign")
        replaceable = kind in ("new", "empty") or emptied
        assert code == (0 if replaceable else 2)
        if code != 0:
            assert after == before
        assert not [name for name in after if ".new-" in name or ".old-" in name]


# A mount point: its folder cannot be renamed, and a render swaps its tree in by renaming.


@contextmanager
def mounted(target: Path, *how: str) -> Iterator[None]:
    """`target` a mount point (`mount *how target`) for the block; the test is skipped where mounting is refused."""
    if shutil.which("mount") is None:
        pytest.skip("no mount program here")
    result = subprocess.run(["mount", *how, str(target)], capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        pytest.skip(f"mounting is refused here: {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(target)], capture_output=True, timeout=30, check=True)


def mount_point_refusal(out: Path) -> str:
    return (
        f"labctl render: --out {out}: refusing to replace it: it is a mount point, which cannot be replaced: "
        "a render swaps its new tree in by renaming the folder, and a mount point (a container's bind mount or "
        f"a tmpfs, say) cannot be renamed. Nothing was written; give a folder inside it, e.g. --out {out}/dev\n"
    )


MOUNTS = {
    "a tmpfs": lambda sandbox: ("-t", "tmpfs", "-o", "size=4m", "tmpfs"),
    # A bind mount of a folder of the same file system: os.path.ismount cannot tell it from a folder.
    "a bind mount": lambda sandbox: ("--bind", str(empty_folder(sandbox.top / "elsewhere"))),
}


def empty_folder(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("kind", MOUNTS)
def test_an_out_that_is_a_mount_point_is_refused_before_anything_is_written(sandbox: Sandbox, kind: str) -> None:
    # Given --out naming an empty mount point
    out = sandbox.top / "mnt"
    out.mkdir()
    with mounted(out, *MOUNTS[kind](sandbox)):
        before = snapshot(sandbox.top)
        # When labctl renders into it
        result = sandbox.render(str(out))
        # Then it says a mount point cannot be replaced and suggests a folder inside it, exit 2, nothing written
        assert (result.returncode, result.stderr) == (2, mount_point_refusal(out))
        assert snapshot(sandbox.top) == before
        # and the folder it suggests renders
        inside = sandbox.render(str(out / "dev"))
        assert inside.returncode == 0, inside.stderr


def test_a_mount_point_os_path_ismount_sees_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given --out an empty folder that os.path.ismount calls a mount point
    out = tmp_path / "mnt"
    out.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr("os.path.ismount", lambda path: Path(path) == out or real_ismount(path))
    # When labctl renders into it
    code = cli.main(["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)])
    # Then exit 2 with the refusal, and the folder is still empty
    assert (code, capsys.readouterr().err) == (2, mount_point_refusal(out))
    assert list(out.iterdir()) == []
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["mnt"]


def test_a_rename_refused_as_busy_is_reported_as_a_mount_point_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an earlier render at a mount point labctl could not see, whose rename fails as the kernel's does
    out = tmp_path / "mnt"
    argv = ["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]
    assert cli.main(argv) == 0
    capsys.readouterr()
    before = snapshot(tmp_path)

    def busy(first: Path, second: Path) -> bool:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(second))

    monkeypatch.setattr("labctl.tree.exchange", busy)
    # When it is rendered again
    code = cli.main(argv)
    # Then exit 2, saying why a mount point cannot be replaced and where to render instead; nothing changed
    assert (code, capsys.readouterr().err) == (
        2,
        f"labctl render: --out {out}: cannot replace it: renaming it failed with 'Device or resource busy', "
        "as it does for a mount point: a render swaps its new tree in by renaming the folder, and a mount point "
        "(a container's bind mount or a tmpfs, say) cannot be renamed. Nothing was changed; give a folder inside "
        f"it, e.g. --out {out}/dev\n",
    )
    assert snapshot(tmp_path) == before
