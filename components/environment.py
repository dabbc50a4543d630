"""StudentEnvironment: one namespace, what isolates it, and the labs inside it."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import cast

import pulumi
import pulumi_kubernetes as k8s
import yaml
from pulumi.output import UNKNOWN

from components.base import LabComponent
from components.catalog import COMPONENTS
from components.manifests import child, register, upstream
from labs import isolation
from labs.catalog import LABS
from labs.environment import Environment, build_isolation
from labs.lab import LabKey

# The environment's objects a lab object may wait for; RBAC and the token Secret are for the student.
FOR_LABS = frozenset({"Namespace", "ResourceQuota", "LimitRange"})
TOKEN_KEYS = ("token", "ca.crt")


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
        # Each lab object takes from these what its kind waits for (components/provider_rules.py).
        for_labs = [resource for key, resource in children.items() if key.split("/")[0] in FOR_LABS]
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=for_labs)
        self.labs = {
            key: COMPONENTS[key](name, lab_args, in_namespace, root_password) for key, lab_args in args.deployed.items()
        }
        self.exercises = list(args.exercises)
        self.commands = {key: LABS[key].testing_commands(lab_args) for key, lab_args in args.labs.items()}
        self.objects = {key: sorted(lab.objects) for key, lab in self.labs.items()}
        self.token = child(children, k8s.core.v1.Secret, isolation.TOKEN_SECRET) if args.kubeconfig else None
        self.kubeconfig = None
        if self.token is not None and kubeconfig_server:
            server = kubeconfig_server
            self.kubeconfig = pulumi.Output.secret(
                self.token.data.apply(lambda data: kubeconfig_when_filled(server, args.namespace, data or {}))
            )
        self.register_outputs({"namespace": self.namespace, "commands": self.commands, "exercises": self.exercises})


class TokenMissing(pulumi.RunError):
    """The student's token Secret has no token or CA yet: `pulumi up` stops with this message, no traceback."""


def missing_token_keys(token_data: Mapping[str, str]) -> list[str]:
    return [key for key in TOKEN_KEYS if not token_data.get(key)]


def kubeconfig_when_filled(server: str, namespace: str, token_data: Mapping[str, str]) -> str:
    """The kubeconfig, never one built from an empty token.

    In a preview the Secret of an earlier, interrupted `pulumi up` may still read empty; the value is then left
    unknown, since the `up` that follows waits for the token again before this runs.
    """
    if missing_token_keys(token_data) and pulumi.runtime.is_dry_run():
        return cast(str, UNKNOWN)
    return student_kubeconfig(server, namespace, token_data)


def student_kubeconfig(server: str, namespace: str, token_data: Mapping[str, str]) -> str:
    """kubeconfig YAML from the token Secret's base64 `token` and `ca.crt`."""
    missing = missing_token_keys(token_data)
    if missing:
        raise TokenMissing(
            f"no kubeconfig for namespace {namespace}: Secret {isolation.TOKEN_SECRET} in namespace {namespace} "
            f"has no {' and no '.join(missing)}. The cluster's token controller fills them in for the "
            f"ServiceAccount {isolation.STUDENT_ACCOUNT}; check it with `kubectl get secret {isolation.TOKEN_SECRET} "
            f"-n {namespace} -o yaml`, then run `pulumi up` again."
        )
    token = base64.b64decode(token_data["token"]).decode()
    user = f"{namespace}-student"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "lab", "cluster": {"server": server, "certificate-authority-data": token_data["ca.crt"]}}
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "lab", "user": user, "namespace": namespace}}],
        "current-context": user,
    }
    return yaml.safe_dump(config, sort_keys=False)
