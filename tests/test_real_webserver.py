"""Exercise 2.1 / Lab 2.2: the server container's own command, run here with /bin/sh and Python."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest

from labs.expansion import container_argv, container_env
from labs.pod import Manifest
from labs.webserver import ProbedWebServerArgs, build
from tests.realprog import LOOPBACK, free_port, python_shim, remap, running, wait_for

DELAY = 1


def server_container(stage: str) -> Manifest:
    (pod,) = build(ProbedWebServerArgs(stage=stage, port=free_port(), delay_start=DELAY))
    (container,) = pod["spec"]["containers"]
    return dict(container)


def readiness_status(container: Manifest) -> int | None:
    """The kubelet's httpGet: the probe's path and port, its timeout; None when no answer came."""
    probe = container["readinessProbe"]
    action = probe["httpGet"]
    conn = http.client.HTTPConnection(LOOPBACK, action["port"], timeout=probe["timeoutSeconds"])
    try:
        conn.request("GET", action["path"], headers={"User-Agent": "kube-probe/1.34"})
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def liveness_exit_code(container: Manifest, workdir: Path) -> int:
    command = container["livenessProbe"]["exec"]["command"]
    return subprocess.run(command, cwd=workdir, capture_output=True, timeout=5).returncode


def start_env(container: Manifest, tmp_path: Path) -> dict[str, str]:
    # The image puts `python` on PATH; here it is this interpreter.
    shims = python_shim(tmp_path / "bin")
    return {"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", **container_env(container)}


@pytest.mark.parametrize("stage", ["exercise-2.1", "lab-2.2"])
def test_readiness_fails_until_delay_start_has_passed_then_gets_200(tmp_path: Path, stage: str) -> None:
    container = server_container(stage)
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    argv = remap(container_argv(container), {container["workingDir"]: workdir})
    env = start_env(container, tmp_path)

    with running(argv, cwd=workdir, env=env, log=tmp_path / "server.log", limit=15) as server:
        started = time.monotonic()
        failures = 0
        while time.monotonic() - started < DELAY - 0.3:
            assert readiness_status(container) is None
            failures += 1
            time.sleep(0.1)
        status = wait_for(lambda: readiness_status(container), 8, "the readiness probe to get an answer")
        ready_after = time.monotonic() - started
        output = server.output()

    assert failures >= 3
    assert status == 200
    assert ready_after >= DELAY
    assert output.startswith("Sleeping...\nStarting server...\n"), output


def test_liveness_command_fails_without_index_html_and_passes_with_it(tmp_path: Path) -> None:
    container = server_container("lab-2.2")
    workdir = tmp_path / "workdir"
    workdir.mkdir()
    argv = remap(container_argv(container), {container["workingDir"]: workdir})

    with running(argv, cwd=workdir, env=start_env(container, tmp_path), log=tmp_path / "server.log", limit=15):
        wait_for(lambda: readiness_status(container), 8, "the server to answer")
        without = liveness_exit_code(container, workdir)
        (workdir / "index.html").write_text("<h1>ready</h1>\n")
        with_index = liveness_exit_code(container, workdir)
        served = readiness_status(container)

    assert without != 0
    assert with_index == 0
    assert served == 200
