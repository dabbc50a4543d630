"""The five labs by their stack-config key: argument model and builder of each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from labs import envfrom, mysql, redis, secure_writer, webserver
from labs.pod import LabArgs, Manifest

LabKey = Literal["probedWebServer", "secureWriterPod", "redisWithConfigMap", "mysqlWithSecret", "configMapEnvPod"]


@dataclass(frozen=True)
class Lab:
    key: LabKey
    title: str
    args_type: type[LabArgs]
    build: Callable[..., list[Manifest]]
    component: str
    file_stem: str
    """The seed's file name for the lab, used by the rendered tree."""


LABS: dict[str, Lab] = {
    lab.key: lab
    for lab in (
        Lab(
            "probedWebServer",
            "Exercise 2.1 / Lab 2.2: readiness and liveness probes",
            webserver.ProbedWebServerArgs,
            webserver.build,
            "ProbedWebServer",
            "liveready-pod",
        ),
        Lab(
            "secureWriterPod",
            "Lab 2.3: pod security context",
            secure_writer.SecureWriterPodArgs,
            secure_writer.build,
            "SecureWriterPod",
            "security-pod",
        ),
        Lab(
            "redisWithConfigMap",
            "Lab 2.4: Redis configured by a ConfigMap",
            redis.RedisWithConfigMapArgs,
            redis.build,
            "RedisWithConfigMap",
            "redis-pod",
        ),
        Lab(
            "mysqlWithSecret",
            "Lab 2.5: MySQL with its password in a Secret",
            mysql.MysqlWithSecretArgs,
            mysql.build,
            "MysqlWithSecret",
            "secret-mysql",
        ),
        Lab(
            "configMapEnvPod",
            "ConfigMap consumed through envFrom",
            envfrom.ConfigMapEnvPodArgs,
            envfrom.build,
            "ConfigMapEnvPod",
            "pod-env-var",
        ),
    )
}


def build_lab(key: str, args: LabArgs, password: Any = None) -> list[Manifest]:
    lab = LABS[key]
    if key == "mysqlWithSecret":
        return lab.build(args, password)
    return lab.build(args)
