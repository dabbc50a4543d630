"""Reads a stack the way `pulumi up` would, without the engine: Pulumi.<stack>.yaml plus --set."""

from __future__ import annotations

import argparse
from pathlib import Path

from config import Plan, load
from config.sources import apply_sets, from_stack_file


def add_stack_arguments(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--stack", required=required, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="folder holding Pulumi.yaml")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a config value, e.g. classroom.students=30 (repeatable)",
    )


def load_stack(args: argparse.Namespace) -> Plan:
    raw = from_stack_file(args.project_dir / f"Pulumi.{args.stack}.yaml")
    return load(apply_sets(raw, args.sets))
