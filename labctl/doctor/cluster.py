"""The checks that read the cluster: a default StorageClass, room for the quotas, and impersonation for the e2e."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from config import Plan
from labctl.doctor.needs import request_needs, storage_needs
from labctl.doctor.programs import Kubectl
from labctl.doctor.report import CAPACITY, IMPERSONATION, STORAGE_CLASS, Check
from labctl.json_fields import field, objects, text
from labctl.printable import one_line
from labs.isolation import STUDENT_ACCOUNT
from labs.quantity import format_cpu, format_memory, parse_cpu, parse_memory

DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
# A pod without tolerations is never placed on a node tainted so.
BLOCKING_TAINTS = ("NoSchedule", "NoExecute")
NO_STACK = "no --stack given: the class's needs are not known"
WITH_STACK = "run labctl doctor --stack NAME"


def shown_names(names: tuple[str, ...]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def storage_class(kubectl: Kubectl, plan: Plan | None) -> Check:
    if plan is None:
        return STORAGE_CLASS.unknown(NO_STACK, WITH_STACK)
    needs = storage_needs(plan)
    if not needs.default_class and not needs.named_classes:
        return STORAGE_CLASS.ok("not needed: no MySQL of the class keeps its data on a PersistentVolumeClaim")
    classes = kubectl.document("get", "storageclasses")
    if isinstance(classes, str):
        return STORAGE_CLASS.unknown(f"cannot list the StorageClasses: {classes}", "run with a context that may")
    names = [text(item, "metadata", "name") for item in objects(classes, "items")]
    defaults = [
        text(item, "metadata", "name")
        for item in objects(classes, "items")
        if any(text(item, "metadata", "annotations", key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)
    ]
    missing = [(name, envs) for name, envs in needs.named_classes if name not in names]
    if missing:
        name, envs = missing[0]
        return STORAGE_CLASS.problem(
            f"the MySQL claim of {shown_names(envs)} names storageClassName {name}, which the cluster lacks",
            f"create StorageClass {name}, or set labs.mysqlWithSecret.storage.storageClassName to one of: "
            f"{one_line(', '.join(names), 120) or '(none)'}",
        )
    if needs.default_class and not defaults:
        return STORAGE_CLASS.problem(
            f"the MySQL claim of {shown_names(needs.default_class)} names no storageClassName and the cluster has "
            "no default StorageClass: the claim would stay Pending",
            "mark one default (annotation storageclass.kubernetes.io/is-default-class=true) or set "
            "labs.mysqlWithSecret.storage.storageClassName",
        )
    if not needs.default_class:
        return STORAGE_CLASS.ok("every MySQL claim names a StorageClass the cluster has: no default needed")
    return STORAGE_CLASS.ok(
        f"{one_line(defaults[0], 80)} is the default, for the MySQL claim of {shown_names(needs.default_class)}"
    )


@dataclass(frozen=True)
class Room:
    cpu_millicores: int
    memory_bytes: int
    nodes: int
    left_out: dict[str, int]
    """Why nodes were not counted, and how many for each reason."""


def excluded(node: Mapping[str, Any]) -> str | None:
    """Why a pod of the class cannot be placed on `node`, or None."""
    if field(node, "spec", "unschedulable") is True:
        return "cordoned"
    if any(text(taint, "effect") in BLOCKING_TAINTS for taint in objects(node, "spec", "taints")):
        return "tainted NoSchedule/NoExecute"
    ready = [text(condition, "status") for condition in objects(node, "status", "conditions")
             if text(condition, "type") == "Ready"]  # fmt: skip
    if ready != ["True"]:
        return "not Ready"
    return None


def room(nodes: Mapping[str, Any]) -> Room:
    cpu = memory = counted = 0
    left_out: dict[str, int] = {}
    for node in objects(nodes, "items"):
        reason = excluded(node)
        if reason is None:
            try:
                node_cpu = parse_cpu(text(node, "status", "allocatable", "cpu"))
                node_memory = parse_memory(text(node, "status", "allocatable", "memory"))
            except ValueError:
                reason = "allocatable unreadable"
        if reason is not None:
            left_out[reason] = left_out.get(reason, 0) + 1
            continue
        cpu, memory, counted = cpu + node_cpu, memory + node_memory, counted + 1
    return Room(cpu, memory, counted, left_out)


def capacity(kubectl: Kubectl, plan: Plan | None) -> Check:
    if plan is None:
        return CAPACITY.unknown(NO_STACK, WITH_STACK)
    needs = request_needs(plan)
    nodes = kubectl.document("get", "nodes")
    if isinstance(nodes, str):
        return CAPACITY.unknown(f"cannot list the nodes: {nodes}", "run with a context that may list nodes")
    found = room(nodes)
    need = (
        f"the class requests {format_cpu(needs.cpu_millicores)} cpu, {format_memory(needs.memory_bytes)} "
        f"({needs.basis})"
    )
    left = ", ".join(f"{count} {why}" for why, count in found.left_out.items())
    have = (
        f"{found.nodes} schedulable node(s) allocate {format_cpu(found.cpu_millicores)} cpu, "
        f"{format_memory(found.memory_bytes)}" + (f" (left out: {left})" if left else "")
    )
    short = [
        what
        for what, wanted, allocatable in (
            ("cpu", needs.cpu_millicores, found.cpu_millicores),
            ("memory", needs.memory_bytes, found.memory_bytes),
        )
        if wanted > allocatable
    ]
    if short:
        return CAPACITY.problem(
            f"{need}; {have}: not enough {' and '.join(short)}",
            "add nodes, lower classroom.budget.requestsCpu/requestsMemory, or split the class (labctl shard)",
        )
    return CAPACITY.ok(f"{need}; {have}, before what already runs there")


def impersonation(kubectl: Kubectl) -> Check:
    """The e2e runs `kubectl --as=system:serviceaccount:<namespace>:student` in namespaces new on every run."""
    # Impersonating a ServiceAccount is the verb impersonate on serviceaccounts, by namespace and name;
    # the run's namespaces do not exist yet, so the grant has to cover every namespace.
    resource = f"serviceaccounts/{STUDENT_ACCOUNT}"
    answer = kubectl("auth", "can-i", "impersonate", resource, "--all-namespaces")
    said = answer.stdout.strip().lower()
    question = f"`kubectl auth can-i impersonate {resource} --all-namespaces`"
    if answer.code == 0 and said.startswith("yes"):
        return IMPERSONATION.ok(f"{question}: yes, as `make e2e` needs for its student checks")
    if said.startswith("no"):
        return IMPERSONATION.problem(
            f"{question}: no; `make e2e` checks admission and RBAC as a student and would fail (`pulumi up` does not "
            "need it)",
            f"bind yourself a ClusterRole with verb impersonate on serviceaccounts named {STUDENT_ACCOUNT}",
        )
    why = answer.problem or f"it printed {one_line(answer.stdout, 60)!r}"
    return IMPERSONATION.unknown(f"{question} gave no yes or no: {why}", "look at the message")
