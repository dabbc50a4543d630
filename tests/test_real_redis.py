"""Lab 2.4: the rendered redis.conf loaded by a real redis-server, started the way the container starts it."""

from __future__ import annotations

import shlex
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from labs.expansion import container_argv
from labs.pod import Manifest, Resources
from labs.redis import (
    EXTRA_DIRECTIVES,
    LAB,
    MaxmemoryPolicy,
    RedisSettings,
    RedisWithConfigMapArgs,
    build,
    memory_needed,
    redis_bytes,
)
from tests.realprog import LOOPBACK, RespError, free_port, redis_call, remap, require_program, running, wait_for


def local_volumes(manifests: list[Manifest], root: Path) -> tuple[Manifest, dict[str, Path]]:
    """The Redis container, and a local folder for each of its mounts filled as the kubelet fills it."""
    config_map, pod = manifests
    (container,) = pod["spec"]["containers"]
    volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}
    mounts: dict[str, Path] = {}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        local = root / mount["name"]
        local.mkdir()
        if "configMap" in volume:
            assert volume["configMap"]["name"] == config_map["metadata"]["name"]
            for item in volume["configMap"]["items"]:
                (local / item["path"]).write_text(config_map["data"][item["key"]])
        else:
            assert "emptyDir" in volume, volume
        mounts[mount["mountPath"]] = local
    return container, mounts


def server_argv(args: RedisWithConfigMapArgs, root: Path) -> list[str]:
    require_program("redis-server")
    container, mounts = local_volumes(build(args), root)
    # Only addition to the container's command: listen on loopback, never on this machine's network.
    return [*remap(container_argv(container), mounts), "--bind", LOOPBACK]


@contextmanager
def redis_started(args: RedisWithConfigMapArgs, root: Path) -> Iterator[int]:
    argv = server_argv(args, root)
    with running(argv, cwd=root, log=root / "redis.log", limit=20) as server:

        def answers() -> Any:
            if server.exited() is not None:
                raise AssertionError(f"redis-server exited with {server.exited()}:\n{server.output()}")
            try:
                return redis_call(args.port, "PING")
            except OSError:
                return None

        assert wait_for(answers, 5, "redis-server to answer PING") == "PONG"
        try:
            yield args.port
        finally:
            shut_down(args.port)


def shut_down(port: int) -> None:
    """Stop now: on SIGTERM Redis waits for its next cron tick, a whole second at `hz 1`."""
    with suppress(OSError, RespError):
        redis_call(port, "SHUTDOWN", "NOSAVE")


def config_get(port: int, name: str) -> str:
    reply = redis_call(port, "CONFIG", "GET", name)
    assert isinstance(reply, list) and reply[0] == name, reply
    return str(reply[1])


def lab(**config: Any) -> RedisWithConfigMapArgs:
    """The lab with `config`, and a memory limit that holds it (a large maxmemory needs a large one)."""
    settings = RedisSettings(**config)
    limit = max(memory_needed(redis_bytes(settings.maxmemory)), 64 * 1024**2)
    resources = Resources(memory_request="32Mi", memory_limit=str(limit))
    return RedisWithConfigMapArgs(port=free_port(), config=settings, resources=resources)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("2mb", 2 * 1024 * 1024),
        ("2MB", 2 * 1024 * 1024),
        ("7Mb", 7 * 1024 * 1024),
        ("3m", 3 * 1000 * 1000),
        ("1k", 1000),
        ("1kb", 1024),
        ("1KB", 1024),
        ("1g", 1000 * 1000 * 1000),
        ("2gB", 2 * 1024 * 1024 * 1024),
        ("65536", 65536),
        ("0", 0),
        ("18446744073709551615", 2**64 - 1),
    ],
)
def test_config_get_maxmemory_answers_the_promised_bytes(tmp_path: Path, size: str, expected: int) -> None:
    with redis_started(lab(maxmemory=size), tmp_path) as port:
        assert config_get(port, "maxmemory") == str(expected)


@pytest.mark.parametrize("policy", get_args(MaxmemoryPolicy))
def test_config_get_maxmemory_policy_answers_every_policy(tmp_path: Path, policy: str) -> None:
    with redis_started(lab(maxmemory_policy=policy), tmp_path) as port:
        assert config_get(port, "maxmemory-policy") == policy


# Every further directive the lab accepts, at both ends of what it accepts, and what Redis answers.
LOW = {
    "maxmemory-samples": ("1", "1"),
    "maxmemory-eviction-tenacity": ("0", "0"),
    "lfu-log-factor": ("0", "0"),
    "lfu-decay-time": ("0", "0"),
    "active-expire-effort": ("1", "1"),
    "hz": ("1", "1"),
    "timeout": ("0", "0"),
    "tcp-keepalive": ("0", "0"),
    "slowlog-log-slower-than": ("-1", "-1"),
    "slowlog-max-len": ("0", "0"),
    "latency-monitor-threshold": ("0", "0"),
    "lazyfree-lazy-eviction": ("no", "no"),
    "lazyfree-lazy-expire": ("NO", "no"),
    "lazyfree-lazy-server-del": ("no", "no"),
    "lazyfree-lazy-user-del": ("no", "no"),
    "lazyfree-lazy-user-flush": ("no", "no"),
    "replica-lazy-flush": ("no", "no"),
    "appendonly": ("no", "no"),
    "appendfsync": ("no", "no"),
    "stop-writes-on-bgsave-error": ("no", "no"),
    "rdbcompression": ("no", "no"),
    "rdbchecksum": ("no", "no"),
    "loglevel": ("debug", "debug"),
    "save": ('""', ""),
    "dbfilename": ("a", "a"),
}
HIGH = {
    "maxmemory-samples": ("2147483647", "2147483647"),
    "maxmemory-eviction-tenacity": ("100", "100"),
    "lfu-log-factor": ("2147483647", "2147483647"),
    "lfu-decay-time": ("2147483647", "2147483647"),
    "active-expire-effort": ("10", "10"),
    "hz": ("500", "500"),
    "timeout": ("2147483647", "2147483647"),
    "tcp-keepalive": ("2147483647", "2147483647"),
    "slowlog-log-slower-than": ("9223372036854775807", "9223372036854775807"),
    "slowlog-max-len": ("9223372036854775807", "9223372036854775807"),
    "latency-monitor-threshold": ("9223372036854775807", "9223372036854775807"),
    "lazyfree-lazy-eviction": ("yes", "yes"),
    "lazyfree-lazy-expire": ("YES", "yes"),
    "lazyfree-lazy-server-del": ("yes", "yes"),
    "lazyfree-lazy-user-del": ("yes", "yes"),
    "lazyfree-lazy-user-flush": ("yes", "yes"),
    "replica-lazy-flush": ("yes", "yes"),
    "appendonly": ("yes", "yes"),
    "appendfsync": ("EVERYSEC", "everysec"),
    "stop-writes-on-bgsave-error": ("yes", "yes"),
    "rdbcompression": ("yes", "yes"),
    "rdbchecksum": ("yes", "yes"),
    "loglevel": ("WARNING", "warning"),
    "save": ("1 0 2147483647 2147483647", "1 0 2147483647 2147483647"),
    "dbfilename": ("cache-0.rdb", "cache-0.rdb"),
}


@pytest.mark.parametrize("table", [LOW, HIGH], ids=["low", "high"])
def test_extra_directives_are_loaded_as_given(tmp_path: Path, table: dict[str, tuple[str, str]]) -> None:
    assert set(table) == set(EXTRA_DIRECTIVES), "every accepted directive needs a value proven here"
    extra = {name: given for name, (given, _) in table.items()}

    with redis_started(lab(extra=extra), tmp_path) as port:
        answers = {name: config_get(port, name) for name in table}

    assert answers == {name: answer for name, (_, answer) in table.items()}


# Lines that make redis-server stop at start with "FATAL CONFIG FILE ERROR".
REFUSED_AT_START = [
    ("frobnicate", "yes"),
    ("maxmemory-samples", "0"),
    ("maxmemory-samples", "007"),
    ("maxmemory-samples", "+5"),
    ("maxmemory-samples", "5 6"),
    ("maxmemory-samples", '"5'),
    ("maxmemory-eviction-tenacity", "101"),
    ("active-expire-effort", "11"),
    ("timeout", "-1"),
    ("timeout", "2147483648"),
    ("lfu-log-factor", "2147483648"),
    ("slowlog-log-slower-than", "-2"),
    ("lazyfree-lazy-eviction", "true"),
    ("appendfsync", "sometimes"),
    ("save", "3600"),
    ("save", "3600 1 300"),
    ("save", "0 1"),
    ("dbfilename", "data/dump.rdb"),
]


@pytest.mark.parametrize(("name", "value"), REFUSED_AT_START)
def test_a_directive_redis_refuses_is_rejected_at_config_time(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=name):
        RedisSettings(extra={name: value})

    config = tmp_path / "redis.conf"
    config.write_text(RedisSettings().render() + f"{name} {value}\n")
    argv = [require_program("redis-server"), str(config), "--dir", str(tmp_path)]
    refused = subprocess.run(
        [*argv, "--port", str(free_port()), "--bind", LOOPBACK], capture_output=True, text=True, timeout=5
    )
    assert refused.returncode != 0
    assert "FATAL CONFIG FILE ERROR" in refused.stdout + refused.stderr


# Settings Redis starts with but does not keep as written: it clamps or wraps them around.
CHANGED_BY_REDIS: list[tuple[dict[str, Any], str, str]] = [
    ({"extra": {"hz": "501"}}, "hz", "501"),
    ({"extra": {"hz": "0"}}, "hz", "0"),
    ({"extra": {"save": "1 99999999999"}}, "save", "1 99999999999"),
    ({"extra": {"save": "01 1"}}, "save", "01 1"),
    ({"maxmemory": "18446744073709551616"}, "maxmemory", str(2**64)),
    ({"maxmemory": "17179869184gb"}, "maxmemory", str(17179869184 * 1024**3)),
    ({"maxmemory": "20000000000gb"}, "maxmemory", str(20000000000 * 1024**3)),
]


@pytest.mark.parametrize(
    ("config", "name", "promised"),
    CHANGED_BY_REDIS,
    ids=[f"{name}={promised}" for _, name, promised in CHANGED_BY_REDIS],
)
def test_a_value_redis_would_change_is_rejected_at_config_time(
    tmp_path: Path, config: dict[str, Any], name: str, promised: str
) -> None:
    with pytest.raises(ValidationError):
        RedisSettings(**config)

    config_file = tmp_path / "redis.conf"
    config_file.write_text(f"{name} {config.get('maxmemory') or config['extra'][name]}\n")
    port = free_port()
    argv = [require_program("redis-server"), str(config_file), "--dir", str(tmp_path)]
    with running([*argv, "--port", str(port), "--bind", LOOPBACK], cwd=tmp_path, log=tmp_path / "log") as server:
        wait_for(lambda: _pong(port, server.exited), 5, "redis-server to answer PING")
        answer = config_get(port, name)
        shut_down(port)

    assert answer != promised


def _pong(port: int, exited: Any) -> str | None:
    assert exited() is None, "redis-server stopped at start"
    try:
        return str(redis_call(port, "PING"))
    except OSError:
        return None


def test_the_lab_testing_step_and_probes_work_against_the_server(tmp_path: Path) -> None:
    args = lab(maxmemory="2mb", maxmemory_policy="allkeys-lru")
    require_program("redis-cli")
    (_, pod) = build(args)
    (container,) = pod["spec"]["containers"]
    readiness = container["readinessProbe"]["exec"]["command"]
    liveness_port = container["livenessProbe"]["tcpSocket"]["port"]
    # What students type after `kubectl exec ... --`, run where the server runs.
    cli_steps = [shlex.split(step) for step in LAB.testing_commands(args) if "redis-cli" in step]
    cli_steps = [step[step.index("--") + 1 :] for step in cli_steps]

    with redis_started(args, tmp_path):
        probe = subprocess.run(readiness, capture_output=True, text=True, timeout=5)
        socket.create_connection((LOOPBACK, liveness_port), timeout=2).close()
        answers = [subprocess.run(step, capture_output=True, text=True, timeout=5).stdout for step in cli_steps]

    assert (probe.returncode, probe.stdout) == (0, "PONG\n")
    assert answers == ["maxmemory\n2097152\n", "maxmemory-policy\nallkeys-lru\n"]
