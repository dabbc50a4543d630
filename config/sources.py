"""Where raw `k8s-labs:*` values come from: a Pulumi.<stack>.yaml file, `--set` flags, or the Pulumi engine."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError
from config.stackfile import read_yaml

PROJECT = "k8s-labs"
STACK_FILE = re.compile(r"^Pulumi\.(.+)\.yaml$")
KNOWN_KEYS = ("namespace", "labs", "classroom", "mysqlRootPassword")


@dataclass(frozen=True)
class StackFile:
    values: dict[str, Any]
    """The project's keys, prefix removed; encrypted values stay `{secure: ...}`."""
    warnings: tuple[str, ...] = ()


def from_stack_file(path: Path) -> dict[str, Any]:
    """The project's keys of a stack file, prefix removed; encrypted values stay `{secure: ...}`."""
    return read_stack(path).values


def read_stack(path: Path) -> StackFile:
    if path.is_dir():
        raise ConfigError([directory_not_stack(path)])
    if not path.is_file():
        raise ConfigError([missing_stack(path)])
    document = read_yaml(path)
    if document is None:
        document = {}
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise ConfigError([f"{path}: expected a mapping with a `config:` mapping"])
    values: dict[str, Any] = {}
    problems = []
    for key, value in (document.get("config") or {}).items():
        namespace, colon, name = str(key).partition(":")
        if namespace == PROJECT and colon:
            values[name] = value
            continue
        problem = _misplaced_key(str(key), namespace, name if colon else None)
        if problem:
            problems.append(f"{path}: {problem}")
    if problems:
        raise ConfigError(problems)
    if not values:
        return StackFile(
            values, (f"{path.name} sets no `{PROJECT}:` key: every lab gets its defaults, in one namespace",)
        )
    return StackFile(values)


def _misplaced_key(key: str, namespace: str, name: str | None) -> str | None:
    """Why a key outside `k8s-labs:` can only be a mistake, or None for another package's key."""
    if name is None:
        if key in KNOWN_KEYS:
            return f"config key `{key}` lacks the project prefix: did you mean `{PROJECT}:{key}`?"
        return f"config key `{key}`: keys are written `<project>:<key>`, e.g. `{PROJECT}:labs`"
    # `kubernetes:context` or `pulumi:tags` belong to others; a near-miss of our own name does not.
    if difflib.get_close_matches(namespace, [PROJECT], n=1, cutoff=0.75):
        return f"config key `{key}`: did you mean `{PROJECT}:{name}`? (the prefix is the project name, {PROJECT})"
    return None


def stacks_beside(path: Path) -> list[str]:
    """The stack names of the Pulumi.<stack>.yaml files in the folder of `path`; a folder so named is no stack."""
    return sorted(
        match.group(1)
        for entry in path.parent.glob("Pulumi.*.yaml")
        if (match := STACK_FILE.match(entry.name)) and entry.is_file()
    )


def _which_stacks_exist(path: Path) -> str:
    stacks = stacks_beside(path)
    if stacks:
        return f"; the stacks in {path.parent} are {', '.join(stacks)}"
    return f", and {path.parent} holds no Pulumi.<stack>.yaml (create one with `pulumi stack init`)"


def missing_stack(path: Path) -> str:
    """No such stack file; the message lists the stacks that do exist beside it."""
    name = STACK_FILE.match(path.name)
    wanted = f"no stack '{name.group(1)}'" if name else "no such stack file"
    return f"{path}: {wanted}{_which_stacks_exist(path)}"


def directory_not_stack(path: Path) -> str:
    """`path` is a folder, where a stack file was expected; the message lists the real stack files beside it."""
    return f"{path}: is a directory, not a stack file{_which_stacks_exist(path)}"


def apply_sets(raw: dict[str, Any], assignments: list[str]) -> dict[str, Any]:
    """`path.to.key=value` overrides; the value is read as YAML, so `3` is a number and `[a, b]` a list."""
    result: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    problems = []
    for assignment in assignments:
        path, sep, text = assignment.partition("=")
        keys = [part for part in path.strip().split(".") if part]
        if not sep or not keys:
            problems.append(f"--set {assignment!r}: expected path=value, e.g. classroom.students=30")
            continue
        if keys[0] == "mysqlRootPassword":
            problems.append("--set mysqlRootPassword: a password is never taken on the command line")
            continue
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        target = result
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[keys[-1]] = value
    if problems:
        raise ConfigError(problems)
    return result


def from_pulumi_engine() -> tuple[dict[str, Any], set[str]]:
    """Every `k8s-labs:*` value the engine passed in, objects decoded, with the keys it keeps encrypted."""
    from pulumi.runtime import config as runtime_config

    everything = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for full_key, value in everything.items():
        if not full_key.startswith(f"{PROJECT}:"):
            continue
        key = full_key.split(":", 1)[1]
        if runtime_config.is_config_secret(full_key):
            secret.add(key)
            raw[key] = "[secret]"  # the value itself is read only through pulumi.Config.get_secret
            continue
        raw[key] = _decoded(value)
    return raw, secret


def _decoded(value: Any) -> Any:
    """Objects and lists arrive as JSON text; any other top-level value is a string, as Pulumi stores it."""
    if not isinstance(value, str) or value.lstrip()[:1] not in ("{", "["):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
