"""Lab 2.4: Redis configured by a redis.conf that a ConfigMap holds."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from labs.checks import START_SLACK_SECONDS, kubectl, kubectl_exec, namespace_flags, output_lines
from labs.checksum import checksum_env
from labs.grading import Comparer, Grader, Issue, Work, at, command_text, container_name
from labs.lab import Check, Lab, without_password
from labs.markdown import block
from labs.metadata import exemptions, metadata
from labs.model import DnsLabel, DnsSubdomain, GroupId, Image, Model, Port, UserId
from labs.pod import LabArgs, Manifest, Resources, container_security_context, pod_security_context
from labs.probes import exec_command, probe_manifest, tcp_socket
from labs.quantity import parse_memory
from labs.tasks import task_section

LABEL = "redis-with-configmap"
LAB_FILE = "redis-pod.yaml"
MaxmemoryPolicy = Literal[
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
]
# Redis's own memory units: k/m/g are 1000s and kb/mb/gb are 1024s, case-insensitive.
_UNITS = {"": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}
_SIZE = re.compile(r"^(?P<number>[0-9]+)(?P<unit>k|kb|m|mb|g|gb)?$", re.IGNORECASE)
# Directives the lab decides itself: the file may not move the data or the port behind its back.
RESERVED_DIRECTIVES = {"maxmemory", "maxmemory-policy", "dir", "port", "include", "daemonize"}
_DIRECTIVE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# The largest byte count Redis stores; a bigger size is clamped or wraps around instead of refused.
MAX_BYTES = 2**64 - 1
_INT_MAX = 2**31 - 1
_LONG_MAX = 2**63 - 1
_INTEGER = re.compile(r"^-?(0|[1-9][0-9]*)$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


# Each check takes its settings first and the value last, and is bound to its settings with `partial`
# where the table below is built: the check itself then runs each time a value is checked.
def _integer(low: int, high: int, value: str) -> str | None:
    # Redis parses a whole decimal: no sign but '-', no leading zeros, no spaces.
    if not _INTEGER.match(value) or not low <= int(value) <= high:
        return f"a whole number from {low} to {high}"
    return None


def _one_of(choices: tuple[str, ...], value: str) -> str | None:
    return None if value.lower() in choices else f"one of {', '.join(choices)}"


def _save_points(value: str) -> str | None:
    """`save ""` turns snapshots off; otherwise pairs of 'after this many seconds, if this many changes'."""
    numbers = value.split(" ")
    if value == '""':
        return None
    seconds_ok = all(_integer(1, _INT_MAX, part) is None for part in numbers[0::2])
    changes_ok = all(_integer(0, _INT_MAX, part) is None for part in numbers[1::2])
    if len(numbers) % 2 or not seconds_ok or not changes_ok:
        return f'"" (no snapshots) or pairs of seconds (1 to {_INT_MAX}) and changes (0 to {_INT_MAX})'
    return None


def _matching(pattern: re.Pattern[str], meaning: str, value: str) -> str | None:
    return None if pattern.match(value) else meaning


_YES_NO = partial(_one_of, ("yes", "no"))
# The further directives a lab's redis.conf may carry, each with the values Redis accepts and then
# answers unchanged to CONFIG GET. Anything else (an unknown directive, a second argument, quotes,
# a number out of range or one Redis would silently clamp) makes redis-server refuse to start or
# run with another value than the one promised, so it is refused here before anything is rendered.
EXTRA_DIRECTIVES: dict[str, Callable[[str], str | None]] = {
    "maxmemory-samples": partial(_integer, 1, _INT_MAX),
    "maxmemory-eviction-tenacity": partial(_integer, 0, 100),
    "lfu-log-factor": partial(_integer, 0, _INT_MAX),
    "lfu-decay-time": partial(_integer, 0, _INT_MAX),
    "active-expire-effort": partial(_integer, 1, 10),
    "hz": partial(_integer, 1, 500),
    "timeout": partial(_integer, 0, _INT_MAX),
    "tcp-keepalive": partial(_integer, 0, _INT_MAX),
    "slowlog-log-slower-than": partial(_integer, -1, _LONG_MAX),
    "slowlog-max-len": partial(_integer, 0, _LONG_MAX),
    "latency-monitor-threshold": partial(_integer, 0, _LONG_MAX),
    "lazyfree-lazy-eviction": _YES_NO,
    "lazyfree-lazy-expire": _YES_NO,
    "lazyfree-lazy-server-del": _YES_NO,
    "lazyfree-lazy-user-del": _YES_NO,
    "lazyfree-lazy-user-flush": _YES_NO,
    "replica-lazy-flush": _YES_NO,
    "appendonly": _YES_NO,
    "appendfsync": partial(_one_of, ("always", "everysec", "no")),
    "stop-writes-on-bgsave-error": _YES_NO,
    "rdbcompression": _YES_NO,
    "rdbchecksum": _YES_NO,
    "loglevel": partial(_one_of, ("debug", "verbose", "notice", "warning")),
    "save": _save_points,
    "dbfilename": partial(_matching, _FILE_NAME, "a file name of letters, digits, '.', '_' or '-' (no path)"),
}
CONFIG_KEY = "redis-config"
CONFIG_FILE = "redis.conf"
CHECKSUM_VARIABLE = "REDIS_CONFIG_SHA256"
MIB = 1024**2
# What the container's memory limit must hold besides `maxmemory`, which counts only Redis's data
# (INFO's used_memory). Measured with Debian's redis-server 7.0 (jemalloc) started from the lab's
# rendered redis.conf, and re-measured by tests/test_real_redis_memory.py: at start RSS is about
# 12 MiB while used_memory is 0.9 MiB (code, libraries, allocator arenas); filled past maxmemory
# with values of mixed sizes, RSS - 12 MiB reached 1.17 x maxmemory (allocator fragmentation).
# The image runs another build (8.2 on musl), hence the margins: 16 MiB and 1.25 x.
REDIS_OWN_BYTES = 16 * MIB
REDIS_DATA_FACTOR = 1.25


def redis_bytes(size: str) -> int:
    """What `CONFIG GET maxmemory` answers for a redis.conf size such as '2mb'."""
    match = _SIZE.match(size.strip())
    if not match:
        raise ValueError(f"'{size}' is not a Redis size (a whole number with k, kb, m, mb, g or gb)")
    return int(match["number"]) * _UNITS[(match["unit"] or "").lower()]


class RedisSettings(Model):
    """The redis.conf the lab puts into the ConfigMap."""

    maxmemory: str = Field(
        "2mb",
        description=(
            "memory limit for data: a whole number of bytes, optionally with k, kb, m, mb, g or gb "
            "(k/m/g are 1000s, kb/mb/gb 1024s: 2mb = 2097152 bytes), at most 2^64-1 bytes"
        ),
    )
    maxmemory_policy: MaxmemoryPolicy = Field("allkeys-lru", description="what Redis evicts at the limit")
    extra: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "further directives, name to value as a string, e.g. `{maxmemory-samples: '5'}`, with values Redis "
            f"keeps as given; allowed names: {', '.join(EXTRA_DIRECTIVES)}"
        ),
    )

    @field_validator("maxmemory")
    @classmethod
    def _size(cls, value: str) -> str:
        if redis_bytes(value) > MAX_BYTES:
            raise ValueError(f"'{value}' is more than Redis can hold (at most {MAX_BYTES} bytes)")
        return value.strip()

    @field_validator("extra")
    @classmethod
    def _directives(cls, extra: dict[str, str]) -> dict[str, str]:
        for name, value in extra.items():
            if name in RESERVED_DIRECTIVES:
                raise ValueError(f"'{name}' is set by the lab itself, not through extra")
            if not _DIRECTIVE_NAME.match(name):
                raise ValueError(f"'{name}' is not a redis.conf directive name (lower-case letters, digits, '-')")
            check = EXTRA_DIRECTIVES.get(name)
            if check is None:
                raise ValueError(
                    f"'{name}' is not a directive this lab accepts; allowed: {', '.join(EXTRA_DIRECTIVES)}"
                )
            wanted = check(value)
            if wanted is not None:
                raise ValueError(f"'{name} {value}' is not a value Redis keeps as given: it must be {wanted}")
        return extra

    def render(self) -> str:
        lines = [f"maxmemory {self.maxmemory}", f"maxmemory-policy {self.maxmemory_policy}"]
        lines += [f"{name} {value}" for name, value in sorted(self.extra.items())]
        return "\n".join(lines) + "\n"


class RedisWithConfigMapArgs(LabArgs):
    """A ConfigMap with a redis.conf and a Redis pod that starts from it."""

    name: DnsSubdomain = Field("redis", description="Pod name")
    config_map_name: DnsSubdomain = Field("redis-config", description="ConfigMap name")
    container_name: DnsLabel = Field("redis", description="container name")
    image: Image = Field("redis:8.2-alpine", description="official Redis image (runs as UID 999)")
    port: Port = Field(6379, description="port Redis listens on")
    config: RedisSettings = Field(default_factory=RedisSettings, description="contents of redis.conf")
    run_as_user: UserId = Field(999, description="UID of the official image's redis user")
    fs_group: GroupId = Field(999, description="GID that owns the data volume")
    resources: Resources = Field(
        default_factory=lambda: Resources(
            cpu_request="50m", cpu_limit="0.1", memory_request="32Mi", memory_limit="64Mi"
        ),
        description="requests and limits (the seed's cpu limit is 0.1)",
    )

    # `resources` is declared before `config` (LabArgs's field), so it is in info.data when valid.
    @field_validator("config")
    @classmethod
    def _maxmemory_fits_the_limit(cls, config: RedisSettings, info: ValidationInfo) -> RedisSettings:
        resources = info.data.get("resources")
        size = redis_bytes(config.maxmemory)
        if not isinstance(resources, Resources) or size == 0:
            return config
        limit = parse_memory(str(resources.memory_limit))
        needed = memory_needed(size)
        if limit < needed:
            raise ValueError(
                f"maxmemory {config.maxmemory} ({size} bytes) does not fit resources.memoryLimit "
                f"{resources.memory_limit} ({limit} bytes): Redis needs {REDIS_OWN_BYTES // MIB} MiB of its own "
                f"plus {REDIS_DATA_FACTOR:g} x maxmemory, {needed} bytes ({math.ceil(needed / MIB)} MiB), or the "
                "kernel kills it before it evicts anything; lower maxmemory or raise memoryLimit"
            )
        return config


def memory_needed(maxmemory_bytes: int) -> int:
    """The smallest container memory limit under which Redis reaches `maxmemory` and evicts instead of being killed."""
    return REDIS_OWN_BYTES + math.ceil(maxmemory_bytes * REDIS_DATA_FACTOR)


def server_args(args: RedisWithConfigMapArgs) -> list[str]:
    return [f"/redis-master/{CONFIG_FILE}", "--dir", "/redis-master-data", "--port", str(args.port)]


def build(args: RedisWithConfigMapArgs) -> list[Manifest]:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(args.config_map_name, args.namespace, LABEL),
        "data": {CONFIG_KEY: args.config.render()},
    }
    container: Manifest = {
        "name": args.container_name,
        "image": args.image,
        "command": ["redis-server"],
        "args": server_args(args),
        "env": [
            {"name": "MASTER", "value": "true"},
            # Redis reads redis.conf only at start, and a Pod's env cannot change in place:
            # a new config therefore replaces the Pod instead of leaving the old setting live.
            checksum_env(CHECKSUM_VARIABLE, args.config.render()),
        ],
        "ports": [{"name": "redis", "containerPort": args.port}],
        "readinessProbe": probe_manifest(
            exec_command("redis-cli", "-p", str(args.port), "ping"),
            initial_delay_seconds=2,
            period_seconds=5,
            timeout_seconds=2,
            failure_threshold=3,
            success_threshold=1,
        ),
        "livenessProbe": probe_manifest(
            tcp_socket(args.port),
            initial_delay_seconds=10,
            period_seconds=10,
            timeout_seconds=2,
            failure_threshold=3,
            success_threshold=1,
        ),
        "resources": args.resources.manifest(),
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "data", "mountPath": "/redis-master-data"},
            {"name": "config", "mountPath": "/redis-master"},
        ],
    }
    cache_only = exemptions({"database-on-emptydir": "Lab 2.4 runs Redis as a cache: its data may vanish on restart"})
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(args.name, args.namespace, LABEL, annotations=cache_only),
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": pod_security_context(args.run_as_user, fs_group=args.fs_group),
            "containers": [container],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {
                    "name": "config",
                    "configMap": {
                        "name": args.config_map_name,
                        "items": [{"key": CONFIG_KEY, "path": CONFIG_FILE}],
                    },
                },
            ],
        },
    }
    return [config_map, pod]


def checks(args: RedisWithConfigMapArgs) -> list[Check]:
    wanted = {"maxmemory": str(redis_bytes(args.config.maxmemory)), "maxmemory-policy": args.config.maxmemory_policy}
    steps = []
    for key, value in wanted.items():

        def answers(output: str, key: str = key, value: str = value) -> str | None:
            got = output_lines(output)
            return None if got == [key, value] else f"expected {key} {value}, got {' '.join(got) or 'nothing'}"

        steps.append(
            Check(
                "redisWithConfigMap",
                f"CONFIG GET {key}",
                kubectl_exec(
                    args, args.name, args.container_name, "redis-cli", "-p", str(args.port), "CONFIG", "GET", key
                ),
                f"{key}\n{value}",
                answers,
                START_SLACK_SECONDS,
            )
        )
    return steps


def first_look(args: RedisWithConfigMapArgs) -> list[str]:
    return [kubectl("describe", "configmap", args.config_map_name, args=args)]


def sheet_section(args: RedisWithConfigMapArgs) -> list[str]:
    size = redis_bytes(args.config.maxmemory)
    return [
        f"ConfigMap `{args.config_map_name}` holds this `redis.conf`; pod `{args.name}` reads it at start "
        f"(`maxmemory {args.config.maxmemory}` is {size} bytes: k/m/g count in 1000s, kb/mb/gb in 1024s).",
        "",
        *block(args.config.render(), "text"),
        *block("\n".join(first_look(args)), "console"),
        'Without a terminal `redis-cli` prints bare values; with `-it` it numbers them (`1) "maxmemory"`).',
        "",
    ]


def task(args: RedisWithConfigMapArgs) -> list[str]:
    asks = [
        f"a file `{CONFIG_KEY}` holding this redis.conf:\n\n  ```text\n"
        + "".join(f"  {line}\n" for line in args.config.render().splitlines())
        + "  ```",
        f"ConfigMap `{args.config_map_name}` made from it (key `{CONFIG_KEY}`)",
        f"`{LAB_FILE}`: Pod `{args.name}` with container `{args.container_name}` (e.g. `{args.image}`; "
        f"`kubernetes/redis:v1` is years old) listening on {args.port}",
        f"a `configMap` volume of `{args.config_map_name}` with item key `{CONFIG_KEY}`, path `{CONFIG_FILE}`, "
        "mounted at `/redis-master`, and an `emptyDir` at `/redis-master-data`",
        f"the container starts `redis-server /redis-master/{CONFIG_FILE}`",
    ]
    namespace = " ".join(namespace_flags(args))
    create = f"kubectl create configmap {args.config_map_name} --from-file={CONFIG_KEY}" + (
        f" {namespace}" if namespace else ""
    )
    return task_section(args, asks, [LAB_FILE], [create], checks(args), first_look(args))


def config_issues(args: RedisWithConfigMapArgs, config_map: Mapping[str, Any]) -> list[Issue]:
    c = Comparer(("ConfigMap", args.config_map_name))
    text = at(config_map, ("data", CONFIG_KEY))
    why = "the pod mounts that key as redis.conf: Redis starts without the lab's settings"
    if not isinstance(text, str):
        c.add(("data", CONFIG_KEY), None, f"key {CONFIG_KEY} holding redis.conf", why)
        return c.issues
    settings = dict(line.strip().split(None, 1) for line in text.splitlines() if len(line.split(None, 1)) == 2)
    answer = "CONFIG GET answers with what redis.conf says"
    found_bytes = settings.get("maxmemory")
    try:
        same_size = found_bytes is not None and redis_bytes(found_bytes) == redis_bytes(args.config.maxmemory)
    except ValueError:
        same_size = False
    if not same_size:
        c.add(("data", CONFIG_KEY), f"maxmemory {found_bytes}", f"maxmemory {args.config.maxmemory}", answer)
    c.same(
        ("data", CONFIG_KEY),
        f"maxmemory-policy {settings.get('maxmemory-policy')}",
        f"maxmemory-policy {args.config.maxmemory_policy}",
        answer,
    )
    return c.issues


def config_landing(pairs: list[tuple[Any, Any]], mount: Mapping[str, Any] | None) -> str | None:
    """Where in the container the ConfigMap's `redis-config` key appears as a file, or None."""
    if mount is None or not isinstance(mount.get("mountPath"), str):
        return None
    # With items, only the keys listed appear, each at its path; without, every key under its own name.
    in_volume = next((p for k, p in pairs if k == CONFIG_KEY), None) if pairs else CONFIG_KEY
    if not isinstance(in_volume, str):
        return None
    mount_path = str(mount["mountPath"])
    sub_path = mount.get("subPath")
    if sub_path:
        return mount_path if sub_path == in_volume else None
    return f"{mount_path.rstrip('/')}/{in_volume}"


def grade(args: RedisWithConfigMapArgs, work: Work) -> list[Issue]:
    issues = []
    config_map = work.get("ConfigMap", args.config_map_name)
    if config_map is not None:
        issues += config_issues(args, config_map)
    pod = work.get("Pod", args.name)
    if pod is None:
        return issues
    c = Comparer(("Pod", args.name))
    path, item = container_name(c, pod, args.container_name, "the Testing step runs redis-cli in it by name (-c)")
    volumes = [v for v in at(pod, ("spec", "volumes")) or [] if isinstance(v, Mapping)]
    index = next((n for n, v in enumerate(volumes) if isinstance(v.get("configMap"), Mapping)), None)
    why = "Redis reads /redis-master/redis.conf: without it CONFIG GET answers Redis's defaults"
    if index is None:
        c.add(("spec", "volumes"), None, f"a configMap volume of {args.config_map_name}", why)
        return issues + c.issues
    volume = volumes[index]
    here = ("spec", "volumes", index, "configMap")
    c.same((*here, "name"), at(volume, ("configMap", "name")), args.config_map_name, why)
    items = at(volume, ("configMap", "items")) or []
    pairs = [(i.get("key"), i.get("path")) for i in items if isinstance(i, Mapping)]
    mounts = [m for m in item.get("volumeMounts") or [] if isinstance(m, Mapping)]
    mount = next((n for n, m in enumerate(mounts) if m.get("name") == volume.get("name")), None)
    image = str(item.get("image") or "")
    seed_image = image.startswith("kubernetes/redis")
    landing = config_landing(pairs, mounts[mount] if mount is not None else None)
    # Decision: the sheet words an item `redis-config` -> `redis.conf` mounted at /redis-master, but
    # what the lab checks is what CONFIG GET answers, and Redis reads its file by any name. The whole
    # ConfigMap (the file is /redis-master/redis-config) or a subPath mount, with the server started
    # on the file where the key lands, passes; the seed's image reads /redis-master/redis.conf itself.
    read = f"/redis-master/{CONFIG_FILE}" if seed_image else None
    if landing is not None and (landing == read or (read is None and landing in command_text(item).split())):
        return issues + c.issues
    if items and (CONFIG_KEY, CONFIG_FILE) not in pairs:
        shown = ", ".join(f"{key} -> {path}" for key, path in pairs)
        c.add((*here, "items"), shown, f"{CONFIG_KEY} -> {CONFIG_FILE}", why)
    if mount is None:
        c.add((*path, "volumeMounts"), None, f"volume {volume.get('name')} at /redis-master", why)
    else:
        c.same((*path, "volumeMounts", mount, "mountPath"), mounts[mount].get("mountPath"), "/redis-master", why)
    if not seed_image and f"/redis-master/{CONFIG_FILE}" not in command_text(item):
        c.add(
            (*path, "args"),
            command_text(item) or None,
            f"redis-server /redis-master/{CONFIG_FILE}",
            "the official image starts without a config file unless told: CONFIG GET answers the defaults",
        )
    elif not items and landing == f"/redis-master/{CONFIG_KEY}":
        c.add(
            (*here, "items"),
            None,
            f"{CONFIG_KEY} -> {CONFIG_FILE}",
            f"without items the volume holds one file per key, /redis-master/{CONFIG_KEY}: there is no "
            f"/redis-master/{CONFIG_FILE}"
            + (" for the image to read" if seed_image else ", and redis-server exits: it cannot open its config file"),
        )
    return issues + c.issues


GRADER = Grader(
    asks=lambda args: [("Pod", args.name)],
    grade=grade,
    made_by_commands=lambda args: [("ConfigMap", args.config_map_name)],
)


def warnings(args: RedisWithConfigMapArgs) -> list[str]:
    if redis_bytes(args.config.maxmemory) != 0:
        return []
    return [
        f"{args.name}: maxmemory 0 sets no limit: Redis never evicts, and the kernel kills it when it reaches "
        f"its memoryLimit {args.resources.memory_limit}; give maxmemory a size if the lab should show eviction"
    ]


LAB = Lab(
    key="redisWithConfigMap",
    component="RedisWithConfigMap",
    title="Lab 2.4: Redis configured by a ConfigMap",
    file_stem="redis-pod",
    args_type=RedisWithConfigMapArgs,
    builder=without_password(build),
    checker=checks,
    sheet_writer=sheet_section,
    first_look=first_look,
    task_writer=task,
    grader=GRADER,
    warner=warnings,
)
