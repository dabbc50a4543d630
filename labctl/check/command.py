"""`labctl check`: grade a student's own manifest files against what their labs ask, offline."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from labctl.check.grade import Finding, Submitted, grade
from labctl.errors import BadInput, Exit
from labctl.manifest_files import (
    HAND_IN,
    MANIFEST_SUFFIXES,
    Limits,
    NotRead,
    Reader,
    SourceError,
    Unreadable,
    is_list,
    manifest_file,
    manifest_files,
    objects_in,
    shown,
)
from labctl.selection import lab_key, select_environments
from labctl.stack import add_stack_arguments, load_stack
from labs.environment import Environment
from labs.support import KUBERNETES_MINORS

DESCRIPTION = """\
Compare a student's own manifests (YAML or JSON files, one or many documents, folders read with
their sub-folders) with what that student's labs ask, with the student's own parameters.

First, each object is validated strictly against the Kubernetes API schemas of the class's
version (classroom.kubernetesVersion, default the newest supported): what the API server or
kubectl apply would refuse (an unknown or misspelled key, a field at the wrong level, a number
where text goes, a missing required field, a kind or apiVersion that does not exist, Secret data
that is not base64, a port name without a letter) is required. The labs' comparisons then read
a misspelled key under its right name.

A required finding is also one that makes the lab's Testing step fail or answer differently on a
cluster (a probe delay, DELAY_START, runAsUser, a ConfigMap key, a Service selector, a name the
Testing steps use, a ConfigMap or Secret nobody creates). Advice is the rest: the project's
policy rules, end-of-life images, pitfalls that do not stop the lab. Field order, formatting,
extra fields and a newer image are the student's choice. Without --lab each object is matched
to its lab by kind and name; an object of no lab is reported. A file that cannot be read (not
YAML or JSON, larger than 1 MiB, a YAML alias expanding past 100,000 nodes, nested past 100
levels, a link to outside the hand-in) is a required finding on that file, and the other files
are graded. Exit 0 without a required finding (and, with --strict, without advice), 1 otherwise,
2 for a flag, the stack, or a file or folder that does not exist."""

NOT_READ = "file not read"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="grade a student's manifest files against their labs", description=DESCRIPTION
    )
    add_stack_arguments(parser)
    parser.add_argument("--student", help="whose parameters to use (needed when the stack has several students)")
    parser.add_argument("--lab", help="grade every object against this lab (a key under `labs`)")
    parser.add_argument("--strict", action="store_true", help="advice fails the check too")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a file or a folder of the student's")
    parser.set_defaults(run=run)


def read_hand_in(paths: Sequence[Path], limits: Limits = HAND_IN) -> tuple[list[Submitted], list[NotRead]]:
    """Every object in the files and folders given, as kubectl reads them, with its file and line; and
    the files not read, each with where and why. A file is read whole or not at all."""
    reader = Reader(limits)
    submitted: list[Submitted] = []
    unread: list[NotRead] = []
    for given in paths:
        if given.is_dir():
            files, refused = manifest_files(given, limits.scope)
        elif given.is_file():
            files, refused = manifest_file(given, limits.scope)
        else:
            raise SourceError(f"{given}: no such file or folder")
        unread += [error.named(str(error.path)) for error in refused]
        for path in files:
            try:
                submitted += _objects(reader, path)
            except Unreadable as error:
                unread.append(error.named(str(path)))
    if not submitted and not unread:
        raise SourceError(f"{', '.join(map(str, paths))}: holds no {', '.join(MANIFEST_SUFFIXES)} object")
    return submitted, unread


def _objects(reader: Reader, path: Path) -> list[Submitted]:
    found = []
    for line, document, node in reader.documents(path):
        nested = isinstance(document, Mapping) and is_list(document)
        for object_line, obj in objects_in(path, line, document, node):
            found.append(Submitted(obj, shown(str(path)), object_line, None if nested else node))
    return found


def read_submitted(paths: Sequence[Path]) -> list[Submitted]:
    """Every object in the files and folders given; the first file that cannot be read is raised."""
    submitted, unread = read_hand_in(paths)
    if unread:
        raise SourceError(str(unread[0]))
    return submitted


def not_read(problem: NotRead) -> Finding:
    """A file not read, as a required finding: the lab sees none of its objects."""
    return Finding(
        level="required",
        lab=None,
        object="",
        file=problem.file,
        line=problem.line,
        path="",
        found=problem.problem,
        asked="a file kubectl can read",
        why="not read, so none of its objects is graded",
    )


def choose(environments: Sequence[Environment], student: str | None) -> Environment:
    if len(environments) == 1:
        return environments[0]
    names = ", ".join(env.name for env in environments[:5])
    raise BadInput(f"--student: the stack has {len(environments)} students; name one ({names}, ...)")


def text_report(env: Environment, findings: Sequence[Finding]) -> str:
    lines = []
    for finding in sorted(findings, key=lambda f: (f.level != "required", f.file or "", f.line or 0)):
        where = f"{finding.file}:{finding.line}" if finding.file and finding.line else finding.file or "(not handed in)"
        if not finding.object:  # a file not read
            lines += [f"{finding.level.upper():8}  {where}  {NOT_READ}", f"          {finding.found}"]
            continue
        field = f" {finding.path}" if finding.path else ""
        lines.append(f"{finding.level.upper():8}  {where}  {finding.object}{field}")
        if finding.rule:
            lines.append(f"          {finding.rule}: {finding.found}")
        else:
            lines.append(f"          found {finding.found}, asked {finding.asked}: {finding.why}")
    required = sum(f.level == "required" for f in findings)
    advice = len(findings) - required
    verdict = "FAILED" if required else "passed"
    lines.append(f"check {verdict} for {env.name}: {required} required, {advice} advice")
    return "\n".join(lines)


def exit_code(findings: Sequence[Finding], strict: bool) -> int:
    failing = [f for f in findings if f.level == "required" or strict]
    return Exit.FINDINGS if failing else Exit.OK


def run(args: argparse.Namespace) -> int:
    plan = load_stack(args)
    env = choose(select_environments(plan, args.student), args.student)
    lab = None if args.lab is None else lab_key(env, args.lab)
    # A stack without a classroom has no class version: the newest supported minor.
    version = plan.classroom.kubernetes_version if plan.classroom else KUBERNETES_MINORS[-1]
    submitted, unread = read_hand_in(args.paths)
    findings = [*map(not_read, unread), *grade(env, submitted, lab, kubernetes_version=version)]
    if args.format == "json":
        report = {
            "student": env.name,
            "kubernetesVersion": version,
            "labs": {key: ("exercise" if key in env.exercises else "solution") for key in env.labs},
            "findings": [finding.as_dict() for finding in findings],
        }
        print(json.dumps(report, indent=2))
    else:
        print(text_report(env, findings))
    return exit_code(findings, args.strict)
