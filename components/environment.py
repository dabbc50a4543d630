"""StudentEnvironment: one namespace, what isolates it, and the labs inside it."""

from __future__ import annotations

import base64
from typing import Any

import pulumi
import yaml

from components.base import LabComponent
from components.envfrom import ConfigMapEnvPod
from components.manifests import register, upstream
from components.mysql import MysqlWithSecret
from components.redis import RedisWithConfigMap
from components.secure_writer import SecureWriterPod
from components.webserver import ProbedWebServer
from labs import isolation
from labs.commands import testing_commands
from labs.envfrom import ConfigMapEnvPodArgs
from labs.environment import Environment, build_isolation
from labs.mysql import MysqlWithSecretArgs
from labs.pod import LabArgs
from labs.redis import RedisWithConfigMapArgs
from labs.secure_writer import SecureWriterPodArgs
from labs.webserver import ProbedWebServerArgs

COMPONENTS: dict[type[LabArgs], type[Any]] = {
    ProbedWebServerArgs: ProbedWebServer,
    SecureWriterPodArgs: SecureWriterPod,
    RedisWithConfigMapArgs: RedisWithConfigMap,
    ConfigMapEnvPodArgs: ConfigMapEnvPod,
}


class StudentEnvironment(pulumi.ComponentResource):
    namespace: str
    """The environment's namespace."""
    labs: dict[str, LabComponent]
    """Lab components by stack-config key."""
    commands: dict[str, list[str]]
    """Each lab's Testing commands, namespace filled in."""
    objects: dict[str, list[str]]
    """Each lab's Kubernetes objects as `Kind/name`."""
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
        self.resources = register(name, self.manifests, self, upstream(opts))
        namespace = self.resources[f"Namespace/{args.namespace}"]
        self.namespace = args.namespace
        # Namespaced objects fail to create before their namespace; nothing else needs ordering.
        child = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        self.labs = {}
        for key, lab_args in args.labs.items():
            if isinstance(lab_args, MysqlWithSecretArgs):
                self.labs[key] = MysqlWithSecret(name, lab_args, child, root_password=root_password)
            else:
                self.labs[key] = COMPONENTS[type(lab_args)](name, lab_args, child)
        self.commands = {key: testing_commands(lab_args) for key, lab_args in args.labs.items()}
        self.objects = {key: sorted(lab.resources) for key, lab in self.labs.items()}
        self.kubeconfig = None
        token = self.resources.get(f"Secret/{isolation.TOKEN_SECRET}")
        if token is not None and kubeconfig_server:
            self.kubeconfig = pulumi.Output.secret(
                token.data.apply(lambda data: student_kubeconfig(kubeconfig_server, args.namespace, data or {}))  # type: ignore[attr-defined]
            )
        self.register_outputs({"namespace": self.namespace, "commands": self.commands})


def student_kubeconfig(server: str, namespace: str, token_data: dict[str, str]) -> str:
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
