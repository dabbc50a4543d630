"""`labctl review`: the policy rules over a rendered tree or a stack, offline; non-zero on a mandatory failure."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from labctl.errors import BadInput, Exit
from labctl.manifest_files import SourceError
from labctl.review.report import as_json, summary, table
from labctl.review.sarif import as_sarif
from labctl.review.sources import Reviewed, from_stack, from_tree, read_objects_left_to_refcounting
from labctl.stack import add_stack_arguments
from policy.rules import PolicyConfigError, load_settings, review
from policy.rules.catalog import entries

DESCRIPTION = """\
Check Kubernetes objects against the policy rules, offline: a tree `labctl render` wrote (--dir),
or what a stack deploys (--stack), read the way `pulumi up` would. The same rules run inside the
CrossGuard pack (`pulumi preview --policy-pack policy`); --config takes that pack's JSON config.
Exits 1 when a mandatory rule fails. A file of the --dir tree that cannot be read (not YAML or
JSON, larger than 1 MiB, a YAML alias expanding past 100,000 nodes, nested past 100 levels, a
link to outside the tree) is reported, the rest of the tree is reviewed, and the exit is 2."""
FORMATS = ("table", "summary", "json", "sarif")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "review", help="check manifests against the policy rules (offline)", description=DESCRIPTION
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dir", type=Path, help="a tree written by `labctl render`")
    source.add_argument(
        "--list-rules", action="store_true", help="print every rule with its parameters and exit (table or json)"
    )
    # --dir or --list-rules may stand in for --stack here.
    add_stack_arguments(parser, required=False)
    parser.add_argument("--config", type=Path, help="policy config file (CrossGuard's JSON format; YAML also read)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.set_defaults(run=run)


def read_config(path: Path | None) -> Mapping[str, Any] | None:
    if path is None:
        return None
    if not path.is_file():
        raise SourceError(f"--config {path}: no such file")
    try:
        # JSON is YAML, so one reader takes Pulumi's JSON policy config and a YAML one alike.
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SourceError(f"--config {path}: neither JSON nor YAML ({error.__class__.__name__})") from None
    if raw is not None and not isinstance(raw, Mapping):
        raise SourceError(f"--config {path}: expected a mapping of rule id (or `all`) to a level or settings")
    return raw


LIST_FORMATS = ("table", "json")


def rule_table() -> str:
    """Every rule of the catalogue, each with its parameters (policy-config keys) beneath it."""
    lines = [f"{'RULE':36} {'SEVERITY':9} {'DEFAULT':10} STANDARD"]
    for entry in entries():
        lines.append(
            f"{entry['id']:36} {entry['severity']:9} {entry['default']:10} {entry['standard']} <{entry['url']}>"
        )
        for parameter in entry["parameters"]:
            default = json.dumps(parameter["default"])
            lines.append(f"{'':36}   {parameter['name']} (default {default}): {parameter['description']}")
    return "\n".join(lines)


def rule_list(output_format: str) -> str:
    if output_format not in LIST_FORMATS:
        raise SourceError(f"--list-rules prints {' or '.join(LIST_FORMATS)}, not --format {output_format}")
    return rule_table() if output_format == "table" else json.dumps({"rules": entries()}, indent=2)


def _source(args: argparse.Namespace) -> Reviewed:
    if args.dir is not None:
        if args.stack is not None:
            raise SourceError("give either --dir or --stack, not both")
        return from_tree(args.dir)
    if args.stack is None:
        raise SourceError("give --dir DIR (a rendered tree) or --stack NAME")
    return from_stack(args)


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        print(rule_list(args.format))
        return 0
    try:
        settings = load_settings(read_config(args.config))
        reviewed = _source(args)
    except PolicyConfigError as error:
        problems = "\n".join(f"  - {problem}" for problem in error.problems)
        raise BadInput(f"policy config {args.config} has {len(error.problems)} problem(s):\n{problems}") from None
    with read_objects_left_to_refcounting():
        findings = review(reviewed.objects, settings)
    if args.format == "sarif":
        print(as_sarif(reviewed, findings, str(args.dir) if args.dir is not None else None))
    else:
        print({"table": table, "summary": summary, "json": as_json}[args.format](reviewed, findings))
    if reviewed.unread:
        # The report holds them too; stderr tells whoever reads only the exit code and the errors.
        for problem in reviewed.unread:
            print(f"labctl review: {problem}", file=sys.stderr)
        files = "1 file" if len(reviewed.unread) == 1 else f"{len(reviewed.unread)} files"
        print(f"labctl review: {files} of {args.dir} not read; the rest was reviewed", file=sys.stderr)
        return Exit.BAD_INPUT
    return Exit.FINDINGS if any(finding.blocking for finding in findings) else Exit.OK
