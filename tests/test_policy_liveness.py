"""Given any probe timing of the web-server lab, liveness-restarts flags exactly the pods the kubelet model restarts.

Given a probe that can never succeed, or that gives up before the container's startup sleep ends,
the finding says which probe, why, and when the kubelet restarts the container.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labs import timeline
from labs.webserver import ProbedWebServerArgs, build
from policy.rules import EXEMPT_PREFIX, load_settings, review
from tests.test_policy_rules import base_stack, container

ACTIONS: dict[str, dict[str, Any]] = {
    "httpGet": {"httpGet": {"path": "/"}},
    "tcpSocket": {"tcpSocket": {}},
    "exec": {"exec": {"command": ["ls", "index.html"]}},
}
probes = st.builds(
    lambda action, initial, period, threshold: {
        **ACTIONS[action],
        "initialDelaySeconds": initial,
        "periodSeconds": period,
        "failureThreshold": threshold,
    },
    st.sampled_from(sorted(ACTIONS)),
    st.integers(0, 120),
    st.integers(1, 30),
    st.integers(1, 5),
)


def flagged(manifest: dict[str, Any]) -> bool:
    return any(f.rule.id == "liveness-restarts" for f in review([manifest]))


@settings(max_examples=150, deadline=None)
@given(delay=st.integers(0, 200), liveness=st.none() | probes, startup=st.none() | probes)
def test_the_rule_agrees_with_the_kubelet_model(
    delay: int, liveness: dict[str, Any] | None, startup: dict[str, Any] | None
) -> None:
    args = ProbedWebServerArgs(
        stage="exercise-2.1", namespace="lab", delay_start=delay, liveness_probe=liveness, startup_probe=startup
    )
    [pod] = build(args)
    restarts = bool(timeline.predict(args).restarts)
    assert flagged(pod) == restarts
    assert (EXEMPT_PREFIX + "liveness-restarts" in pod["metadata"].get("annotations", {})) == restarts


def test_a_liveness_probe_outlasting_the_startup_sleep_passes() -> None:
    args = ProbedWebServerArgs(
        stage="exercise-2.1",
        delay_start=45,
        liveness_probe={"httpGet": {"path": "/"}, "initialDelaySeconds": 30, "periodSeconds": 10},
    )
    [pod] = build(args)
    assert not flagged(pod)
    shorter = ProbedWebServerArgs(
        stage="exercise-2.1",
        delay_start=45,
        liveness_probe={"httpGet": {"path": "/"}, "initialDelaySeconds": 20, "periodSeconds": 10},
    )
    [restarting] = build(shorter)
    assert flagged(restarting)


def test_a_file_the_command_writes_may_be_checked() -> None:
    writes = container(
        lambda c: c.update(
            command=["/bin/sh"],
            args=["-c", "while true; do date >> /tmp/beat; sleep 5; done"],
            livenessProbe={"exec": {"command": ["test", "-s", "/tmp/beat"]}},
        )
    )(base_stack())
    never = container(lambda c: c["livenessProbe"].update(exec={"command": ["cat", "/tmp/beat"]}, tcpSocket=None))
    assert not any(f.rule.id == "liveness-restarts" for f in review(writes))
    never_written = never(base_stack())
    never_written[-2]["spec"]["containers"][0]["livenessProbe"].pop("tcpSocket")
    never_written[-2]["spec"]["containers"][0].update(command=["/bin/sh", "-c", "exec nginx"])
    assert any(f.rule.id == "liveness-restarts" for f in review(never_written))


def test_a_named_port_the_container_does_not_declare_never_answers() -> None:
    objects = container(lambda c: c["livenessProbe"].update(tcpSocket={"port": "metrics"}))(base_stack())
    assert any("metrics" in f.message for f in review(objects) if f.rule.id == "liveness-restarts")


# One row per way a liveness or startup probe restarts its container by design, and the near misses.
# A probe's last allowed failure comes at initialDelaySeconds + (failureThreshold - 1) * periodSeconds,
# with Kubernetes' defaults 0, 3 and 10: 20 s for a probe that sets none of them.
SERVES = ["/bin/sh", "-c", "exec nginx"]
HTTP = [{"name": "http", "containerPort": 8080}]
LIVENESS_ROWS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "named-port-not-declared",
        {"ports": HTTP, "livenessProbe": {"tcpSocket": {"port": "metrics"}}},
        [
            "container app: livenessProbe probes the named port metrics, which the container does not declare; "
            "the kubelet restarts it 20s after each start"
        ],
    ),
    ("named-port-declared", {"ports": HTTP, "livenessProbe": {"tcpSocket": {"port": "http"}}}, []),
    (
        "numbered-port-not-declared",
        {
            "ports": [{"containerPort": 8443}, {"containerPort": 8080}],
            "livenessProbe": {
                "httpGet": {"path": "/", "port": 9090},
                "initialDelaySeconds": 5,
                "periodSeconds": 5,
                "failureThreshold": 2,
            },
        },
        [
            "container app: livenessProbe probes port 9090, which the container does not listen on "
            "(it declares 8080, 8443); the kubelet restarts it 10s after each start"
        ],
    ),
    ("numbered-port-declared", {"ports": HTTP, "livenessProbe": {"httpGet": {"port": 8080}}}, []),
    # With no ports declared, any port may be the one the program listens on.
    ("numbered-port-nothing-declared", {"livenessProbe": {"httpGet": {"port": 9090}}}, []),
    (
        "grpc-port-not-declared",
        {"ports": HTTP, "livenessProbe": {"grpc": {"port": 9090}, "periodSeconds": 4}},
        [
            "container app: livenessProbe probes port 9090, which the container does not listen on "
            "(it declares 8080); the kubelet restarts it 8s after each start"
        ],
    ),
    (
        "startup-and-liveness-both-unanswered",
        {
            "ports": HTTP,
            "startupProbe": {"tcpSocket": {"port": "admin"}, "failureThreshold": 30},
            "livenessProbe": {"tcpSocket": {"port": "metrics"}, "initialDelaySeconds": 3},
        },
        [
            "container app: startupProbe probes the named port admin, which the container does not declare; "
            "the kubelet restarts it 290s after each start",
            "container app: livenessProbe probes the named port metrics, which the container does not declare; "
            "the kubelet restarts it 23s after each start",
        ],
    ),
    (
        "file-in-tmp-never-written",
        {"command": SERVES, "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}},
        [
            "container app: livenessProbe checks for /tmp/healthy, which the container's command never creates; "
            "the kubelet restarts it 20s after each start"
        ],
    ),
    (
        "file-in-tmp-written-by-the-command",
        {
            "command": ["/bin/sh", "-c"],
            "args": ["touch /tmp/healthy; exec nginx"],
            "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}},
        },
        [],
    ),
    (
        # The command names the file as it writes it: from /tmp, by its name alone.
        "file-in-tmp-written-after-cd",
        {
            "command": ["/bin/sh", "-c", "cd /tmp && touch healthy && exec nginx"],
            "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}},
        },
        [],
    ),
    (
        "file-written-under-a-name-from-env",
        {
            "command": ["/bin/sh", "-c", "touch $(MARKER); exec nginx"],
            "env": [{"name": "DIR", "value": "/tmp"}, {"name": "MARKER", "value": "$(DIR)/healthy"}],
            "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}},
        },
        [],
    ),
    (
        # An env value from the cluster is unknown here: `$(MARKER)` stays as written.
        "file-named-by-env-from-the-cluster",
        {
            "command": ["/bin/sh", "-c", "touch $(MARKER); exec nginx"],
            "env": [{"name": "MARKER", "value": "/tmp/healthy", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
            "livenessProbe": {"exec": {"command": ["/bin/cat", "/tmp/healthy"]}},
        },
        [
            "container app: livenessProbe checks for /tmp/healthy, which the container's command never creates; "
            "the kubelet restarts it 20s after each start"
        ],
    ),
    (
        "relative-file-and-test-brackets",
        {
            "command": SERVES,
            "workingDir": "/srv",
            "livenessProbe": {"exec": {"command": ["[", "-f", "ready", "]"]}, "periodSeconds": 1},
        },
        [
            "container app: livenessProbe checks for ready, which the container's command never creates; "
            "the kubelet restarts it 2s after each start"
        ],
    ),
    ("file-in-the-image", {"command": SERVES, "livenessProbe": {"exec": {"command": ["cat", "/etc/nginx.conf"]}}}, []),
    (
        "two-files-are-not-judged",
        {"command": SERVES, "livenessProbe": {"exec": {"command": ["ls", "/tmp/alive", "/tmp/ready"]}}},
        [],
    ),
    # A word that is not a string names no file.
    ("file-name-not-a-string", {"command": SERVES, "livenessProbe": {"exec": {"command": ["cat", 5]}}}, []),
    # Words of the command that are not strings write nothing, not even a file named X.
    (
        "command-words-that-are-not-strings",
        {"command": [7], "args": [8], "livenessProbe": {"exec": {"command": ["cat", "/tmp/X"]}}},
        [
            "container app: livenessProbe checks for /tmp/X, which the container's command never creates; "
            "the kubelet restarts it 20s after each start"
        ],
    ),
    ("a-test-without-a-file", {"command": SERVES, "livenessProbe": {"exec": {"command": ["test", "-s"]}}}, []),
    ("a-command-without-a-file", {"command": SERVES, "livenessProbe": {"exec": {"command": ["ls"]}}}, []),
    ("an-empty-exec-command", {"command": SERVES, "livenessProbe": {"exec": {"command": []}}}, []),
    ("not-a-file-check", {"command": SERVES, "livenessProbe": {"exec": {"command": ["pgrep", "/tmp/nginx"]}}}, []),
    # Without a command the image's entrypoint runs, and what it writes is unknown.
    ("image-entrypoint", {"livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}}, []),
    (
        "file-in-an-empty-dir",
        {
            "command": SERVES,
            "volumeMounts": [{"name": "state", "mountPath": "/state/"}, {"name": "conf", "mountPath": "/conf"}],
            "livenessProbe": {"exec": {"command": ["stat", "/state/ready"]}},
        },
        [
            "container app: livenessProbe checks for /state/ready, which the container's command never creates; "
            "the kubelet restarts it 20s after each start"
        ],
    ),
    (
        "file-under-an-empty-dir-mount-without-a-path",
        {
            "command": SERVES,
            "volumeMounts": [{"name": "state"}],
            "livenessProbe": {"exec": {"command": ["cat", "/etc/nginx.conf"]}},
        },
        [],
    ),
    (
        # The mount is /stateX, not /state: a mount path is cut only at its slashes.
        "file-beside-an-empty-dir-whose-path-starts-alike",
        {
            "command": SERVES,
            "volumeMounts": [{"name": "state", "mountPath": "/stateX"}],
            "livenessProbe": {"exec": {"command": ["cat", "/state/ready"]}},
        },
        [],
    ),
    (
        "file-in-a-config-map",
        {
            "command": SERVES,
            "volumeMounts": [{"name": "state", "mountPath": "/state"}, {"name": "conf", "mountPath": "/conf"}],
            "livenessProbe": {"exec": {"command": ["test", "-s", "/conf/ready"]}},
        },
        [],
    ),
    (
        "sleeps-past-the-last-failure",
        {
            "ports": HTTP,
            "command": ["sh", "-c", "echo starting;\nsleep 45; exec nginx"],
            "livenessProbe": {"httpGet": {"port": 8080}, "initialDelaySeconds": 20},
        },
        [
            "container app: livenessProbe fails for the 40s it allows, but the command sleeps 45s before serving: "
            "the container restarts before it is ever up"
        ],
    ),
    (
        # The last failure as the sleep ends: the probe after it is the one that finds the server up.
        "sleeps-until-the-last-failure",
        {
            "ports": HTTP,
            "command": ["sh", "-c", "sleep 45; exec nginx"],
            "livenessProbe": {"httpGet": {"port": 8080}, "initialDelaySeconds": 25},
        },
        [],
    ),
    (
        "sleeps-in-steps-read-from-env",
        {
            "ports": HTTP,
            "command": ["/bin/bash"],
            "args": ["-c", "sleep 2.5s && printf 'wait\\n'\nsleep $(DELAY); nginx; sleep 100"],
            "env": [{"name": "DELAY", "value": "40"}, {"name": "COUNT", "value": 3}, {"value": "x"}],
            "livenessProbe": {"tcpSocket": {"port": "http"}},
        },
        [
            "container app: livenessProbe fails for the 20s it allows, but the command sleeps 42.5s before serving: "
            "the container restarts before it is ever up"
        ],
    ),
    (
        # An env entry without a value is the empty string: `sleep 30$(EMPTY)` sleeps 30 s.
        "sleep-with-an-empty-env-value",
        {
            "ports": HTTP,
            "command": ["sh", "-c", "sleep 30$(EMPTY); nginx"],
            "env": [{"name": "EMPTY"}],
            "livenessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5},
        },
        [
            "container app: livenessProbe fails for the 10s it allows, but the command sleeps 30s before serving: "
            "the container restarts before it is ever up"
        ],
    ),
    (
        "startup-probe-outlasts-the-sleep",
        {
            "ports": HTTP,
            "command": ["sh", "-c", "sleep 60; exec nginx"],
            "startupProbe": {"httpGet": {"port": 8080}, "failureThreshold": 10},
            "livenessProbe": {"httpGet": {"port": 8080}},
        },
        [],
    ),
    (
        "startup-probe-gives-up-before-the-sleep-ends",
        {
            "ports": HTTP,
            "command": ["sh", "-c", "sleep 60; exec nginx"],
            "startupProbe": {"httpGet": {"port": 8080}, "failureThreshold": 5},
            "livenessProbe": {"httpGet": {"port": 8080}, "initialDelaySeconds": 100},
        },
        [
            "container app: startupProbe fails for the 40s it allows, but the command sleeps 60s before serving: "
            "the container restarts before it is ever up"
        ],
    ),
    # An exec probe does not wait for a server; nor does a probe when nothing sleeps in a shell.
    (
        "exec-probe-while-sleeping",
        {"command": ["sh", "-c", "sleep 60; touch /tmp/x"], "livenessProbe": {"exec": {"command": ["true"]}}},
        [],
    ),
    (
        "sleep-without-a-shell",
        {"ports": HTTP, "command": ["sleep", "60"], "livenessProbe": {"httpGet": {"port": 8080}}},
        [],
    ),
    (
        "shell-running-a-file",
        {"ports": HTTP, "command": ["sh", "start.sh", "-c"], "livenessProbe": {"httpGet": {"port": 8080}}},
        [],
    ),
    ("sleep-without-a-liveness-probe", {"ports": HTTP, "command": ["sh", "-c", "sleep 60; nginx"]}, []),
]


def probed_pod(container_fields: dict[str, Any]) -> dict[str, Any]:
    """A Pod with the container under test, an init container that sleeps, and an emptyDir and a ConfigMap volume."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "lab"},
        "spec": {
            "initContainers": [
                {
                    "name": "wait",
                    "command": ["sh", "-c", "sleep 600"],
                    "livenessProbe": {"tcpSocket": {"port": "nowhere"}},
                }
            ],
            "containers": [{"name": "app", "image": "nginx", **container_fields}],
            "volumes": [{"name": "state", "emptyDir": {}}, {"name": "conf", "configMap": {"name": "conf"}}],
        },
    }


def liveness_messages(objects: list[dict[str, Any]], config: dict[str, Any] | None = None) -> list[str]:
    return [f.message for f in review(objects, load_settings(config)) if f.rule.id == "liveness-restarts"]


@pytest.mark.parametrize(
    ("fields", "expected"), [row[1:] for row in LIVENESS_ROWS], ids=[row[0] for row in LIVENESS_ROWS]
)
def test_each_probe_that_restarts_its_container_is_reported_with_when_and_why(
    fields: dict[str, Any], expected: list[str]
) -> None:
    assert liveness_messages([probed_pod(fields)]) == expected


def test_file_checks_can_be_turned_off_while_ports_are_still_judged() -> None:
    unwritten = probed_pod({"command": SERVES, "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}}})
    undeclared = probed_pod({"ports": HTTP, "livenessProbe": {"tcpSocket": {"port": "metrics"}}})
    config = {"liveness-restarts": {"fileChecks": False}}
    assert liveness_messages([unwritten], config) == []
    assert liveness_messages([undeclared], config) == [
        "container app: livenessProbe probes the named port metrics, which the container does not declare; "
        "the kubelet restarts it 20s after each start"
    ]


def test_a_deployment_is_judged_by_its_pod_template_and_other_kinds_are_not() -> None:
    pod = probed_pod({"ports": HTTP, "livenessProbe": {"tcpSocket": {"port": "metrics"}}})
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "lab"},
        "spec": {"template": {"spec": pod["spec"]}},
    }
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "conf"}, "data": {"spec": "x"}}
    assert liveness_messages([config_map, deployment]) == [
        "container app: livenessProbe probes the named port metrics, which the container does not declare; "
        "the kubelet restarts it 20s after each start"
    ]
