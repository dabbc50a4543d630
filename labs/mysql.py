"""Lab 2.5: MySQL whose root password comes from a Secret, behind a headless Service."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from labs.checks import START_SLACK_SECONDS, kubectl, kubectl_exec, namespace_flags, output_lines
from labs.grading import Comparer, Grader, Issue, Work, at, container_name, env_value
from labs.lab import Check, Lab, Password
from labs.markdown import block
from labs.metadata import DATA_OWNER, exemptions, metadata
from labs.model import DnsLabel, DnsSubdomain, GroupId, Image, Memory, Model, Port, UserId
from labs.pod import LabArgs, Manifest, Resources, container_security_context, pod_security_context
from labs.probes import exec_command, probe_manifest, tcp_socket
from labs.quantity import parse_memory
from labs.tasks import task_section

LABEL = "mysql-with-secret"
LAB_FILE = "secret-mysql.yaml"
PASSWORD_KEY = "password"
DATA_PATH = "/var/lib/mysql"
CONTAINER = "mysql"
# MySQL's startupProbe allows 30 failures 5 s apart while it initialises its data directory.
STARTUP_SECONDS = 150
MIB = 1024**2
# The smallest memory limit mysql:8.4 starts in with its defaults. Not measured (MySQL cannot run
# here): taken from the MySQL 8.4 Reference Manual. Allocated at start: innodb_buffer_pool_size
# 128 MiB (17.8.3.1), innodb_log_buffer_size 64 MiB (17.5.4), key_buffer_size 8 MiB: 200 MiB.
# On top come the Performance Schema, which allocates at start and grows with load (29.17, no
# fixed size given), the data dictionary, per-connection buffers, mysqld itself, and on a first
# start the image's temporary server that initialises the data directory. 512 MiB leaves that
# undocumented part 312 MiB; it is an allowance, not a measurement.
MYSQL_MIN_MEMORY_BYTES = 512 * MIB
MYSQL_DOCUMENTED_BUFFERS_BYTES = (128 + 64 + 8) * MIB


DEFAULT_PORT = 3306


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
    port: Port = Field(
        DEFAULT_PORT, description="port mysqld listens on (passed as `--port`), the probes and the Service use"
    )
    app_label: DnsLabel = Field("mysql", description="value of the `app` label the Service selects")
    storage: Storage = Field(default_factory=EmptyDirStorage, description="emptyDir (seed) or persistentVolumeClaim")
    run_as_user: UserId = Field(999, description="UID of the official image's mysql user")
    fs_group: GroupId = Field(999, description="GID that owns the data volume")
    resources: Resources = Field(
        default_factory=lambda: Resources(
            cpu_request="250m", cpu_limit="1", memory_request="512Mi", memory_limit="1Gi"
        ),
        description="requests and limits",
    )

    @field_validator("resources")
    @classmethod
    def _limit_fits_mysql(cls, resources: Resources) -> Resources:
        limit = parse_memory(str(resources.memory_limit))
        if limit < MYSQL_MIN_MEMORY_BYTES:
            raise ValueError(
                f"memoryLimit {resources.memory_limit} ({limit} bytes) is below the "
                f"{MYSQL_MIN_MEMORY_BYTES // MIB}Mi that MySQL 8.4 needs with its defaults: its buffers alone take "
                f"{MYSQL_DOCUMENTED_BUFFERS_BYTES // MIB} MiB (buffer pool 128, log buffer 64, key buffer 8), before "
                "the Performance Schema and the server itself (docs/labs.md, 'Memory minimums')"
            )
        return resources


def port_args(port: int) -> dict[str, list[str]]:
    """mysqld listens on 3306 unless told; the image's entrypoint hands `--port=N` on to mysqld."""
    return {} if port == DEFAULT_PORT else {"args": [f"--port={port}"]}


def data_owner(args: MysqlWithSecretArgs) -> str:
    """Who owns the files MySQL writes on the claim: the first run's UID and group."""
    return f"runAsUser={args.run_as_user},fsGroup={args.fs_group}"


def build(args: MysqlWithSecretArgs, password: Password = None) -> list[Manifest]:
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
                "metadata": metadata(args.secret_name, args.namespace, LABEL),
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
                "metadata": metadata(
                    args.storage.claim_name, args.namespace, LABEL, annotations={DATA_OWNER: data_owner(args)}
                ),
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
        "name": CONTAINER,
        "image": args.image,
        **port_args(args.port),
        "env": [
            {
                "name": "MYSQL_ROOT_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": args.secret_name, "key": PASSWORD_KEY}},
            }
        ],
        "ports": [{"name": "mysql", "containerPort": args.port}],
        # First start initialises the data directory with the networking off: up to ~2 minutes.
        "startupProbe": probe_manifest(
            tcp_socket(args.port),
            initial_delay_seconds=0,
            period_seconds=5,
            timeout_seconds=5,
            failure_threshold=30,
            success_threshold=1,
        ),
        "readinessProbe": probe_manifest(
            tcp_socket(args.port),
            initial_delay_seconds=0,
            period_seconds=10,
            timeout_seconds=5,
            failure_threshold=3,
            success_threshold=1,
        ),
        # mysqladmin ping exits 0 whenever mysqld answers, even without a password.
        "livenessProbe": probe_manifest(
            exec_command("mysqladmin", "ping", "-h", "127.0.0.1", "-P", str(args.port)),
            initial_delay_seconds=0,
            period_seconds=10,
            timeout_seconds=5,
            failure_threshold=3,
            success_threshold=1,
        ),
        "resources": args.resources.manifest(),
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "mysql-persistent-storage", "mountPath": DATA_PATH}],
    }
    manifests.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(args.name, args.namespace, LABEL),
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
            "metadata": metadata(args.name, args.namespace, LABEL, annotations=exemptions(reasons)),
            "spec": {
                "replicas": 1,
                # Two mysqld processes must never share one data directory.
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": {**metadata(args.name, None, LABEL)["labels"], **labels}},
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


def create_secret_commands(args: MysqlWithSecretArgs) -> list[str]:
    """The Secret made by hand, the password read from the terminal and handed over on stdin.

    Never in a file, a log or the shell history, and never on a command line, where `ps` on a
    shared machine would show it: printf is a shell builtin, and kubectl reads the key from stdin.
    """
    create = shlex.join(
        (
            "kubectl",
            "create",
            "secret",
            "generic",
            args.secret_name,
            *namespace_flags(args),
            f"--from-file={PASSWORD_KEY}=/dev/stdin",
        )
    )
    return [
        "read -rs MYSQL_ROOT_PASSWORD   # bash: type the password; it is not shown",
        f'printf %s "$MYSQL_ROOT_PASSWORD" | {create}',
    ]


def client_command(args: MysqlWithSecretArgs) -> str:
    """A client call through the headless Service; the password never leaves the pod."""
    return (
        f'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -h {args.name} -P {args.port} -uroot --batch --skip-column-names '
        '-e "SELECT 1"'
    )


def checks(args: MysqlWithSecretArgs) -> list[Check]:
    def connected(output: str) -> str | None:
        got = output_lines(output)
        return None if got[-1:] == ["1"] else f"the client did not connect ({got[-1] if got else 'no output'})"

    return [
        Check(
            "mysqlWithSecret",
            "client connects through the Service",
            kubectl_exec(args, f"deploy/{args.name}", CONTAINER, "sh", "-c", client_command(args)),
            "1",
            connected,
            STARTUP_SECONDS + START_SLACK_SECONDS,
        )
    ]


def first_look(args: MysqlWithSecretArgs) -> list[str]:
    return [kubectl("describe", "secret", args.secret_name, args=args)]


def sheet_section(args: MysqlWithSecretArgs) -> list[str]:
    client = f'export MYSQL_PWD="$MYSQL_ROOT_PASSWORD"; exec mysql -h {args.name} -P {args.port} -uroot'
    interactive = shlex.join(kubectl_exec(args, f"deploy/{args.name}", CONTAINER, "sh", "-c", client, tty=True))
    return [
        f"Secret `{args.secret_name}` holds the root password under `{PASSWORD_KEY}`; Deployment `{args.name}` "
        f"reads it into `MYSQL_ROOT_PASSWORD`; the headless Service `{args.name}` resolves to the pod.",
        "",
        *block("\n".join(first_look(args)), "console"),
        "Expected: `password:` followed by the length in bytes, never the value.",
        "",
        f"Wait until `{kubectl('get', 'deployment', args.name, args=args)}` shows `1/1` READY: the first start "
        f"initialises the data directory, which takes up to {STARTUP_SECONDS} s (the startup probe's allowance); "
        "the client steps below fail before that.",
        "",
        "Connect through the Service. The password stays in the pod: the single quotes hand "
        "`$MYSQL_ROOT_PASSWORD` to the pod's shell unexpanded, so it never appears on your command line.",
        "",
        *block(interactive, "console"),
        "Expected: the `mysql>` prompt (`exit` leaves).",
        "",
        f"The same check without a prompt (it runs `{client_command(args)}` in the pod):",
        "",
    ]


def task(args: MysqlWithSecretArgs) -> list[str]:
    asks = [
        f"Secret `{args.secret_name}` with key `{PASSWORD_KEY}` (a password of your choice, created with kubectl: "
        "never in a file you hand in)",
        f"`{LAB_FILE}`: a Service `{args.name}` with `clusterIP: None`, port {args.port}, selecting `app: "
        f"{args.app_label}`",
        f"a Deployment `{args.name}` whose pods carry `app: {args.app_label}`, container `{CONTAINER}` "
        f"(e.g. `{args.image}`; `mysql:5.6` is end-of-life) with port {args.port}",
        f"env `MYSQL_ROOT_PASSWORD` from `secretKeyRef` name `{args.secret_name}`, key `{PASSWORD_KEY}`",
        f"its data directory `{DATA_PATH}` on a volume",
    ]
    # The student types the password at a prompt: never on a command line or in the shell history.
    create = create_secret_commands(args)
    return task_section(args, asks, [LAB_FILE], create, checks(args), first_look(args))


def grade(args: MysqlWithSecretArgs, work: Work) -> list[Issue]:
    issues = []
    deployment = work.get("Deployment", args.name)
    labels: Mapping[str, Any] = {}
    if deployment is not None:
        c = Comparer(("Deployment", args.name))
        labels = at(deployment, ("spec", "template", "metadata", "labels")) or {}
        path, item = container_name(c, deployment, CONTAINER, "the Testing step runs the client in it by name (-c)")
        entry = env_value(item, "MYSQL_ROOT_PASSWORD")
        why = "MySQL refuses to initialise without a root password: the pod never runs"
        if entry is None:
            c.add((*path, "env"), None, f"MYSQL_ROOT_PASSWORD from Secret {args.secret_name}", why)
        else:
            ref = (*path, "env", entry[0], "valueFrom", "secretKeyRef")
            c.same((*ref, "name"), at(entry[1], ("valueFrom", "secretKeyRef", "name")), args.secret_name, why)
            c.same((*ref, "key"), at(entry[1], ("valueFrom", "secretKeyRef", "key")), PASSWORD_KEY, why)
        issues += c.issues
    service = work.get("Service", args.name)
    if service is not None:
        c = Comparer(("Service", args.name))
        c.same(
            ("spec", "clusterIP"),
            at(service, ("spec", "clusterIP")),
            "None",
            "the lab asks for a headless Service: its name resolves to the pod itself",
        )
        ports = [p.get("port") for p in at(service, ("spec", "ports")) or [] if isinstance(p, Mapping)]
        if args.port not in ports:
            c.add(("spec", "ports"), ports or None, [args.port], "the client connects to that port through the Service")
        selector = at(service, ("spec", "selector")) or {}
        matches = bool(selector) and all(labels.get(key) == value for key, value in selector.items())
        if deployment is not None and not matches:
            c.add(
                ("spec", "selector"),
                dict(selector) or None,
                dict(labels) or f"app: {args.app_label}",
                "a selector that matches no pod leaves the Service without endpoints: the client cannot connect",
            )
        issues += c.issues
    secret = work.get("Secret", args.secret_name)
    if secret is not None:
        c = Comparer(("Secret", args.secret_name))
        keys = set(at(secret, ("data",)) or {}) | set(at(secret, ("stringData",)) or {})
        if PASSWORD_KEY not in keys:
            c.add(("data",), sorted(keys) or None, [PASSWORD_KEY], "secretKeyRef names that key: the pod never starts")
        c.add(
            ("data",),
            "a password in a file",
            "kubectl create secret generic",
            "a file with the password ends up shared; create the Secret with kubectl",
            "advice",
        )
        issues += c.issues
    return issues


GRADER = Grader(
    asks=lambda args: [("Service", args.name), ("Deployment", args.name)],
    grade=grade,
    made_by_commands=lambda args: [("Secret", args.secret_name)],
)


LAB = Lab(
    key="mysqlWithSecret",
    component="MysqlWithSecret",
    title="Lab 2.5: MySQL with its password in a Secret",
    file_stem="secret-mysql",
    args_type=MysqlWithSecretArgs,
    builder=build,
    checker=checks,
    sheet_writer=sheet_section,
    first_look=first_look,
    task_writer=task,
    grader=GRADER,
)
