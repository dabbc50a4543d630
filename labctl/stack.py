"""Reads a stack the way `pulumi up` would, without the engine: Pulumi.<stack>.yaml plus --set."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from config import Plan, load
from config.sources import PROJECT, apply_sets, read_stack
from config.stackfile import read_yaml
from labctl.errors import BadInput

PROJECT_FILE = "Pulumi.yaml"
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def stack_name(text: str) -> str:
    if not STACK_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a stack name: letters, digits, '-', '_' or '.' (NAME of Pulumi.NAME.yaml)"
        )
    return text


def add_stack_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--stack", required=required, type=stack_name, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument(
        "--project-dir",
        type=Path,
        help="folder holding Pulumi.yaml and the stack files (default: the nearest folder holding Pulumi.yaml, "
        "from the current one upwards, as `pulumi` finds its project)",
    )
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a config value, read as YAML, e.g. classroom.students=30 (repeatable)",
    )


def project_dir(given: Path | None) -> Path:
    """The k8s-labs project folder: the one given, or the nearest at or above the current folder."""
    if given is not None:
        if not given.is_dir():
            raise BadInput(f"--project-dir {given}: no such folder; give the folder of the {PROJECT} project")
    else:
        here = Path.cwd()
        given = next((folder for folder in (here, *here.parents) if (folder / PROJECT_FILE).is_file()), None)
        if given is None:
            raise BadInput(
                f"no {PROJECT_FILE} in {here} or any folder above it: run labctl inside the {PROJECT} project, "
                "or give --project-dir"
            )
    if (given / PROJECT_FILE).is_file():
        project = read_yaml(given / PROJECT_FILE)
        name = project.get("name") if isinstance(project, dict) else None
        if name != PROJECT:
            raise BadInput(f"{given / PROJECT_FILE}: is the project {name!r}, not {PROJECT}; give --project-dir")
    return given


def stack_path(folder: Path, stack: str) -> Path:
    path = folder / f"Pulumi.{stack}.yaml"
    if not path.is_file() and not (folder / PROJECT_FILE).is_file():
        raise BadInput(f"{path}: no such stack file, and {folder} holds no {PROJECT_FILE}: give --project-dir")
    return path


def refuse_ignored_sets(values: dict[str, Any], sets: list[str]) -> None:
    """A flag that would change nothing is a mistake the user should hear about, not a silent no-op."""
    if values.get("classroom") is None:
        return
    for assignment in sets:
        path = assignment.partition("=")[0].strip()
        if path == "namespace":
            raise BadInput(
                f"--set {assignment}: a classroom stack puts each student in classroom.namespacePrefix + student, "
                "so `namespace` would be ignored; set classroom.namespacePrefix instead "
                "(or --set classroom=null for one environment)"
            )


def load_stack(args: argparse.Namespace) -> Plan:
    folder = project_dir(args.project_dir)
    stack = read_stack(stack_path(folder, args.stack))
    values = apply_sets(stack.values, args.sets)
    refuse_ignored_sets(values, args.sets)
    plan = load(values)
    for warning in (*stack.warnings, *plan.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    return plan
