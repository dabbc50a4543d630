"""The component that deploys each lab, by the lab's stack-config key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pulumi

from components.base import LabComponent
from components.envfrom import ConfigMapEnvPod
from components.mysql import MysqlWithSecret
from components.redis import RedisWithConfigMap
from components.secure_writer import SecureWriterPod
from components.webserver import ProbedWebServer
from labs import envfrom, mysql, redis, secure_writer, webserver
from labs.lab import Lab, LabKey
from labs.pod import LabArgs

ArgsT = TypeVar("ArgsT", bound=LabArgs)
RootPassword = pulumi.Input[str] | None

MakeComponent = Callable[[str, LabArgs, pulumi.ResourceOptions, RootPassword], LabComponent]
"""Makes a lab's component in an environment: name, the lab's args, options, the class's root password."""


def component(lab: Lab[ArgsT], make: Callable[[str, ArgsT, pulumi.ResourceOptions], LabComponent]) -> MakeComponent:
    """`make` deploys `lab`, which creates no Secret and so never sees the root password."""

    def made(name: str, args: LabArgs, opts: pulumi.ResourceOptions, root_password: RootPassword) -> LabComponent:
        return make(name, lab.own(args), opts)

    return made


def mysql_component(
    name: str, args: LabArgs, opts: pulumi.ResourceOptions, root_password: RootPassword
) -> LabComponent:
    return MysqlWithSecret(name, mysql.LAB.own(args), opts, root_password=root_password)


COMPONENTS: dict[LabKey, MakeComponent] = {
    "probedWebServer": component(webserver.LAB, ProbedWebServer),
    "secureWriterPod": component(secure_writer.LAB, SecureWriterPod),
    "redisWithConfigMap": component(redis.LAB, RedisWithConfigMap),
    "mysqlWithSecret": mysql_component,
    "configMapEnvPod": component(envfrom.LAB, ConfigMapEnvPod),
}
