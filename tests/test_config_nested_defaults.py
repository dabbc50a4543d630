"""Given a nested block (`resources`, `config`, `storage`) in part, then the lab's own defaults fill the rest.

A lab's default block is the lab's choice (the writer's 8Mi/16Mi, MySQL's 512Mi/1Gi); a key the
user leaves out of a block keeps that choice, not the generic default of the block's model.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field

from config import ConfigError, load
from labs.environment import Environment
from labs.model import Model
from labs.mysql import MysqlWithSecretArgs
from labs.pod import with_defaults


def only_env(raw: dict[str, Any]) -> Environment:
    (env,) = load(raw).environments
    return env


def test_a_writer_given_only_a_cpu_limit_keeps_its_own_memory() -> None:
    env = only_env({"labs": {"secureWriterPod": {"resources": {"cpuLimit": "200m"}}}})

    assert env.labs["secureWriterPod"].resources.model_dump(by_alias=True) == {
        "cpuRequest": "10m",
        "cpuLimit": "200m",
        "memoryRequest": "8Mi",
        "memoryLimit": "16Mi",
    }


def test_a_snake_case_key_replaces_the_same_default_key() -> None:
    env = only_env({"labs": {"mysqlWithSecret": {"resources": {"memory_limit": "2Gi"}}}})

    resources = env.labs["mysqlWithSecret"].resources
    assert (resources.cpu_request, resources.cpu_limit, resources.memory_request, resources.memory_limit) == (
        "250m",
        "1",
        "512Mi",
        "2Gi",
    )


def test_a_student_override_of_one_key_keeps_the_rest_of_the_lab_block() -> None:
    plan = load(
        {
            "labs": {"mysqlWithSecret": {"existingSecret": True}},
            "classroom": {
                "students": ["ann", "bob"],
                "overrides": {"bob": {"mysqlWithSecret": {"resources": {"cpuLimit": "2"}}}},
            },
        }
    )

    ann, bob = (env.labs["mysqlWithSecret"].resources for env in plan.environments)
    assert (ann.cpu_limit, ann.memory_limit) == ("1", "1Gi")
    assert (bob.cpu_request, bob.cpu_limit, bob.memory_request, bob.memory_limit) == ("250m", "2", "512Mi", "1Gi")


def test_a_limit_below_the_labs_own_request_is_refused_naming_both() -> None:
    with pytest.raises(ConfigError) as error:
        load({"labs": {"mysqlWithSecret": {"resources": {"memoryLimit": "256Mi"}}}})

    assert error.value.problems == [
        "labs.mysqlWithSecret.resources: memoryRequest 512Mi is above memoryLimit 256Mi",
    ]


def test_the_quota_check_counts_the_labs_own_block_for_a_lab_in_error() -> None:
    # given a writer with a bad key beside a partial resources block, in a class whose memory
    # limits leave room for the writer's 16Mi but not for the generic 64Mi
    raw = {
        "labs": {"secureWriterPod": {"resources": {"cpuLimit": "200m"}, "interval": 0}},
        "classroom": {
            "students": 1,
            "budget": {"limitsMemory": "40Mi", "defaultLimitMemory": "16Mi", "defaultRequestMemory": "8Mi"},
        },
    }
    with pytest.raises(ConfigError) as error:
        load(raw)

    # then the quota check adds the writer's own 16Mi (+ 16Mi client = 32Mi): no shortfall reported
    assert [problem for problem in error.value.problems if "budget" in problem] == []
    assert any(problem.startswith("labs.secureWriterPod.interval") for problem in error.value.problems)


def test_a_storage_block_of_the_other_type_is_not_mixed_with_the_default() -> None:
    env = only_env({"labs": {"mysqlWithSecret": {"storage": {"type": "persistentVolumeClaim", "size": "2Gi"}}}})

    mysql = env.labs["mysqlWithSecret"]
    assert isinstance(mysql, MysqlWithSecretArgs)
    assert mysql.storage.model_dump(by_alias=True) == {
        "type": "persistentVolumeClaim",
        "claimName": "mysql-data",
        "size": "2Gi",
        "storageClassName": None,
    }


class Timing(Model):
    period_seconds: int = 10
    timeout_seconds: int = 1


class Block(Model):
    cpu_limit: str = "250m"
    timing: Timing = Field(default_factory=Timing)


# A lab's own block whose nested block is the lab's choice too, not the nested model's defaults.
LAB_BLOCK = Block(cpu_limit="1", timing=Timing(period_seconds=5, timeout_seconds=2))


@pytest.mark.parametrize(
    ("given", "filled"),
    [
        ({}, {"cpuLimit": "1", "timing": {"periodSeconds": 5, "timeoutSeconds": 2}}),
        ({"timing": {"timeoutSeconds": 3}}, {"cpuLimit": "1", "timing": {"periodSeconds": 5, "timeoutSeconds": 3}}),
        ({"timing": {"period_seconds": 7}}, {"cpuLimit": "1", "timing": {"period_seconds": 7, "timeoutSeconds": 2}}),
        ({"cpuLimit": "2", "timing": None}, {"cpuLimit": "2", "timing": None}),
    ],
)
def test_a_nested_block_given_in_part_is_filled_from_the_labs_nested_block_in_config_spelling(
    given: dict[str, Any], filled: dict[str, Any]
) -> None:
    # What is filled in reads as stack config does (camelCase), so the block validates like the user's own keys.
    assert with_defaults(given, LAB_BLOCK) == filled
