"""Given a student's ConfigMap and `pod-env-var` pod, when they are graded, then each wrong answer gives
exactly its finding: the object, the field, what was found, what the lab asks and why `env` shows it;
and the task sheet asks for the student's own data, names and prefix."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from labs import envfrom
from labs.grading import FieldPath, Issue, ObjectName, Work

CONFIG_MAP = ("ConfigMap", "example-configmap")
POD = ("Pod", "pod-env-var")
C = ("spec", "containers", 0)

EVERY_KEY = "the Testing step's `env` lists every key with its value"
BY_NAME = "the Testing step runs `env` in it by name (-c)"
NO_KEYS = "without the ConfigMap's keys the Testing step's `env` shows none of them"
BESIDE = "the API server refuses `name` beside configMapRef (strict decoding), or drops it and finds no name"
PREFIX = "the prefix renames every variable `env` lists"
ENV_FROM_ASKED = (
    "the task asks for envFrom with configMapRef: one configMapKeyRef per key gives the same "
    "variables, but names each key by hand instead of taking the whole ConfigMap"
)


def key_refs(*keys: str, prefix: str = "") -> Callable[[dict[str, Any]], None]:
    """envFrom replaced by one configMapKeyRef per key."""

    def edit(container: dict[str, Any]) -> None:
        container.pop("envFrom")
        container["env"] = [
            {"name": prefix + key, "valueFrom": {"configMapKeyRef": {"name": "example-configmap", "key": key}}}
            for key in keys
        ]

    return edit


def config_map(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "example-configmap"}, "data": data}


def pod(edit: Callable[[dict[str, Any]], None] = lambda container: None) -> dict[str, Any]:
    """The lab text's pod with `name` under `configMapRef`, as the lab means it; `edit` changes its container."""
    container: dict[str, Any] = {
        "name": "env-var-configmap",
        "image": "nginxinc/nginx-unprivileged:1.28-alpine",
        "envFrom": [{"configMapRef": {"name": "example-configmap"}}],
    }
    edit(container)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-env-var"}, "spec": {"containers": [container]}}


def env_from(*sources: Any) -> Callable[[dict[str, Any]], None]:
    return lambda container: container.update(envFrom=list(sources))


RIGHT_DATA = {"LAB_MODE": "classroom", "LAB_GREETING": "hello from example-configmap"}
Expected = list[tuple[ObjectName, FieldPath, str, str, str]]

# (what the student did, the lab's parameters, the objects handed in, the findings: object, path, found, asked, why)
CASES: list[tuple[str, dict[str, Any], list[dict[str, Any]], Expected]] = [
    ("the lab's answer", {}, [config_map(**RIGHT_DATA), pod()], []),
    ("only the pod", {}, [pod()], []),
    (
        "a value of the student's own",
        {},
        [config_map(LAB_MODE="demo", LAB_GREETING="hello from example-configmap"), pod()],
        [(CONFIG_MAP, ("data", "LAB_MODE"), "'demo'", "'classroom'", EVERY_KEY)],
    ),
    (
        "a key left out",
        {},
        [config_map(LAB_MODE="classroom"), pod()],
        [(CONFIG_MAP, ("data", "LAB_GREETING"), "nothing", "'hello from example-configmap'", EVERY_KEY)],
    ),
    (
        "another container name",
        {},
        [config_map(**RIGHT_DATA), pod(lambda container: container.update(name="web"))],
        [(POD, (*C, "name"), "'web'", "'env-var-configmap'", BY_NAME)],
    ),
    (
        "no envFrom",
        {},
        [config_map(**RIGHT_DATA), pod(lambda container: container.pop("envFrom"))],
        [(POD, (*C, "envFrom"), "nothing", "'configMapRef: {name: example-configmap}'", NO_KEYS)],
    ),
    (
        "one configMapKeyRef per key: the same `env`, not the envFrom the task asks for",
        {},
        [config_map(**RIGHT_DATA), pod(key_refs("LAB_GREETING", "LAB_MODE"))],
        [(POD, (*C, "envFrom"), "nothing", "'configMapRef: {name: example-configmap}'", ENV_FROM_ASKED)],
    ),
    (
        "one configMapKeyRef per key, the prefix included",
        {"prefix": "APP_"},
        [config_map(**RIGHT_DATA), pod(key_refs("LAB_GREETING", "LAB_MODE", prefix="APP_"))],
        [(POD, (*C, "envFrom"), "nothing", "'configMapRef: {name: example-configmap}'", ENV_FROM_ASKED)],
    ),
    (
        "configMapKeyRef for one key only: `env` lacks the other",
        {},
        [config_map(**RIGHT_DATA), pod(key_refs("LAB_MODE"))],
        [(POD, (*C, "envFrom"), "nothing", "'configMapRef: {name: example-configmap}'", NO_KEYS)],
    ),
    (
        "a data value written as a number: the schema layer refuses the type, the lab adds no reason",
        {"data": {"LAB_PORT": "30"}},
        [{**config_map(), "data": {"LAB_PORT": 30}}, pod()],
        [],
    ),
    (
        "a wrong value and no envFrom: the ConfigMap's finding first",
        {},
        [config_map(LAB_MODE="demo", LAB_GREETING="hello from example-configmap"), pod(env_from())],
        [
            (CONFIG_MAP, ("data", "LAB_MODE"), "'demo'", "'classroom'", EVERY_KEY),
            (POD, (*C, "envFrom"), "nothing", "'configMapRef: {name: example-configmap}'", NO_KEYS),
        ],
    ),
    (
        "envFrom with a Secret only",
        {},
        [config_map(**RIGHT_DATA), pod(env_from({"secretRef": {"name": "example-secret"}}))],
        [(POD, (*C, "envFrom"), "nothing", "'configMapRef: {name: example-configmap}'", NO_KEYS)],
    ),
    (
        "the seed's indentation: name beside configMapRef",
        {},
        [config_map(**RIGHT_DATA), pod(env_from({"configMapRef": None, "name": "example-configmap"}))],
        [
            (
                POD,
                (*C, "envFrom", 0, "configMapRef", "name"),
                "'name: example-configmap beside configMapRef'",
                "'configMapRef: {name: example-configmap}'",
                BESIDE,
            )
        ],
    ),
    (
        "a right configMapRef with the seed's name left beside it",
        {},
        [
            config_map(**RIGHT_DATA),
            pod(env_from({"configMapRef": {"name": "example-configmap"}, "name": "example-configmap"})),
        ],
        [
            (
                POD,
                (*C, "envFrom", 0, "configMapRef", "name"),
                "'name: example-configmap beside configMapRef'",
                "'configMapRef: {name: example-configmap}'",
                BESIDE,
            )
        ],
    ),
    (
        "configMapRef given as a bare name",
        {},
        [config_map(**RIGHT_DATA), pod(env_from({"configMapRef": "example-configmap"}))],
        [(POD, (*C, "envFrom", 0, "configMapRef", "name"), "nothing", "'example-configmap'", NO_KEYS)],
    ),
    (
        "another ConfigMap, after a Secret",
        {},
        [
            config_map(**RIGHT_DATA),
            pod(env_from({"secretRef": {"name": "example-secret"}}, {"configMapRef": {"name": "example"}})),
        ],
        [(POD, (*C, "envFrom", 1, "configMapRef", "name"), "'example'", "'example-configmap'", NO_KEYS)],
    ),
    (
        "a prefix the lab does not ask for",
        {},
        [config_map(**RIGHT_DATA), pod(env_from({"configMapRef": {"name": "example-configmap"}, "prefix": "LAB_"}))],
        [(POD, (*C, "envFrom", 0, "prefix"), "'LAB_'", "''", PREFIX)],
    ),
    (
        "no prefix where the lab asks for one",
        {"prefix": "APP_"},
        [config_map(**RIGHT_DATA), pod()],
        [(POD, (*C, "envFrom", 0, "prefix"), "''", "'APP_'", PREFIX)],
    ),
    (
        "the prefix the lab asks for",
        {"prefix": "APP_"},
        [config_map(**RIGHT_DATA), pod(env_from({"configMapRef": {"name": "example-configmap"}, "prefix": "APP_"}))],
        [],
    ),
]


@pytest.mark.parametrize(("params", "objects", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_each_envfrom_answer_gives_exactly_its_findings(
    params: dict[str, Any], objects: list[dict[str, Any]], expected: Expected
) -> None:
    args = envfrom.ConfigMapEnvPodArgs.model_validate(params)
    work = Work({(obj["kind"], obj["metadata"]["name"]): obj for obj in objects})
    found = envfrom.grade(args, work)
    assert found == [Issue("required", subject, path, was, asked, why) for subject, path, was, asked, why in expected]


def bullets(lines: list[str]) -> list[str]:
    return [line.removeprefix("- ") for line in lines if line.startswith("- ")]


def test_the_task_asks_for_the_data_the_names_and_name_under_configmapref() -> None:
    args = envfrom.ConfigMapEnvPodArgs.model_validate({"data": {"LAB_MODE": "exam", "COLOR": "blue"}})
    assert bullets(envfrom.task(args)) == [
        # sorted by key, each key and value double-quoted, so YAML reads back exactly the text
        'ConfigMap `example-configmap` with this data:\n\n  ```yaml\n  "COLOR": "blue"\n  "LAB_MODE": "exam"\n  ```',
        "`pod-env-var.yaml`: Pod `pod-env-var` with container `env-var-configmap` "
        "(e.g. `nginxinc/nginx-unprivileged:1.28-alpine`; `nginx:1.7.9` is years old)",
        "`envFrom` with `configMapRef` whose `name` is `example-configmap`: `name` goes under `configMapRef`, "
        "not beside it",
    ]


@pytest.mark.parametrize(
    "value", ["C:\\temp", "it's", 'say "hi"', "true", "0123", "a: b", "# not a comment", "caf\u00e9", "tab\there", ""]
)
def test_the_tasks_data_block_reads_back_as_the_very_data_the_lab_asks_for(value: str) -> None:
    args = envfrom.ConfigMapEnvPodArgs.model_validate({"data": {"LAB_MODE": value, "ON": "x"}})
    block = bullets(envfrom.task(args))[0].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(textwrap.dedent(block)) == {"LAB_MODE": value, "ON": "x"}


def test_the_task_asks_for_the_prefix_when_the_lab_has_one() -> None:
    args = envfrom.ConfigMapEnvPodArgs.model_validate({"prefix": "APP_", "configMapName": "settings"})
    assert bullets(envfrom.task(args))[2] == (
        "`envFrom` with `configMapRef` whose `name` is `settings`, with `prefix: APP_`: `name` goes under "
        "`configMapRef`, not beside it"
    )
