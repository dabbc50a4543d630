"""Given a class budget, when the stack config is loaded, then a class that exactly fits is accepted
and one that needs a single unit more (1 millicore, 1 byte, 1 pod) is refused, naming the budget key.

What a student needs is what ResourceQuota admission counts in the namespace: every container's
requests and limits of the lab pods, plus one pod at the LimitRange defaults for the lab's ad-hoc
`kubectl run` client (the loader's documented rule). The sums below are written out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError, load
from labs.catalog import LABS, build_lab
from labs.quantity import parse_cpu, parse_memory
from tests.manifests import pod_spec

MI = 2**20
# A container that sets none of these gets them from the LimitRange: that is the client pod.
DEFAULTS = {
    "defaultRequestCpu": "100m",
    "defaultRequestMemory": "128Mi",
    "defaultLimitCpu": "500m",
    "defaultLimitMemory": "512Mi",
}
REDIS_RESOURCES = {"cpuRequest": "50m", "cpuLimit": "100m", "memoryRequest": "32Mi", "memoryLimit": "64Mi"}
# Redis plus the client: 50m + 100m, 32Mi + 128Mi, 100m + 500m, 64Mi + 512Mi, and two pods.
EXACT_FIT = {
    "requestsCpu": "150m",
    "requestsMemory": str(160 * MI),
    "limitsCpu": "600m",
    "limitsMemory": str(576 * MI),
    "pods": 2,
}
ONE_UNIT_SHORT = {
    "requestsCpu": "149m",
    "requestsMemory": str(160 * MI - 1),
    "limitsCpu": "599m",
    "limitsMemory": str(576 * MI - 1),
    "pods": 1,
}


def redis_class(budget: dict[str, Any], students: int = 1, **classroom: Any) -> dict[str, Any]:
    return {
        "labs": {"redisWithConfigMap": {"resources": REDIS_RESOURCES}},
        "classroom": {"students": students, "budget": {**DEFAULTS, **budget}, **classroom},
    }


def budget_problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load(raw)
    return error.value.problems


def test_a_class_that_exactly_fills_its_budget_is_accepted() -> None:
    plan = load(redis_class(EXACT_FIT))
    assert [env.namespace for env in plan.environments] == ["lab-student-1"]


@pytest.mark.parametrize("key", sorted(EXACT_FIT))
def test_one_unit_over_the_budget_is_refused_naming_the_key(key: str) -> None:
    problems = budget_problems(redis_class({**EXACT_FIT, key: ONE_UNIT_SHORT[key]}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"classroom.budget.{key}: students student-1 need ")


def test_every_quantity_short_by_one_is_reported_once_each() -> None:
    problems = budget_problems(redis_class(ONE_UNIT_SHORT, students=2))
    assert sorted(problem.split(":")[0] for problem in problems) == sorted(
        f"classroom.budget.{key}" for key in EXACT_FIT
    )
    assert all("students student-1, student-2 need" in problem for problem in problems)


def test_only_the_student_whose_override_needs_one_byte_more_is_refused() -> None:
    one_byte_more = {"redisWithConfigMap": {"resources": {"memoryLimit": str(64 * MI + 1)}}}
    problems = budget_problems(redis_class(EXACT_FIT, students=2, overrides={"student-2": one_byte_more}))
    assert len(problems) == 1, problems
    assert problems[0].startswith("classroom.budget.limitsMemory: students student-2 need ")


def pods_and_containers(manifests: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    """Pods the namespace runs (a Deployment's replicas each count) and their containers, one list per pod."""
    pods, containers = 0, []
    for manifest in manifests:
        if manifest["kind"] not in ("Pod", "Deployment"):
            continue
        replicas = manifest["spec"].get("replicas", 1) if manifest["kind"] == "Deployment" else 1
        pods += replicas
        containers += pod_spec(manifest)["containers"] * replicas
    return pods, containers


def all_labs_need() -> dict[str, Any]:
    """Every lab at its defaults, as admission would count the rendered pods, plus the client pod."""
    manifests = [m for key in LABS for m in build_lab(key, LABS[key].args_type(), "pw")]
    pods, containers = pods_and_containers(manifests)
    resources = [container["resources"] for container in containers]
    return {
        "requestsCpu": f"{sum(parse_cpu(r['requests']['cpu']) for r in resources) + 100}m",
        "requestsMemory": str(sum(parse_memory(r["requests"]["memory"]) for r in resources) + 128 * MI),
        "limitsCpu": f"{sum(parse_cpu(r['limits']['cpu']) for r in resources) + 500}m",
        "limitsMemory": str(sum(parse_memory(r["limits"]["memory"]) for r in resources) + 512 * MI),
        "pods": pods + 1,
    }


def all_labs_class(budget: dict[str, Any]) -> dict[str, Any]:
    return {"labs": dict.fromkeys(LABS), "classroom": {"students": 1, "budget": {**DEFAULTS, **budget}}}


def test_all_five_labs_fit_a_budget_of_exactly_their_rendered_pods_plus_the_client() -> None:
    need = all_labs_need()
    assert need["pods"] == 6  # five lab pods (MySQL's through its one-replica Deployment) and the client
    load(all_labs_class(need))


def one_unit_less(key: str, value: Any) -> Any:
    if key == "pods":
        return value - 1
    if key.endswith("Cpu"):
        return f"{int(value.removesuffix('m')) - 1}m"
    return str(int(value) - 1)


@pytest.mark.parametrize("key", sorted(EXACT_FIT))
def test_all_five_labs_one_unit_over_are_refused(key: str) -> None:
    need = all_labs_need()
    problems = budget_problems(all_labs_class({**need, key: one_unit_less(key, need[key])}))
    assert [problem.split(":")[0] for problem in problems] == [f"classroom.budget.{key}"]
