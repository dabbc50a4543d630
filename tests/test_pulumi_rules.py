"""Given the Pulumi CLI's own rules for project and stack files (pulumi v3.259.0, components/pulumi_rules.py),
then every project and stack file of the repository passes them, as do the files `labctl shard` and the e2e
write, and the policy pack's virtualenv is the one `make run` creates.

The cases with exact messages are the CLI's own tests at that tag (pkg/workspace/config_project_test.go:
TestStackConfigErrorsWhenMissingStackValueForConfigTypeWithNoDefault and its two- and three-key siblings).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import pulumi_rules
from components.pulumi_rules import STACK_FILE_KEYS, policy_virtualenv, stack_config_errors
from components.sources import PULUMI, PULUMI_KUBERNETES
from tests.conftest import ROOT
from tests.e2e import plan

SKIPPED_FOLDERS = {".venv", "build", "mutants", ".git", "node_modules"}


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), path
    return document


def repository_files(pattern: str) -> list[Path]:
    return sorted(path for path in ROOT.rglob(pattern) if not SKIPPED_FOLDERS & set(path.relative_to(ROOT).parts[:-1]))


def stack_name(path: Path) -> str:
    match = re.fullmatch(r"Pulumi\.(?P<stack>.+)\.yaml", path.name)
    assert match, path
    return match["stack"]


def project_stacks() -> list[tuple[Path, Path]]:
    """Every stack file beside its project file."""
    return [(path.parent / "Pulumi.yaml", path) for path in repository_files("Pulumi.*.yaml")]


# The CLI's rule, on the declarations this project once had.


def test_a_declared_key_without_default_is_required_and_named_as_the_cli_names_it() -> None:
    project = {"name": "k8s-labs", "config": {"namespace": {"type": "string"}}}
    assert stack_config_errors(project, {"config": {}}, "dev") == [
        "Stack 'dev' is missing configuration value 'namespace'"
    ]


def test_two_and_three_missing_keys_are_listed_as_the_cli_lists_them() -> None:
    project = {
        "name": "k8s-labs",
        "config": {"namespace": {"type": "string"}, "mysqlRootPassword": {"type": "string", "secret": True}},
    }
    assert stack_config_errors(project, {}, "dev") == [
        "Stack 'dev' is missing configuration values 'mysqlRootPassword' and 'namespace'"
    ]
    three = {"name": "p", "config": {key: {"type": "string"} for key in ("world", "hello", "values")}}
    assert stack_config_errors(three, {}, "dev") == [
        "Stack 'dev' is missing configuration values 'hello', 'values' and 'world'"
    ]


def test_a_key_set_on_the_stack_or_given_a_default_is_not_missing() -> None:
    project = {"name": "p", "config": {"namespace": {"type": "string", "default": "k8s-labs"}, "b": {}}}
    assert stack_config_errors(project, {"config": {"p:b": "x"}}, "dev") == []


def test_a_key_of_another_namespace_is_never_required() -> None:
    project = {"name": "p", "config": {"kubernetes:context": {"type": "string"}}}
    assert stack_config_errors(project, {}, "dev") == []


def test_a_secret_key_needs_a_secure_value_so_a_default_cannot_make_it_optional() -> None:
    project = {"name": "p", "config": {"password": {"type": "string", "secret": True, "default": "x"}}}
    encrypted = {"config": {"p:password": {"secure": "AAABAL..."}}}
    message = "Stack 'dev' with configuration key 'password' must be encrypted as it's secret"
    assert stack_config_errors(project, {}, "dev") == [message]
    assert stack_config_errors(project, {"config": {"p:password": "plain"}}, "dev") == [message]
    assert stack_config_errors(project, encrypted, "dev") == []


def test_values_are_checked_against_the_declared_type() -> None:
    project = {"name": "p", "config": {"n": {"type": "integer"}, "flag": {"type": "boolean"}, "o": {"type": "object"}}}
    good = {"config": {"p:n": "3", "p:flag": "true", "p:o": {"a": 1}}}
    assert stack_config_errors(project, good, "dev") == []
    bad = {"config": {"p:n": 2.5, "p:flag": "yes", "p:o": [1]}}
    assert stack_config_errors(project, bad, "dev") == [
        "Stack 'dev' with configuration key 'flag' must be of type 'boolean'",
        "Stack 'dev' with configuration key 'n' must be of type 'integer'",
        "Stack 'dev' with configuration key 'o' must be of type 'object'",
    ]


def test_a_declaration_with_an_unknown_field_or_type_is_refused() -> None:
    project = {"name": "p", "config": {"a": {"type": "map", "required": True}, "b": {"type": "array"}}}
    assert stack_config_errors(project, {"config": {"p:a": "x", "p:b": []}}, "dev") == [
        "config 'a': unknown field 'required'",
        "config 'a': type 'map' is not one of ['array', 'boolean', 'integer', 'object', 'string']",
        "config 'b': an array needs items",
    ]


# This repository's files.


def test_the_repository_has_stack_files_to_check() -> None:
    assert (ROOT / "Pulumi.yaml", ROOT / "Pulumi.dev.yaml") in project_stacks()


@pytest.mark.parametrize(("project", "stack"), project_stacks(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_stack_file_passes_the_clis_config_validation(project: Path, stack: Path) -> None:
    document = load(stack)
    assert set(document) <= STACK_FILE_KEYS, f"{stack}: keys the CLI ignores"
    assert stack_config_errors(load(project), document, stack_name(stack)) == []


def test_the_program_declares_nothing_a_stack_must_set() -> None:
    assert stack_config_errors(load(ROOT / "Pulumi.yaml"), {}, "any") == []


def test_the_yaml_example_needs_only_the_password_its_page_tells_to_set() -> None:
    example = load(ROOT / "examples" / "yaml-class" / "Pulumi.yaml")
    assert stack_config_errors(example, {}, "dev") == ["Stack 'dev' is missing configuration value 'mysqlRootPassword'"]
    set_secret = {"config": {"yaml-class:mysqlRootPassword": {"secure": "v1:..."}}}
    assert stack_config_errors(example, set_secret, "dev") == []
    assert "pulumi config set --secret mysqlRootPassword" in (ROOT / "docs" / "package.md").read_text()


def test_the_stack_files_labctl_shard_writes_pass(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.class.yaml").write_text(
        yaml.safe_dump({"config": {"k8s-labs:classroom": {"students": 5}, "kubernetes:context": "kind-kind"}})
    )
    argv = [sys.executable, "-m", "labctl", "shard", "--stack", "class", "--count", "2", "--project-dir", str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shards = sorted(tmp_path.glob("Pulumi.class-*.yaml"))
    assert [path.name for path in shards] == ["Pulumi.class-1.yaml", "Pulumi.class-2.yaml"]
    for path in shards:
        assert stack_config_errors(load(ROOT / "Pulumi.yaml"), load(path), stack_name(path)) == []


def test_the_e2e_stack_passes() -> None:
    config = plan.stack_config(plan.base_labs(ROOT), "e2e-abc123-", persistent=True)
    assert stack_config_errors(load(ROOT / "Pulumi.yaml"), config, plan.STACK) == []


# The policy pack's virtualenv.


def makefile_venv() -> Path:
    match = re.search(r"^VENV := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match
    return ROOT / match[1]


def test_the_policy_pack_runs_in_the_virtualenv_make_run_and_pulumi_up_create() -> None:
    assert policy_virtualenv(ROOT / "policy").resolve() == makefile_venv().resolve()
    assert load(ROOT / "Pulumi.yaml")["runtime"]["options"]["virtualenv"] == makefile_venv().name


def test_that_virtualenv_has_the_packs_dependencies() -> None:
    python = policy_virtualenv(ROOT / "policy") / "bin" / "python"
    code = "import pulumi_policy, policy.rules.crossguard"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_an_unset_virtualenv_is_venv_beside_the_pack(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    assert policy_virtualenv(tmp_path) == tmp_path / "venv"


# Read at the tag of what runs.


def pinned(package: str) -> str:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    versions = [pin.split("==")[1] for pin in dependencies if pin.split("==")[0] == package]
    assert len(versions) == 1, package
    return str(versions[0])


def test_the_rules_are_read_at_the_tags_of_the_pinned_releases() -> None:
    for release in (PULUMI, PULUMI_KUBERNETES):
        assert release.tag == f"v{pinned(release.package)}", (
            f"{release.package} is pinned at {pinned(release.package)}: read the rules again at its tag"
        )
        assert re.fullmatch(r"[0-9a-f]{40}", release.commit)
    for rule in pulumi_rules.RULES:
        assert rule.source.ref == PULUMI.tag and rule.source.repo == PULUMI.repo, rule
        assert rule.held_by
