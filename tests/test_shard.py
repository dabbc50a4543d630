"""Given a classroom stack, when `labctl shard` splits it, then the shards partition the class stably."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from config import load
from labctl.shard.command import partition, shard_config, shard_of
from tests.conftest import ROOT
from tests.pasting import pasted

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
CLASSES = st.lists(NAMES, min_size=1, max_size=60, unique=True)
COUNTS = st.integers(min_value=2, max_value=12)


@settings(max_examples=200, deadline=None)
@given(CLASSES, COUNTS)
def test_the_shards_are_the_class_with_no_student_in_two(students: list[str], count: int) -> None:
    shards = partition(students, count)
    assert sorted(shards) == list(range(1, count + 1))
    placed = [student for names in shards.values() for student in names]
    assert sorted(placed) == sorted(students)  # every student once: union is the class, no overlap


@settings(max_examples=200, deadline=None)
@given(CLASSES, CLASSES, COUNTS)
def test_adding_or_removing_students_moves_no_other(before: list[str], after: list[str], count: int) -> None:
    old, new = partition(before, count), partition(after, count)
    where_old = {student: number for number, names in old.items() for student in names}
    where_new = {student: number for number, names in new.items() for student in names}
    for student in set(before) & set(after):
        assert where_old[student] == where_new[student]


def test_one_more_shard_moves_only_students_into_the_new_one() -> None:
    students = [f"student-{number}" for number in range(1, 1001)]
    moved = [s for s in students if shard_of(s, 8) != shard_of(s, 9)]
    assert all(shard_of(s, 9) == 9 for s in moved)
    assert 1000 / 9 * 0.7 < len(moved) < 1000 / 9 * 1.3  # about 1/9 of the class, not most of it


# The CLI, on a copy of the project.

STACK = """\
config:
  k8s-labs:labs:
    probedWebServer:
      delayStart: 45
  k8s-labs:classroom:
    students: 30
    namespacePrefix: ws-
    overrides:
      student-7:
        probedWebServer:
          delayStart: 60
  k8s-labs:mysqlRootPassword:
    secure: v1:AAAAbm90LWEtcmVhbC1jaXBoZXJ0ZXh0
  kubernetes:context: kind-kind
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.class.yaml").write_text(STACK)
    return tmp_path


def shard(project: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labctl", "shard", "--project-dir", str(project), *flags],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def config_of(path: Path) -> dict[str, object]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    config = document["config"]
    assert isinstance(config, dict)
    return config


def students_of(config: dict[str, object]) -> list[str]:
    classroom = config["k8s-labs:classroom"]
    assert isinstance(classroom, dict)
    return list(classroom["students"])


def test_a_count_of_students_becomes_stable_names_and_the_rest_is_copied(project: Path) -> None:
    result = shard(project, "--stack", "class", "--count", "3")
    assert result.returncode == 0, result.stderr
    files = sorted(path.name for path in project.glob("Pulumi.class-*.yaml"))
    assert files == ["Pulumi.class-1.yaml", "Pulumi.class-2.yaml", "Pulumi.class-3.yaml"]
    seen: list[str] = []
    for name in files:
        config = config_of(project / name)
        classroom = config["k8s-labs:classroom"]
        assert isinstance(classroom, dict)
        seen += classroom["students"]
        assert classroom["namespacePrefix"] == "ws-"
        assert config["k8s-labs:labs"] == {"probedWebServer": {"delayStart": 45}}
        assert config["kubernetes:context"] == "kind-kind"
        # The override travels with its student, and only there.
        assert ("overrides" in classroom) == ("student-7" in classroom["students"])
        assert "k8s-labs:mysqlRootPassword" not in config
        assert "secure" not in (project / name).read_text()
    assert sorted(seen) == sorted(f"student-{n}" for n in range(1, 31))


def test_encrypted_values_are_not_copied_and_the_user_is_told_what_to_set(project: Path) -> None:
    result = shard(project, "--stack", "class", "--count", "2")
    assert result.returncode == 0, result.stderr
    assert "pulumi config set --secret k8s-labs:mysqlRootPassword --stack class-1" in result.stdout
    assert "pulumi config set --secret k8s-labs:mysqlRootPassword --stack class-2" in result.stdout
    assert "v1:AAAA" not in result.stdout + result.stderr


def test_its_own_unchanged_shards_are_rewritten_and_a_shard_survives_a_new_student(project: Path) -> None:
    assert shard(project, "--stack", "class", "--count", "3").returncode == 0
    before = {path.name: config_of(path) for path in project.glob("Pulumi.class-*.yaml")}
    stack = project / "Pulumi.class.yaml"
    stack.write_text(stack.read_text().replace("students: 30", "students: 31"))
    result = shard(project, "--stack", "class", "--count", "3")
    assert result.returncode == 0, result.stderr
    grown = 0
    for name, config in before.items():
        old, new = students_of(config), students_of(config_of(project / name))
        assert new[: len(old)] == old and len(new) - len(old) in (0, 1)
        grown += len(new) - len(old)
    assert grown == 1


@pytest.mark.parametrize(
    "content",
    ["config: {}\n", "# k8s-labs shard 1/3 of class sha256:0000\nconfig: {}\n"],
    ids=["foreign", "forged-or-edited"],
)
def test_a_shard_file_it_did_not_write_is_never_overwritten(project: Path, content: str) -> None:
    (project / "Pulumi.class-2.yaml").write_text(content)
    result = shard(project, "--stack", "class", "--count", "3")
    assert result.returncode == 2
    assert "Pulumi.class-2.yaml" in result.stderr and "Traceback" not in result.stderr
    assert (project / "Pulumi.class-2.yaml").read_text() == content
    assert not (project / "Pulumi.class-1.yaml").exists()  # nothing written at all


def test_an_edit_after_sharding_makes_the_file_the_users(project: Path) -> None:
    assert shard(project, "--stack", "class", "--count", "2").returncode == 0
    edited = project / "Pulumi.class-1.yaml"
    edited.write_text(edited.read_text() + "  k8s-labs:mysqlRootPassword:\n    secure: v1:xyz\n")
    result = shard(project, "--stack", "class", "--count", "2")
    assert result.returncode == 2
    assert "secure: v1:xyz" in edited.read_text()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--stack", "class", "--count", "1"), "--count must be from 2"),
        (("--stack", "class", "--count", "40"), "would have no student"),
        (("--stack", "dev", "--count", "2"), "no stack 'dev'"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(project: Path, flags: tuple[str, ...], message: str) -> None:
    result = shard(project, *flags)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr
    assert not list(project.glob("Pulumi.*-*.yaml"))


def test_a_stack_without_a_classroom_is_refused(project: Path) -> None:
    (project / "Pulumi.one.yaml").write_text("config:\n  k8s-labs:namespace: solo\n")
    result = shard(project, "--stack", "one", "--count", "2")
    assert result.returncode == 2
    assert "k8s-labs:classroom" in result.stderr


def test_a_smaller_split_names_the_shard_files_left_from_a_larger_one(project: Path) -> None:
    assert shard(project, "--stack", "class", "--count", "3").returncode == 0
    result = shard(project, "--stack", "class", "--count", "2")
    assert result.returncode == 0, result.stderr
    assert "Pulumi.class-3.yaml is from an earlier, larger split" in result.stdout
    assert (project / "Pulumi.class-3.yaml").exists()  # not ours to delete: it may be deployed


def test_each_shard_keeps_only_its_own_students_modes_and_loads() -> None:
    students = [f"student-{n}" for n in range(1, 31)]
    shards = partition(students, 2)
    first, second = shards[1][0], shards[2][0]
    config = yaml.safe_load(STACK)["config"]
    config["k8s-labs:classroom"]["modes"] = {
        first: {"probedWebServer": "exercise"},
        second: {"probedWebServer": "solution"},
    }
    for number, names in shards.items():
        sharded = shard_config(config, names)
        modes = sharded["k8s-labs:classroom"]["modes"]
        assert list(modes) == [first if number == 1 else second]
        values = {key.removeprefix("k8s-labs:"): value for key, value in sharded.items() if key.startswith("k8s-labs:")}
        plan = load(values)
        assert sorted(env.name for env in plan.environments) == sorted(names)


@pytest.mark.parametrize(
    "content", ["", "# the class of 2026, to be filled in\n\n# (nothing yet)\n"], ids=["empty", "comments"]
)
def test_an_empty_or_comment_only_stack_file_is_bad_input_naming_the_file_and_writes_nothing(
    project: Path, content: str
) -> None:
    # Given a stack file with no config at all
    stack = project / "Pulumi.class.yaml"
    stack.write_text(content)
    # When it is split
    result = shard(project, "--stack", "class", "--count", "2")
    # Then labctl says the file holds no config and what it should hold, exits 2 and writes nothing
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"labctl shard: {stack}: holds no config (the file is empty or only comments); a stack to split into "
        "shards needs a `config:` mapping with `k8s-labs:classroom` and its students, e.g. "
        "`config: {k8s-labs:classroom: {students: 30}}`\n"
    )
    assert result.stdout == ""
    assert sorted(path.name for path in project.iterdir()) == ["Pulumi.class.yaml", "Pulumi.yaml"]


def test_the_printed_config_set_commands_paste_into_a_shell_as_the_words_meant(project: Path) -> None:
    # Given encrypted values under keys of another package with a space, a quote and a `$` in them
    stack = project / "Pulumi.class.yaml"
    stack.write_text(
        stack.read_text()
        + '  "vault:it\'s $TOKEN":\n    secure: v1:AAAAb25l\n'
        + "  vault:settings:\n    my key:\n      secure: v1:AAAAdHdv\n"
    )
    # When the class is split
    result = shard(project, "--stack", "class", "--count", "2")
    assert result.returncode == 0, result.stderr
    # Then every command it prints, pasted into bash, sets exactly that key of that shard
    commands = [line.strip() for line in result.stdout.splitlines() if line.startswith("  pulumi ")]
    assert [pasted(command) for command in commands] == [
        ["pulumi", "config", "set", "--secret", *path, key, "--stack", f"class-{number}"]
        for path, key in [
            ((), "k8s-labs:mysqlRootPassword"),
            ((), "vault:it's $TOKEN"),
            (("--path",), "vault:settings.my key"),
        ]
        for number in (1, 2)
    ]
    assert "  pulumi config set --secret 'vault:it'\"'\"'s $TOKEN' --stack class-1\n" in result.stdout
