"""The same config gives the same bytes, URNs and inputs; a change touches only what it is about."""

from __future__ import annotations

import copy
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.sources import from_stack_file
from tests.harness import run_program

ROOT = Path(__file__).resolve().parent.parent
REDIS_COMPONENT = "k8s-labs:index:RedisWithConfigMap"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_dev_stack_renders_byte_identically_in_two_processes(tmp_path: Path) -> None:
    # given two renders of the dev stack in processes with different hash seeds
    trees = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed-{seed}"
        subprocess.run(
            [sys.executable, "-m", "labctl", "render", "--stack", "dev", "--out", str(out)],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        )
        trees.append(snapshot(out))
    # then every file is there in both, byte for byte
    assert {name.split("/")[0] for name in trees[0]} == {
        ".k8s-labs-render",
        "kustomization.yaml",
        "student-1",
        "student-2",
    }
    assert len(trees[0]) >= 12
    assert trees[0] == trees[1]


def dev_config() -> dict[str, Any]:
    return from_stack_file(ROOT / "Pulumi.dev.yaml")


def program_state(config: dict[str, Any]) -> dict[str, str]:
    """URN -> inputs (as canonical JSON) of every resource the real program registers under mocks."""
    run = run_program(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="k8s_labs_program"), config)
    state = {r.urn: json.dumps(r.inputs, sort_keys=True, default=str) for r in run.registrations}
    assert len(state) == len(run.registrations), "URN collision"
    return state


@pytest.fixture(scope="module")
def baseline() -> dict[str, str]:
    return program_state(dev_config())


def test_the_program_registers_the_same_urns_and_inputs_on_every_run(baseline: dict[str, str]) -> None:
    assert program_state(dev_config()) == baseline


def test_changing_redis_maxmemory_changes_only_the_redis_objects(baseline: dict[str, str]) -> None:
    # given the dev stack with another Redis memory limit
    config = copy.deepcopy(dev_config())
    config["labs"]["redisWithConfigMap"]["config"]["maxmemory"] = "4mb"
    # when the program runs
    changed_state = program_state(config)
    # then no resource appears or disappears, and only Redis's children changed
    assert set(changed_state) == set(baseline)
    changed = {urn for urn in baseline if changed_state[urn] != baseline[urn]}
    redis_children = {urn for urn in baseline if f"{REDIS_COMPONENT}$kubernetes:" in urn}
    assert len(redis_children) == 4  # a ConfigMap and a Pod per student
    assert changed == redis_children


def test_adding_a_student_changes_nothing_for_the_others(baseline: dict[str, str]) -> None:
    # given the dev class with a third student
    config = copy.deepcopy(dev_config())
    config["classroom"]["students"] = ["student-1", "student-2", "student-3"]
    # when the program runs
    grown = program_state(config)
    # then every earlier resource is still there with the same inputs, and all new ones are the new student's
    assert {urn: grown[urn] for urn in baseline} == baseline
    added = set(grown) - set(baseline)
    assert added
    assert all(urn.endswith("::student-3") or "::student-3-" in urn for urn in added)
