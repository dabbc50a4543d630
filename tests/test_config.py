"""Given raw stack config, when it is loaded, then it is a plan or one error listing every problem."""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError, load
from config.sources import apply_sets


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load(raw)
    return error.value.problems


def test_empty_config_is_one_environment_with_every_lab() -> None:
    plan = load({})
    (env,) = plan.environments
    assert env.namespace == "k8s-labs"
    assert list(env.labs) == [
        "probedWebServer", "secureWriterPod", "redisWithConfigMap", "mysqlWithSecret", "configMapEnvPod",
    ]  # fmt: skip
    assert all(args.namespace == "k8s-labs" for args in env.labs.values())


def test_listing_labs_deploys_only_those() -> None:
    (env,) = load({"labs": {"redisWithConfigMap": None, "secureWriterPod": {"runAsUser": 1000}}}).environments
    assert list(env.labs) == ["secureWriterPod", "redisWithConfigMap"]


def test_every_problem_is_reported_at_once_with_its_key_path() -> None:
    problems = problems_of(
        {
            "namespace": "Not_Valid",
            "labs": {
                "probedWebServer": {"readinessProbe": {"periodSeconds": 0}},
                "redisWithConfigMap": {"config": {"maxmemoryPolicy": "lru", "maxmemory": "2 megabytes"}},
                "configMapEnvPod": {"data": {"bad-key": "x"}},
            },
        }
    )
    joined = "\n".join(problems)
    for path in (
        "namespace:",
        "labs.probedWebServer.readinessProbe.periodSeconds",
        "labs.redisWithConfigMap.config.maxmemoryPolicy",
        "labs.redisWithConfigMap.config.maxmemory",
        "labs.configMapEnvPod.data",
    ):
        assert path in joined
    assert len(problems) == 5


def test_unknown_keys_and_labs_are_named() -> None:
    problems = problems_of({"labz": {}, "labs": {"mongo": {}}})
    assert "labz: is not a known key; did you mean 'labs'?" in problems
    assert any(p.startswith("labs.mongo") for p in problems)


LAB_KEYS = "'probedWebServer', 'secureWriterPod', 'redisWithConfigMap', 'mysqlWithSecret' or 'configMapEnvPod'"
TYPOS: dict[str, tuple[dict[str, Any], str]] = {
    "top level": ({"namespce": "x"}, "namespce: is not a known key; did you mean 'namespace'?"),
    "classroom": (
        {"classroom": {"students": 2, "studnets": 2}},
        "classroom.studnets: is not a known key; did you mean 'students'?",
    ),
    "classroom budget": (
        {"classroom": {"students": 2, "budget": {"podz": 3}}},
        "classroom.budget.podz: is not a known key; did you mean 'pods'?",
    ),
    "a lab": (
        {"labs": {"probedWebServr": {}}},
        f"labs.probedWebServr.[key]: Input should be {LAB_KEYS} (got 'probedWebServr'); "
        "did you mean 'probedWebServer'?",
    ),
    "a lab's parameter": (
        {"labs": {"secureWriterPod": {"runAsUsr": 4}}},
        "labs.secureWriterPod.runAsUsr: is not a known key; did you mean 'runAsUser'?",
    ),
    "a nested parameter": (
        {"labs": {"probedWebServer": {"readinessProbe": {"periodSecond": 5}}}},
        "labs.probedWebServer.readinessProbe.periodSecond: is not a known key; did you mean 'periodSeconds'?",
    ),
    "one member of a tagged union": (
        {"labs": {"mysqlWithSecret": {"storage": {"type": "persistentVolumeClaim", "sise": "1Gi"}}}},
        "labs.mysqlWithSecret.storage.sise: is not a known key when type is persistentVolumeClaim; "
        "did you mean 'size'?",
    ),
    "a student's override": (
        {"classroom": {"students": 2, "overrides": {"student-1": {"secureWriterPod": {"fsGrup": 3}}}}},
        "classroom.overrides.student-1.secureWriterPod.fsGrup: is not a known key; did you mean 'fsGroup'?",
    ),
    "a student's mode": (
        {"classroom": {"students": 2, "modes": {"student-1": {"probedWebServr": "exercise"}}}},
        f"classroom.modes.student-1.probedWebServr: Input should be {LAB_KEYS} (got 'probedWebServr'); "
        "did you mean 'probedWebServer'?",
    ),
}


@pytest.mark.parametrize("where", TYPOS)
def test_a_misspelt_key_is_named_with_the_closest_key_allowed_at_its_level(where: str) -> None:
    # Given a stack config with one key misspelt at this level
    raw, expected = TYPOS[where]
    # When it is loaded
    problems = problems_of(raw)
    # Then the problem names the key and suggests the allowed key closest to it
    assert problems == [expected]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"classroom": {"students": 2, "xyz": 1}}, "classroom.xyz: is not a known key"),
        ({"labs": {"mongo": {}}}, f"labs.mongo.[key]: Input should be {LAB_KEYS} (got 'mongo')"),
    ],
)
def test_a_key_close_to_none_allowed_keeps_its_message(raw: dict[str, Any], expected: str) -> None:
    # Given an unknown key like no allowed one, when the config is loaded, then no guess is offered
    assert problems_of(raw) == [expected]


def test_the_environment_decides_the_namespace() -> None:
    problems = problems_of({"labs": {"redisWithConfigMap": {"namespace": "elsewhere"}}})
    assert problems == [
        "labs.redisWithConfigMap.namespace: is set by the environment (`namespace` or classroom.namespacePrefix)"
    ]


def test_a_plaintext_password_is_refused_and_an_encrypted_one_accepted() -> None:
    assert "mysqlRootPassword: must be stored encrypted" in problems_of({"mysqlRootPassword": "pw"})[0]
    assert load({"mysqlRootPassword": {"secure": "v1:abc"}}).password_configured
    assert load({"mysqlRootPassword": "[secret]"}, secret_keys={"mysqlRootPassword"}).password_configured


def test_never_ready_config_warns_with_the_parameters_but_loads() -> None:
    plan = load({"labs": {"probedWebServer": {"livenessProbe": {"initialDelaySeconds": 5}}}})
    (warning,) = plan.warnings
    assert "never become Ready" in warning
    assert "livenessProbe" in warning and "delayStart=45" in warning
    assert load({}).warnings == ()


def test_set_reads_values_as_yaml_and_refuses_passwords() -> None:
    raw = apply_sets(
        {"classroom": {"students": 2}}, ["classroom.students=5", "labs.redisWithConfigMap.config.maxmemory=4mb"]
    )
    assert raw["classroom"]["students"] == 5
    assert raw["labs"]["redisWithConfigMap"]["config"]["maxmemory"] == "4mb"
    with pytest.raises(ConfigError, match="never taken on the command line"):
        apply_sets({}, ["mysqlRootPassword=x"])
