"""Running a lab container's real program on this machine: paths, ports, processes and Redis's protocol.

Every process started here lives in its own process group, is bounded in time and is stopped
(the whole group, by its id) when the `with` block ends, whatever happened inside it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

LOOPBACK = "127.0.0.1"
T = TypeVar("T")


def require_program(name: str, package: str = "redis-server") -> str:
    """The program's path, or a failed test that says how to get it (never a silent skip)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"'{name}' is not installed: `make test` installs it (Debian package {package})")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def remap(argv: Sequence[str], mounts: Mapping[str, Path]) -> list[str]:
    """`argv` with each container path under a mount pointed at the local folder standing in for it."""
    remapped = []
    for part in argv:
        for mount_path, local in mounts.items():
            inside = mount_path.rstrip("/")
            part = str(local) if part == inside else part.replace(inside + "/", f"{local}/")
        remapped.append(part)
    for mount_path in mounts:
        leftover = [part for part in remapped if mount_path.rstrip("/") + "/" in part]
        assert not leftover, f"{mount_path} still appears in {leftover}"
    return remapped


def python_shim(folder: Path) -> Path:
    """A folder whose `python` runs this interpreter, like the image's `python` on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "python"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    return folder


def wait_for(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Running:
    """A started process and the file that collects what it prints."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def exited(self) -> int | None:
        return self.process.poll()


@contextmanager
def running(
    argv: Sequence[str], *, cwd: Path, log: Path, env: Mapping[str, str] | None = None, limit: float = 30.0
) -> Iterator[Running]:
    """Run `argv` in its own process group for at most `limit` seconds, and always stop it."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = time.monotonic()
    try:
        yield Running(process, log)
        assert time.monotonic() - started < limit, f"{argv[0]} ran longer than {limit}s"
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(grace)
            # The group may still hold children of the leader (a server started by a shell).
            os.killpg(process.pid, 0)
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            break
    process.wait(3.0)


def _encode(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RespError(Exception):
    """An error reply from Redis."""


def _read_reply(stream: Any) -> Any:
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError(f"connection closed mid-reply: {line!r}")
    kind, body = line[:1], line[1:-2].decode()
    if kind == b"+":
        return body
    if kind == b"-":
        raise RespError(body)
    if kind == b":":
        return int(body)
    if kind == b"$":
        size = int(body)
        return None if size < 0 else stream.read(size + 2)[:-2].decode()
    if kind == b"*":
        count = int(body)
        return None if count < 0 else [_read_reply(stream) for _ in range(count)]
    raise ConnectionError(f"not a RESP2 reply: {line!r}")


def redis_call(port: int, *command: str, timeout: float = 2.0) -> Any:
    """Send one command to Redis on loopback over RESP and return its decoded reply."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as conn, conn.makefile("rb") as stream:
        conn.sendall(_encode(*command))
        return _read_reply(stream)
