"""Lab 2.4: Redis's own memory, measured on a real redis-server, holds the constants of the load-time check.

`maxmemory` counts only Redis's data (INFO's used_memory); the container's memory limit must also
hold the process itself and the allocator's fragmentation, or the kernel kills Redis before it
evicts anything. The check at load time (labs/redis.py, memory_needed) rests on two constants;
these tests measure both again with the lab's rendered redis.conf, so a new Redis or allocator
that outgrows them, or constants grown far above what Redis uses, fails here instead of drifting.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from labs.quantity import parse_memory
from labs.redis import REDIS_DATA_FACTOR, REDIS_OWN_BYTES, RedisSettings, RedisWithConfigMapArgs, memory_needed
from tests.realprog import LOOPBACK, free_port, redis_call
from tests.test_real_redis import redis_started

MIB = 1024**2


def resident_bytes(port: int) -> int:
    """The server's resident set as the kernel counts it (what a cgroup memory limit is held against)."""
    info = redis_call(port, "INFO", "server")
    pid = next(line.split(":", 1)[1] for line in info.splitlines() if line.startswith("process_id:"))
    for line in Path(f"/proc/{pid.strip()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/<pid>/status")


def used_memory(port: int) -> int:
    info = redis_call(port, "INFO", "memory")
    return int(next(line.split(":", 1)[1] for line in info.splitlines() if line.startswith("used_memory:")))


def fill(port: int, total_bytes: int) -> None:
    """SET keys with values of mixed sizes (16 B to 20 kB), pipelined, until `total_bytes` were sent."""
    sizes = random.Random(7).choices([16, 64, 200, 1000, 4000, 20000], k=total_bytes // 16)
    sent = 0
    with socket.create_connection((LOOPBACK, port), timeout=30) as conn, conn.makefile("rb") as replies:
        for start in range(0, len(sizes), 200):
            batch = []
            for number, size in enumerate(sizes[start : start + 200], start):
                key = f"key:{number}"
                batch.append(f"*3\r\n$3\r\nSET\r\n${len(key)}\r\n{key}\r\n${size}\r\n{'x' * size}\r\n")
                sent += size
            conn.sendall("".join(batch).encode())
            for _ in batch:
                assert replies.readline() == b"+OK\r\n"
            if sent >= total_bytes:
                return


def test_redis_at_start_stays_within_its_own_allowance(tmp_path: Path) -> None:
    # given the lab's default redis.conf, started as the container starts it
    args = RedisWithConfigMapArgs(port=free_port())
    with redis_started(args, tmp_path) as port:
        rss = resident_bytes(port)
        data = used_memory(port)

    # then what Redis holds beside its data fits the allowance, and the allowance is no guess far above it
    assert rss - data <= REDIS_OWN_BYTES, f"Redis's own memory is {(rss - data) / MIB:.1f} MiB"
    assert rss >= REDIS_OWN_BYTES / 2, f"RSS at start is only {rss / MIB:.1f} MiB: REDIS_OWN_BYTES is too generous"


def test_redis_filled_past_maxmemory_stays_under_the_limit_the_check_asks_for(tmp_path: Path) -> None:
    # given a maxmemory of 16mb and three times as much data of mixed sizes, so Redis evicts
    args = RedisWithConfigMapArgs(port=free_port(), config=RedisSettings(maxmemory="16mb"))
    maxmemory = 16 * MIB
    with redis_started(args, tmp_path) as port:
        at_start = resident_bytes(port)
        fill(port, 3 * maxmemory)
        full = resident_bytes(port)
        evicted = int(redis_call(port, "INFO", "stats").split("evicted_keys:")[1].split()[0])

    # then it evicted rather than grew, and its resident set fits what memory_needed asks of the limit
    assert evicted > 0
    growth = (full - at_start) / maxmemory
    assert growth <= REDIS_DATA_FACTOR, f"RSS grew by {growth:.2f} x maxmemory"
    assert full <= memory_needed(maxmemory)


def test_the_default_limit_leaves_room_for_the_default_maxmemory() -> None:
    args = RedisWithConfigMapArgs()

    assert memory_needed(2 * MIB) <= parse_memory(str(args.resources.memory_limit))
