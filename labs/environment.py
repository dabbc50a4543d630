"""One environment: a namespace, what isolates it, and the labs inside it."""

from __future__ import annotations

from pydantic import SerializeAsAny

from labs import isolation
from labs.catalog import LABS
from labs.lab import LabKey, Password
from labs.model import DnsLabel, Model
from labs.pod import LabArgs, Manifest


class Environment(Model):
    """Who it is for, where it lives and which labs, with every parameter resolved."""

    name: str
    namespace: DnsLabel
    labs: dict[LabKey, SerializeAsAny[LabArgs]]
    pod_security: isolation.PodSecurity = isolation.PodSecurity()
    budget: isolation.Budget | None = None
    cluster_dns: isolation.ClusterDns = isolation.ClusterDns()
    student: str | None = None
    kubeconfig: bool = False
    exercises: tuple[LabKey, ...] = ()
    """Labs in exercise mode: the student writes their objects; `labs` still holds their parameters."""

    @property
    def isolated(self) -> bool:
        return self.budget is not None

    @property
    def deployed(self) -> dict[LabKey, LabArgs]:
        """The labs whose objects the stack creates (solution mode), by key."""
        return {key: args for key, args in self.labs.items() if key not in self.exercises}


def build_isolation(env: Environment) -> list[Manifest]:
    manifests = [isolation.namespace(env.namespace, env.pod_security, env.student)]
    if env.budget is not None:
        manifests += isolation.access(env.namespace)
        manifests += isolation.quota(env.namespace, env.budget)
        manifests.append(isolation.network_policy(env.namespace, env.cluster_dns))
    if env.kubeconfig:
        manifests.append(isolation.account_token(env.namespace))
    return manifests


def build_environment(env: Environment, password: Password = None) -> list[Manifest]:
    manifests = build_isolation(env)
    for key, args in env.deployed.items():
        manifests += LABS[key].build(args, password)
    return manifests
