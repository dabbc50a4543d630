"""Which folders `labctl render --out` may replace: an empty one, a new one, or a tree it wrote itself.

Every render leaves a marker file at the top of its tree, listing each file it wrote with its
SHA-256. A folder is replaced only when the marker is there and the folder holds exactly those
files, unchanged; anything else in it (notes, an edited manifest, a symlink) is the user's, so
the render is refused and nothing is touched. Some places are refused whatever they hold: the
file system's root, the home folder, the current folder and its parents, the project folder and
its parents, a Pulumi project, and the top of a git work tree. So is a mount point: the new tree
is swapped in by renaming, and the kernel renames no mount point (EBUSY).
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

from labctl import version
from labctl.errors import BadInput

MARKER = ".k8s-labs-render"
HEADER = "k8s-labs render"
SHOWN_ENTRIES = 3
MOUNT_INFO = Path("/proc/self/mountinfo")
# mountinfo writes a space, tab, newline or backslash in a path as a backslash and three octal digits.
MOUNT_INFO_ESCAPE = re.compile(rb"\\([0-7]{3})")
WHY_NOT_A_MOUNT_POINT = (
    "a render swaps its new tree in by renaming the folder, and a mount point (a container's bind mount or "
    "a tmpfs, say) cannot be renamed"
)


def out_argument(text: str) -> Path:
    """argparse type of --out: an empty value (an unset shell variable) would mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder; an empty value would mean the current folder")
    return Path(text)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for folder, _, names in os.walk(root):
        for name in names:
            yield Path(folder, name)


def write_marker(tree: Path) -> None:
    """Lists every file now in `tree` (the staging folder, complete) in the marker at its top."""
    lines = [f"{HEADER} {version()}", "# labctl render replaces this folder only while it holds exactly these files."]
    lines += [f"{_digest(path)}  {path.relative_to(tree).as_posix()}" for path in sorted(_files(tree))]
    (tree / MARKER).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _recorded(marker: Path) -> dict[str, str] | None:
    """relative path -> SHA-256 from a render's marker; None when `marker` is not one."""
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        lines = marker.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or not lines[0].startswith(f"{HEADER} "):
        return None
    recorded = {}
    for line in lines[1:]:
        if line.startswith("#") or not line.strip():
            continue
        digest, _, relative = line.partition("  ")
        recorded[relative] = digest
    return recorded


def foreign_entries(folder: Path, contents: bool = True) -> list[str]:
    """What in `folder` no earlier render wrote: empty when the folder is empty or exactly a render.

    With `contents` False only names are compared, not digests: a quick first look.
    """
    recorded = _recorded(folder / MARKER)
    entries = sorted(os.listdir(folder))
    if recorded is None:
        return entries
    foreign = []
    written_folders = {parent.as_posix() for relative in recorded for parent in Path(relative).parents}
    for current, folders, names in os.walk(folder):
        base = Path(current).relative_to(folder)
        for name in folders:
            path = Path(current, name)
            if path.is_symlink() or (base / name).as_posix() not in written_folders:
                foreign.append((base / name).as_posix())
        for name in names:
            relative = (base / name).as_posix()
            if relative == MARKER:
                continue
            path = Path(current, name)
            written = not path.is_symlink() and path.is_file() and relative in recorded
            if not written or (contents and recorded[relative] != _digest(path)):
                foreign.append(relative)
        # A foreign or linked folder is not entered: it is refused as a whole.
        folders[:] = [name for name in folders if (base / name).as_posix() not in foreign]
    return foreign


def _octal_byte(match: re.Match[bytes]) -> bytes:
    return bytes([int(match[1], 8)])


def _mount_points() -> set[str]:
    """Every mount point of this process's mount namespace, where the system lists them (Linux)."""
    try:
        lines = MOUNT_INFO.read_bytes().splitlines()
    except OSError:
        return set()
    # Field 5 of each line is the mount point (proc(5), /proc/pid/mountinfo).
    fields = [line.split(b" ") for line in lines]
    return {os.fsdecode(MOUNT_INFO_ESCAPE.sub(_octal_byte, parts[4])) for parts in fields if len(parts) > 4}


def is_mount_point(folder: Path) -> bool:
    """os.path.ismount misses a bind mount of a folder of the same file system; the mount table has it."""
    return os.path.ismount(folder) or str(folder) in _mount_points()


def _inside(given: Path) -> str:
    return f"give a folder inside it, e.g. --out {shlex.quote(str(given / 'dev'))}"


def mount_point_refusal(given: Path, refuse: str) -> str:
    """`refuse`: the start of the message, naming --out as given."""
    return (
        f"{refuse}it is a mount point, which cannot be replaced: {WHY_NOT_A_MOUNT_POINT}. "
        f"Nothing was written; {_inside(given)}"
    )


def busy_refusal(given: Path) -> str:
    """The swap's rename failed with EBUSY: a mount point is_mount_point could not see (no mount table here)."""
    return (
        f"--out {given}: cannot replace it: renaming it failed with '{os.strerror(errno.EBUSY)}', as it does for "
        f"a mount point: {WHY_NOT_A_MOUNT_POINT}. Nothing was changed; {_inside(given)}"
    )


def _protected(target: Path, project: Path | None) -> str | None:
    """Why `target` may never be replaced, whatever it holds; None when it may be."""
    here = Path.cwd().resolve()
    if target == Path(target.anchor):
        return "it is the root of the file system"
    if target == Path.home().resolve():
        return "it is your home folder"
    if target == here:
        return "it is the current folder"
    if target in here.parents:
        return f"it holds the current folder {here}"
    if project is not None and target == project:
        return "it is the project folder"
    if project is not None and target in project.parents:
        return f"it holds the project folder {project}"
    if (target / "Pulumi.yaml").exists():
        return "it holds a Pulumi project (Pulumi.yaml)"
    if (target / ".git").exists():
        return "it is the top of a git work tree"
    return None


def check_replaceable(given: Path, project: Path | None, contents: bool = True) -> Path:
    """The folder `--out given` names, when a render may replace it; otherwise BadInput saying why.

    `contents` False skips comparing the digests of an earlier render's files (see `foreign_entries`).
    """
    target = given.resolve()
    link = f" (a symlink to {target})" if given.is_symlink() else ""
    refuse = f"--out {given}{link}: refusing to replace it: "
    reason = _protected(target, project.resolve() if project is not None else None)
    if reason:
        raise BadInput(refuse + reason + "; give a folder of its own, e.g. build/dev")
    existing = next((folder for folder in (target, *target.parents) if folder.exists()), None)
    if existing is not None and existing != target and not existing.is_dir():
        raise BadInput(refuse + f"{existing} is a file, not a folder")
    if not target.exists():
        return target
    if not target.is_dir():
        raise BadInput(refuse + "it is a file, not a folder; give a folder (new, empty or an earlier render)")
    # Before its contents: emptying a mount point would not make it replaceable.
    if is_mount_point(target):
        raise BadInput(mount_point_refusal(given, refuse))
    foreign = foreign_entries(target, contents)
    if foreign:
        shown = ", ".join(foreign[:SHOWN_ENTRIES]) + (
            f" and {len(foreign) - SHOWN_ENTRIES} more" if len(foreign) > SHOWN_ENTRIES else ""
        )
        marked = (target / MARKER).is_file()
        raise BadInput(
            refuse
            + (
                f"it holds what the last render did not write, or changed since: {shown}. "
                if marked
                else f"it is not empty and no render wrote it ({shown}). "
            )
            + "Nothing was changed. Move those files away, or give --out a new or empty folder."
        )
    return target
