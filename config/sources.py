"""Where raw `k8s-labs:*` values come from: a Pulumi.<stack>.yaml file, `--set` flags, or the Pulumi engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError

PROJECT = "k8s-labs"


def from_stack_file(path: Path) -> dict[str, Any]:
    """The project's keys of a stack file, prefix removed; encrypted values stay `{secure: ...}`."""
    if not path.is_file():
        raise ConfigError([f"{path}: no such stack file (expected Pulumi.<stack>.yaml beside Pulumi.yaml)"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(
            [f"{path}: not valid YAML ({error.__class__.__name__} at {getattr(error, 'problem_mark', '?')})"]
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise ConfigError([f"{path}: expected a mapping with a `config:` mapping"])
    return {
        key.split(":", 1)[1]: value
        for key, value in (document.get("config") or {}).items()
        if isinstance(key, str) and key.startswith(f"{PROJECT}:")
    }


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
        try:
            raw[key] = json.loads(value) if isinstance(value, str) else value
        except json.JSONDecodeError:
            raw[key] = value
    return raw, secret
