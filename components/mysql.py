"""MysqlWithSecret: Lab 2.5 as a Pulumi component."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.base import LabComponent
from components.manifests import child
from labs import mysql
from labs.mysql import MysqlWithSecretArgs

PASSWORD_LENGTH = 24


class MysqlWithSecret(LabComponent):
    deployment: k8s.apps.v1.Deployment
    """The Deployment running mysqld."""
    service: k8s.core.v1.Service
    """The headless Service the client connects through."""
    secret: k8s.core.v1.Secret | None
    """The Secret holding the root password; None when the lab uses one made by hand (existingSecret)."""
    service_name: str
    """Headless Service the client connects through (`mysql -h <name>`)."""
    deployment_name: str
    """Deployment running mysqld."""
    secret_name: str
    """Secret whose `password` key holds the root password (the password itself is never exported)."""

    def __init__(
        self,
        name: str,
        args: MysqlWithSecretArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        root_password: pulumi.Input[str] | None = None,
    ) -> None:
        """`root_password` comes from a secret config value; unset, one is generated for this component."""
        super().__init__(mysql.LAB.component, name, opts)
        password: pulumi.Output[str] | None = None
        if not args.existing_secret:
            if root_password is None:
                generated = random.RandomPassword(
                    f"{name}-mysql-root-password",
                    length=PASSWORD_LENGTH,
                    special=False,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                root_password = generated.result
            password = pulumi.Output.secret(root_password)
        children = self._register(mysql.build(args, password))
        self.deployment = child(children, k8s.apps.v1.Deployment, args.name)
        self.service = child(children, k8s.core.v1.Service, args.name)
        self.secret = None if args.existing_secret else child(children, k8s.core.v1.Secret, args.secret_name)
        self.service_name = args.name
        self.deployment_name = args.name
        self.secret_name = args.secret_name
        self.register_outputs(
            {"serviceName": self.service_name, "deploymentName": self.deployment_name, "secretName": self.secret_name}
        )
