"""Pod Security Admission's frame: policy versions, what a namespace's labels ask for, the pods a manifest runs.

Read from kubernetes/pod-security-admission (staging/src/k8s.io/pod-security-admission in
kubernetes/kubernetes), policy version v1.37:
- api/helpers.go: a version label is `latest` or `v1.<minor>`; a label that does not parse counts as
  `latest`, and an enforce level that does not parse as `restricted` (PolicyToEvaluate fails closed).
- policy/registry.go: a version newer than the newest check definition is clamped to it, and
  `latest` is that newest definition (v1.37, where the sysctl list last grew).
- admission/admission.go with DefaultPodSpecExtractor: Pods, PodTemplates and every workload with a
  pod template are judged by the pod they run (see manifest.POD_TEMPLATE_PATHS).
A namespace that is not among the reviewed objects is judged as unlabelled: privileged, `latest`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from .manifest import POD_TEMPLATE_PATHS, dig, kind, labels, mapping, name, namespace, text
from .model import Manifest

Level = Literal["privileged", "baseline", "restricted"]
LEVELS: tuple[Level, ...] = ("privileged", "baseline", "restricted")
LABEL_PREFIX = "pod-security.kubernetes.io/"
_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")


@dataclass(frozen=True, order=True)
class Version:
    """A Pod Security Standards policy version, `v1.<minor>`."""

    minor: int

    def __str__(self) -> str:
        return f"v1.{self.minor}"


LATEST = Version(37)
"""The newest policy version whose definitions are encoded here; `latest` means this one."""


def parse_version(value: Any) -> Version:
    """A version label as PSA reads it: unset, `latest` or unparsable is the newest; newer ones are clamped."""
    found = _VERSION.fullmatch(text(value) or "")
    if found is None:
        return LATEST
    return min(Version(int(found[1])), LATEST)


def parse_level(value: Any) -> Level:
    """An enforce level label; one that does not parse is `restricted`, as PSA fails closed."""
    for level in LEVELS:
        if value == level:
            return level
    return "restricted"


@dataclass(frozen=True)
class NamespacePolicy:
    enforce: Level
    enforce_version: Version
    warn_version: Version

    def enforces(self, level: Level) -> bool:
        """Whether the namespace rejects pods that break `level` (restricted includes baseline)."""
        return LEVELS.index(self.enforce) >= LEVELS.index(level)


UNLABELLED = NamespacePolicy("privileged", LATEST, LATEST)


def namespace_policy(obj: Manifest) -> NamespacePolicy:
    found = labels(obj)
    enforce = found.get(LABEL_PREFIX + "enforce")
    return NamespacePolicy(
        enforce="privileged" if enforce is None else parse_level(enforce),
        enforce_version=parse_version(found.get(LABEL_PREFIX + "enforce-version")),
        warn_version=parse_version(found.get(LABEL_PREFIX + "warn-version")),
    )


def namespace_policies(objects: Sequence[Manifest]) -> dict[str, NamespacePolicy]:
    """The PSA labels of every Namespace among the objects, by name."""
    return {name(obj): namespace_policy(obj) for obj in objects if kind(obj) == "Namespace" and name(obj)}


def policy_of(obj: Manifest, policies: Mapping[str, NamespacePolicy]) -> NamespacePolicy:
    """The policy of the namespace the object lands in (kubectl's `default` when it names none)."""
    return policies.get(namespace(obj) or "default", UNLABELLED)


@dataclass(frozen=True)
class Pod:
    """The pod an object runs, as PSA sees it, with the object path that leads to it."""

    subject: int
    """Index of the object in the reviewed sequence."""
    metadata: Mapping[str, Any]
    spec: Mapping[str, Any]
    prefix: str
    """Object path to the pod: "" for a Pod, "spec.template." for a Deployment."""
    policy: NamespacePolicy

    def path(self, relative: str) -> str:
        """`spec.containers[0].securityContext` of the pod, written as a path in the object."""
        return self.prefix + relative

    @property
    def is_windows(self) -> bool:
        return bool(dig(self.spec, "os", "name") == "windows")

    @property
    def in_user_namespace(self) -> bool:
        """`hostUsers: false`: the pod runs in its own user namespace (KEP-127)."""
        return self.spec.get("hostUsers") is False


def pods(objects: Sequence[Manifest]) -> Iterator[Pod]:
    """Every pod the objects run, each with the policy of its namespace."""
    if isinstance(objects, ReviewedObjects):
        return iter(objects.pods)
    return _pods(objects)


def _pods(objects: Sequence[Manifest]) -> Iterator[Pod]:
    policies = namespace_policies(objects)
    for subject, obj in enumerate(objects):
        path = POD_TEMPLATE_PATHS.get(kind(obj))
        if path is None:
            continue
        template = mapping(dig(obj, *path)) if path else obj
        prefix = "".join(f"{part}." for part in path)
        yield Pod(
            subject,
            mapping(template.get("metadata")),
            mapping(template.get("spec")),
            prefix,
            policy_of(obj, policies),
        )


class ReviewedObjects(Sequence[Manifest]):
    """The objects of one review, with the pods every Pod Security rule reads found once, not once per rule."""

    def __init__(self, objects: Sequence[Manifest]) -> None:
        self._objects = objects
        self._pods: list[Pod] | None = None

    @overload
    def __getitem__(self, index: int) -> Manifest: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Manifest]: ...
    def __getitem__(self, index: int | slice) -> Manifest | Sequence[Manifest]:
        return self._objects[index]

    def __len__(self) -> int:
        return len(self._objects)

    @property
    def pods(self) -> list[Pod]:
        if self._pods is None:
            self._pods = list(_pods(self._objects))
        return self._pods
