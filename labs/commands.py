"""Each lab's Testing step as shell commands, namespace filled in and the seed's typos fixed."""

from __future__ import annotations

import shlex

from labs.envfrom import ConfigMapEnvPodArgs
from labs.mysql import PASSWORD_KEY, MysqlWithSecretArgs
from labs.pod import LabArgs
from labs.redis import RedisWithConfigMapArgs
from labs.secure_writer import SecureWriterPodArgs
from labs.webserver import ProbedWebServerArgs


def _ns(args: LabArgs) -> str:
    return f" -n {args.namespace}" if args.namespace else ""


def testing_commands(args: LabArgs) -> list[str]:
    ns = _ns(args)
    if isinstance(args, ProbedWebServerArgs):
        return [f"kubectl get pod {args.name}{ns}", f"kubectl describe pod {args.name}{ns}"]
    if isinstance(args, SecureWriterPodArgs):
        return [f"kubectl exec {args.name}{ns} -- ls -ln {args.mount_path}"]
    if isinstance(args, RedisWithConfigMapArgs):
        cli = f"kubectl exec {args.name}{ns} -c {args.container_name} -- redis-cli -p {args.port}"
        return [
            f"kubectl describe configmap {args.config_map_name}{ns}",
            f"{cli} CONFIG GET maxmemory",
            f"{cli} CONFIG GET maxmemory-policy",
        ]
    if isinstance(args, MysqlWithSecretArgs):
        read_password = (
            f"kubectl get secret {args.secret_name}{ns} -o jsonpath={shlex.quote('{.data.' + PASSWORD_KEY + '}')}"
            " | base64 -d"
        )
        return [
            f"kubectl describe secret {args.secret_name}{ns}",
            f"kubectl run -it --rm --image={args.image} --restart=Never mysql-client{ns} -- "
            f'mysql -h {args.name} -P {args.port} -p"$({read_password})"',
        ]
    if isinstance(args, ConfigMapEnvPodArgs):
        return [f"kubectl describe configmap {args.config_map_name}{ns}", f"kubectl exec {args.name}{ns} -- env"]
    raise TypeError(f"no testing step for {type(args).__name__}")
