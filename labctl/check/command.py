"""`labctl check`: grade a student's own manifest files against what their labs ask, offline."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from labctl.check.grade import Finding, Submitted, exercise_set, grade, split, subject
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

A hand-in is the student's whole set: every lab in exercise mode for them is graded (every lab when
none is). A lab with nothing handed in is required, once per object it expects ("not handed in:
Pod/NAME, expected in namespace NS"); so is an object of no lab of theirs (the message names what
the labs expect), one of a lab the stack deploys for them, and one whose metadata.namespace is not
theirs (`kubectl apply -n`, as the task sheet writes it, refuses it; leaving it out is fine). With
--lab only that lab is graded, and the objects of their other labs are listed as not graded.

A required finding is also one that makes the lab's Testing step fail or answer differently on a
cluster (a probe delay, DELAY_START, runAsUser, a ConfigMap key, a Service selector, a name the
Testing steps use, a ConfigMap or Secret nobody creates). Advice is what the task sheet asks that
does not stop the lab: end-of-life images, the project's policy rules on what the sheet asks for.
The policy's advice on what the sheet does not ask for (the restricted Pod Security profile,
unless the namespace enforces it; resources; probes on pods the lab gives none) is one summary
line, listed with --verbose, and never fails the check; a rule the lab's own objects are exempted
from (the probe lab's restarts) is not reported. Field order, formatting, extra fields and a newer
image are the student's choice. A file that cannot be read (not
YAML or JSON, larger than 1 MiB, a YAML alias expanding past 100,000 nodes, nested past 100
levels, a link to outside the hand-in) is a required finding on that file, and the other files
are graded. Exit 0 without a required finding (and, with --strict, without advice), 1 otherwise,
2 for a flag, the stack, or a file or folder that does not exist."""

NOT_READ = "file not read"
EXTRA = "extra"
"""The level of advice on what the task sheet does not ask for."""
BEYOND = "the restricted profile, resources and probes"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="grade a student's manifest files against their labs", description=DESCRIPTION
    )
    add_stack_arguments(parser)
    parser.add_argument("--student", help="whose parameters to use (needed when the stack has several students)")
    parser.add_argument("--lab", help="grade every object against this lab (a key under `labs`)")
    parser.add_argument("--strict", action="store_true", help="advice fails the check too")
    parser.add_argument(
        "--verbose", action="store_true", help="list the advice on what the task sheet does not ask for, one by one"
    )
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


def text_report(
    env: Environment,
    findings: Sequence[Finding],
    *,
    verbose: bool = False,
    not_graded: Sequence[Submitted] = (),
    lab: str | None = None,
) -> str:
    lines = []
    shown_findings = [f for f in findings if verbose or f.level != EXTRA]
    order = {"required": 0, "advice": 1, EXTRA: 2}
    for finding in sorted(
        shown_findings, key=lambda f: (order.get(f.level, 1), f.file is None, f.file or "", f.line or 0)
    ):
        where = f"{finding.file}:{finding.line}" if finding.file and finding.line else finding.file or "(not handed in)"
        level = "ADVICE" if finding.level == EXTRA else finding.level.upper()
        if not finding.object:  # a file not read
            lines += [f"{level:8}  {where}  {NOT_READ}", f"          {finding.found}"]
            continue
        field = f" {finding.path}" if finding.path else ""
        lines.append(f"{level:8}  {where}  {finding.object}{field}")
        if finding.message:
            lines.append(f"          {finding.message}")
        elif finding.rule:
            lines.append(f"          {finding.rule}: {finding.found}")
        else:
            lines.append(f"          found {finding.found}, asked {finding.asked}: {finding.why}")
    if not_graded:
        names = ", ".join(sorted({"/".join(subject(item.obj)) for item in not_graded}))
        lines.append(f"not graded (--lab {lab}: objects of your other labs): {names}")
    extra = sum(f.level == EXTRA for f in findings)
    if extra and not verbose:
        lines.append(f"{extra} advice on {BEYOND} the sheet does not ask for: --verbose lists them")
    required = sum(f.level == "required" for f in findings)
    advice = sum(f.level == "advice" for f in findings)
    verdict = "FAILED" if required else "passed"
    lines.append(f"check {verdict} for {env.name}: {required} required, {advice} advice")
    return "\n".join(lines)


def exit_code(findings: Sequence[Finding], strict: bool) -> int:
    """1 for a required finding, and with --strict for advice; advice on what the sheet does not ask never fails."""
    failing = [f for f in findings if f.level == "required" or (strict and f.level == "advice")]
    return Exit.FINDINGS if failing else Exit.OK


def run(args: argparse.Namespace) -> int:
    plan = load_stack(args)
    env = choose(select_environments(plan, args.student), args.student)
    lab = None if args.lab is None else lab_key(env, args.lab)
    # A stack without a classroom has no class version: the newest supported minor.
    version = plan.classroom.kubernetes_version if plan.classroom else KUBERNETES_MINORS[-1]
    submitted, unread = read_hand_in(args.paths)
    findings = [*map(not_read, unread), *grade(env, submitted, lab, kubernetes_version=version)]
    _, not_graded = split(env, submitted, lab)
    if args.format == "json":
        report = {
            "student": env.name,
            "namespace": env.namespace,
            "kubernetesVersion": version,
            "labs": {key: ("exercise" if key in env.exercises else "solution") for key in env.labs},
            "graded": [lab] if lab else exercise_set(env),
            "notGraded": sorted({"/".join(subject(item.obj)) for item in not_graded}),
            "extra": sum(f.level == EXTRA for f in findings),
            "findings": [finding.as_dict() for finding in findings if args.verbose or finding.level != EXTRA],
        }
        print(json.dumps(report, indent=2))
    else:
        print(text_report(env, findings, verbose=args.verbose, not_graded=not_graded, lab=lab))
    return exit_code(findings, args.strict)
