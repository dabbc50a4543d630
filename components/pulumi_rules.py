"""What the Pulumi CLI and its Python language host do with this project's files before the program runs, as
data read at the pinned release tag (components/sources.py), and the two rules tests execute here.

The first real `pulumi preview` passes through these before any resource is registered: the project file and
its config declarations, each stack file, the program's virtualenv, and (with `--policy-pack policy`) the pack's
own start-up. tests/test_pulumi_rules.py holds every project and stack file of the repository, the files
`labctl shard` writes and the e2e's stack to them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.sources import PULUMI, Source, at

CONFIG_MERGE = at(PULUMI, "pkg/workspace/config.go", "mergeConfig, validateStackConfigValue, parseConfigKey")
CONFIG_TYPES_SOURCE = at(PULUMI, "sdk/go/common/workspace/project.go", "ValidateConfigValue")
PROJECT_SCHEMA = at(PULUMI, "sdk/go/common/workspace/project.json", "configTypeDeclaration, simpleConfigType")
STACK_FILE = at(PULUMI, "sdk/go/common/workspace/project.go", "ProjectStack")
PYTHON_OPTIONS = at(PULUMI, "sdk/python/cmd/pulumi-language-python/main.go", "parseOptions")
VIRTUALENV_PATH = at(PULUMI, "sdk/python/toolchain/pip.go", "resolveVirtualEnvironmentPath, NewVirtualEnvError")
RUN_PLUGIN = at(PULUMI, "sdk/python/cmd/pulumi-language-python/main.go", "RunPlugin")
POLICY_ANALYZER = at(PULUMI, "pkg/resource/plugin/analyzer_plugin.go", "NewPolicyAnalyzer")
POLICY_MAIN = at(PULUMI, "sdk/python/lib/pulumi/policy/__main__.py", "main")
REFRESH_STEP = at(PULUMI, "pkg/resource/deploy/step.go", "RefreshStep.Apply")
INIT_ERRORS = at(PULUMI, "pkg/resource/deploy/step_generator.go", "generateStepsFromDiff (hasInitErrors)")
TARGET_GLOBS = at(PULUMI, "pkg/cmd/pulumi/operations/refresh.go", "--exclude")
PACKAGE_ADD = at(PULUMI, "pkg/cmd/pulumi/packagecmd/package_add.go", "package add")
PYTHON_CONFIG = at(PULUMI, "sdk/python/lib/pulumi/config.py", "Config.get, Config.get_secret")


@dataclass(frozen=True)
class CliRule:
    rule: str
    source: Source
    held_by: str
    """Where the project holds to it: a test, or the file and doc that follow from it."""


RULES = (
    CliRule(
        "a key declared under `config:` in Pulumi.yaml with neither `default` nor `value`, in the project's own "
        "namespace, is required: preview, up, refresh and destroy stop with \"Stack 'S' is missing "
        'configuration value(s) ..." unless the stack file sets it',
        CONFIG_MERGE,
        "tests/test_pulumi_rules.py: every stack file against Pulumi.yaml",
    ),
    CliRule(
        "a declared key with a `type` and `secret: true` must be a `secure:` value in the stack file; a default "
        "is applied as plain text and then refused the same way, so such a key cannot be optional",
        CONFIG_MERGE,
        "Pulumi.yaml declares no key; the program refuses a plaintext mysqlRootPassword itself",
    ),
    CliRule(
        "a declaration takes only type, items, description, secret, default and value; type is string, integer, "
        "boolean, array (with items) or object; keys without `:` get the project name as namespace; keys not "
        "declared are never checked",
        PROJECT_SCHEMA,
        "tests/test_pulumi_rules.py",
    ),
    CliRule(
        "a stack file's top-level keys are secretsprovider, encryptedkey, encryptionsalt, config and "
        "environment; others are ignored",
        STACK_FILE,
        "tests/test_pulumi_rules.py",
    ),
    CliRule(
        "the program's `virtualenv` option is relative to the project folder; preview and up create it from "
        "requirements.txt only when it is missing or empty, and never install into an existing one",
        VIRTUALENV_PATH,
        "requirements.txt installs the project with its policy extra, so a .venv made by either has the pack's "
        "dependencies",
    ),
    CliRule(
        "a local policy pack (`--policy-pack DIR`) runs through the Python language host with the virtualenv "
        "its PulumiPolicy.yaml names, relative to DIR (`venv` when unset); nothing creates it or installs into it",
        POLICY_ANALYZER,
        "policy/PulumiPolicy.yaml names ../.venv; tests/test_pulumi_rules.py",
    ),
    CliRule(
        "the pack is started as `<venv>/bin/python -u -m pulumi.policy <engine address> DIR` from DIR, which runs "
        "DIR/__main__.py; the analyzer's port is the first line it prints",
        RUN_PLUGIN,
        "tests/test_policy_server.py starts it the same way",
    ),
    CliRule(
        "`pulumi refresh` keeps an object whose Read is a partial error and only warns; the next `pulumi up` "
        "runs an update with no change to await it again, so `preview --expect-no-changes` right after such a "
        "refresh reports that update",
        REFRESH_STEP,
        "docs/deploy.md (refresh); the e2e's refresh step",
    ),
    CliRule(
        "`--exclude` on refresh takes URNs with * and ** wildcards",
        TARGET_GLOBS,
        "docs/deploy.md: refreshing without the probe pods",
    ),
    CliRule(
        "`pulumi package add ./provider` creates provider/venv from provider/requirements.txt, generates "
        "sdks/<name>, adds it to the project's requirements and `packages:`; starting the plugin never creates "
        "the virtualenv, and the project is installed by copy, so an edit needs a reinstall",
        PACKAGE_ADD,
        "docs/package.md",
    ),
    CliRule(
        "`pulumi config set --secret` stores `secure:` ciphertext; `Config.get` returns the decrypted text "
        "without marking it, `get_secret` returns it as a secret Output",
        PYTHON_CONFIG,
        "config/sources.py reads the password with get_secret",
    ),
)

DECLARATION_KEYS = frozenset({"type", "items", "description", "secret", "default", "value"})
CONFIG_TYPES = frozenset({"string", "integer", "boolean", "array", "object"})
STACK_FILE_KEYS = frozenset({"secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"})


def namespaced(project_name: str, key: str) -> str:
    """parseConfigKey: a key without a namespace belongs to the project."""
    return key if ":" in key else f"{project_name}:{key}"


def quoted_list(keys: Sequence[str]) -> str:
    """formatMissingKeys: 'a'; 'a' and 'b'; 'a', 'b' and 'c'."""
    quoted = [f"'{key}'" for key in keys]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def fits_type(type_name: str, value: Any) -> bool:
    """ValidateConfigValue, for the plain values a stack file holds (secure values are not decrypted here)."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return math.trunc(value) == value
        if isinstance(value, str):
            try:
                int(value)
            except ValueError:
                return False
            return True
        return False
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    return isinstance(value, list)


def declaration_errors(key: str, declaration: Any) -> list[str]:
    """What project.json refuses in one declaration."""
    if not isinstance(declaration, Mapping):
        return []
    errors = [f"config '{key}': unknown field '{field}'" for field in declaration if field not in DECLARATION_KEYS]
    type_name = declaration.get("type")
    if type_name is not None and type_name not in CONFIG_TYPES:
        errors.append(f"config '{key}': type {type_name!r} is not one of {sorted(CONFIG_TYPES)}")
    if type_name == "array" and "items" not in declaration:
        errors.append(f"config '{key}': an array needs items")
    return errors


def stack_config_errors(project: Mapping[str, Any], stack: Mapping[str, Any], stack_name: str) -> list[str]:
    """The errors `pulumi preview` would stop with for this stack file, before the program runs."""
    project_name = str(project["name"])
    declared: Mapping[str, Any] = project.get("config") or {}
    values: Mapping[str, Any] = stack.get("config") or {}
    errors: list[str] = []
    missing: list[str] = []
    for key in sorted(declared):
        declaration = declared[key]
        errors += declaration_errors(key, declaration)
        if not isinstance(declaration, Mapping):
            continue
        full_key = namespaced(project_name, key)
        found = full_key in values
        has_fallback = declaration.get("default") is not None or declaration.get("value") is not None
        if not found and not has_fallback and full_key.split(":", 1)[0] == project_name:
            missing.append(key)
            continue
        type_name = declaration.get("type")
        if type_name not in CONFIG_TYPES:
            continue
        # A key of another namespace that nothing sets is read as the empty string, as the CLI reads it.
        value = values[full_key] if found else declaration.get("default", declaration.get("value", ""))
        secure = isinstance(value, Mapping) and set(value) == {"secure"}
        if declaration.get("secret") and not secure:
            errors.append(f"Stack '{stack_name}' with configuration key '{key}' must be encrypted as it's secret")
        elif not secure and not fits_type(type_name, value):
            errors.append(f"Stack '{stack_name}' with configuration key '{key}' must be of type '{type_name}'")
    if missing:
        plural = "value" if len(missing) == 1 else "values"
        errors.insert(0, f"Stack '{stack_name}' is missing configuration {plural} {quoted_list(missing)}")
    return errors


def policy_virtualenv(pack: Path) -> Path:
    """The virtualenv the language host runs a local pack with: PulumiPolicy.yaml's option, relative to the pack."""
    document = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    runtime = document.get("runtime") or {}
    options = runtime.get("options") if isinstance(runtime, Mapping) else None
    virtualenv = (options or {}).get("virtualenv") or "venv"
    path = Path(str(virtualenv))
    return path if path.is_absolute() else pack / path
