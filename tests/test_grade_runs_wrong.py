"""What would run wrong though the object is valid: given a hand-in the API server accepts, when it is
graded, then each finding gives the true reason; and each reason is held by running the real program
on this machine (the exec the runtime makes, the lab's HTTP server, the writer on a read-only mount,
redis-server on the file the volume gives)."""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from labs import redis, secure_writer, webserver
from labs.expansion import container_argv
from labs.grading import Issue, Work, by_name, grade_all
from tests.realprog import LOOPBACK, free_port, redis_call, remap, require_program, running, wait_for

REDIS_POD = ("Pod", "redis")
ONE_STRING = (
    "no shell splits it: the runtime looks for a program file named the whole string, "
    "finds none, and the container never starts"
)


def redis_pod(command: list[str], args: list[str] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "redis",
        "image": "redis:8.2-alpine",
        "command": command,
        "volumeMounts": [{"mountPath": "/redis-master", "name": "config"}],
    }
    if args is not None:
        container["args"] = args
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "redis"},
        "spec": {
            "containers": [container],
            "volumes": [
                {
                    "name": "config",
                    "configMap": {"name": "redis-config", "items": [{"key": "redis-config", "path": "redis.conf"}]},
                }
            ],
        },
    }


def graded(pod: dict[str, Any]) -> list[Issue]:
    # The ConfigMap is the lab's `kubectl create configmap`'s, not handed in.
    work = Work(by_name([pod]), known={("ConfigMap", "redis-config")})
    return grade_all(redis.GRADER, redis.RedisWithConfigMapArgs(), work)


def test_a_program_and_its_argument_in_one_string_is_refused_with_the_split_form() -> None:
    # Given the lab's command written as one string (the lab grader sees the file named and is content)
    pod = redis_pod(["redis-server /redis-master/redis.conf"])
    # When it is graded, then the one finding says the container never starts, and shows the split form
    assert graded(pod) == [
        Issue(
            "required",
            REDIS_POD,
            ("spec", "containers", 0, "command", 0),
            "'redis-server /redis-master/redis.conf'",
            'the program and each argument as separate strings: ["redis-server", "/redis-master/redis.conf"]',
            ONE_STRING,
        )
    ]


def test_the_split_command_and_a_shell_given_the_line_are_fine() -> None:
    assert graded(redis_pod(["redis-server", "/redis-master/redis.conf"])) == []
    assert graded(redis_pod(["sh", "-c", "redis-server /redis-master/redis.conf"])) == []


def test_a_shell_and_its_option_in_one_string_is_refused_in_any_lab() -> None:
    # Given the web server's shell written with its option in the command's first string
    pod = webserver.build(webserver.ProbedWebServerArgs())[0]
    pod["spec"]["containers"][0]["command"] = ["/bin/sh -c"]
    work = Work(by_name([pod]))
    # When it is graded, then the finding points at that string
    found = grade_all(webserver.GRADER, webserver.ProbedWebServerArgs(), work)
    assert found == [
        Issue(
            "required",
            ("Pod", "liveness-readiness-pod"),
            ("spec", "containers", 0, "command", 0),
            "'/bin/sh -c'",
            'the program and each argument as separate strings: ["/bin/sh", "-c"]',
            ONE_STRING,
        )
    ]


@pytest.mark.parametrize("program", ["redis-server", "REDIS_PATH"])
def test_exec_of_the_one_string_finds_no_file_while_the_split_form_starts(tmp_path: Path, program: str) -> None:
    # Given a real config file, and the program by name or by its path (a string with a '/')
    path = require_program("redis-server")
    program = path if program == "REDIS_PATH" else program
    config = tmp_path / "redis.conf"
    config.write_text("maxmemory 2mb\n")
    port = free_port()
    # When the one string is exec'd as an argv, as the runtime does, then there is no such file
    with pytest.raises(FileNotFoundError) as error:
        subprocess.run([f"{program} {config}"], cwd=tmp_path, timeout=5, check=False)
    assert error.value.errno == errno.ENOENT
    # and the same words split start the server, which reads the file
    argv = [program, str(config), "--port", str(port), "--bind", LOOPBACK, "--dir", str(tmp_path)]
    with running(argv, cwd=tmp_path, log=tmp_path / "redis.log", limit=15) as server:
        wait_for(lambda: _answer(port, server.exited), 10, "redis-server to answer PING")
        assert redis_call(port, "CONFIG", "GET", "maxmemory") == ["maxmemory", "2097152"]


def _answer(port: int, exited: Any) -> str | None:
    assert exited() is None, "redis-server exited"
    try:
        return str(redis_call(port, "PING"))
    except OSError:
        return None


@pytest.fixture
def http_server(tmp_path: Path) -> Any:
    """The lab's server: `python -m http.server PORT` in the working directory."""
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", LOOPBACK]
    with running(argv, cwd=tmp_path, log=tmp_path / "server.log", limit=20) as server:

        def listening() -> bool | None:
            assert server.exited() is None, server.output()
            try:
                socket.create_connection((LOOPBACK, port), timeout=1).close()
                return True
            except OSError:
                return None

        wait_for(listening, 10, "http.server to listen")
        yield port


def test_an_https_probe_fails_the_handshake_with_the_labs_server_where_http_succeeds(http_server: int) -> None:
    # Given the lab's plain-HTTP server; when the kubelet's HTTPS probe (certificate not verified) knocks
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    https = http.client.HTTPSConnection(LOOPBACK, http_server, timeout=3, context=context)
    # then the TLS handshake fails, every time
    for _ in range(2):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            https.request("GET", "/")
            https.getresponse()
        https.close()
    # while the HTTP GET the lab asks for, and a tcpSocket probe's connection, succeed
    plain = http.client.HTTPConnection(LOOPBACK, http_server, timeout=3)
    plain.request("GET", "/")
    assert plain.getresponse().status == 200
    plain.close()
    socket.create_connection((LOOPBACK, http_server), timeout=1).close()


@pytest.mark.parametrize("present", [False, True])
def test_the_liveness_probes_file_by_absolute_path_answers_as_the_relative_one(tmp_path: Path, present: bool) -> None:
    # Given the working directory with or without index.html
    if present:
        (tmp_path / "index.html").write_text("hi\n")
    ls = require_program("ls", "coreutils")
    # When `ls index.html` runs there and `ls <dir>/index.html` anywhere, then both exit alike
    relative = subprocess.run([ls, "index.html"], cwd=tmp_path, capture_output=True, timeout=5)
    absolute = subprocess.run([ls, str(tmp_path / "index.html")], cwd="/", capture_output=True, timeout=5)
    assert (relative.returncode == 0) is present
    assert (absolute.returncode == 0) is present


def test_the_writer_on_a_read_only_mount_never_writes_its_file(tmp_path: Path) -> None:
    # Given the lab's writer with its volume as a read-only file system (a tmpfs mounted ro in a
    # mount namespace of its own: the machine's mounts are untouched)
    unshare, mount = require_program("unshare", "util-linux"), require_program("mount", "mount")
    volume = tmp_path / "volume"
    volume.mkdir()
    args = secure_writer.SecureWriterPodArgs(interval=1)
    (container,) = secure_writer.build(args)[0]["spec"]["containers"]
    argv = remap(container_argv(container), {args.mount_path: volume})
    trial = subprocess.run(
        [unshare, "-m", mount, "-t", "tmpfs", "-o", "ro", "tmpfs", str(volume)], capture_output=True, timeout=5
    )
    if trial.returncode != 0:
        pytest.fail(f"a read-only tmpfs cannot be mounted here (root and unshare -m needed): {trial.stderr!r}")
    wrapped = [unshare, "-m", "sh", "-c", f'{mount} -t tmpfs -o ro tmpfs "$0" && exec "$@"', str(volume), *argv]
    # When it runs for a few intervals
    with running(wrapped, cwd=tmp_path, log=tmp_path / "writer.log", limit=15) as writer:
        wait_for(lambda: "Read-only file system" in writer.output() or None, 5, "the append to fail")
        time.sleep(2.5)
        still_running = writer.exited() is None
    # then each append fails with "Read-only file system", the loop lives on, and no file is written
    assert still_running
    assert writer.output().count("Read-only file system") >= 2, writer.output()
    assert not (volume / args.file_name).exists()


def test_redis_reads_the_file_the_whole_configmap_gives_and_exits_without_redis_conf(tmp_path: Path) -> None:
    # Given the whole ConfigMap's volume: one file per key, named after the key
    server = require_program("redis-server")
    volume = tmp_path / "redis-master"
    volume.mkdir()
    (volume / redis.CONFIG_KEY).write_text(redis.RedisSettings().render())
    port = free_port()
    common = ["--port", str(port), "--bind", LOOPBACK, "--dir", str(tmp_path)]
    # When redis-server is told /redis-master/redis.conf, then it exits: it cannot open its config file
    missing = subprocess.run(
        [server, str(volume / redis.CONFIG_FILE), *common], capture_output=True, text=True, timeout=10
    )
    assert missing.returncode == 1
    assert "Fatal error, can't open config file" in missing.stdout + missing.stderr
    # and told the file the key gives, it reads the lab's settings
    argv = [server, str(volume / redis.CONFIG_KEY), *common]
    with running(argv, cwd=tmp_path, log=tmp_path / "redis.log", limit=15) as started:
        wait_for(lambda: _answer(port, started.exited), 10, "redis-server to answer PING")
        assert redis_call(port, "CONFIG", "GET", "maxmemory") == ["maxmemory", "2097152"]
        assert redis_call(port, "CONFIG", "GET", "maxmemory-policy") == ["maxmemory-policy", "allkeys-lru"]
