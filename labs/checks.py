"""Each lab's Testing step as a kubectl command with the answer its parameters call for.

The lab sheet prints these commands and answers; `labctl verify` runs them. No command carries
a password: the MySQL check runs the client inside the server's pod, where the Secret is
already the MYSQL_ROOT_PASSWORD variable, and kubectl only ever sees the variable's name.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from labs import timeline
from labs.envfrom import ConfigMapEnvPodArgs
from labs.environment import Environment
from labs.mysql import MysqlWithSecretArgs
from labs.pod import LabArgs
from labs.redis import RedisWithConfigMapArgs, redis_bytes
from labs.secure_writer import SecureWriterPodArgs
from labs.webserver import ProbedWebServerArgs

# Scheduling, the image pull and the container start come before anything the timeline counts.
START_SLACK_SECONDS = 120
# MySQL's startupProbe allows 30 failures 5 s apart while it initialises its data directory.
MYSQL_STARTUP_SECONDS = 150
MYSQL_CONTAINER = "mysql"

Verdict = Callable[[str], str | None]
"""Reads a command's output; None when it is the expected answer, else what is wrong."""


@dataclass(frozen=True)
class Check:
    lab: str
    name: str
    argv: tuple[str, ...]
    expected: str
    """The answer as a student sees it, for the lab sheet and failure messages."""
    verdict: Verdict
    wait_seconds: float
    """How long after deployment the answer may take, from the lab's own timing."""

    @property
    def shell(self) -> str:
        return shlex.join(self.argv)


def _namespace(args: LabArgs) -> tuple[str, ...]:
    return ("-n", args.namespace) if args.namespace else ()


def _exec(args: LabArgs, target: str, container: str, *command: str) -> tuple[str, ...]:
    return ("kubectl", "exec", target, *_namespace(args), "-c", container, "--", *command)


def _lines(output: str) -> list[str]:
    return [line.strip() for line in output.strip().splitlines() if line.strip()]


def probe_pod_check(args: ProbedWebServerArgs) -> Check:
    prediction = timeline.predict(args)
    jsonpath = "jsonpath={.status.containerStatuses[0].ready},{.status.containerStatuses[0].restartCount}"
    argv = ("kubectl", "get", "pod", args.name, *_namespace(args), "-o", jsonpath)
    # Probe tickers start when the kubelet sees the pod, so each may run one period late.
    late = max((probe.period_seconds for probe in timeline.probes_of(args).values()), default=0)

    def status(output: str) -> tuple[str, int] | None:
        ready, _, count = output.strip().partition(",")
        return (ready, int(count)) if count.isdigit() and ready in ("true", "false") else None

    if prediction.restarts:
        first = prediction.restarts[0]

        def restarted(output: str) -> str | None:
            found = status(output)
            return None if found and found[1] >= 1 else f"no restart yet (ready,restarts = {output.strip() or '?'})"

        return Check(
            "probedWebServer",
            "liveness restarts the container",
            argv,
            f"true,1 (ready,restartCount: a restart count of 1 or more; first restart predicted {first:g}s in)",
            restarted,
            first + late + START_SLACK_SECONDS,
        )
    if prediction.ready_at is not None:
        ready_at = prediction.ready_at

        def ready(output: str) -> str | None:
            found = status(output)
            return None if found and found[0] == "true" else f"not Ready (ready,restarts = {output.strip() or '?'})"

        return Check(
            "probedWebServer",
            "pod becomes Ready",
            argv,
            f"true,0 (ready,restartCount: Ready predicted {ready_at:g}s in, no restart)",
            ready,
            ready_at + late + START_SLACK_SECONDS,
        )

    def unready(output: str) -> str | None:
        found = status(output)
        return None if found and found[0] == "false" else f"expected not Ready, got {output.strip() or '?'}"

    return Check(
        "probedWebServer",
        "pod stays unready",
        argv,
        "false,0 (ready,restartCount: never Ready)",
        unready,
        START_SLACK_SECONDS,
    )


def file_owner_check(args: SecureWriterPodArgs) -> Check:
    uid, gid = str(args.run_as_user), str(args.fs_group)

    def owned(output: str) -> str | None:
        for line in _lines(output):
            fields = line.split()
            if len(fields) >= 9 and fields[-1] == args.file_name:
                if (fields[2], fields[3]) == (uid, gid):
                    return None
                return f"{args.file_name} belongs to {fields[2]}:{fields[3]}, expected {uid}:{gid}"
        return f"no {args.file_name} in {args.mount_path} yet"

    return Check(
        "secureWriterPod",
        "file owner and group",
        _exec(args, args.name, args.container_name, "ls", "-ln", args.mount_path),
        f"-rw-r--r--    1 {uid:<8} {gid:<8} ... {args.file_name}",
        owned,
        args.interval + START_SLACK_SECONDS,
    )


def redis_checks(args: RedisWithConfigMapArgs) -> list[Check]:
    wanted = {"maxmemory": str(redis_bytes(args.config.maxmemory)), "maxmemory-policy": args.config.maxmemory_policy}
    checks = []
    for key, value in wanted.items():

        def answers(output: str, key: str = key, value: str = value) -> str | None:
            got = _lines(output)
            return None if got == [key, value] else f"expected {key} {value}, got {' '.join(got) or 'nothing'}"

        checks.append(
            Check(
                "redisWithConfigMap",
                f"CONFIG GET {key}",
                _exec(args, args.name, args.container_name, "redis-cli", "-p", str(args.port), "CONFIG", "GET", key),
                f"{key}\n{value}",
                answers,
                START_SLACK_SECONDS,
            )
        )
    return checks


def mysql_client_command(args: MysqlWithSecretArgs) -> str:
    """A client call through the headless Service; the password never leaves the pod."""
    return (
        f'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql -h {args.name} -P {args.port} -uroot --batch --skip-column-names '
        '-e "SELECT 1"'
    )


def mysql_check(args: MysqlWithSecretArgs) -> Check:
    def connected(output: str) -> str | None:
        got = _lines(output)
        return None if got[-1:] == ["1"] else f"the client did not connect ({got[-1] if got else 'no output'})"

    return Check(
        "mysqlWithSecret",
        "client connects through the Service",
        _exec(args, f"deploy/{args.name}", MYSQL_CONTAINER, "sh", "-c", mysql_client_command(args)),
        "1",
        connected,
        MYSQL_STARTUP_SECONDS + START_SLACK_SECONDS,
    )


def env_lines(args: ConfigMapEnvPodArgs) -> list[str]:
    return [f"{args.prefix}{key}={value}" for key, value in sorted(args.data.items())]


def env_check(args: ConfigMapEnvPodArgs) -> Check:
    def has_all(output: str) -> str | None:
        missing = [line for line in env_lines(args) if line not in output]
        return None if not missing else f"missing {', '.join(missing)}"

    return Check(
        "configMapEnvPod",
        "ConfigMap keys are environment variables",
        _exec(args, args.name, args.container_name, "env"),
        "\n".join(env_lines(args)),
        has_all,
        START_SLACK_SECONDS,
    )


def lab_checks(args: LabArgs) -> list[Check]:
    if isinstance(args, ProbedWebServerArgs):
        return [probe_pod_check(args)]
    if isinstance(args, SecureWriterPodArgs):
        return [file_owner_check(args)]
    if isinstance(args, RedisWithConfigMapArgs):
        return redis_checks(args)
    if isinstance(args, MysqlWithSecretArgs):
        return [mysql_check(args)]
    if isinstance(args, ConfigMapEnvPodArgs):
        return [env_check(args)]
    raise TypeError(f"no check for {type(args).__name__}")


def environment_checks(env: Environment) -> list[Check]:
    return [check for args in env.labs.values() for check in lab_checks(args)]
