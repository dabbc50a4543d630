"""Given values that are each valid but cannot run together, when the config loads, then it is refused with the numbers.

Redis's `maxmemory` counts only its data: the container's memory limit must also hold Redis
itself (16 MiB) and its allocator's fragmentation (1.25 x maxmemory), as measured in
tests/test_real_redis_memory.py. MySQL 8.4 with its defaults needs 512 MiB, an allowance taken
from its manual (not measured here).
"""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError, load


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load(raw)
    return error.value.problems


def redis(maxmemory: str, **resources: str) -> dict[str, Any]:
    params: dict[str, Any] = {"config": {"maxmemory": maxmemory}}
    if resources:
        params["resources"] = resources
    return {"labs": {"redisWithConfigMap": params}}


def test_a_gigabyte_of_redis_data_under_the_default_64mi_is_refused_with_the_numbers() -> None:
    (problem,) = problems_of(redis("1gb"))

    assert problem.startswith("labs.redisWithConfigMap.config: maxmemory 1gb (1073741824 bytes) does not fit ")
    assert "resources.memoryLimit 64Mi (67108864 bytes)" in problem
    # 16 MiB + 1.25 x 1 GiB = 16777216 + 1342177280
    assert "1358954496 bytes (1296 MiB)" in problem


@pytest.mark.parametrize(
    ("maxmemory", "limit", "fits"),
    [
        ("38mb", "64Mi", True),  # 16 + 47.5 = 63.5 MiB
        ("39mb", "64Mi", False),  # 16 + 48.75 = 64.75 MiB
        ("100mb", "141Mi", True),  # 16 + 125 = 141 MiB exactly
        ("100mb", "140Mi", False),
    ],
)
def test_the_limit_must_hold_redis_itself_and_its_data(maxmemory: str, limit: str, fits: bool) -> None:
    raw = redis(maxmemory, memoryLimit=limit)
    if fits:
        assert load(raw).environments
    else:
        (problem,) = problems_of(raw)
        assert problem.startswith(f"labs.redisWithConfigMap.config: maxmemory {maxmemory} ")


def test_a_student_override_that_shrinks_the_limit_is_checked_against_the_class_maxmemory() -> None:
    raw = {
        "labs": {"redisWithConfigMap": {"config": {"maxmemory": "30mb"}}},
        "classroom": {
            "students": ["ann", "bob"],
            "overrides": {"bob": {"redisWithConfigMap": {"resources": {"memoryLimit": "32Mi"}}}},
        },
    }

    (problem,) = problems_of(raw)

    assert problem.startswith("classroom.overrides.bob.redisWithConfigMap.config: maxmemory 30mb ")
    assert "memoryLimit 32Mi" in problem


def test_mysql_below_its_minimum_is_refused_naming_the_minimum_and_its_source() -> None:
    (problem,) = problems_of(
        {"labs": {"mysqlWithSecret": {"resources": {"memoryRequest": "64Mi", "memoryLimit": "100Mi"}}}}
    )

    assert problem.startswith("labs.mysqlWithSecret.resources: memoryLimit 100Mi (104857600 bytes) is below the 512Mi")
    assert "buffer pool 128, log buffer 64, key buffer 8" in problem


@pytest.mark.parametrize(("limit", "fits"), [("512Mi", True), ("511Mi", False), ("1Gi", True)])
def test_mysql_at_its_minimum_loads(limit: str, fits: bool) -> None:
    raw = {"labs": {"mysqlWithSecret": {"resources": {"memoryRequest": "256Mi", "memoryLimit": limit}}}}
    if fits:
        assert load(raw).environments
    else:
        assert problems_of(raw)[0].startswith(f"labs.mysqlWithSecret.resources: memoryLimit {limit} ")


def test_maxmemory_0_loads_with_a_warning_that_redis_will_never_evict() -> None:
    plan = load(redis("0"))

    assert plan.warnings == (
        "k8s-labs: redis: maxmemory 0 sets no limit: Redis never evicts, and the kernel kills it when it reaches "
        "its memoryLimit 64Mi; give maxmemory a size if the lab should show eviction",
    )
