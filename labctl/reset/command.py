"""`labctl reset`: show, and with --yes delete, what a student made for a lab in exercise mode."""

from __future__ import annotations

import argparse

from labctl.errors import Exit, Unavailable
from labctl.live import RESOURCES, LiveError, cluster_problem, kubectl_call, kubectl_on_path, live_objects
from labctl.selection import lab_key, select_environments
from labctl.stack import add_stack_arguments, load_stack

CALL_TIMEOUT = 20.0
DESCRIPTION = """\
For a lab in exercise mode, list the objects the student made for it, by the names the lab uses
and only in that student's namespace (kubectl, current context); with --yes, delete them, so
the student can start again or the lab can be switched to solution mode. Nothing else is ever
touched. For a lab in solution mode the stack owns the objects: the command says how to
recreate them (`pulumi up --refresh`) and calls nothing."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reset", help="show or delete a student's own objects for a lab", description=DESCRIPTION
    )
    add_stack_arguments(parser)
    parser.add_argument("--student", required=True, help="whose namespace")
    parser.add_argument("--lab", help="only this lab (a key under `labs`); default: every lab of the student")
    parser.add_argument("--yes", action="store_true", help="delete what is listed")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    (env,) = select_environments(load_stack(args), args.student)
    labs = list(env.labs) if args.lab is None else [lab_key(env, args.lab)]
    for key in labs:
        if key not in env.exercises:
            print(
                f"{key}: solution mode, the stack owns its objects in {env.namespace}. To recreate any deleted "
                "by hand, run `pulumi up --refresh` (the refresh lets Pulumi see they are gone)."
            )
    exercises = [key for key in labs if key in env.exercises]
    if not exercises:
        return Exit.OK
    kubectl = kubectl_on_path()
    # Asked first, so no cluster is one clear message rather than the first lab's failed read.
    problem = cluster_problem(kubectl, CALL_TIMEOUT)
    if problem:
        raise Unavailable(f"the cluster of kubectl's current context does not answer: {problem}")
    run_kubectl = kubectl_call(kubectl, CALL_TIMEOUT)
    found = []
    for key in exercises:
        try:
            objects = live_objects(run_kubectl, env, key)
        except LiveError as error:
            raise Unavailable(f"cannot read {env.name}'s objects: {error}") from None
        if not objects:
            print(f"{key}: nothing of {env.name}'s in {env.namespace} yet")
        for kind, name in objects:
            print(f"{key}: {kind}/{name} in {env.namespace}")
            found.append((kind, name))
    if not found:
        return Exit.OK
    if not args.yes:
        print(f"nothing deleted; run again with --yes to delete these {len(found)} object(s)")
        return Exit.OK
    for kind, name in found:
        words = ["delete", RESOURCES[kind], name, "-n", env.namespace, "--ignore-not-found"]
        _, problem = run_kubectl(words)
        if problem:
            raise Unavailable(f"could not delete {kind}/{name} in {env.namespace}: {problem}")
        print(f"deleted {kind}/{name} in {env.namespace}")
    return Exit.OK
