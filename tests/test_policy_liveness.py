"""Given any probe timing of the web-server lab, liveness-restarts flags exactly the pods the kubelet model restarts."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from labs import timeline
from labs.webserver import ProbedWebServerArgs, build
from policy.rules import EXEMPT_PREFIX, review
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
