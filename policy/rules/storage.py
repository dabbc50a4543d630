"""Databases whose data lives on emptyDir (or nowhere): gone when the pod is."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from pydantic import Field

from .images import normalise
from .manifest import app_containers, mapping, pod_spec, sequence, text
from .model import Enforcement, Manifest, Params, Rule, Severity

DATABASES = (
    "mysql",
    "mariadb",
    "percona*",
    "postgres",
    "postgresql",
    "mongo",
    "mongodb*",
    "redis",
    "valkey",
    "cassandra",
    "couchdb",
    "elasticsearch",
    "opensearch",
    "influxdb",
    "neo4j",
    "etcd",
)


class DatabaseParams(Params):
    images: list[str] = Field(list(DATABASES), description="globs over the image name (last path part)")


def database_on_empty_dir(obj: Manifest, params: DatabaseParams) -> Iterator[str]:
    spec = pod_spec(obj)
    if spec is None:
        return
    empty_dirs = {
        text(mapping(volume).get("name"))
        for volume in sequence(spec.get("volumes"))
        if mapping(volume).get("emptyDir") is not None
    }
    for container in app_containers(spec):
        image = text(container.spec.get("image"))
        if not image:
            continue  # image-pinned reports a container without an image; it names no database
        repository, _, _ = normalise(image)
        if not any(fnmatchcase(repository.rsplit("/", 1)[-1], pattern) for pattern in params.images):
            continue
        mounts = [mapping(mount) for mount in sequence(container.spec.get("volumeMounts"))]
        on_empty = [mount for mount in mounts if text(mount.get("name")) in empty_dirs]
        for mount in on_empty:
            yield (
                f"{container.label}: database image {repository} keeps {text(mount.get('mountPath')) or '?'} "
                f"on emptyDir volume {text(mount.get('name'))}: the data is lost with the pod"
            )
        if not mounts:
            yield f"{container.label}: database image {repository} mounts no volume: the data is lost with the pod"


RULES = [
    Rule(
        id="database-on-emptydir",
        title="Database on emptyDir",
        description="A database keeps its data on a PersistentVolumeClaim, not on emptyDir or the container layer.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes volumes: emptyDir lives only as long as its pod",
        url="https://kubernetes.io/docs/concepts/storage/volumes/#emptydir",
        params=DatabaseParams,
        check_object=database_on_empty_dir,
    )
]
