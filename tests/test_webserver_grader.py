"""Given a student's web server pod (Exercise 2.1 / Lab 2.2), when it is graded, then each wrong answer
gives exactly its finding: the field, what was found, what the lab asks and why a cluster shows it;
and the task sheet asks for the student's own probe values."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from labs import webserver
from labs.grading import FieldPath, Issue, Level, Work

WEB = ("Pod", "liveness-readiness-pod")
C = ("spec", "containers", 0)
SCRIPT = "echo 'Sleeping...'; sleep $(DELAY_START); echo 'Starting server...'; python -m http.server 8000"

READINESS = "the readiness probe decides when the pod is Ready: the timeline changes"
LIVENESS = "the liveness probe decides when the container is restarted: the restart count changes"
STARTUP = "a startup probe holds the other probes back: the timeline changes"
DELAY = "DELAY_START is when the server starts listening: the pod turns Ready (or is restarted) at another time"
GRACE = "the grace period is how long a restart takes after the liveness probe fails"
NO_SIMPLE_SERVER = "Python 3 has no SimpleHTTPServer: the server never listens, so the pod is never Ready"
PYTHON_2_ONLY = "SimpleHTTPServer is Python 2 only (end of life); on a Python 3 image the server never listens"
ELSEWHERE = "the probes knock on the lab's port: a server elsewhere is never Ready"
HTTPS_READINESS = (
    "the lab's server speaks plain HTTP: an HTTPS probe fails its TLS handshake every time, so the pod is never Ready"
)
HTTPS_LIVENESS = (
    "the lab's server speaks plain HTTP: an HTTPS probe fails its TLS handshake every time, "
    "so the container is restarted again and again"
)
HTTP_GET_ASKED = "the task asks for an HTTP GET probe (a tcpSocket probe only sees that the port accepts a connection)"


def answer() -> dict[str, Any]:
    """Lab 2.2's pod as the lab text gives it, on a Python 3 image with `http.server`."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "liveness-readiness-pod"},
        "spec": {
            "containers": [
                {
                    "name": "server",
                    "image": "python:3.13-alpine",
                    "workingDir": "/tmp",
                    "env": [{"name": "DELAY_START", "value": "45"}],
                    "command": ["/bin/sh"],
                    "args": ["-c", SCRIPT],
                    "readinessProbe": {
                        "httpGet": {"path": "/", "port": 8000},
                        "initialDelaySeconds": 30,
                        "failureThreshold": 4,
                    },
                    "livenessProbe": {
                        "exec": {"command": ["ls", "index.html"]},
                        "initialDelaySeconds": 60,
                        "periodSeconds": 5,
                    },
                }
            ]
        },
    }


def changed(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    pod = answer()
    edit(pod)
    return pod


def server(pod: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = pod["spec"]["containers"][0]
    return container


def set_args(script: str, image: str = "python:3.13-alpine") -> Callable[[dict[str, Any]], None]:
    def edit(pod: dict[str, Any]) -> None:
        server(pod)["args"] = ["-c", script]
        server(pod)["image"] = image

    return edit


SIDECAR = {"name": "log", "image": "busybox:1.37", "command": ["sleep", "infinity"]}
Expected = list[tuple[Level, FieldPath, str, str, str]]

# (what the student did, the lab's parameters, the findings: level, path, found, asked, why)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], Expected]] = [
    ("the lab's answer", answer(), {}, []),
    (
        "readiness probing from 5 s",
        changed(lambda pod: server(pod)["readinessProbe"].update(initialDelaySeconds=5)),
        {},
        [("required", (*C, "readinessProbe", "initialDelaySeconds"), "5", "30", READINESS)],
    ),
    (
        "no readiness probe",
        changed(lambda pod: server(pod).pop("readinessProbe")),
        {},
        [("required", (*C, "readinessProbe"), "nothing", "'a probe'", READINESS)],
    ),
    (
        "a liveness probe that always succeeds",
        changed(lambda pod: server(pod)["livenessProbe"].update(exec={"command": ["true"]})),
        {},
        [("required", (*C, "livenessProbe", "exec", "command"), '["true"]', '["ls", "index.html"]', LIVENESS)],
    ),
    (
        "a startup probe the lab does not ask for",
        changed(lambda pod: server(pod).update(startupProbe={"tcpSocket": {"port": 8000}})),
        {},
        [("required", (*C, "startupProbe"), "'a probe'", "'no probe'", STARTUP)],
    ),
    (
        "no DELAY_START",
        changed(lambda pod: server(pod).update(env=[{"name": "GREETING", "value": "hi"}])),
        {},
        [("required", (*C, "env"), "nothing", "'DELAY_START=45'", DELAY)],
    ),
    (
        "DELAY_START of another student",
        changed(lambda pod: server(pod)["env"][0].update(value="20")),
        {},
        [("required", (*C, "env", 0, "value"), "'20'", "'45'", DELAY)],
    ),
    (
        "a pod without containers",
        changed(lambda pod: pod["spec"].update(containers=[])),
        {},
        [("required", ("spec", "containers"), "nothing", "'a container'", "the pod runs nothing")],
    ),
    (
        "a sidecar before the lab's container, which is found by its name",
        changed(lambda pod: pod["spec"]["containers"].insert(0, copy.deepcopy(SIDECAR))),
        {},
        [],
    ),
    (
        "the grace period the lab asks for",
        changed(lambda pod: pod["spec"].update(terminationGracePeriodSeconds=5)),
        {"terminationGracePeriodSeconds": 5},
        [],
    ),
    (
        "Kubernetes' default grace period where the lab asks for 5 s",
        answer(),
        {"terminationGracePeriodSeconds": 5},
        [("required", ("spec", "terminationGracePeriodSeconds"), "nothing", "5", GRACE)],
    ),
    (
        "a grace period of the student's own where the lab asks for none",
        changed(lambda pod: pod["spec"].update(terminationGracePeriodSeconds=2)),
        {},
        [],
    ),
    (
        "the seed's SimpleHTTPServer on Python 3",
        changed(set_args("sleep $(DELAY_START); python -m SimpleHTTPServer")),
        {},
        [("required", (*C, "args"), "'python -m SimpleHTTPServer'", "'python -m http.server 8000'", NO_SIMPLE_SERVER)],
    ),
    (
        "the seed's SimpleHTTPServer on the seed's Python 2",
        changed(set_args("sleep $(DELAY_START); python -m SimpleHTTPServer", "python:2.7-alpine")),
        {},
        [("advice", (*C, "args"), "'python -m SimpleHTTPServer'", "'python -m http.server 8000'", PYTHON_2_ONLY)],
    ),
    (
        "SimpleHTTPServer on an image whose tag tells no Python version",
        changed(set_args("sleep $(DELAY_START); python -m SimpleHTTPServer", "registry.example/web:1")),
        {},
        [("advice", (*C, "args"), "'python -m SimpleHTTPServer'", "'python -m http.server 8000'", PYTHON_2_ONLY)],
    ),
    (
        "a server on another port",
        changed(set_args("sleep $(DELAY_START); python -m http.server 9000")),
        {},
        [("required", (*C, "args"), "'http.server on port 9000'", "'http.server on port 8000'", ELSEWHERE)],
    ),
    (
        "a server on another port, with a command after it",
        changed(set_args("sleep $(DELAY_START); python -m http.server 9000; echo stopped")),
        {},
        [("required", (*C, "args"), "'http.server on port 9000'", "'http.server on port 8000'", ELSEWHERE)],
    ),
    (
        "http.server without a port, which serves on 8000",
        changed(set_args("sleep $(DELAY_START); exec python3 -m http.server")),
        {},
        [],
    ),
    (
        "a readiness probe over HTTPS against the plain-HTTP server",
        changed(lambda pod: server(pod)["readinessProbe"]["httpGet"].update(scheme="HTTPS")),
        {},
        [("required", (*C, "readinessProbe", "httpGet", "scheme"), "'HTTPS'", "'HTTP'", HTTPS_READINESS)],
    ),
    (
        "an httpGet liveness probe over HTTPS where the lab asks for an httpGet one",
        changed(
            lambda pod: server(pod).update(
                livenessProbe={
                    "httpGet": {"path": "/", "port": 8000, "scheme": "HTTPS"},
                    "initialDelaySeconds": 60,
                    "periodSeconds": 5,
                }
            )
        ),
        {"livenessProbe": {"exec": None, "httpGet": {"path": "/"}}},
        [("required", (*C, "livenessProbe", "httpGet", "scheme"), "'HTTPS'", "'HTTP'", HTTPS_LIVENESS)],
    ),
    (
        "scheme HTTP written out, which is the default",
        changed(lambda pod: server(pod)["readinessProbe"]["httpGet"].update(scheme="HTTP")),
        {},
        [],
    ),
    (
        "the liveness probe's file by its absolute path in the working directory, the same check",
        changed(lambda pod: server(pod)["livenessProbe"].update(exec={"command": ["ls", "/tmp/index.html"]})),
        {},
        [],
    ),
    (
        "the liveness probe's file by an absolute path in another directory",
        changed(lambda pod: server(pod)["livenessProbe"].update(exec={"command": ["ls", "/srv/index.html"]})),
        {},
        [
            (
                "required",
                (*C, "livenessProbe", "exec", "command"),
                '["ls", "/srv/index.html"]',
                '["ls", "index.html"]',
                LIVENESS,
            )
        ],
    ),
    (
        "the absolute path with a working directory of the student's own: still the same file",
        changed(
            lambda pod: (
                server(pod).update(workingDir="/srv")
                or server(pod)["livenessProbe"].update(exec={"command": ["ls", "/tmp/index.html"]})
            )
        ),
        {},
        [],
    ),
    (
        "a tcpSocket readiness probe on the server's port: same timeline, not the probe the task asks for",
        changed(
            lambda pod: (
                server(pod)["readinessProbe"].pop("httpGet")
                and server(pod)["readinessProbe"].update(tcpSocket={"port": 8000})
            )
        ),
        {},
        [("required", (*C, "readinessProbe"), "'tcpSocket'", "'httpGet'", HTTP_GET_ASKED)],
    ),
    (
        "a tcpSocket readiness probe on another port, which is never Ready",
        changed(
            lambda pod: (
                server(pod)["readinessProbe"].pop("httpGet")
                and server(pod)["readinessProbe"].update(tcpSocket={"port": 9000})
            )
        ),
        {},
        [("required", (*C, "readinessProbe"), "'tcpSocket'", "'httpGet'", READINESS)],
    ),
    (
        "DELAY_START written as a number: the schema layer refuses the type, the lab adds no reason",
        changed(lambda pod: server(pod)["env"][0].update(value=45)),
        {},
        [],
    ),
    (
        "another DELAY_START written as a number",
        changed(lambda pod: server(pod)["env"][0].update(value=20)),
        {},
        [("required", (*C, "env", 0, "value"), "'20'", "'45'", DELAY)],
    ),
    (
        "a probe's delay and the grace period written as strings: the schema layer's, not the timeline's",
        changed(
            lambda pod: (
                server(pod)["readinessProbe"].update(initialDelaySeconds="30")
                or pod["spec"].update(terminationGracePeriodSeconds="5")
            )
        ),
        {"terminationGracePeriodSeconds": 5},
        [],
    ),
    (
        "http.server with an option and no port, which serves on 8000",
        changed(set_args("sleep $(DELAY_START); python3 -m http.server --directory /tmp")),
        {},
        [],
    ),
]


@pytest.mark.parametrize(("pod", "params", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_each_web_server_answer_gives_exactly_its_findings(
    pod: dict[str, Any], params: dict[str, Any], expected: Expected
) -> None:
    args = webserver.ProbedWebServerArgs.model_validate(params)
    found = webserver.grade(args, Work({WEB: pod}))
    assert found == [Issue(level, WEB, path, was, asked, why) for level, path, was, asked, why in expected]


@pytest.mark.parametrize(
    ("image", "major"),
    [
        ("python:3.13-alpine", 3),
        ("python:2.7-alpine", 2),
        ("python:3-alpine", 3),
        ("python:3", 3),
        ("docker.io/library/python:3.12-slim", 3),
        ("localhost:5000/python:3.12", 3),
        ("localhost:5000/python", None),  # the port is the registry's, not a tag
        ("python:5000/python", None),  # a registry host called python, and no tag
        ("python", None),
        ("python:latest", None),
        ("pypy:3.10", None),
        ("mypython:3.12", None),
        ("a/python:3/python", None),  # no image reference at all: no version, and no crash
    ],
)
def test_the_python_version_is_read_from_a_python_images_tag(image: str, major: int | None) -> None:
    assert webserver.python_major(image) == major


def bullets(lines: list[str]) -> list[str]:
    return [line.removeprefix("- ") for line in lines if line.startswith("- ")]


def the_testing_steps(lines: list[str]) -> list[str]:
    start = lines.index("Testing: run these and explain what you see.")
    fence = lines.index("```console", start)
    return lines[fence + 1 : lines.index("```", fence + 1)][0].splitlines()


def test_the_task_asks_for_the_stage_probes_and_no_grace_period_by_default() -> None:
    lines = webserver.task(webserver.ProbedWebServerArgs())
    assert bullets(lines)[3:] == [
        "`readinessProbe`: httpGet on path `/`, port 8000; initialDelaySeconds 30, periodSeconds 10, "
        "timeoutSeconds 1, failureThreshold 4",
        "`livenessProbe`: exec `ls index.html`; initialDelaySeconds 60, periodSeconds 5, timeoutSeconds 1, "
        "failureThreshold 3",
    ]


def test_the_task_asks_for_the_students_own_probes_and_grace_period() -> None:
    args = webserver.ProbedWebServerArgs.model_validate(
        {
            "namespace": "lab-ada",
            "port": 9000,
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 9001}},
            "livenessProbe": {"exec": None, "tcpSocket": {}},
            "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "failureThreshold": 30},
            "terminationGracePeriodSeconds": 5,
        }
    )
    lines = webserver.task(args)
    assert bullets(lines)[3:] == [
        "`readinessProbe`: httpGet on path `/healthz`, port 9001; initialDelaySeconds 30, periodSeconds 10, "
        "timeoutSeconds 1, failureThreshold 4",
        "`livenessProbe`: tcpSocket on port 9000; initialDelaySeconds 60, periodSeconds 5, timeoutSeconds 1, "
        "failureThreshold 3",
        "`startupProbe`: exec `cat /tmp/ready`; initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1, "
        "failureThreshold 30",
        "`terminationGracePeriodSeconds: 5`",
    ]
    # the student watches the pod in their namespace, then reads its events
    assert the_testing_steps(lines)[:2] == [
        "kubectl get pod liveness-readiness-pod -n lab-ada --watch",
        "kubectl describe pod liveness-readiness-pod -n lab-ada",
    ]
