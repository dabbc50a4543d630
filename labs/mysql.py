"""Lab 2.5: MySQL whose root password comes from a Secret, behind a headless Service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from labs.model import DnsLabel, DnsSubdomain, Image, Memory, Model, Port
from labs.pod import (
    LabArgs,
    Manifest,
    Resources,
    container_security_context,
    exemptions,
    metadata,
    pod_security_context,
)

LAB = "mysql-with-secret"
PASSWORD_KEY = "password"
DATA_PATH = "/var/lib/mysql"


class EmptyDirStorage(Model):
    type: Literal["emptyDir"] = Field("emptyDir", description="the seed's volume: the data goes with the pod")


class PersistentStorage(Model):
    type: Literal["persistentVolumeClaim"] = Field(
        "persistentVolumeClaim", description="a PersistentVolumeClaim the stack creates; the data outlives the pod"
    )
    claim_name: DnsSubdomain = Field("mysql-data", description="PersistentVolumeClaim name")
    size: Memory = Field("1Gi", description="requested capacity")
    storage_class_name: DnsSubdomain | None = Field(None, description="storage class; unset is the cluster default")


Storage = Annotated[EmptyDirStorage | PersistentStorage, Field(discriminator="type")]


class MysqlWithSecretArgs(LabArgs):
    """A Secret, a single-replica MySQL Deployment reading it, and a headless Service."""

    name: DnsSubdomain = Field("mysql", description="Deployment and Service name")
    secret_name: DnsSubdomain = Field("mysql-password", description="Secret holding the root password")
    existing_secret: bool = Field(
        False, description="use a Secret made by hand (`kubectl create secret generic ...`) instead of creating it"
    )
    image: Image = Field("mysql:8.4", description="MySQL LTS image (runs as UID 999)")
    port: Port = Field(3306, description="MySQL port")
    app_label: DnsLabel = Field("mysql", description="value of the `app` label the Service selects")
    storage: Storage = Field(default_factory=EmptyDirStorage, description="emptyDir (seed) or persistentVolumeClaim")
    run_as_user: int = Field(999, ge=1, description="UID of the official image's mysql user")
    fs_group: int = Field(999, ge=0, description="GID that owns the data volume")
    resources: Resources = Field(
        default_factory=lambda: Resources(
            cpu_request="250m", cpu_limit="1", memory_request="512Mi", memory_limit="1Gi"
        ),
        description="requests and limits",
    )


def _probe(action: Manifest, **timing: int) -> Manifest:
    base = {
        "initialDelaySeconds": 0,
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
        "successThreshold": 1,
    }
    return {**action, **base, **timing}


def build(args: MysqlWithSecretArgs, password: Any = None) -> list[Manifest]:
    """`password` may be a plain string or a Pulumi Output; it is not needed with existingSecret."""
    manifests: list[Manifest] = []
    reasons = {"secret-in-env": "Lab 2.5 teaches reading a Secret through secretKeyRef into MYSQL_ROOT_PASSWORD"}
    if args.existing_secret:
        reasons["secret-ref-resolves"] = (
            f"created by hand: kubectl create secret generic {args.secret_name} --from-literal={PASSWORD_KEY}=..."
        )
    else:
        if password is None:
            raise ValueError("a password is needed unless existingSecret is true")
        manifests.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": metadata(args.secret_name, args.namespace, LAB),
                "type": "Opaque",
                "stringData": {PASSWORD_KEY: password},
            }
        )
    labels = {"app": args.app_label}
    if isinstance(args.storage, PersistentStorage):
        claim_spec: Manifest = {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": str(args.storage.size)}},
        }
        if args.storage.storage_class_name is not None:
            claim_spec["storageClassName"] = args.storage.storage_class_name
        manifests.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": metadata(args.storage.claim_name, args.namespace, LAB),
                "spec": claim_spec,
            }
        )
        volume: Manifest = {
            "name": "mysql-persistent-storage",
            "persistentVolumeClaim": {"claimName": args.storage.claim_name},
        }
    else:
        reasons["database-on-emptydir"] = (
            "the seed's Lab 2.5 keeps its data on emptyDir; storage.type=persistentVolumeClaim keeps it"
        )
        volume = {"name": "mysql-persistent-storage", "emptyDir": {}}
    container: Manifest = {
        "name": "mysql",
        "image": args.image,
        "env": [
            {
                "name": "MYSQL_ROOT_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": args.secret_name, "key": PASSWORD_KEY}},
            }
        ],
        "ports": [{"name": "mysql", "containerPort": args.port}],
        # First start initialises the data directory with the networking off: up to ~2 minutes.
        "startupProbe": _probe({"tcpSocket": {"port": args.port}}, periodSeconds=5, failureThreshold=30),
        "readinessProbe": _probe({"tcpSocket": {"port": args.port}}),
        # mysqladmin ping exits 0 whenever mysqld answers, even without a password.
        "livenessProbe": _probe({"exec": {"command": ["mysqladmin", "ping", "-h", "127.0.0.1", "-P", str(args.port)]}}),
        "resources": args.resources.manifest(),
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "mysql-persistent-storage", "mountPath": DATA_PATH}],
    }
    manifests.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(args.name, args.namespace, LAB),
            "spec": {
                "clusterIP": "None",
                "ports": [{"name": "mysql", "port": args.port, "targetPort": args.port}],
                "selector": labels,
            },
        }
    )
    manifests.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata(args.name, args.namespace, LAB, annotations=exemptions(reasons)),
            "spec": {
                "replicas": 1,
                # Two mysqld processes must never share one data directory.
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": {**metadata(args.name, None, LAB)["labels"], **labels}},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "securityContext": pod_security_context(args.run_as_user, fs_group=args.fs_group),
                        "containers": [container],
                        "volumes": [volume],
                    },
                },
            },
        }
    )
    return manifests
