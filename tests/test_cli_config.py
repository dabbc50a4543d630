"""Given a config with a mistake, when it is loaded, then the mistake is refused with a message naming the user's key.

Values arrive typed (YAML, `pulumi config set --path`), so a boolean is no number and a number
is no text; checks across keys are reported beside field errors; every message names the key
and value as the user wrote them.
"""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from config import ConfigError, load
from labs.catalog import LABS
from labs.isolation import Budget
from tests.conftest import ROOT
from tests.harness import run_program
from tests.test_verify import SERVER, FakeCluster


def members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [member for arg in get_args(annotation) for member in members(arg)]
    return [annotation]


def leaf_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[Any]]]:
    """Every key path of `model` down to a plain value, with the types that value may have."""
    found = []
    for name, field in model.model_fields.items():
        path = (*prefix, field.alias or name)
        accepted = members(field.annotation)
        nested = [member for member in accepted if isinstance(member, type) and issubclass(member, BaseModel)]
        if nested:
            for member in nested:
                found += leaf_paths(member, path)
        else:
            found.append((path, accepted))
    return found


def nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    node = raw
    for key in path[:-1]:
        node = node.setdefault(key, {})
        if key == "storage":  # MySQL's storage is a union chosen by `type`; its keys are tried on the claim
            node["type"] = "persistentVolumeClaim"
    node[path[-1]] = value
    return raw


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(raw)
    return caught.value.problems


NUMBER_FIELDS = [
    (("labs", key, *path), accepted)
    for key, lab in LABS.items()
    for path, accepted in leaf_paths(lab.args_type)
    if (int in accepted or float in accepted) and bool not in accepted
] + [(("classroom", "budget", *path), accepted) for path, accepted in leaf_paths(Budget)]
TEXT_FIELDS = [
    ("labs", key, *path)
    for key, lab in LABS.items()
    for path, accepted in leaf_paths(lab.args_type)
    if accepted in ([str], [str, type(None)]) and path[-1] != "namespace"
]


@pytest.mark.parametrize("path", [path for path, _ in NUMBER_FIELDS], ids=".".join)
def test_a_boolean_is_refused_for_every_number(path: tuple[str, ...]) -> None:
    # given `true` where a number belongs (pydantic's lax mode would read it as 1)
    raw = nest(path, True)
    if path[0] == "classroom":
        raw["classroom"]["students"] = 2
    # then loading names the key and says why
    assert f"{'.'.join(path)}: must be " in "\n".join(problems_of(raw))
    assert any(problem.startswith(".".join(path)) and "not true" in problem for problem in problems_of(raw))


@pytest.mark.parametrize("path", TEXT_FIELDS, ids=".".join)
def test_a_number_is_refused_for_every_text_field(path: tuple[str, ...]) -> None:
    (problem,) = [p for p in problems_of(nest(path, 45)) if p.startswith(".".join(path))]
    assert problem == f"{'.'.join(path)}: must be text, not 45 (quote it in YAML and --set, or use " + (
        "`pulumi config set --type string --path ...`)"
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("labs.configMapEnvPod.data.GREETING", 45),
        ("labs.configMapEnvPod.data.ENABLED", True),
        ("labs.redisWithConfigMap.config.extra.maxmemory-samples", 5),
    ],
)
def test_a_number_or_boolean_is_refused_as_a_map_value(path: str, value: Any) -> None:
    problems = problems_of(nest(tuple(path.split(".")), value))
    shown = "true" if value is True else str(value)
    assert f"{path}: must be text, not {shown}" in problems[0]


def test_a_quoted_number_for_a_count_says_to_drop_the_quotes() -> None:
    (problem,) = problems_of({"labs": {"secureWriterPod": {"runAsUser": "45"}}})
    assert problem == "labs.secureWriterPod.runAsUser: must be a whole number, not '45' (leave out the quotes)"


def test_duplicate_students_are_reported_beside_a_bad_namespace_prefix() -> None:
    problems = problems_of({"classroom": {"students": ["ada", "ada"], "namespacePrefix": "Bad!"}})
    assert any(p.startswith("classroom.students: must be unique; repeated: ['ada']") for p in problems)
    assert any(p.startswith("classroom.namespacePrefix:") for p in problems)


def test_a_liveness_success_threshold_is_reported_beside_another_field_error() -> None:
    lab = {"delayStart": -1, "livenessProbe": {"successThreshold": 2}}
    problems = problems_of({"labs": {"probedWebServer": lab}})
    assert any(p.startswith("labs.probedWebServer.delayStart:") for p in problems)
    assert any("livenessProbe.successThreshold must be 1" in p for p in problems)


def test_a_quota_shortfall_is_reported_beside_errors_elsewhere() -> None:
    # given a budget too small for the labs, a broken API server URL and one broken lab field
    budget = {"limitsMemory": "64Mi"}
    raw = {
        "labs": {"probedWebServer": {"delayStart": -1}, "secureWriterPod": None},
        "classroom": {"students": 2, "budget": budget, "kubeconfigServer": 5},
    }
    problems = problems_of(raw)
    # then all three are reported
    assert any(p.startswith("classroom.kubeconfigServer:") for p in problems)
    assert any(p.startswith("labs.probedWebServer.delayStart:") for p in problems)
    (quota,) = [p for p in problems if p.startswith("classroom.budget.limitsMemory:")]
    # and the quota counts the broken lab's resources, which are valid on their own, as if it were fixed
    fixed = {"labs": {"probedWebServer": None, "secureWriterPod": None}, "classroom": {"students": 2, "budget": budget}}
    assert problems_of(fixed) == [quota]


def test_no_quota_check_runs_on_a_budget_that_is_itself_in_error() -> None:
    # a default standing in for the broken value could invent a shortfall the user never had
    problems = problems_of({"classroom": {"students": 2, "budget": {"limitsMemory": "64Mi", "pods": "x"}}})
    assert problems == ["classroom.budget.pods: must be a whole number, not 'x'"]


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        (
            {"type": "persistentVolumeClaim", "size": 0},
            "labs.mysqlWithSecret.storage.size: '0' must be greater than zero",
        ),
        (
            {"type": "emptyDir", "size": "1Gi"},
            "labs.mysqlWithSecret.storage.size: is not a known key when type is emptyDir",
        ),
    ],
)
def test_storage_messages_name_the_users_key(storage: dict[str, Any], expected: str) -> None:
    (problem,) = problems_of({"labs": {"mysqlWithSecret": {"storage": storage}}})
    assert problem == expected


def test_students_given_as_a_word_says_a_count_also_works() -> None:
    (problem,) = problems_of({"classroom": {"students": "three"}})
    assert problem == (
        "classroom.students: must be a count or a list of names (30 means student-1 .. student-30), not 'three'"
    )


def test_a_top_level_value_from_the_engine_stays_a_string() -> None:
    # `pulumi config set namespace 123` stores the text "123"; it is a valid namespace, not a number
    run = run_program(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"), {"namespace": "123"})
    namespaces = [r for r in run.kubernetes() if r.inputs.get("kind") == "Namespace"]
    assert [n.inputs["metadata"]["name"] for n in namespaces] == ["123"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def labctl(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labctl", *args, "--project-dir", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_set_namespace_on_a_classroom_stack_is_refused(project: Path) -> None:
    result = labctl(project, "render", "--stack", "dev", "--out", str(project / "out"), "--set", "namespace=team-a")
    assert result.returncode == 2
    assert "--set namespace=team-a: a classroom stack puts each student in classroom.namespacePrefix" in result.stderr
    assert not (project / "out").exists()


def test_namespace_beside_a_classroom_in_the_stack_file_is_warned_about(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "  k8s-labs:namespace: team-a\n")
    result = labctl(project, "render", "--stack", "dev", "--out", str(project / "out"))
    assert result.returncode == 0, result.stderr
    assert "warning: namespace is ignored: a classroom puts each student in classroom.namespacePrefix" in (
        result.stderr
    )


def test_include_secrets_with_existing_secrets_does_not_claim_passwords_were_written(project: Path) -> None:
    out = project / "out"
    result = labctl(
        project, "render", "--stack", "dev", "--out", str(out), "--include-secrets",
        "--set", "labs.mysqlWithSecret.existingSecret=true",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert list(out.rglob("05-secrets.yaml")) == []
    assert "passwords are in" not in result.stdout
    assert "no Secret to write" in result.stdout


def test_a_call_timeout_is_reported_as_the_user_gave_it(tmp_path: Path) -> None:
    # given a cluster whose lab checks never answer
    cluster = FakeCluster(tmp_path)
    cluster.answer([SERVER, {"match": ["-n"], "answers": [{"sleep": 60}]}])
    one_lab = "classroom.labs=[secureWriterPod]"
    result = cluster.verify("--student", "student-1", "--call-timeout", "0.5", "--max-wait", "0", "--set", one_lab)
    # then the failure names the flag and the value given, not the process's longer limit
    (failure,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert "kubectl gave no answer within --call-timeout 0.5s" in failure
