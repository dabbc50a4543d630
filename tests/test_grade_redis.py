"""Given a student's objects for Lab 2.4, when the Redis grader compares them with the lab, then each
wrong answer gives exactly its finding: the object, the field path, what was found, what the lab
asks, and what goes differently on a cluster.

The correct answer is the lab text's own ConfigMap and Pod; each case changes one thing in it. The
reasons are the text a student reads beside each finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from labs.grading import Issue, Work, by_name
from labs.redis import RedisSettings, RedisWithConfigMapArgs, grade, task
from tests.manifests import DELETE, changed

CONFIG_MAP = ("ConfigMap", "redis-config")
POD = ("Pod", "redis")
CONTAINER = ("spec", "containers", 0)
CONFIG_VOLUME = ("spec", "volumes", 1, "configMap")

NAME_WHY = "the Testing step runs redis-cli in it by name (-c)"
FILE_WHY = "Redis reads /redis-master/redis.conf: without it CONFIG GET answers Redis's defaults"
ARGS_WHY = "the official image starts without a config file unless told: CONFIG GET answers the defaults"
KEY_WHY = "the pod mounts that key as redis.conf: Redis starts without the lab's settings"
ANSWER_WHY = "CONFIG GET answers with what redis.conf says"
NO_REDIS_CONF = (
    "without items the volume holds one file per key, /redis-master/redis-config: there is no "
    "/redis-master/redis.conf, and redis-server exits: it cannot open its config file"
)


def whole_config_map(command_file: str) -> dict[str, Any]:
    """The whole ConfigMap mounted at /redis-master (no items), the server started on `command_file`."""
    result = changed(pod(), (*CONFIG_VOLUME, "items"), DELETE)
    result["spec"]["containers"][0]["args"] = ["redis-server", command_file]
    return result


def sub_path_mount() -> dict[str, Any]:
    """The item's file mounted on its own at /redis-master/redis.conf with subPath."""
    return changed(
        pod(),
        (*CONTAINER, "volumeMounts", 1),
        {"mountPath": "/redis-master/redis.conf", "name": "config", "subPath": "redis.conf"},
    )


def config_map(text: str = "maxmemory 2mb\nmaxmemory-policy allkeys-lru\n") -> dict[str, Any]:
    """The ConfigMap `kubectl create configmap redis-config --from-file=redis-config` makes of the lab's file."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "redis-config"},
        "data": {"redis-config": text},
    }


def seed_pod() -> dict[str, Any]:
    """The lab text's Pod: kubernetes/redis:v1 reads /redis-master/redis.conf by itself."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "redis"},
        "spec": {
            "containers": [
                {
                    "name": "redis",
                    "image": "kubernetes/redis:v1",
                    "env": [{"name": "MASTER", "value": "true"}],
                    "ports": [{"containerPort": 6379}],
                    "resources": {"limits": {"cpu": "0.1"}},
                    "volumeMounts": [
                        {"mountPath": "/redis-master-data", "name": "data"},
                        {"mountPath": "/redis-master", "name": "config"},
                    ],
                }
            ],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {
                    "name": "config",
                    "configMap": {"name": "redis-config", "items": [{"key": "redis-config", "path": "redis.conf"}]},
                },
            ],
        },
    }


def pod() -> dict[str, Any]:
    """The lab text's Pod with the official image, which must be told where its config file is."""
    result = changed(seed_pod(), (*CONTAINER, "image"), "redis:8.2-alpine")
    result["spec"]["containers"][0]["args"] = ["redis-server", "/redis-master/redis.conf"]
    return result


# (case, the student's objects, the findings in the order the grader reports them)
CASES: list[tuple[str, Callable[[], list[dict[str, Any]]], list[Issue]]] = [
    ("the lab text's answer", lambda: [config_map(), seed_pod()], []),
    ("the official image told where redis.conf is", lambda: [config_map(), pod()], []),
    (
        "maxmemory in bytes and further directives of several words",
        lambda: [config_map("maxmemory 2097152\nmaxmemory-policy allkeys-lru\nsave 900 1 300 10\n"), pod()],
        [],
    ),
    (
        "container renamed",
        lambda: [config_map(), changed(pod(), (*CONTAINER, "name"), "cache")],
        [Issue("required", POD, (*CONTAINER, "name"), "'cache'", "'redis'", NAME_WHY)],
    ),
    (
        "no configMap volume",
        lambda: [config_map(), changed(pod(), ("spec", "volumes"), [{"name": "config", "emptyDir": {}}])],
        [Issue("required", POD, ("spec", "volumes"), "nothing", "'a configMap volume of redis-config'", FILE_WHY)],
    ),
    (
        "no configMap volume and the container renamed: both findings",
        lambda: [
            changed(changed(pod(), ("spec", "volumes"), []), (*CONTAINER, "name"), "cache"),
        ],
        [
            Issue("required", POD, (*CONTAINER, "name"), "'cache'", "'redis'", NAME_WHY),
            Issue("required", POD, ("spec", "volumes"), "nothing", "'a configMap volume of redis-config'", FILE_WHY),
        ],
    ),
    (
        "configMap volume of another ConfigMap",
        lambda: [config_map(), changed(pod(), (*CONFIG_VOLUME, "name"), "redis-conf")],
        [Issue("required", POD, (*CONFIG_VOLUME, "name"), "'redis-conf'", "'redis-config'", FILE_WHY)],
    ),
    (
        "items that never give redis.conf",
        lambda: [
            config_map(),
            changed(
                pod(),
                (*CONFIG_VOLUME, "items"),
                [{"key": "redis-config", "path": "redis.cnf"}, {"key": "extra", "path": "extra.conf"}],
            ),
        ],
        [
            Issue(
                "required",
                POD,
                (*CONFIG_VOLUME, "items"),
                "'redis-config -> redis.cnf, extra -> extra.conf'",
                "'redis-config -> redis.conf'",
                FILE_WHY,
            )
        ],
    ),
    (
        "the config volume is never mounted",
        lambda: [
            config_map(),
            changed(pod(), (*CONTAINER, "volumeMounts"), [{"mountPath": "/redis-master-data", "name": "data"}]),
        ],
        [Issue("required", POD, (*CONTAINER, "volumeMounts"), "nothing", "'volume config at /redis-master'", FILE_WHY)],
    ),
    (
        "the config volume mounted elsewhere",
        lambda: [config_map(), changed(pod(), (*CONTAINER, "volumeMounts", 1, "mountPath"), "/etc/redis")],
        [
            Issue(
                "required",
                POD,
                (*CONTAINER, "volumeMounts", 1, "mountPath"),
                "'/etc/redis'",
                "'/redis-master'",
                FILE_WHY,
            )
        ],
    ),
    (
        "the official image started without the file",
        lambda: [config_map(), changed(pod(), (*CONTAINER, "args"), ["redis-server"])],
        [
            Issue(
                "required",
                POD,
                (*CONTAINER, "args"),
                "'redis-server'",
                "'redis-server /redis-master/redis.conf'",
                ARGS_WHY,
            )
        ],
    ),
    (
        "the official image given no command at all",
        lambda: [config_map(), changed(pod(), (*CONTAINER, "args"), DELETE)],
        [Issue("required", POD, (*CONTAINER, "args"), "nothing", "'redis-server /redis-master/redis.conf'", ARGS_WHY)],
    ),
    (
        "the whole ConfigMap mounted, the server started on the file its key gives",
        lambda: [config_map(), whole_config_map("/redis-master/redis-config")],
        [],
    ),
    (
        "the whole ConfigMap mounted, the server started on a redis.conf the volume does not hold",
        lambda: [config_map(), whole_config_map("/redis-master/redis.conf")],
        [Issue("required", POD, (*CONFIG_VOLUME, "items"), "nothing", "'redis-config -> redis.conf'", NO_REDIS_CONF)],
    ),
    ("the item's file mounted on its own with subPath", lambda: [config_map(), sub_path_mount()], []),
    (
        "items naming the file otherwise, the server started on that name",
        lambda: [
            config_map(),
            changed(
                changed(pod(), (*CONFIG_VOLUME, "items"), [{"key": "redis-config", "path": "cache.conf"}]),
                (*CONTAINER, "args"),
                ["redis-server", "/redis-master/cache.conf"],
            ),
        ],
        [],
    ),
    (
        "ConfigMap without the key the pod mounts",
        lambda: [{**config_map(), "data": {"redis.conf": "maxmemory 2mb\n"}}, pod()],
        [
            Issue(
                "required",
                CONFIG_MAP,
                ("data", "redis-config"),
                "nothing",
                "'key redis-config holding redis.conf'",
                KEY_WHY,
            )
        ],
    ),
    (
        "maxmemory in 1000s",
        lambda: [config_map("maxmemory 2m\nmaxmemory-policy allkeys-lru\n"), pod()],
        [Issue("required", CONFIG_MAP, ("data", "redis-config"), "'maxmemory 2m'", "'maxmemory 2mb'", ANSWER_WHY)],
    ),
    (
        "maxmemory with its unit apart, which Redis does not read as 2mb",
        lambda: [config_map("maxmemory 2 mb\nmaxmemory-policy allkeys-lru\n"), pod()],
        [Issue("required", CONFIG_MAP, ("data", "redis-config"), "'maxmemory 2 mb'", "'maxmemory 2mb'", ANSWER_WHY)],
    ),
    (
        "another eviction policy",
        lambda: [config_map("maxmemory 2mb\nmaxmemory-policy volatile-lru\n"), pod()],
        [
            Issue(
                "required",
                CONFIG_MAP,
                ("data", "redis-config"),
                "'maxmemory-policy volatile-lru'",
                "'maxmemory-policy allkeys-lru'",
                ANSWER_WHY,
            )
        ],
    ),
    (
        "ConfigMap and Pod both wrong: the ConfigMap's findings first",
        lambda: [
            config_map("maxmemory 2m\nmaxmemory-policy allkeys-lru\n"),
            changed(pod(), (*CONTAINER, "name"), "cache"),
        ],
        [
            Issue("required", CONFIG_MAP, ("data", "redis-config"), "'maxmemory 2m'", "'maxmemory 2mb'", ANSWER_WHY),
            Issue("required", POD, (*CONTAINER, "name"), "'cache'", "'redis'", NAME_WHY),
        ],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_wrong_answer_gives_exactly_its_findings(
    objects: Callable[[], list[dict[str, Any]]], expected: list[Issue]
) -> None:
    assert grade(RedisWithConfigMapArgs(), Work(by_name(objects()))) == expected


SAVE_MUST_BE = '"" (no snapshots) or pairs of seconds (1 to 2147483647) and changes (0 to 2147483647)'


@pytest.mark.parametrize(
    "save",
    [
        "900 1 0 10",  # a second pair after 0 seconds
        "900 1 300 -1",  # a second pair with a negative count of changes
        "900  1",  # Redis splits on any blanks and answers `900 1`: not the value given
        "900\t1",
        "900",
    ],
)
def test_save_points_redis_would_refuse_or_rewrite_are_refused(save: str) -> None:
    with pytest.raises(ValidationError) as error:
        RedisSettings(extra={"save": save})
    assert f"'save {save}' is not a value Redis keeps as given: it must be {SAVE_MUST_BE}" in str(error.value)


@pytest.mark.parametrize("save", ['""', "900 1", "900 1 300 10 60 10000", "3600 0"])
def test_save_points_redis_keeps_as_given_are_accepted(save: str) -> None:
    assert RedisSettings(extra={"save": save}).extra == {"save": save}


def test_the_task_shows_the_redis_conf_to_write_and_the_volume_to_mount() -> None:
    lines = task(RedisWithConfigMapArgs())
    assert (
        "- a file `redis-config` holding this redis.conf:\n\n"
        "  ```text\n"
        "  maxmemory 2mb\n"
        "  maxmemory-policy allkeys-lru\n"
        "  ```"
    ) in lines
    assert (
        "- a `configMap` volume of `redis-config` with item key `redis-config`, path `redis.conf`, "
        "mounted at `/redis-master`, and an `emptyDir` at `/redis-master-data`"
    ) in lines


@pytest.mark.parametrize(
    ("namespace", "command"),
    [
        (None, "kubectl create configmap redis-config --from-file=redis-config"),
        ("lab-ada", "kubectl create configmap redis-config --from-file=redis-config -n lab-ada"),
    ],
)
def test_the_task_creates_the_configmap_in_the_students_namespace(namespace: str | None, command: str) -> None:
    lines = task(RedisWithConfigMapArgs(namespace=namespace))
    commands = lines[lines.index("Create the objects:") + 3].splitlines()
    assert commands[0] == command


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"appendfsync": "sometimes"},
            "'appendfsync sometimes' is not a value Redis keeps as given: it must be one of always, everysec, no",
        ),
        (
            {"dbfilename": "../dump.rdb"},
            "'dbfilename ../dump.rdb' is not a value Redis keeps as given: it must be a file name of letters, digits, "
            "'.', '_' or '-' (no path)",
        ),
        ({"hz": "501"}, "'hz 501' is not a value Redis keeps as given: it must be a whole number from 1 to 500"),
        (
            {"loglevel": "loud"},
            "'loglevel loud' is not a value Redis keeps as given: it must be one of debug, verbose, notice, warning",
        ),
        (
            {"dbfilename": "dumps/dump.rdb"},
            "'dbfilename dumps/dump.rdb' is not a value Redis keeps as given: it must be a file name of letters, "
            "digits, '.', '_' or '-' (no path)",
        ),
        (
            {"maxmemory-eviction-tenacity": "-1"},
            "'maxmemory-eviction-tenacity -1' is not a value Redis keeps as given: it must be a whole number from 0 "
            "to 100",
        ),
    ],
)
def test_extra_values_redis_would_refuse_or_change_are_refused_naming_what_is_allowed(
    extra: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        RedisSettings(extra=extra)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "extra",
    [
        {"appendfsync": "everysec"},
        {"dbfilename": "dump-2.rdb"},
        {"hz": "500"},
        {"hz": "1"},
        # Redis reads the names of a choice in any case.
        {"appendfsync": "EVERYSEC"},
        {"loglevel": "warning"},
        {"dbfilename": "dump.rdb"},
        {"slowlog-log-slower-than": "-1"},
    ],
)
def test_extra_values_at_the_edge_of_what_redis_keeps_are_accepted(extra: dict[str, str]) -> None:
    assert RedisSettings(extra=extra).extra == extra


def test_a_maxmemory_that_is_no_redis_size_is_refused_naming_the_units() -> None:
    with pytest.raises(ValidationError) as error:
        RedisSettings(maxmemory="2 megabytes")
    assert "'2 megabytes' is not a Redis size (a whole number with k, kb, m, mb, g or gb)" in str(error.value)
