"""The k8s-labs Pulumi program: stack config in, one environment per student out."""

import pulumi

from components import Classroom, ClassroomArgs
from config import ConfigError, load
from config.loader import PASSWORD_KEY
from config.sources import PROJECT, from_pulumi_engine

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
