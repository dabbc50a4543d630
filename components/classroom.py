"""Classroom: one StudentEnvironment per environment of the plan."""

from __future__ import annotations

import pulumi

from components.environment import StudentEnvironment
from labs.environment import Environment
from labs.model import Model


class ClassroomArgs(Model):
    environments: tuple[Environment, ...]
    kubeconfig_server: str | None = None


class Classroom(pulumi.ComponentResource):
    students: dict[str, StudentEnvironment]
    """Environments by student (or namespace) name."""

    def __init__(
        self,
        name: str,
        args: ClassroomArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        root_password: pulumi.Input[str] | None = None,
    ) -> None:
        super().__init__("k8s-labs:index:Classroom", name, None, opts)
        self.students = {}
        for env in args.environments:
            self.students[env.name] = StudentEnvironment(
                env.name,
                env,
                pulumi.ResourceOptions(parent=self),
                root_password=root_password,
                kubeconfig_server=args.kubeconfig_server,
            )
        self.register_outputs({"students": sorted(self.students)})
