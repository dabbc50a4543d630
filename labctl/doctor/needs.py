"""What a class asks of the cluster, read from its stack: storage classes and the cpu and memory it requests."""

from __future__ import annotations

from dataclasses import dataclass

from config import Plan
from labs.isolation import quota
from labs.mysql import MysqlWithSecretArgs, PersistentStorage
from labs.quantity import format_cpu, format_memory, parse_cpu, parse_memory


@dataclass(frozen=True)
class StorageNeeds:
    default_class: tuple[str, ...]
    """The environments whose MySQL claim names no storageClassName: the cluster's default serves it."""
    named_classes: tuple[tuple[str, tuple[str, ...]], ...]
    """Each storageClassName a claim names, with the environments naming it."""


def storage_needs(plan: Plan) -> StorageNeeds:
    # Every lab of the environment, exercise mode too: the student then writes the same claim.
    default_class: list[str] = []
    named: dict[str, list[str]] = {}
    for env in plan.environments:
        for args in env.labs.values():
            if not isinstance(args, MysqlWithSecretArgs) or not isinstance(args.storage, PersistentStorage):
                continue
            if args.storage.storage_class_name is None:
                default_class.append(env.name)
            else:
                named.setdefault(args.storage.storage_class_name, []).append(env.name)
    return StorageNeeds(tuple(default_class), tuple((name, tuple(envs)) for name, envs in sorted(named.items())))


@dataclass(frozen=True)
class RequestNeeds:
    cpu_millicores: int
    memory_bytes: int
    basis: str
    """How the sum was made, for the finding."""


def request_needs(plan: Plan) -> RequestNeeds:
    """The sum of each environment's ResourceQuota hard requests; without a quota, of its labs' own requests."""
    cpu = memory = 0
    quotas: dict[tuple[str, str], int] = {}
    unbudgeted = 0
    for env in plan.environments:
        if env.budget is not None:
            # The ResourceQuota the stack creates in the namespace, as labs.isolation builds it.
            hard = quota(env.namespace, env.budget)[0]["spec"]["hard"]
            key = (str(hard["requests.cpu"]), str(hard["requests.memory"]))
            quotas[key] = quotas.get(key, 0) + 1
            cpu += parse_cpu(key[0])
            memory += parse_memory(key[1])
            continue
        unbudgeted += 1
        for args in env.deployed.values():
            cpu += parse_cpu(str(args.resources.cpu_request))
            memory += parse_memory(str(args.resources.memory_request))
    parts = [
        f"{count} student(s) x quota requests {format_cpu(parse_cpu(c))} cpu, {format_memory(parse_memory(m))}"
        for (c, m), count in quotas.items()
    ]
    if unbudgeted:
        parts.append(f"{unbudgeted} environment(s) without a quota: its labs' own requests")
    return RequestNeeds(cpu, memory, "; ".join(parts))
