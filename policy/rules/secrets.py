"""Secret material: read into environment variables (CIS 5.4.1), or written out in plain text."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field, field_validator

from .manifest import containers, dig, kind, mapping, pod_spec, sequence, text
from .model import Enforcement, Manifest, Params, Rule, Severity

SECRET_NAME = r"(?i)(passw(or)?d|passphrase|secret|token|api[_-]?key|private[_-]?key|credential)"
# Names that point at secret material instead of holding it (MYSQL_ROOT_PASSWORD_FILE=/run/...).
POINTER_NAME = r"(?i)(_file|_path|_dir|_ref|_name)$"
SECRET_VALUES = (
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"\bAKIA[0-9A-Z]{16}\b",
    r"(?im)^\s*(requirepass|masterauth)\s+\S+",
    r"(?i)\bpassw(or)?d\s*[=:]\s*\S+",
)


def secret_in_env(obj: Manifest, _: Params) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        for entry in sequence(container.spec.get("env")):
            reference = mapping(dig(entry, "valueFrom", "secretKeyRef"))
            if reference:
                yield (
                    f"{container.label}: env {text(mapping(entry).get('name')) or '?'} reads Secret "
                    f"{text(reference.get('name')) or '?'}; mount it as a file instead"
                )
        for entry in sequence(container.spec.get("envFrom")):
            if mapping(entry).get("secretRef") is not None:
                name = text(dig(entry, "secretRef", "name")) or "?"
                yield f"{container.label}: envFrom imports Secret {name} whole; mount it as a file instead"


class PlaintextParams(Params):
    name_pattern: str = Field(SECRET_NAME, description="regex: keys and env names that hold secrets")
    pointer_pattern: str = Field(POINTER_NAME, description="regex: names that only point at a secret (paths)")
    value_patterns: list[str] = Field(list(SECRET_VALUES), description="regexes: values that are secret material")
    allow_names: list[str] = Field(default_factory=list, description="keys and env names never flagged")

    @field_validator("name_pattern", "pointer_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return pattern

    @field_validator("value_patterns")
    @classmethod
    def _all_compile(cls, patterns: list[str]) -> list[str]:
        return [cls._compiles(pattern) for pattern in patterns]


def _secretive(key: str, value: str, params: PlaintextParams) -> str | None:
    """Why a key/value pair looks like a secret in plain text; never quotes the value."""
    if key in params.allow_names or not value:
        return None
    if re.search(params.name_pattern, key) and not re.search(params.pointer_pattern, key):
        return "its name says it holds a secret"
    if any(re.search(pattern, value) for pattern in params.value_patterns):
        return "its value looks like a password or key"
    return None


def plaintext_secret(obj: Manifest, params: PlaintextParams) -> Iterator[str]:
    if kind(obj) == "ConfigMap":
        for key, value in mapping(obj.get("data")).items():
            why = _secretive(key, text(value) or "", params)
            if why:
                yield f"data key {key} is plain text in a ConfigMap but {why}; put it in a Secret"
        for key in mapping(obj.get("binaryData")):
            if re.search(params.name_pattern, key) and key not in params.allow_names:
                yield f"binaryData key {key} sits in a ConfigMap but its name says it holds a secret"
    for container in containers(pod_spec(obj)):
        for entry in sequence(container.spec.get("env")):
            name, value = text(mapping(entry).get("name")) or "?", text(mapping(entry).get("value"))
            why = _secretive(name, value or "", params)
            if why:
                yield f"{container.label}: env {name} has a literal value but {why}; use a Secret"


RULES = [
    Rule(
        id="secret-in-env",
        title="Secrets read into environment variables",
        description="Secrets are mounted as files, not read into env vars that leak into logs and child processes.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.MANDATORY,
        standard="CIS Kubernetes Benchmark 5.4.1",
        url="https://www.cisecurity.org/benchmark/kubernetes",
        check_object=secret_in_env,
    ),
    Rule(
        id="plaintext-secret",
        title="Plain-text secret material",
        description="Passwords, tokens and keys never sit in a ConfigMap or a literal env value.",
        severity=Severity.CRITICAL,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes good practices for Secrets",
        url="https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
        params=PlaintextParams,
        check_object=plaintext_secret,
    ),
]
