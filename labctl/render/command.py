"""`labctl render`: the stack's manifests as a kubectl-ready YAML tree, one folder per environment."""

from __future__ import annotations

import argparse
import errno
import secrets
import shlex
from pathlib import Path
from typing import Any

from config import Plan
from labctl.errors import BadInput, OutputError
from labctl.render import applicationset as appset
from labctl.render.handout import setup_steps
from labctl.render.kustomization import write_kustomization
from labctl.render.layout import ENVIRONMENT_FILE, SECRETS_FILE, lab_file
from labctl.render.outdir import busy_refusal, check_replaceable, out_argument, write_marker
from labctl.render.tasksheet import INSTRUCTOR_FOLDER, write_sheets
from labctl.render.yamlout import dump_all
from labctl.stack import add_stack_arguments, load_stack, project_dir
from labctl.tree import replaced_atomically, write_private
from labs import mysql
from labs.catalog import build_lab
from labs.environment import Environment, build_isolation
from labs.mysql import MysqlWithSecretArgs
from labs.pod import Manifest

DESCRIPTION = """\
Write the stack's Kubernetes objects as YAML files, one folder per environment (a student, or the
single namespace), numbered in the order they are applied, with a LAB-SHEET.md per environment
that says who applies which file, and when (printed for the first environment too). No password
is written unless --include-secrets is given. A kustomization.yaml at the top lists every
environment's files in that order, so `kubectl apply -k <out>` applies the whole class.

--out must be a new folder, an empty one, or a tree an earlier render wrote and nobody changed
(recognised by its marker file, .k8s-labs-render, which lists every file with its SHA-256);
anything else is refused with exit 2 and left untouched, as are /, your home folder, the current
folder and its parents, the project folder and the top of a git work tree. The new tree is
written beside the target and swapped in at once: a failed or interrupted render leaves the
previous tree as it was. A mount point (a container's bind mount, a tmpfs) cannot be swapped, so
it is refused too: give a folder inside it, e.g. --out <mount>/dev."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("render", help="write the stack as YAML files for kubectl", description=DESCRIPTION)
    add_stack_arguments(parser)
    parser.add_argument(
        "--out", type=out_argument, required=True, help="folder to write: new, empty, or an earlier render"
    )
    parser.add_argument(
        "--include-secrets",
        action="store_true",
        help=f"also write each MySQL Secret the stack creates, with a generated password, to {SECRETS_FILE} "
        "(mode 0600)",
    )
    gitops = parser.add_argument_group("GitOps (Argo CD)")
    gitops.add_argument(
        "--applicationset",
        metavar="REPO_URL",
        type=appset.repo_url,
        help=f"also write {appset.FILE}: an Argo CD ApplicationSet with one Application per environment folder, "
        "read from this repository once the tree is committed there",
    )
    gitops.add_argument(
        "--path-prefix",
        metavar="PATH",
        type=appset.path_prefix,
        help="folder of the tree inside that repository (default: --out as given, when relative)",
    )
    gitops.add_argument("--revision", default="HEAD", help="branch, tag or commit Argo CD follows")
    gitops.add_argument("--argocd-namespace", default="argocd", help="namespace of the ApplicationSet (Argo CD's)")
    parser.set_defaults(run=run)


def environment_files(env: Environment) -> dict[str, list[Manifest]]:
    """File name -> manifests, in the order `kubectl apply -f <folder>` takes them; no Secret."""
    files = {ENVIRONMENT_FILE: build_isolation(env)}
    for index, (key, args) in enumerate(env.labs.items()):
        if key in env.exercises:
            continue
        if isinstance(args, MysqlWithSecretArgs):
            args = args.model_copy(update={"existing_secret": True})
        files[lab_file(index, key)] = build_lab(key, args)
    return files


def secrets_to_create(env: Environment) -> list[MysqlWithSecretArgs]:
    """The MySQL labs whose Secret the stack would create, and the tree leaves to the user."""
    return [
        args for args in env.deployed.values() if isinstance(args, MysqlWithSecretArgs) and not args.existing_secret
    ]


def secret_manifests(env: Environment) -> list[Manifest]:
    """Each such Secret, as the lab builds it, with a password generated here (the stack's is encrypted)."""
    return [
        manifest
        for args in secrets_to_create(env)
        for manifest in mysql.build(args, secrets.token_urlsafe(18))
        if manifest["kind"] == "Secret"
    ]


def write_tree(
    plan: Plan,
    out: Path,
    include_secrets: bool,
    project: Path | None = None,
    applicationset: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Files written, and how many of them hold Secrets; the tree replaces `out` all at once."""
    written = secret_files = 0
    resources: list[str] = []  # every manifest file, in apply order, for kustomization.yaml
    try:
        # Checked again once the new tree is complete: the folder may have changed meanwhile.
        with replaced_atomically(out, before_swap=lambda: check_replaceable(out, project)) as staging:
            for env in plan.environments:
                folder = staging / env.name
                folder.mkdir()
                for name, manifests in environment_files(env).items():
                    (folder / name).write_text(dump_all(manifests), encoding="utf-8")
                    written += 1
                generated = secret_manifests(env) if include_secrets else []
                if generated:
                    write_private(folder / SECRETS_FILE, dump_all(generated))
                    written += 1
                    secret_files += 1
                # `kubectl apply -f <folder>/` takes the files in name order; so does the kustomization.
                resources += [f"{env.name}/{path.name}" for path in sorted(folder.glob("*.yaml"))]
                # A tree for a git repository gets no answers: the students may read the repository.
                instructor = None if applicationset is not None else staging / INSTRUCTOR_FOLDER
                written += write_sheets(folder, instructor, env, secrets_file=bool(generated))
            write_kustomization(staging, resources)
            written += 1
            if applicationset is not None:
                (staging / appset.FILE).write_text(dump_all([applicationset]), encoding="utf-8")
                written += 1
            write_marker(staging)
    except OSError as error:
        if error.errno == errno.EBUSY:
            raise BadInput(busy_refusal(out)) from None
        raise OutputError(f"--out {out}: cannot write there: {error.strerror or error}; nothing was changed") from None
    return written, secret_files


def setup_hint(plan: Plan, out: Path, secrets_file: bool) -> list[str]:
    """The set-up steps of the first environment, in order; each folder's LAB-SHEET.md has its own."""
    first = plan.environments[0]
    lines = [
        "Set up each environment from inside its folder, in the order its LAB-SHEET.md gives "
        f'("Setting up"); for {first.name}:',
        f"  cd {shlex.quote(str(out / first.name))}",
    ]
    for step in setup_steps(first, secrets_file):
        lines += [f"  {command}" for command in step.commands]
    if len(plan.environments) > 1:
        lines.append(f"and likewise in the other {len(plan.environments) - 1} folder(s).")
    return lines


def exercise_lines(plan: Plan, out: Path, for_git: bool) -> list[str]:
    """Which labs each student writes themselves, and where the answers went (`for_git`: nowhere)."""
    with_exercises = [env for env in plan.environments if env.exercises]
    if not with_exercises:
        return []
    lines = ["exercise mode: each student writes these labs (their LAB-SHEET.md is a task sheet):"]
    lines += [f"  {env.name}: {', '.join(env.exercises)}" for env in with_exercises[:5]]
    if len(with_exercises) > 5:
        lines.append(f"  ... and {len(with_exercises) - 5} more students")
    if for_git:
        lines.append(
            "answers for the instructor: not in a tree meant for git; render again without --applicationset "
            "into a folder of your own for them"
        )
    else:
        lines.append(f"answers for the instructor: {out / INSTRUCTOR_FOLDER}/ (keep it from the students)")
    return lines


def gitops_prefix(args: argparse.Namespace) -> str | None:
    """The tree's folder in the repository when an ApplicationSet is asked for; BadInput for what cannot work."""
    if args.applicationset is None:
        if args.path_prefix is not None:
            raise BadInput("--path-prefix is for --applicationset REPO_URL, which is not given")
        return None
    if args.include_secrets:
        raise BadInput(
            "--include-secrets with --applicationset would put passwords in a git repository; create the MySQL "
            "Secrets in the cluster instead (the hint without --include-secrets shows how)"
        )
    if args.path_prefix is not None:
        return str(args.path_prefix)
    if args.out.is_absolute():
        raise BadInput(
            f"--out {args.out} is absolute: give --path-prefix, the tree's folder inside {args.applicationset}"
        )
    try:
        return appset.path_prefix(args.out.as_posix())
    except argparse.ArgumentTypeError:
        raise BadInput(
            f"--out {args.out} is not inside the current folder: give --path-prefix, the tree's folder inside "
            f"{args.applicationset}"
        ) from None


def run(args: argparse.Namespace) -> int:
    project = project_dir(args.project_dir)
    # A quick look first (names only), so a wrong --out is refused before the work; the full
    # check, digests included, runs again just before the swap.
    check_replaceable(args.out, project, contents=False)
    gitops = gitops_prefix(args)
    plan = load_stack(args)
    generated = None
    if gitops is not None:
        generated = appset.applicationset(
            args.stack, plan.environments, args.applicationset, gitops, args.revision, args.argocd_namespace
        )
    written, secret_files = write_tree(plan, args.out, args.include_secrets, project, generated)
    print(f"wrote {written} files for {len(plan.environments)} environment(s) to {args.out}/")
    print("\n".join(setup_hint(plan, args.out, secrets_file=bool(secret_files))))
    print("or the whole class in the same order (a MySQL pod waits until its Secret exists):")
    print(f"  {shlex.join(('kubectl', 'apply', '-k', f'{args.out}/'))}")
    for line in exercise_lines(plan, args.out, for_git=generated is not None):
        print(line)
    if generated is not None:
        print(f"with Argo CD: commit the tree to {args.applicationset}, then apply its ApplicationSet:")
        apply = ("kubectl", "apply", "-n", args.argocd_namespace, "-f", str(args.out / appset.FILE))
        print(f"  {shlex.join(apply)}")
    needing = any(secrets_to_create(env) for env in plan.environments)
    if secret_files:
        print(f"generated MySQL passwords are in <environment>/{SECRETS_FILE}, readable only by you")
    elif needing and generated is not None:
        print("create each MySQL Secret in the cluster (step 2 of each LAB-SHEET.md): no password goes to git")
    elif needing:
        print(f"(or render again with --include-secrets to have each MySQL Secret written to {SECRETS_FILE})")
    elif args.include_secrets:
        print(
            "--include-secrets: no Secret to write: no MySQL lab here creates one "
            "(none in the stack, existingSecret, or exercise mode)"
        )
    return 0
