"""The `pod-env-var` example: a pod that takes every key of a ConfigMap as an env var."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator, model_validator

from labs.checks import START_SLACK_SECONDS, kubectl, kubectl_exec
from labs.checksum import checksum_env
from labs.grading import Comparer, Grader, Issue, Work, as_text, at, container_name
from labs.lab import Check, Lab, without_password
from labs.markdown import block
from labs.metadata import metadata
from labs.model import DnsLabel, DnsSubdomain, Image, Port, UserId
from labs.pod import LabArgs, Manifest, Resources, container_security_context, pod_security_context
from labs.probes import http_get, probe_manifest, tcp_socket
from labs.tasks import task_section

LABEL = "configmap-env-pod"
LAB_FILE = "pod-env-var.yaml"
CONFIG_MAP_FILE = "example-configmap.yaml"
# The portable rule (a C identifier): the kubelet skips other keys with an InvalidVariableNames
# event on older clusters, and shells cannot read them anyway. Rejecting them here is louder.
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The SHA-256 of the ConfigMap's data: the pod reads its env only at start, so new data must
# replace the pod (see labs/checksum.py). `env` wins over `envFrom`, so no key may take this name.
CHECKSUM_VARIABLE = "CONFIGMAP_SHA256"


class ConfigMapEnvPodArgs(LabArgs):
    """A ConfigMap and an nginx pod that imports it whole through envFrom.configMapRef."""

    name: DnsSubdomain = Field("pod-env-var", description="Pod name")
    container_name: DnsLabel = Field("env-var-configmap", description="container name")
    config_map_name: DnsSubdomain = Field("example-configmap", description="ConfigMap name")
    data: dict[str, str] = Field(
        default_factory=lambda: {"LAB_MODE": "classroom", "LAB_GREETING": "hello from example-configmap"},
        description="ConfigMap data; every key becomes an environment variable",
    )
    prefix: str = Field("", pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$", description="prepended to every variable name")
    image: Image = Field("nginxinc/nginx-unprivileged:1.28-alpine", description="nginx that runs as a non-root user")
    port: Port = Field(
        8080,
        description="port the image listens on, where the probes look (nginx-unprivileged listens on 8080; "
        "this does not move the server)",
    )
    run_as_user: UserId = Field(101, description="UID of the image's nginx user")
    resources: Resources = Field(default_factory=Resources, description="requests and limits")

    @field_validator("data")
    @classmethod
    def _valid_names(cls, data: dict[str, str]) -> dict[str, str]:
        invalid = sorted(key for key in data if not ENV_NAME.match(key))
        if invalid:
            raise ValueError(
                f"keys {invalid} are not valid environment variable names "
                "(letters, digits and '_', not starting with a digit)"
            )
        if not data:
            raise ValueError("needs at least one key, or the pod has nothing to show")
        multi_line = sorted(key for key, value in data.items() if "\n" in value or "\r" in value)
        if multi_line:
            raise ValueError(
                f"values of {multi_line} span several lines; each must be one line, as the lab's check reads `env` "
                "line by line"
            )
        return data

    @model_validator(mode="after")
    def _checksum_name_is_free(self) -> ConfigMapEnvPodArgs:
        taken = sorted(key for key in self.data if self.prefix + key == CHECKSUM_VARIABLE)
        if taken:
            raise ValueError(
                f"data key {taken[0]!r}{' with prefix ' + repr(self.prefix) if self.prefix else ''} would be "
                f"{CHECKSUM_VARIABLE}, the variable that carries the ConfigMap's checksum; choose another name"
            )
        return self


def build(args: ConfigMapEnvPodArgs) -> list[Manifest]:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(args.config_map_name, args.namespace, LABEL),
        "data": dict(sorted(args.data.items())),
    }
    env_from: Manifest = {"configMapRef": {"name": args.config_map_name, "optional": False}}
    if args.prefix:
        env_from["prefix"] = args.prefix
    container: Manifest = {
        "name": args.container_name,
        "image": args.image,
        "envFrom": [env_from],
        # The pod reads its env only at start: new data changes this value and so replaces the pod.
        "env": [checksum_env(CHECKSUM_VARIABLE, args.data)],
        "ports": [{"name": "http", "containerPort": args.port}],
        "readinessProbe": probe_manifest(
            http_get("/", args.port),
            initial_delay_seconds=2,
            period_seconds=10,
            timeout_seconds=1,
            failure_threshold=3,
            success_threshold=1,
        ),
        "livenessProbe": probe_manifest(
            tcp_socket(args.port),
            initial_delay_seconds=5,
            period_seconds=10,
            timeout_seconds=1,
            failure_threshold=3,
            success_threshold=1,
        ),
        "resources": args.resources.manifest(),
        "securityContext": container_security_context(),
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(args.name, args.namespace, LABEL),
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": pod_security_context(args.run_as_user),
            "containers": [container],
        },
    }
    return [config_map, pod]


def env_lines(args: ConfigMapEnvPodArgs) -> list[str]:
    """The variables the ConfigMap gives, `NAME=value`, in the order `sort -t= -k1,1` prints them."""
    return [f"{args.prefix}{key}={value}" for key, value in sorted(args.data.items())]


def env_filter(args: ConfigMapEnvPodArgs) -> str:
    """The container's `env`, down to the ConfigMap's variables, sorted by name.

    The image and the kubelet add many more (PATH, HOSTNAME, NGINX_VERSION, KUBERNETES_*), and
    the runtime passes envFrom's variables in no fixed order: the filter and the sort make the
    output exactly the lines the lab sheet shows.
    """
    names = "|".join(f"{args.prefix}{key}" for key in sorted(args.data))
    return f'env | grep -E "^({names})=" | sort -t= -k1,1'


def checks(args: ConfigMapEnvPodArgs) -> list[Check]:
    wanted = env_lines(args)

    def exactly(output: str) -> str | None:
        got = output.splitlines()
        if got == wanted:
            return None
        missing = [line for line in wanted if line not in got]
        extra = [line for line in got if line not in wanted]
        found = ", ".join(
            filter(
                None,
                [f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else ""],
            )
        )
        return found or f"expected {' / '.join(wanted)} in that order, got {' / '.join(got)}"

    return [
        Check(
            "configMapEnvPod",
            "ConfigMap keys are environment variables",
            kubectl_exec(args, args.name, args.container_name, "sh", "-c", env_filter(args)),
            "\n".join(wanted),
            exactly,
            START_SLACK_SECONDS,
        )
    ]


def first_look(args: ConfigMapEnvPodArgs) -> list[str]:
    return [kubectl("describe", "configmap", args.config_map_name, args=args)]


def sheet_section(args: ConfigMapEnvPodArgs) -> list[str]:
    prefix = f" with the prefix `{args.prefix}`" if args.prefix else ""
    return [
        f"Pod `{args.name}` imports every key of ConfigMap `{args.config_map_name}` as a variable{prefix}:",
        "",
        *block("\n".join(env_lines(args)), "text"),
        *block("\n".join(first_look(args)), "console"),
        "The container has many more variables (`PATH`, `HOSTNAME`, the image's own, the Service "
        f"variables, and `{CHECKSUM_VARIABLE}`, which ties the pod to this data): the check below keeps only "
        "the ConfigMap's, sorted by name.",
        "",
    ]


def task(args: ConfigMapEnvPodArgs) -> list[str]:
    # A JSON string is a YAML double-quoted scalar: it reads back as the same text, backslashes and quotes included.
    data = "".join(f"  {json.dumps(key)}: {json.dumps(value)}\n" for key, value in sorted(args.data.items()))
    prefix = f", with `prefix: {args.prefix}`" if args.prefix else ""
    asks = [
        f"ConfigMap `{args.config_map_name}` with this data:\n\n  ```yaml\n{data}  ```",
        f"`{LAB_FILE}`: Pod `{args.name}` with container `{args.container_name}` (e.g. `{args.image}`; "
        "`nginx:1.7.9` is years old)",
        f"`envFrom` with `configMapRef` whose `name` is `{args.config_map_name}`{prefix}: `name` goes under "
        "`configMapRef`, not beside it",
    ]
    return task_section(args, asks, [CONFIG_MAP_FILE, LAB_FILE], [], checks(args), first_look(args))


def per_key_refs(args: ConfigMapEnvPodArgs, item: Mapping[str, Any]) -> bool:
    """Every key of the lab's ConfigMap read into its own variable (prefix and key) by configMapKeyRef."""
    refs = set()
    for entry in item.get("env") or []:
        ref = at(entry, ("valueFrom", "configMapKeyRef"))
        if isinstance(entry, Mapping) and isinstance(ref, Mapping) and ref.get("name") == args.config_map_name:
            refs.add((entry.get("name"), ref.get("key")))
    return all((args.prefix + key, key) in refs for key in args.data)


def grade(args: ConfigMapEnvPodArgs, work: Work) -> list[Issue]:
    issues = []
    config_map = work.get("ConfigMap", args.config_map_name)
    if config_map is not None:
        c = Comparer(("ConfigMap", args.config_map_name))
        data = at(config_map, ("data",)) or {}
        for key, value in sorted(args.data.items()):
            # A number here is refused by the API server (the schema layer says so): compared by what it says.
            found = as_text(data.get(key))
            c.same(("data", key), found, value, "the Testing step's `env` lists every key with its value")
        issues += c.issues
    pod = work.get("Pod", args.name)
    if pod is None:
        return issues
    c = Comparer(("Pod", args.name))
    path, item = container_name(c, pod, args.container_name, "the Testing step runs `env` in it by name (-c)")
    sources = [s for s in item.get("envFrom") or [] if isinstance(s, Mapping)]
    why = "without the ConfigMap's keys the Testing step's `env` shows none of them"
    index = next((n for n, s in enumerate(sources) if "configMapRef" in s), None)
    if index is None:
        if per_key_refs(args, item):
            # Decision: one configMapKeyRef per key gives `env` the same lines, so the Testing step
            # would pass; but the sheet words `envFrom` with `configMapRef`, and taking the whole
            # ConfigMap at once is what the lab is about: the finding says that, not that `env` lacks them.
            why = (
                "the task asks for envFrom with configMapRef: one configMapKeyRef per key gives the same "
                "variables, but names each key by hand instead of taking the whole ConfigMap"
            )
        c.add((*path, "envFrom"), None, f"configMapRef: {{name: {args.config_map_name}}}", why)
        return issues + c.issues
    source = sources[index]
    here = (*path, "envFrom", index, "configMapRef")
    # Strict decoding, kubectl's default, refuses an unknown field even beside a right configMapRef.
    if "name" in source:
        beside = "the API server refuses `name` beside configMapRef (strict decoding), or drops it and finds no name"
        c.add(
            (*here, "name"),
            f"name: {source['name']} beside configMapRef",
            f"configMapRef: {{name: {args.config_map_name}}}",
            beside,
        )
    else:
        c.same((*here, "name"), at(source, ("configMapRef", "name")), args.config_map_name, why)
    c.same(
        (*path, "envFrom", index, "prefix"),
        source.get("prefix") or "",
        args.prefix,
        "the prefix renames every variable `env` lists",
    )
    return issues + c.issues


GRADER = Grader(asks=lambda args: [("ConfigMap", args.config_map_name), ("Pod", args.name)], grade=grade)


LAB = Lab(
    key="configMapEnvPod",
    component="ConfigMapEnvPod",
    title="ConfigMap consumed through envFrom",
    file_stem="pod-env-var",
    args_type=ConfigMapEnvPodArgs,
    builder=without_password(build),
    checker=checks,
    sheet_writer=sheet_section,
    first_look=first_look,
    task_writer=task,
    grader=GRADER,
)
