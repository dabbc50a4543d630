"""Given a lab's probe config, when it is read and written into the pod, then it holds exactly one
action, every timing field is spelled out, and the timeline knows what the probe will find."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from labs.probes import Expectation, Probe


@pytest.mark.parametrize(
    ("given", "got"),
    [
        ({}, "none"),
        ({"httpGet": {}, "exec": {"command": ["true"]}}, "['httpGet', 'exec']"),
        ({"httpGet": {}, "tcpSocket": {}}, "['httpGet', 'tcpSocket']"),
    ],
)
def test_a_probe_without_exactly_one_action_is_refused_naming_what_it_got(given: dict[str, Any], got: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Probe.model_validate(given)
    message = f"Value error, a probe needs exactly one of httpGet, tcpSocket or exec (got {got})"
    assert [error["msg"] for error in raised.value.errors()] == [message]


@pytest.mark.parametrize(
    ("given", "action"),
    [
        ({"httpGet": {}}, {"httpGet": {"path": "/", "port": 8000}}),
        ({"httpGet": {"path": "/ready", "port": 9000}}, {"httpGet": {"path": "/ready", "port": 9000}}),
        ({"tcpSocket": {}}, {"tcpSocket": {"port": 8000}}),
        ({"tcpSocket": {"port": 6379}}, {"tcpSocket": {"port": 6379}}),
        ({"exec": {"command": ["ls", "index.html"]}}, {"exec": {"command": ["ls", "index.html"]}}),
    ],
)
def test_the_manifest_is_the_action_on_the_servers_port_unless_given_and_every_timing_field(
    given: dict[str, Any], action: dict[str, Any]
) -> None:
    timing = {"initialDelaySeconds": 5, "periodSeconds": 7, "timeoutSeconds": 2, "failureThreshold": 4}
    probe = Probe.model_validate({**given, **timing, "successThreshold": 1})
    assert probe.manifest(8000) == {**action, **timing, "successThreshold": 1}


def test_a_probe_left_at_its_defaults_spells_out_the_kubelets_defaults() -> None:
    assert Probe.model_validate({"tcpSocket": {}}).manifest(80) == {
        "tcpSocket": {"port": 80},
        "initialDelaySeconds": 0,
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "failureThreshold": 3,
        "successThreshold": 1,
    }


@pytest.mark.parametrize(
    ("given", "expectation"),
    [
        ({"httpGet": {}}, "afterServerStart"),
        ({"httpGet": {"port": 8000}}, "afterServerStart"),
        ({"httpGet": {"path": "/ready"}}, "never"),  # the server answers at / only
        ({"httpGet": {"port": 9000}}, "never"),
        ({"tcpSocket": {}}, "afterServerStart"),
        ({"tcpSocket": {"port": 8000}}, "afterServerStart"),
        ({"tcpSocket": {"port": 9000}}, "never"),
        ({"exec": {"command": ["true"]}}, "never"),
        ({"exec": {"command": ["true"]}, "expect": "always"}, "always"),
        ({"httpGet": {}, "expect": "timeout"}, "timeout"),
    ],
)
def test_auto_means_the_server_answers_on_its_port_at_the_root_and_nowhere_else(
    given: dict[str, Any], expectation: Expectation
) -> None:
    assert Probe.model_validate(given).resolved_expectation(8000) == expectation
