"""StudentEnvironment: one namespace, what isolates it, and the labs inside it."""

from __future__ import annotations

import base64
from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.base import LabComponent
from components.catalog import COMPONENTS
from components.manifests import child, register, upstream
from labs import isolation
from labs.catalog import LABS
from labs.environment import Environment, build_isolation
from labs.lab import LabKey


class StudentEnvironment(pulumi.ComponentResource):
    namespace: str
    """The environment's namespace."""
    namespace_object: k8s.core.v1.Namespace
    """The Namespace itself, for whatever must wait until it exists."""
    token: k8s.core.v1.Secret | None
    """The student's ServiceAccount token Secret, when the class hands out kubeconfigs."""
    labs: dict[LabKey, LabComponent]
    """Lab components by stack-config key."""
    commands: dict[LabKey, list[str]]
    """Each lab's Testing commands, namespace filled in."""
    objects: dict[LabKey, list[str]]
    """Each deployed lab's Kubernetes objects as `Kind/name`."""
    exercises: list[LabKey]
    """The labs the student writes (exercise mode): none of their objects is deployed."""
    kubeconfig: pulumi.Output[str] | None
    """A kubeconfig for the student's ServiceAccount (secret), when a server URL is configured."""

    def __init__(
        self,
        name: str,
        args: Environment,
        opts: pulumi.ResourceOptions | None = None,
        *,
        root_password: pulumi.Input[str] | None = None,
        kubeconfig_server: str | None = None,
    ) -> None:
        super().__init__("k8s-labs:index:StudentEnvironment", name, None, opts)
        self.manifests = build_isolation(args)
        children = register(name, self.manifests, self, upstream(opts))
        self.namespace_object = child(children, k8s.core.v1.Namespace, args.namespace)
        self.namespace = args.namespace
        # Namespaced objects fail to create before their namespace; nothing else needs ordering.
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace_object])
        self.labs = {
            key: COMPONENTS[key](name, lab_args, in_namespace, root_password) for key, lab_args in args.deployed.items()
        }
        self.exercises = list(args.exercises)
        self.commands = {key: LABS[key].testing_commands(lab_args) for key, lab_args in args.labs.items()}
        self.objects = {key: sorted(lab.objects) for key, lab in self.labs.items()}
        self.token = child(children, k8s.core.v1.Secret, isolation.TOKEN_SECRET) if args.kubeconfig else None
        self.kubeconfig = None
        if self.token is not None and kubeconfig_server:
            self.kubeconfig = pulumi.Output.secret(
                self.token.data.apply(lambda data: student_kubeconfig(kubeconfig_server, args.namespace, data or {}))
            )
        self.register_outputs({"namespace": self.namespace, "commands": self.commands, "exercises": self.exercises})


def student_kubeconfig(server: str, namespace: str, token_data: Mapping[str, str]) -> str:
    """kubeconfig YAML from the token Secret's base64 `token` and `ca.crt`."""
    token = base64.b64decode(token_data.get("token", "")).decode()
    user = f"{namespace}-student"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "lab", "cluster": {"server": server, "certificate-authority-data": token_data.get("ca.crt", "")}}
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "lab", "user": user, "namespace": namespace}}],
        "current-context": user,
    }
    return yaml.safe_dump(config, sort_keys=False)
