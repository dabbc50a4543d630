"""The k8s-labs Pulumi program: stack config in, one environment per student out."""

import sys

try:
    import pulumi
except ModuleNotFoundError:
    # Run by a python without the project's packages: a traceback would say only "No module named pulumi".
    print(
        "__main__.py needs the project's virtualenv: run `make run` to create .venv, then `pulumi up`, which "
        "runs it with .venv (Pulumi.yaml)",
        file=sys.stderr,
    )
    sys.exit(2)
from pulumi.runtime.settings import get_monitor

from components import Classroom, ClassroomArgs
from config import ConfigError, load
from config.loader import PASSWORD_KEY
from config.sources import PROJECT, from_pulumi_engine

# The Pulumi CLI's language host, and the mocks of the tests, give the program a resource monitor
# before running it; `python __main__.py` has none, and would end in Pulumi's own traceback.
# Exit 2 is bad input in labctl's table (labctl/errors.py), which the program does not import.
if get_monitor() is None:
    print(
        "__main__.py is the k8s-labs Pulumi program: it runs under `pulumi up` or `pulumi preview`, not on its own; "
        "to preview offline, run `.venv/bin/labctl render --stack dev --out build/dev` or "
        "`.venv/bin/labctl review --stack dev`",
        file=sys.stderr,
    )
    sys.exit(2)

raw, secret_keys = from_pulumi_engine()
try:
    plan = load(raw, secret_keys)
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None

for warning in plan.warnings:
    pulumi.log.warn(warning)

password = pulumi.Config(PROJECT).get_secret(PASSWORD_KEY) if plan.password_configured else None
server = str(plan.classroom.kubeconfig_server) if plan.classroom and plan.classroom.kubeconfig_server else None
classroom = Classroom(
    "classroom",
    ClassroomArgs(environments=plan.environments, kubeconfig_server=server),
    root_password=password,
)

pulumi.export(
    "environments",
    {
        name: {"namespace": env.namespace, "objects": env.objects, "commands": env.commands, "exercises": env.exercises}
        for name, env in classroom.students.items()
    },
)
kubeconfigs = {name: env.kubeconfig for name, env in classroom.students.items() if env.kubeconfig is not None}
if kubeconfigs:
    pulumi.export("kubeconfigs", pulumi.Output.secret(kubeconfigs))
