"""The lab sheet: one Markdown handout per environment, with that student's names and values.

Every command is the corrected one with the namespace filled in, and every expected answer is
worked out from the parameters (maxmemory in bytes, the file's owner, the probe timeline). The
same input gives the same bytes, and no secret value is ever written: the MySQL steps only name
the Secret and let the shell inside the pod read the password.
"""

from __future__ import annotations

from pathlib import Path

from labctl.timeline import event_lines, parameter_line, seconds, summary_lines
from labs import timeline
from labs.catalog import LABS
from labs.checks import MYSQL_CONTAINER, Check, env_lines, lab_checks, mysql_client_command
from labs.envfrom import ConfigMapEnvPodArgs
from labs.environment import Environment
from labs.mysql import PASSWORD_KEY, MysqlWithSecretArgs
from labs.pod import LabArgs
from labs.redis import RedisWithConfigMapArgs, redis_bytes
from labs.secure_writer import SecureWriterPodArgs
from labs.webserver import ProbedWebServerArgs

LAB_SHEET = "LAB-SHEET.md"


def _block(text: str, language: str = "") -> list[str]:
    return [f"```{language}", text.rstrip("\n"), "```", ""]


def _ns(args: LabArgs) -> str:
    return f" -n {args.namespace}" if args.namespace else ""


def _check_steps(checks: list[Check]) -> list[str]:
    lines: list[str] = []
    for check in checks:
        lines += [f"{check.name[:1].upper()}{check.name[1:]}:", "", *_block(check.shell, "console"), "Expected:", ""]
        lines += _block(check.expected, "output")
    return lines


def probe_section(args: ProbedWebServerArgs) -> list[str]:
    prediction = timeline.predict(args)
    lines = [
        f"Pod `{args.name}` sleeps `DELAY_START={args.delay_start}` seconds, then serves port {args.port} "
        f"with `python -m http.server`.",
        "",
        f"Parameters: {parameter_line(args)}.",
        "",
        "Watch it, then read its events:",
        "",
        *_block(
            f"kubectl get pod {args.name}{_ns(args)} --watch\nkubectl describe pod {args.name}{_ns(args)}", "console"
        ),
        "What the kubelet will do, counted from the container's start (each probe may run up to one "
        "period later than shown):",
        "",
        *[f"- {line}" for line in summary_lines(args, prediction)],
        "",
    ]
    warning = timeline.never_ready_warning(args, prediction)
    if warning:
        lines += [f"> Note: {warning}", ""]
    events = event_lines(prediction)
    if prediction.restarts:
        # Every later container repeats the first one's story; the summary lists when.
        first_restart = prediction.restarts[0]
        events = [(at, text) for at, text in events if at <= first_restart]
        events.append((first_restart, "... the same again for each restart listed above"))
    width = max(len(seconds(at)) for at, _ in events)
    lines += _block("\n".join(f"{seconds(at):>{width}}  {text}" for at, text in events), "text")
    return lines + _check_steps(lab_checks(args))


def writer_section(args: SecureWriterPodArgs) -> list[str]:
    group = "" if args.run_as_group is None else f", runAsGroup {args.run_as_group}"
    return [
        f"Pod `{args.name}` appends `date` to `{args.file_path}` every {args.interval} s, running as "
        f"runAsUser {args.run_as_user}{group} with fsGroup {args.fs_group}. The volume belongs to group "
        f"{args.fs_group} and passes that group on to new files, so the file is {args.run_as_user}:{args.fs_group}.",
        "",
        *_check_steps(lab_checks(args)),
    ]


def redis_section(args: RedisWithConfigMapArgs) -> list[str]:
    size = redis_bytes(args.config.maxmemory)
    return [
        f"ConfigMap `{args.config_map_name}` holds this `redis.conf`; pod `{args.name}` reads it at start "
        f"(`maxmemory {args.config.maxmemory}` is {size} bytes: k/m/g count in 1000s, kb/mb/gb in 1024s).",
        "",
        *_block(args.config.render(), "text"),
        *_block(f"kubectl describe configmap {args.config_map_name}{_ns(args)}", "console"),
        'Without a terminal `redis-cli` prints bare values; with `-it` it numbers them (`1) "maxmemory"`).',
        "",
        *_check_steps(lab_checks(args)),
    ]


def mysql_section(args: MysqlWithSecretArgs) -> list[str]:
    interactive = (
        f"kubectl exec -it deploy/{args.name}{_ns(args)} -c {MYSQL_CONTAINER} -- "
        f"sh -c 'export MYSQL_PWD=\"$MYSQL_ROOT_PASSWORD\"; exec mysql -h {args.name} -P {args.port} -uroot'"
    )
    return [
        f"Secret `{args.secret_name}` holds the root password under `{PASSWORD_KEY}`; Deployment `{args.name}` "
        f"reads it into `MYSQL_ROOT_PASSWORD`; the headless Service `{args.name}` resolves to the pod.",
        "",
        *_block(f"kubectl describe secret {args.secret_name}{_ns(args)}", "console"),
        "Expected: `password:` followed by the length in bytes, never the value.",
        "",
        "Connect through the Service. The password stays in the pod: the single quotes hand "
        "`$MYSQL_ROOT_PASSWORD` to the pod's shell unexpanded, so it never appears on your command line.",
        "",
        *_block(interactive, "console"),
        "Expected: the `mysql>` prompt (`exit` leaves).",
        "",
        f"The same check without a prompt (it runs `{mysql_client_command(args)}` in the pod):",
        "",
        *_check_steps(lab_checks(args)),
    ]


def env_section(args: ConfigMapEnvPodArgs) -> list[str]:
    prefix = f" with the prefix `{args.prefix}`" if args.prefix else ""
    return [
        f"Pod `{args.name}` imports every key of ConfigMap `{args.config_map_name}` as a variable{prefix}:",
        "",
        *_block("\n".join(env_lines(args)), "text"),
        *_block(f"kubectl describe configmap {args.config_map_name}{_ns(args)}", "console"),
        *_check_steps(lab_checks(args)),
    ]


def lab_section(args: LabArgs) -> list[str]:
    if isinstance(args, ProbedWebServerArgs):
        return probe_section(args)
    if isinstance(args, SecureWriterPodArgs):
        return writer_section(args)
    if isinstance(args, RedisWithConfigMapArgs):
        return redis_section(args)
    if isinstance(args, MysqlWithSecretArgs):
        return mysql_section(args)
    if isinstance(args, ConfigMapEnvPodArgs):
        return env_section(args)
    raise TypeError(f"no lab sheet section for {type(args).__name__}")


def lab_sheet(env: Environment) -> str:
    who = env.student or env.name
    lines = [
        f"# Advanced Pod API labs: {who}",
        "",
        f"Your namespace is `{env.namespace}`; every command below already names it. "
        "Apply this folder with `kubectl apply -f .` from inside it.",
        "",
    ]
    for key, args in env.labs.items():
        lines += [f"## {LABS[key].title}", "", *lab_section(args)]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_lab_sheet(folder: Path, env: Environment) -> int:
    """Writes the sheet into an environment's folder; returns the number of files written."""
    (folder / LAB_SHEET).write_text(lab_sheet(env))
    return 1
