"""What pulumi-kubernetes, the Pulumi engine and the Kubernetes API server do with the objects this project
registers, as data, each rule with the file it was read from, at the release tag pyproject.toml pins
(components/sources.py); the Kubernetes API server's rules at a commit inside the validated range.

`components/manifests.py` picks every object's resource options and dependencies from this table, the tests
hold every registered object to it, and docs/deploy.md explains it. Nothing here runs against a cluster.

Paths are in the provider's detailed-diff form, the form `replace_on_changes` takes: camelCase keys joined by
dots, `[*]` for any list item. A path covers itself and everything under it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.sources import KUBERNETES, PULUMI, PULUMI_KUBERNETES, Source, at
from labs.metadata import DATA_OWNER, EXISTS, SKIP_AWAIT, TIMEOUT_SECONDS, WAIT_FOR

PK = PULUMI_KUBERNETES
FORCE_NEW = at(PK, "provider/pkg/provider/diff.go", "forceNewProperties")
PROVIDER_DIFF = at(PK, "provider/pkg/provider/provider.go", "Diff")
OVERRIDES = at(
    PK,
    "provider/pkg/metadata/overrides.go",
    "ReadyCondition, DeletedCondition, allowsSkipAwaitWithDelete, TimeoutDuration",
)
AWAITERS = at(PK, "provider/pkg/await/awaiters.go", "awaiters")
CREATION = at(PK, "provider/pkg/await/await.go", "Creation")
READ = at(PK, "provider/pkg/await/await.go", "Read; pod.go awaitPodRead; provider.go Read (partialError)")
STEPS = at(PULUMI, "pkg/resource/deploy/step_generator.go", "generateStepsFromDiff, applyReplaceOnChanges")
DEPENDENT_REPLACEMENTS = at(
    PULUMI, "pkg/resource/deploy/step_generator.go", "calculateDependentReplacements, findResourcesReplacedWith, diff"
)
OBJECT_META = Source(
    KUBERNETES,
    "staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go",
    "9349688d40f14e5b6814ae6daecd386a3f6fe7b4",
    "ValidateObjectMetaUpdate",
)
QUOTA_ADMISSION = Source(
    KUBERNETES,
    "staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go",
    "b1ce15c54586daabffbc79d6ef36feabbf5a0875",
    "CheckRequest",
)
LIMIT_RANGER = Source(
    KUBERNETES,
    "plugin/pkg/admission/limitranger/admission.go",
    "8f672ecf2088fe8504495748577c0ab537999ab7",
    "PodMutateLimitFunc",
)
RBAC_VALIDATION = Source(
    KUBERNETES,
    "pkg/apis/rbac/validation/validation.go",
    "1dc8b4f20f8cd7581b3175390bcca93dbcd517e5",
    "ValidateRoleBindingUpdate",
)


def core_validation(symbol: str) -> Source:
    return Source(
        KUBERNETES, "pkg/apis/core/validation/validation.go", "000f26050b9be6fb3d79fae95e06b47fc96128cd", symbol
    )


READ_NOTHING = "nothing: the object is taken as it is"
# On Read the provider honours `pulumi.com/skipAwait` but never `pulumi.com/waitFor` (READ).
READ_CHECKED = "the create check once, no waiting: `skipAwait` skips it, `waitFor` is ignored"


@dataclass(frozen=True)
class Refusal:
    """A change the API server refuses on update."""

    path: str
    source: Source
    allows: str = ""
    """What change under `path` it lets through after all."""
    unless: tuple[str, ...] = ()
    """Paths under `path` it lets change freely."""
    only_when: str = ""
    """A field that must be true in the manifest for the refusal to apply (`immutable`)."""
    kept_because: str = ""
    """Set when the project deliberately does not replace the object for this refusal: why."""


@dataclass(frozen=True)
class Wait:
    """A kind this kind is created after, when the same environment has it."""

    kind: str
    why: str
    source: Source | None = None
    """The outside rule behind it; None when the ordering is the project's own choice."""


@dataclass(frozen=True)
class Awaits:
    """What the provider waits for before it calls an operation on this kind done."""

    create: str
    update: str
    delete: str
    read: str = READ_NOTHING
    """What `pulumi refresh` (a Read) checks; a failed check is a partial error, which the engine keeps (ENGINE)."""
    source: Source = AWAITERS


@dataclass(frozen=True)
class Together:
    """A kind whose replacement replaces this object too, in the same environment (the engine's replace_with)."""

    kind: str
    why: str
    source: Source = DEPENDENT_REPLACEMENTS


@dataclass(frozen=True)
class Guard:
    """A path whose change replaces the object (replace_on_changes) because what it holds no longer fits it."""

    path: str
    why: str


WITH_NAMESPACE = Together(
    "Namespace",
    "deleting a namespace deletes everything in it: when the Namespace is replaced delete-first (`pulumi up "
    "--replace`, a new name), the engine deletes this object first and creates it again in the new namespace, "
    "instead of keeping in its state an object the cluster has already deleted",
)


@dataclass(frozen=True)
class KindRules:
    kind: str
    api_version: str
    provider_replaces: tuple[str, ...]
    """Paths whose change makes the provider itself ask for a replacement."""
    refusals: tuple[Refusal, ...]
    awaits: Awaits
    waits_for: tuple[Wait, ...] = ()
    replaced_with: tuple[Together, ...] = (WITH_NAMESPACE,)
    guards: tuple[Guard, ...] = ()


IDENTITY = ("metadata.name", "metadata.namespace")
# The provider's own list adds these label-selector sub-paths wherever it names a selector.
SELECTOR = ("matchExpressions", "matchLabels")
IDENTITY_REFUSAL = Refusal("metadata.name", OBJECT_META), Refusal("metadata.namespace", OBJECT_META)
DELETED = "until the object is gone (10 min, or `pulumi.com/timeoutSeconds`)"
NOTHING = "nothing: done once the API server accepts it"

IN_NAMESPACE = Wait(
    "Namespace",
    "a namespaced object cannot be created before its namespace (the provider retries NotFound 5 times)",
    CREATION,
)
QUOTA = Wait(
    "ResourceQuota",
    "quota admission checks a pod only against a quota whose status.hard is filled in; the provider waits for "
    "that (status.hard == spec.hard, 1 min), so every lab pod is admitted against the namespace's budget",
    QUOTA_ADMISSION,
)
DEFAULTS = Wait(
    "LimitRange",
    "the quota covers cpu and memory, so a container without requests or limits is refused (403 `failed quota: "
    "must specify ...`, which Pulumi does not retry) unless the LimitRange already exists to fill in defaults",
    LIMIT_RANGER,
)
READ_AT_START = tuple(
    Wait(kind, "the pod reads it when it starts (env, envFrom, volumes)")
    for kind in ("ConfigMap", "Secret", "PersistentVolumeClaim")
)
WORKLOAD_WAITS = (IN_NAMESPACE, QUOTA, DEFAULTS, *READ_AT_START)

# The provider's list for a Pod (FORCE_NEW): these pod fields, and these fields of every (init) container.
POD_SPEC_FIELDS = (
    "affinity",
    "automountServiceAccountToken",
    "dnsConfig",
    "dnsPolicy",
    "enableServiceLinks",
    "hostAliases",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "hostname",
    "imagePullSecrets",
    "nodeName",
    "nodeSelector",
    "overhead",
    "preemptionPolicy",
    "priority",
    "priorityClassName",
    "readinessGates",
    "restartPolicy",
    "runtimeClassName",
    "schedulerName",
    "securityContext",
    "serviceAccount",
    "serviceAccountName",
    "shareProcessNamespace",
    "subdomain",
    "terminationGracePeriodSeconds",
    "volumes",
)
CONTAINER_FIELDS = (
    "args",
    "command",
    "env",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "ports",
    "readinessProbe",
    "resources",
    "securityContext",
    "stdin",
    "stdinOnce",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tty",
    "volumeDevices",
    "volumeMounts",
    "workingDir",
)
POD_REPLACES = (
    *IDENTITY,
    *(f"spec.{name}" for name in POD_SPEC_FIELDS),
    *(f"spec.{group}[*].{name}" for group in ("containers", "initContainers") for name in CONTAINER_FIELDS),
)
# Changes to a Pod the API server takes in place. tolerations (additions only), activeDeadlineSeconds (set or
# lowered), schedulingGates (removals only) and terminationGracePeriodSeconds (negative to 1) pass only in
# one direction, so they are not listed: another change to them is refused.
POD_UPDATABLE = ("spec.containers[*].image", "spec.initContainers[*].image")

RULES: dict[str, KindRules] = {
    rules.kind: rules
    for rules in (
        KindRules(
            "Namespace",
            "v1",
            IDENTITY,
            IDENTITY_REFUSAL,
            Awaits(NOTHING, NOTHING, f"{DELETED}; skipped with skipAwait"),
            replaced_with=(),
        ),
        KindRules(
            "ServiceAccount",
            "v1",
            IDENTITY,
            IDENTITY_REFUSAL,
            Awaits("nothing on Kubernetes 1.24 and later", NOTHING, DELETED),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "Role",
            "rbac.authorization.k8s.io/v1",
            IDENTITY,
            IDENTITY_REFUSAL,
            Awaits(NOTHING, NOTHING, DELETED),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "RoleBinding",
            "rbac.authorization.k8s.io/v1",
            (*IDENTITY, "roleRef"),
            (*IDENTITY_REFUSAL, Refusal("roleRef", RBAC_VALIDATION)),
            Awaits(NOTHING, NOTHING, DELETED),
            (
                IN_NAMESPACE,
                Wait("Role", "it binds the Role to the ServiceAccount: both exist before it"),
                Wait("ServiceAccount", "it binds the Role to the ServiceAccount: both exist before it"),
            ),
        ),
        KindRules(
            "ResourceQuota",
            "v1",
            (*IDENTITY, "spec.scopes"),
            (*IDENTITY_REFUSAL, Refusal("spec.scopes", core_validation("ValidateResourceQuotaUpdate"))),
            Awaits("status.hard equal to spec.hard (1 min, fixed)", "the same, at once when already equal", DELETED),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "LimitRange",
            "v1",
            IDENTITY,
            IDENTITY_REFUSAL,
            Awaits(NOTHING, NOTHING, DELETED),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "NetworkPolicy",
            "networking.k8s.io/v1",
            IDENTITY,
            IDENTITY_REFUSAL,
            Awaits(NOTHING, NOTHING, DELETED),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "ConfigMap",
            "v1",
            # With the provider's default enableConfigMapMutable=false.
            (*IDENTITY, "data", "binaryData"),
            (
                *IDENTITY_REFUSAL,
                Refusal("immutable", core_validation("ValidateConfigMapUpdate"), allows="false to true"),
                Refusal("data", core_validation("ValidateConfigMapUpdate"), only_when="immutable"),
                Refusal("binaryData", core_validation("ValidateConfigMapUpdate"), only_when="immutable"),
            ),
            Awaits(NOTHING, NOTHING, DELETED),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "Secret",
            "v1",
            # With the provider's default enableSecretMutable=false.
            (*IDENTITY, "type", "stringData", "data"),
            (
                *IDENTITY_REFUSAL,
                Refusal("type", core_validation("ValidateSecretUpdate")),
                Refusal("immutable", core_validation("ValidateSecretUpdate"), allows="false to true"),
                Refusal("data", core_validation("ValidateSecretUpdate"), only_when="immutable"),
            ),
            Awaits(
                "for type kubernetes.io/service-account-token: data filled in (5 s, fixed; on timeout the create "
                "is a partial error and the next update waits again); other types: nothing",
                "the same",
                DELETED,
            ),
            (
                IN_NAMESPACE,
                Wait("ServiceAccount", "the token controller fills in a token only for an account that exists"),
            ),
        ),
        KindRules(
            "PersistentVolumeClaim",
            "v1",
            (
                *IDENTITY,
                "spec.accessModes",
                "spec.selector",
                *(f"spec.selector.{name}" for name in SELECTOR),
                "spec.storageClassName",
                "spec.volumeName",
            ),
            (
                *IDENTITY_REFUSAL,
                Refusal(
                    "spec",
                    core_validation("ValidatePersistentVolumeClaimUpdate"),
                    unless=("spec.resources.requests", "spec.volumeAttributesClassName"),
                ),
                Refusal(
                    "spec.resources.requests",
                    core_validation("ValidatePersistentVolumeClaimUpdate"),
                    allows="growth of a bound claim whose StorageClass allows expansion",
                    kept_because="the claim holds a student's data and is protected: a smaller size stops "
                    "`pulumi up` at the API server's refusal instead of replacing (emptying) the claim",
                ),
            ),
            Awaits(
                "Bound, or Pending under a WaitForFirstConsumer StorageClass (5 min, fixed)",
                "the same, at once when Bound",
                DELETED,
            ),
            (IN_NAMESPACE,),
            replaced_with=(
                WITH_NAMESPACE,
                Together(
                    "Secret",
                    "MySQL applies MYSQL_ROOT_PASSWORD only when it initialises an empty data directory, so a new "
                    "password over the old data is a database nobody can log in to; the claim is protected, so "
                    "the replacement stops before anything is deleted, naming `pulumi state unprotect`",
                ),
            ),
            guards=(
                Guard(
                    f'metadata.annotations["{DATA_OWNER}"]',
                    "the files on the claim belong to the UID and group MySQL first ran as, and MySQL creates them "
                    "without group write: under another runAsUser it cannot write its own data; the claim is "
                    "protected, so `pulumi up` stops with the engine's protection message",
                ),
            ),
        ),
        KindRules(
            "Service",
            "v1",
            (*IDENTITY, "spec.clusterIP"),
            (
                *IDENTITY_REFUSAL,
                *(
                    Refusal(path, core_validation("ValidateServiceUpdate"), allows="to or from type ExternalName")
                    for path in ("spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies")
                ),
            ),
            Awaits(
                "endpoints settled for 10 s with no address not ready (10 min); nothing for headless, ExternalName "
                "and selector-less Services",
                "the same",
                DELETED,
                READ_CHECKED,
            ),
            (IN_NAMESPACE,),
        ),
        KindRules(
            "Deployment",
            "apps/v1",
            (*IDENTITY, "spec.selector", *(f"spec.selector.{name}" for name in SELECTOR)),
            # The provider's table says the selector is replaced "only AFTER v1beta1", as the API server refuses
            # changing it from apps/v1 on; where the server checks that has moved between releases.
            (*IDENTITY_REFUSAL, Refusal("spec.selector", FORCE_NEW)),
            Awaits(
                "rolled out: observedGeneration, Available, the new ReplicaSet's pods ready, the claims its pods "
                "mount Bound (10 min)",
                "the same, and Progressing with reason NewReplicaSetAvailable",
                f"{DELETED}; skipped with skipAwait",
                READ_CHECKED,
            ),
            WORKLOAD_WAITS,
            replaced_with=(
                WITH_NAMESPACE,
                Together(
                    "PersistentVolumeClaim",
                    "a claim a pod uses is kept until the pod is gone (the pvc-protection finalizer), so the "
                    "Deployment that mounts a replaced claim is deleted before it and created after it",
                ),
                Together(
                    "Secret",
                    "MySQL reads MYSQL_ROOT_PASSWORD only into an empty data directory: with emptyDir storage a new "
                    "Deployment starts on a new one, so a changed password reaches the database (with a claim, "
                    "the claim's own rule stops the change first)",
                ),
            ),
        ),
        KindRules(
            "Pod",
            "v1",
            POD_REPLACES,
            (
                *IDENTITY_REFUSAL,
                Refusal(
                    "spec",
                    core_validation("ValidatePodUpdate"),
                    allows="additions to tolerations, a lower activeDeadlineSeconds, removed schedulingGates",
                    unless=POD_UPDATABLE,
                ),
            ),
            Awaits(
                "scheduled, initialized, and Ready or Succeeded (10 min, or `pulumi.com/timeoutSeconds`); "
                "`pulumi.com/waitFor` replaces it",
                "the same",
                f"{DELETED}; skipped with skipAwait",
                READ_CHECKED,
            ),
            WORKLOAD_WAITS,
        ),
    )
}
WORKLOADS = frozenset({"Pod", "Deployment"})


@dataclass(frozen=True)
class AnnotationRule:
    """What a pulumi-kubernetes await annotation changes."""

    key: str
    readiness: str
    deletion: str
    source: Source = OVERRIDES


ANNOTATIONS = (
    AnnotationRule(
        SKIP_AWAIT,
        'with the value "true": create and update return as soon as the API server accepts the object',
        "not awaited for Namespace, Pod, ReplicationController, DaemonSet, Deployment, StatefulSet and Job "
        "(a replaced Pod's successor can then meet AlreadyExists); still awaited for every other kind",
    ),
    AnnotationRule(
        WAIT_FOR,
        "replaces the built-in readiness wait: `jsonpath={...}` (present, or `=value`), `condition=Type`, or a "
        f"JSON list of them, all met; `{EXISTS}` is met as soon as the object exists",
        "still awaited until the object is gone",
    ),
    AnnotationRule(
        TIMEOUT_SECONDS,
        "limits the readiness wait, unless the resource sets customTimeouts",
        "limits the deletion wait too; the fixed waits (Secret 5 s, ResourceQuota 1 min, claim 5 min) ignore it",
    ),
)
SKIP_AWAIT_SKIPS_DELETION = frozenset(
    {"Namespace", "Pod", "ReplicationController", "DaemonSet", "Deployment", "StatefulSet", "Job"}
)


@dataclass(frozen=True)
class EngineRule:
    rule: str
    source: Source


ENGINE = (
    EngineRule(
        "a replacement the provider asks for, of an object with a fixed name, is delete-then-create",
        PROVIDER_DIFF,
    ),
    EngineRule(
        "a replacement caused only by replace_on_changes (or `pulumi up --replace`) is create-then-delete "
        "unless delete_before_replace is set",
        STEPS,
    ),
    EngineRule(
        "a create is a plain POST (since 4.29.0; an apply patch only with the provider's upsertExistingObjects, "
        "off by default), so a create-then-delete of an object with a fixed name fails with AlreadyExists and "
        "`pulumi up` stops there; `pulumi preview` does not show it",
        CREATION,
    ),
    EngineRule(
        "a delete-first replacement also deletes and recreates what takes an input from the replaced object "
        "(when its provider's diff says so) and what lists it in replace_with; an object linked only by "
        "depends_on or parent is left in the state, though the cluster may have deleted it with its namespace",
        DEPENDENT_REPLACEMENTS,
    ),
    EngineRule(
        "an object in such a chain that is protected stops the whole replacement before anything is deleted, "
        "naming `pulumi state unprotect`",
        DEPENDENT_REPLACEMENTS,
    ),
    EngineRule(
        "a Read that finds a Pod, Deployment or Service failing its check is a partial error: `pulumi refresh` "
        "warns 'Refreshed resource is in an unhealthy state', keeps the object with the error, and the next "
        "`pulumi up` runs an update with no change to await it again",
        READ,
    ),
)


@dataclass(frozen=True)
class Replacement:
    """The resource options that make a change the API server refuses a clean replacement."""

    replace_on_changes: tuple[str, ...]
    delete_before_replace: bool


def segments(path: str) -> tuple[str, ...]:
    return tuple(path.replace("[*]", ".*").split("."))


def covers(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    """`outer` is `inner` or above it; `*` matches any key or index, as in Pulumi's PropertyPath.Contains."""
    return len(outer) <= len(inner) and all(a == b or "*" in (a, b) for a, b in zip(outer, inner, strict=False))


def leaf_paths(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every path a manifest sets, list items as `*`."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from leaf_paths(item, (*prefix, str(key)))
    elif isinstance(value, list) and value:
        for item in value:
            yield from leaf_paths(item, (*prefix, "*"))
    else:
        yield prefix


def uncovered_refusals(manifest: Mapping[str, Any]) -> list[Refusal]:
    """Refusals a change to this manifest can meet that the provider does not turn into a replacement."""
    rules = RULES[manifest["kind"]]
    forced = [segments(path) for path in rules.provider_replaces]
    found = []
    for refusal in rules.refusals:
        if refusal.only_when and manifest.get(refusal.only_when) is not True:
            continue
        allowed = [segments(path) for path in refusal.unless]
        for leaf in leaf_paths(manifest):
            if (
                covers(segments(refusal.path), leaf)
                and not any(covers(path, leaf) for path in allowed)
                and not any(covers(path, leaf) for path in forced)
            ):
                found.append(refusal)
                break
    return found


def replacement(manifest: Mapping[str, Any]) -> Replacement:
    """replace_on_changes for every refused change the provider would send as an update, and delete-first.

    Every object here has a fixed name, so any replacement must delete the old object first: one the engine
    decides alone (replace_on_changes, `pulumi up --replace`) would otherwise be create-then-delete, whose
    create fails with AlreadyExists and stops `pulumi up` (ENGINE).
    """
    paths = [refusal.path for refusal in uncovered_refusals(manifest) if not refusal.kept_because]
    annotations = manifest["metadata"].get("annotations") or {}
    paths += [guard.path for guard in RULES[manifest["kind"]].guards if guarded_annotation(guard.path) in annotations]
    return Replacement(tuple(dict.fromkeys(paths)), delete_before_replace=bool(manifest["metadata"].get("name")))


def guarded_annotation(path: str) -> str:
    """The annotation key a guard path names (`metadata.annotations["key"]`); empty for any other path."""
    prefix = 'metadata.annotations["'
    return path[len(prefix) : -2] if path.startswith(prefix) and path.endswith('"]') else ""


def replaced_with(kind: str) -> frozenset[str]:
    """The kinds whose replacement replaces an object of this kind, in the same environment."""
    return frozenset(together.kind for together in RULES[kind].replaced_with)


def waits_for(kind: str) -> frozenset[str]:
    return frozenset(wait.kind for wait in RULES[kind].waits_for)
