"""Given the web server lab's values, when its Testing step reads the pod's `ready,restartCount`, then the
check waits for the answer that lasts (a restart, Ready, or never Ready) and judges each output it may get.

The times are the kubelet's, worked out by hand in tests/test_timeline_text.py: Lab 2.2 restarts first at
100 s, Exercise 2.1 is Ready at 45 s; a probe may run one period (10 s here) later than predicted.
"""

from __future__ import annotations

from typing import Any

import pytest

from labs.webserver import ProbedWebServerArgs, checks

# Scheduling, the image pull and the container start, before the lab's own timing.
START_SLACK = 120
LATE = 10
JSONPATH = "jsonpath={.status.containerStatuses[0].ready},{.status.containerStatuses[0].restartCount}"


def only_check(**values: Any) -> Any:
    [check] = checks(ProbedWebServerArgs.model_validate(values))
    return check


@pytest.mark.parametrize(
    ("values", "name", "wait"),
    [
        ({"namespace": "lab-ada", "name": "web"}, "liveness restarts the container", 100 + LATE + START_SLACK),
        (
            {"namespace": "lab-ada", "name": "web", "stage": "exercise-2.1"},
            "pod becomes Ready",
            45 + LATE + START_SLACK,
        ),
        (
            {
                "namespace": "lab-ada",
                "name": "web",
                "stage": "exercise-2.1",
                "readinessProbe": {"httpGet": {"path": "/x"}},
            },
            "pod stays unready",
            START_SLACK,
        ),
        # No probe at all: Ready as soon as the container runs, and no probe can come late.
        (
            {"namespace": "lab-ada", "name": "web", "stage": "exercise-2.1", "readinessProbe": None},
            "pod becomes Ready",
            START_SLACK,
        ),
    ],
    ids=["restarts", "ready", "never-ready", "no-probe"],
)
def test_the_check_reads_ready_and_restarts_and_waits_for_the_answer_that_lasts(
    values: dict[str, Any], name: str, wait: float
) -> None:
    check = only_check(**values)
    assert (check.lab, check.name, check.argv, check.wait_seconds) == (
        "probedWebServer",
        name,
        ("kubectl", "get", "pod", "web", "-n", "lab-ada", "-o", JSONPATH),
        wait,
    )


# Pending pods print `,` (no container status yet); a cut-off read may end at the comma.
@pytest.mark.parametrize(
    ("output", "restarted", "ready", "unready"),
    [
        ("true,1", None, None, "expected not Ready, got true,1"),
        ("false,2\n", None, "not Ready (ready,restarts = false,2)", None),
        ("true,0", "no restart yet (ready,restarts = true,0)", None, "expected not Ready, got true,0"),
        ("false,0", "no restart yet (ready,restarts = false,0)", "not Ready (ready,restarts = false,0)", None),
        (
            ",",
            "no restart yet (ready,restarts = ,)",
            "not Ready (ready,restarts = ,)",
            "expected not Ready, got ,",
        ),
        (
            "true,",
            "no restart yet (ready,restarts = true,)",
            "not Ready (ready,restarts = true,)",
            "expected not Ready, got true,",
        ),
        (
            "maybe,1",
            "no restart yet (ready,restarts = maybe,1)",
            "not Ready (ready,restarts = maybe,1)",
            "expected not Ready, got maybe,1",
        ),
        ("", "no restart yet (ready,restarts = ?)", "not Ready (ready,restarts = ?)", "expected not Ready, got ?"),
    ],
)
def test_each_output_gets_the_verdict_of_each_kind_of_check(
    output: str, restarted: str | None, ready: str | None, unready: str | None
) -> None:
    verdicts = (
        only_check().verdict(output),
        only_check(stage="exercise-2.1").verdict(output),
        only_check(stage="exercise-2.1", readinessProbe={"httpGet": {"path": "/x"}}).verdict(output),
    )
    assert verdicts == (restarted, ready, unready)
