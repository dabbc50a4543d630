"""Writes a folder all at once: into a sibling temporary folder, then swapped in.

The swap is one `renameat2(RENAME_EXCHANGE)` where the kernel has it, so there is no instant
at which the target is missing. SIGTERM during the write is turned into an exception so the
staging folder is removed; after a SIGKILL, the next write into the same parent removes what
the dead process left behind (its pid is part of the staging folder's name).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from labctl.interruptions import sigterm_raises

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _load_renameat2() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


def exchange(first: Path, second: Path) -> bool:
    """Atomically swaps two paths; False when this system or file system cannot."""
    if _renameat2 is None:
        return False
    result = _renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(target.name)}\.(new|old)-(?P<pid>[0-9]+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Staging and retired folders of `target` whose writer is no longer running."""
    pattern = _leftover_pattern(target)
    removed = []
    for entry in target.parent.iterdir():
        match = pattern.match(entry.name)
        if match and int(match["pid"]) != os.getpid() and not _alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


@contextmanager
def replaced_atomically(target: Path, before_swap: Callable[[], object] | None = None) -> Iterator[Path]:
    """Yields an empty staging folder; on success it becomes `target`, on any error it vanishes.

    `before_swap` runs once the staging folder is complete, just before the swap; it raises to
    keep `target` as it is (the caller checks again that `target` may still be replaced).
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    prefix = f".{target.name}.new-{os.getpid()}-"
    with sigterm_raises():
        staging = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
        try:
            yield staging
            staging.chmod(0o755)
            if before_swap is not None:
                before_swap()
            _swap_in(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    if exchange(staging, target):
        # `staging` now holds the previous tree.
        shutil.rmtree(staging, ignore_errors=True)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent))
    os.replace(target, retired / target.name)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired / target.name, target)
        raise
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(retired)


def write_private(path: Path, text: str) -> None:
    """A file only its owner can read, created that way (never world-readable, not even briefly)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)


def replace_file(path: Path, text: str) -> None:
    """Writes a file beside `path` and renames it over it: a reader sees the old file or the new one, never half."""
    descriptor, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(staging, 0o644)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
