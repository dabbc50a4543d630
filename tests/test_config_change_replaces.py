"""Given a pod that reads its ConfigMap only at start, when the ConfigMap's content changes, then the pod spec changes.

`pod-env-var` takes its variables when its container starts and Redis reads redis.conf once:
new content must reach the immutable pod spec (the container `env`), so that pulumi-kubernetes
and `kubectl apply` make a new pod instead of leaving the old values live. The same content
must give the same bytes, or every `pulumi up` would replace the pod for nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from labctl.render.yamlout import dump_all
from labs.envfrom import ConfigMapEnvPodArgs
from labs.envfrom import build as build_envfrom
from labs.pod import Manifest
from labs.redis import RedisSettings, RedisWithConfigMapArgs
from labs.redis import build as build_redis


def pod_of(manifests: list[Manifest]) -> Manifest:
    (pod,) = [manifest for manifest in manifests if manifest["kind"] == "Pod"]
    return pod


def envfrom_pod(**params: Any) -> Manifest:
    return pod_of(build_envfrom(ConfigMapEnvPodArgs(namespace="lab-a", **params)))


def test_new_configmap_data_changes_the_env_pod_spec() -> None:
    before = envfrom_pod(data={"LAB_MODE": "classroom"})
    after = envfrom_pod(data={"LAB_MODE": "exam"})

    assert before["spec"] != after["spec"]
    (old_env,) = before["spec"]["containers"][0]["env"]
    (new_env,) = after["spec"]["containers"][0]["env"]
    assert old_env["name"] == new_env["name"] == "CONFIGMAP_SHA256"
    assert old_env["value"] != new_env["value"]


def test_a_new_key_changes_the_env_pod_spec_too() -> None:
    before = envfrom_pod(data={"LAB_MODE": "classroom"})
    after = envfrom_pod(data={"LAB_MODE": "classroom", "LAB_EXTRA": "x"})

    assert before["spec"] != after["spec"]


def test_the_same_data_gives_a_byte_identical_pod_whatever_the_key_order() -> None:
    first = dump_all([envfrom_pod(data={"A": "1", "B": "2"})])
    again = dump_all([envfrom_pod(data={"B": "2", "A": "1"})])

    assert first == again


def test_the_checksum_is_the_sha256_of_the_data() -> None:
    # sha256 of '{"LAB_MODE": "classroom"}', as `printf %s '{"LAB_MODE": "classroom"}' | sha256sum` prints it
    (env,) = envfrom_pod(data={"LAB_MODE": "classroom"})["spec"]["containers"][0]["env"]

    assert env["value"] == "b8f5409e9f38c8e183c4fe06fb53dd60b7f6259955946a906f9c2131f3746bfe"


def test_a_data_key_cannot_shadow_the_checksum_variable() -> None:
    with pytest.raises(ValidationError, match="CONFIGMAP_SHA256, the variable that carries the ConfigMap's checksum"):
        ConfigMapEnvPodArgs(prefix="CONFIGMAP_", data={"SHA256": "x"})


def test_redis_shares_the_rule_a_new_config_changes_its_pod_spec() -> None:
    before = pod_of(build_redis(RedisWithConfigMapArgs(config=RedisSettings(maxmemory="2mb"))))
    after = pod_of(build_redis(RedisWithConfigMapArgs(config=RedisSettings(maxmemory="3mb"))))
    same = pod_of(build_redis(RedisWithConfigMapArgs(config=RedisSettings(maxmemory="2mb"))))

    assert before["spec"] != after["spec"]
    assert dump_all([before]) == dump_all([same])
