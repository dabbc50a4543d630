"""MysqlWithSecret: Lab 2.5 as a Pulumi component."""

from __future__ import annotations

import pulumi
import pulumi_random as random

from components.base import LabComponent
from labs import mysql
from labs.mysql import MysqlWithSecretArgs

PASSWORD_LENGTH = 24


class MysqlWithSecret(LabComponent):
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
        super().__init__("MysqlWithSecret", name, opts)
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
        self._register(mysql.build(args, password))
        self.service_name = args.name
        self.deployment_name = args.name
        self.secret_name = args.secret_name
        self.register_outputs(
            {"serviceName": self.service_name, "deploymentName": self.deployment_name, "secretName": self.secret_name}
        )
