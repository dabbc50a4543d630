"""Given a process that already ran a program under the Pulumi mocks, when a mutant's session forks
from it, then a program run in the fork finishes instead of waiting for threads the fork lacks."""

from __future__ import annotations

import os
import signal
from typing import Any

import pulumi_kubernetes as k8s
import pytest

from tests import conftest
from tests.harness import run_program

# Long enough for one small program, short enough for a test: a hang is what it measures.
FORK_LIMIT_SECONDS = 20


def one_config_map() -> Any:
    # Registering a resource is a call the runtime hands to the loop's thread pool.
    return k8s.core.v1.ConfigMap("settings", data={"key": "value"})


def registers_one_object() -> bool:
    return len(run_program(one_config_map).kubernetes()) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is what mutmut's process isolation uses")
def test_a_mutant_session_runs_pulumi_programs_in_a_forked_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert registers_one_object()  # the parent's loop now has a thread pool
    monkeypatch.setenv("MUTANT_UNDER_TEST", "labs.lab.x_example__mutmut_1")
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's verdict is its exit status)
        signal.alarm(FORK_LIMIT_SECONDS)
        try:
            conftest.pytest_sessionstart(None)  # type: ignore[arg-type]
            os._exit(0 if registers_one_object() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
