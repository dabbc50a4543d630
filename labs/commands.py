"""Each lab's Testing step as shell commands for the stack outputs, namespace filled in.

The checks (`labs/checks.py`) are the one source of what to run and what it should answer;
this adds the `kubectl get`/`describe` steps the lab text has students look at first.
"""

from __future__ import annotations

from labs.checks import lab_checks
from labs.envfrom import ConfigMapEnvPodArgs
from labs.mysql import MysqlWithSecretArgs
from labs.pod import LabArgs
from labs.redis import RedisWithConfigMapArgs
from labs.secure_writer import SecureWriterPodArgs
from labs.webserver import ProbedWebServerArgs


def _looking_steps(args: LabArgs) -> list[str]:
    ns = f" -n {args.namespace}" if args.namespace else ""
    if isinstance(args, ProbedWebServerArgs):
        return [f"kubectl describe pod {args.name}{ns}"]
    if isinstance(args, RedisWithConfigMapArgs | ConfigMapEnvPodArgs):
        return [f"kubectl describe configmap {args.config_map_name}{ns}"]
    if isinstance(args, MysqlWithSecretArgs):
        return [f"kubectl describe secret {args.secret_name}{ns}"]
    if isinstance(args, SecureWriterPodArgs):
        return []
    raise TypeError(f"no testing step for {type(args).__name__}")


def testing_commands(args: LabArgs) -> list[str]:
    return _looking_steps(args) + [check.shell for check in lab_checks(args)]
