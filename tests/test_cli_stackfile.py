"""Given a stack file that is broken or missing, when any command reads it, then exit 2 says where and why.

Each case runs `python -m labctl` as a process: the point is the exit code, the message and the
absence of a traceback, for every command that reads a stack.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

COMMANDS = {
    "render": ["render", "--out", "OUT"],
    "timeline": ["timeline"],
    "verify": ["verify"],
    "review": ["review"],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def run(project: Path, command: str, *extra: str, stack: str = "dev", cwd: Path | None = None) -> tuple[int, str]:
    args = [arg.replace("OUT", str(project / "out")) for arg in COMMANDS[command]]
    result = subprocess.run(
        [sys.executable, "-m", "labctl", *args, "--stack", stack, "--project-dir", str(project), *extra],
        cwd=cwd or project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stack_file_that_is_not_utf8_is_named_with_the_byte_offset(project: Path, command: str) -> None:
    # given a stack file saved in Latin-1: "é" is the single byte 0xe9
    stack = project / "Pulumi.dev.yaml"
    text = stack.read_text().replace("# The dev stack", "# The dév stack")
    stack.write_bytes(text.encode("latin-1"))
    offset = text.encode("latin-1").index(b"\xe9")
    # when the command reads it
    code, err = run(project, command)
    # then bad input, naming the file, the byte and its offset
    assert code == 2
    assert f"{stack}: not UTF-8 text: byte 0xe9 at offset {offset} (line 1, column {offset + 1})" in err
    assert not (project / "out").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_yaml_syntax_error_is_given_as_file_line_column(project: Path, command: str) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("      delayStart: 45", "      delayStart: [45"))
    code, err = run(project, command)
    assert code == 2
    line = next(number for number, text in enumerate(stack.read_text().splitlines(), 1) if "[45" in text)
    assert f"{stack}:{line + 1}:" in err and "not valid YAML" in err
    assert "<unicode string>" not in err


def test_a_key_given_twice_is_reported_with_both_lines(project: Path) -> None:
    # given a stack file where the same key appears twice in one mapping (the last would win silently)
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("      runAsUser: 45\n", "      runAsUser: 45\n      runAsUser: 0\n"))
    code, err = run(project, "render")
    first = next(number for number, text in enumerate(stack.read_text().splitlines(), 1) if "runAsUser: 45" in text)
    assert code == 2
    assert f"{stack}:{first + 1}:7: key 'runAsUser' appears twice in one mapping (first at line {first})" in err
    assert not (project / "out").exists()


def test_repeated_keys_in_separate_mappings_and_merge_keys_are_fine(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(
        stack.read_text()
        + "  k8s-labs:namespace: &shared lab-ns\n"
        + "  kubernetes:namespace: *shared\n"  # another package's key of the same name
    )
    code, err = run(project, "timeline")
    assert code == 0, err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_stack_lists_the_stacks_that_exist(project: Path, command: str) -> None:
    shutil.copy(project / "Pulumi.dev.yaml", project / "Pulumi.staging.yaml")
    code, err = run(project, command, stack="prod")
    assert code == 2
    assert "no stack 'prod'" in err and "are dev, staging" in err


def test_a_folder_without_the_project_says_where_it_looked(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "labctl", "timeline", "--stack", "dev"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert f"no Pulumi.yaml in {tmp_path} or any folder above it" in result.stderr
    assert "--project-dir" in result.stderr


def test_the_project_folder_is_found_from_a_folder_inside_it(project: Path) -> None:
    inside = project / "build" / "somewhere"
    inside.mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-m", "labctl", "timeline", "--stack", "dev", "--format", "json"],
        cwd=inside,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_project_dir_that_does_not_exist_is_named(project: Path) -> None:
    code, err = run(project / "nope", "timeline", cwd=project)
    assert code == 2
    assert f"--project-dir {project / 'nope'}: no such folder" in err


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("k8slabs:classroom", "did you mean `k8s-labs:classroom`?"),
        ("k8s_labs:classroom", "did you mean `k8s-labs:classroom`?"),
        ("classroom", "lacks the project prefix: did you mean `k8s-labs:classroom`?"),
    ],
)
def test_a_mistyped_project_prefix_is_refused_with_a_suggestion(project: Path, key: str, expected: str) -> None:
    # given the dev stack's classroom written under a near-miss of the project's key
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("k8s-labs:classroom", key))
    # when it is rendered, then it is refused (the class would silently shrink to one environment)
    code, err = run(project, "render")
    assert code == 2
    assert expected in err
    assert not (project / "out").exists()


def test_other_packages_keys_are_left_alone(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "  kubernetes:context: kind-labs\n  pulumi:disable-default-providers: []\n")
    code, err = run(project, "render")
    assert code == 0, err
    assert "warning" not in err


@pytest.mark.parametrize("content", ["", "config: {}\n", "config:\n  kubernetes:context: kind-labs\n"])
def test_a_stack_file_without_the_projects_keys_is_warned_about(project: Path, content: str) -> None:
    (project / "Pulumi.empty.yaml").write_text(content)
    code, err = run(project, "render", stack="empty")
    assert code == 0, err
    assert "warning: Pulumi.empty.yaml sets no `k8s-labs:` key: every lab gets its defaults" in err


def test_a_stack_file_of_another_project_is_refused(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: something-else\nruntime: python\n")
    code, err = run(project, "timeline")
    assert code == 2
    assert "is the project 'something-else', not k8s-labs" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stack_file_that_is_a_directory_is_named_so_and_not_listed_as_a_stack(project: Path, command: str) -> None:
    # Given Pulumi.old.yaml, a directory, beside the dev stack
    (project / "Pulumi.old.yaml").mkdir()
    # When a command reads the stack "old"
    code, err = run(project, command, stack="old")
    # Then it says the name is a directory, and lists only the real stack files
    assert code == 2
    assert err == (
        f"labctl {command}: the stack config has 1 problem:\n"
        f"  - {project}/Pulumi.old.yaml: is a directory, not a stack file; the stacks in {project} are dev\n"
    )
    assert not (project / "out").exists()


def test_a_directory_named_like_a_stack_is_not_listed_among_the_stacks(project: Path) -> None:
    # Given a directory Pulumi.old.yaml beside the stack files dev and staging
    (project / "Pulumi.old.yaml").mkdir()
    shutil.copy(project / "Pulumi.dev.yaml", project / "Pulumi.staging.yaml")
    # When a missing stack is asked for
    code, err = run(project, "timeline", stack="prod")
    # Then only the files are offered
    assert code == 2
    assert err == (
        "labctl timeline: the stack config has 1 problem:\n"
        f"  - {project}/Pulumi.prod.yaml: no stack 'prod'; the stacks in {project} are dev, staging\n"
    )
