"""`labctl shard`: splits a classroom stack into N stacks that deploy the class between them.

Which shard a student lands in is decided by rendezvous (highest-random-weight) hashing: every
shard k gets a score sha256(student, k) and the student goes to the highest. A student's shard
depends only on their own name and N, so adding or removing a student moves no other; and going
from N to N+1 shards moves only the students the new shard wins (about 1/(N+1) of the class),
where `hash mod N` would move most of them.

Each Pulumi.S-k.yaml starts with a header naming the stack it was cut from and the SHA-256 of
the rest of the file: a shard file is rewritten only while it is exactly what labctl wrote.
Encrypted (`secure:`) values are never copied: each stack has its own key, so a ciphertext of
stack S means nothing to stack S-k. The command prints what to set per shard instead.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from config import load
from config.models import MAX_STUDENTS
from config.sources import PROJECT, read_stack
from config.stackfile import read_yaml
from labctl.errors import BadInput, OutputError
from labctl.stack import project_dir, stack_name, stack_path
from labctl.tree import replace_file

HEADER = "# k8s-labs shard"
CLASSROOM_KEY = f"{PROJECT}:classroom"
DESCRIPTION = """\
Split the classroom of Pulumi.STACK.yaml into --count stacks, Pulumi.STACK-1.yaml ..
Pulumi.STACK-N.yaml, each with a share of the students and everything else copied, so the
shards can be deployed in parallel (a CI matrix, Pulumi Deployments). A student's shard depends
only on their name and N (rendezvous hashing): adding or removing a student moves no other.
A count of students (classroom.students: 30) becomes the names student-1 .. student-30.

A shard file is written only where there is none, or where an earlier `labctl shard` wrote it and
nobody changed it since (its header holds the SHA-256 of the rest); anything else is refused with
exit 2 and nothing is written. Encrypted (secure:) values are not copied, as every stack has its
own key: the command prints the `pulumi config set --secret` to run for each shard."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("shard", help="split a classroom stack into N stack files", description=DESCRIPTION)
    parser.add_argument("--stack", required=True, type=stack_name, help="stack to split: reads Pulumi.<stack>.yaml")
    parser.add_argument("--count", required=True, type=int, help="number of shards, from 2 up")
    parser.add_argument(
        "--project-dir",
        type=Path,
        help="folder holding Pulumi.yaml and the stack files (default: the nearest folder holding Pulumi.yaml, "
        "from the current one upwards)",
    )
    parser.set_defaults(run=run)


def shard_of(student: str, count: int) -> int:
    """1..count: the shard whose score for this student is highest."""

    def score(shard: int) -> bytes:
        return hashlib.sha256(f"{student}\0{shard}".encode()).digest()

    return max(range(1, count + 1), key=score)


def partition(students: Sequence[str], count: int) -> dict[int, list[str]]:
    """Shard number -> its students, each list in the class's order."""
    shards: dict[int, list[str]] = {number: [] for number in range(1, count + 1)}
    for student in students:
        shards[shard_of(student, count)].append(student)
    return shards


def secure_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where a config value holds `{secure: ...}`, as key paths."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            yield path
            return
        for key, item in value.items():
            yield from secure_paths(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from secure_paths(item, (*path, str(index)))


def without_secure(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: without_secure(item) for key, item in value.items() if not _is_secure(item)}
    if isinstance(value, list):
        return [without_secure(item) for item in value if not _is_secure(item)]
    return value


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def shard_config(config: Mapping[str, Any], students: list[str]) -> dict[str, Any]:
    """The stack's config with only these students (and their overrides and modes), encrypted values left out."""
    result = without_secure(config)
    classroom = dict(result[CLASSROOM_KEY])
    classroom["students"] = students
    # Both maps are keyed by student, and the config refuses a key for a student not in the class.
    for per_student in ("overrides", "modes"):
        entries = classroom.get(per_student)
        if isinstance(entries, Mapping):
            kept = {name: value for name, value in entries.items() if name in students}
            if kept:
                classroom[per_student] = kept
            else:
                del classroom[per_student]
    result[CLASSROOM_KEY] = classroom
    return dict(result)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def shard_text(stack: str, number: int, count: int, config: Mapping[str, Any]) -> str:
    body = yaml.safe_dump({"config": dict(config)}, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return f"{HEADER} {number}/{count} of {stack} sha256:{_digest(body)}\n{body}"


def written_by_shard(path: Path) -> bool:
    """The file is one `labctl shard` wrote and nobody has changed since."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    header, _, body = text.partition("\n")
    if not header.startswith(f"{HEADER} "):
        return False
    return header.rsplit("sha256:", 1)[-1] == _digest(body)


def _config_of(document: Any, path: Path) -> Mapping[str, Any]:
    """The `config:` mapping of a stack file already read by `read_stack`, so a mapping or nothing."""
    config = document.get("config") if isinstance(document, Mapping) else None
    if not isinstance(config, Mapping) or not config:
        # An empty file is a valid stack for `pulumi up` (every default), but there is no class to split.
        raise BadInput(
            f"{path}: holds no config (the file is empty or only comments); a stack to split into shards needs "
            f"a `config:` mapping with `{CLASSROOM_KEY}` and its students, e.g. "
            f"`config: {{{CLASSROOM_KEY}: {{students: 30}}}}`"
        )
    return config


def _students(config: Mapping[str, Any], path: Path) -> list[str]:
    classroom = config.get(CLASSROOM_KEY)
    if not isinstance(classroom, Mapping):
        raise BadInput(f"{path}: sets no `{CLASSROOM_KEY}`; only a classroom stack can be split into shards")
    # The whole config is validated first, so the students are a count or a list of valid names.
    students = classroom["students"]
    if isinstance(students, int):
        return [f"student-{number}" for number in range(1, students + 1)]
    return [str(name) for name in students]


def run(args: argparse.Namespace) -> int:
    if not 2 <= args.count <= MAX_STUDENTS:
        raise BadInput(f"--count must be from 2 to {MAX_STUDENTS} (got {args.count})")
    folder = project_dir(args.project_dir)
    source = stack_path(folder, args.stack)
    load(read_stack(source).values)  # the config must be valid before it is split
    config = _config_of(read_yaml(source), source)
    students = _students(config, source)
    shards = partition(students, args.count)
    empty = [number for number, names in shards.items() if not names]
    if empty:
        raise BadInput(
            f"--count {args.count}: shard(s) {', '.join(map(str, empty))} would have no student "
            f"(the class has {len(students)}); give a smaller --count"
        )
    targets = {number: folder / f"Pulumi.{args.stack}-{number}.yaml" for number in shards}
    foreign = [path.name for path in targets.values() if path.exists() and not written_by_shard(path)]
    if foreign:
        raise BadInput(
            f"refusing to overwrite {', '.join(foreign)}: not written by `labctl shard`, or changed since "
            "(a `pulumi config set` rewrites the file). Nothing was written; move those files away to shard again."
        )
    try:
        for number, path in targets.items():
            replace_file(path, shard_text(args.stack, number, args.count, shard_config(config, shards[number])))
    except OSError as error:
        raise OutputError(f"{folder}: cannot write the shard files: {error.strerror or error}") from None
    for number, path in targets.items():
        print(f"{path.name}: {len(shards[number])} student(s)")
    _report_leftovers(folder, args.stack, args.count)
    _report_secrets(config, args.stack, args.count)
    return 0


def _report_leftovers(folder: Path, stack: str, count: int) -> None:
    number = count + 1
    while (folder / f"Pulumi.{stack}-{number}.yaml").exists():
        print(
            f"note: Pulumi.{stack}-{number}.yaml is from an earlier, larger split; its students are now in other "
            f"shards: destroy that stack before deploying these, or they are deployed twice"
        )
        number += 1


def _report_secrets(config: Mapping[str, Any], stack: str, count: int) -> None:
    paths = [(key, rest) for key, value in config.items() for rest in secure_paths(value)]
    if not paths:
        return
    print("Encrypted values are not copied (each stack has its own key); set them in every shard:")
    for key, rest in paths:
        flag = ("--path",) if rest else ()
        name = ".".join((key, *rest))
        for number in range(1, count + 1):
            # A key is whatever the stack file holds: quoted, so a pasted line sets that key and no other.
            print(
                f"  {shlex.join(('pulumi', 'config', 'set', '--secret', *flag, name, '--stack', f'{stack}-{number}'))}"
            )
