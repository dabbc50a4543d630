"""Given a class in exercise mode, when it is planned, deployed under mocks or rendered, then each
student gets the scaffolding and a task sheet, and the answers stay with the instructor."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import ConfigError, load
from labs import timeline, webserver
from labs.catalog import LABS
from labs.environment import build_environment
from labs.redis import redis_bytes
from tests.conftest import ROOT
from tests.harness import GENERATED_PASSWORD
from tests.test_program import run_main
from tests.test_render import labctl

ISOLATION_KINDS = {"Namespace", "ServiceAccount", "Role", "RoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy"}
LAB_COMPONENTS = ["ProbedWebServer", "SecureWriterPod", "RedisWithConfigMap", "MysqlWithSecret", "ConfigMapEnvPod"]


def dev_with(**classroom: Any) -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    values = {key.removeprefix("k8s-labs:"): value for key, value in raw.items()}
    values["classroom"] = {**values["classroom"], **classroom}
    return values


def test_solution_is_the_default_and_deploys_every_lab() -> None:
    plan = load(dev_with())
    assert [env.exercises for env in plan.environments] == [(), ()]


def test_exercise_mode_deploys_only_what_isolates_the_student() -> None:
    plan = load(dev_with(mode="exercise", kubeconfigServer="https://k8s.example:6443"))
    for env in plan.environments:
        kinds = Counter(m["kind"] for m in build_environment(env, GENERATED_PASSWORD))
        # the token Secret of the kubeconfig is the only Secret: the MySQL one is the student's to make
        assert set(kinds) == ISOLATION_KINDS | {"Secret"} and kinds["Secret"] == 1
        assert env.exercises == tuple(LABS)


def test_a_per_student_mode_replaces_the_class_mode_for_that_lab_only() -> None:
    plan = load(dev_with(mode="exercise", modes={"student-2": {"mysqlWithSecret": "solution"}}))
    one, two = plan.environments
    assert one.exercises == tuple(LABS)
    assert two.exercises == ("probedWebServer", "secureWriterPod", "redisWithConfigMap", "configMapEnvPod")
    kinds = {m["kind"] for m in build_environment(two, GENERATED_PASSWORD)} - ISOLATION_KINDS
    assert kinds == {"Secret", "Service", "Deployment"}


@pytest.mark.parametrize(
    ("modes", "message"),
    [
        (
            {"student-9": {"redisWithConfigMap": "exercise"}},
            "classroom.modes: names students that are not in the class: ['student-9']",
        ),
        ({"student-1": {"redis": "exercise"}}, "classroom.modes.student-1.redis: Input should be 'probedWebServer'"),
        (
            {"student-1": {"redisWithConfigMap": "homework"}},
            "classroom.modes.student-1.redisWithConfigMap: Input should be 'solution' or 'exercise'",
        ),
    ],
)
def test_bad_modes_name_the_key(modes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(dev_with(modes=modes))
    assert message in str(error.value)


def test_a_mode_for_a_lab_the_class_does_not_get_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"modes.student-1 sets labs the class does not get: \['mysqlWithSecret'\]"):
        load(dev_with(labs=["redisWithConfigMap"], modes={"student-1": {"mysqlWithSecret": "exercise"}}))


@pytest.mark.parametrize("solution_lab", [None, *LABS])
def test_exercise_mode_fits_the_default_budget_whatever_the_mix(solution_lab: str | None) -> None:
    # Five pods as the lab text writes them plus `kubectl run mysql-client`, none with resources:
    # each gets the LimitRange's 512Mi limit and 500m cpu, 6 x 512Mi = 3Gi, 6 x 500m = 3 cpu.
    # With MySQL deployed (1Gi, 1 cpu) and the other four written: 4 x 512Mi + 1Gi + 512Mi = 3.5Gi.
    modes = {"student-1": {solution_lab: "solution"}} if solution_lab else {}
    plan = load(dev_with(mode="exercise", modes=modes))
    assert len(plan.environments) == 2


def test_the_old_memory_budget_is_too_small_for_six_bare_pods() -> None:
    with pytest.raises(ConfigError) as error:
        load(dev_with(mode="exercise", budget={"limitsMemory": "2Gi"}))
    assert (
        "classroom.budget.limitsMemory: students student-1, student-2 need limits.memory 3Gi "
        "(labs 2560Mi + one `kubectl run` client 512Mi) but the budget allows 2Gi"
    ) in str(error.value)


def test_exercise_pods_count_at_the_limitrange_defaults_not_the_lab_resources() -> None:
    # Solution mode: the labs' own limits (MySQL alone 1Gi) + the client 128Mi = 1360Mi > 1Gi;
    # exercise mode: six pods at the 128Mi default given here = 768Mi, which fits.
    budget = {"limitsMemory": "1Gi", "defaultLimitMemory": "128Mi"}
    with pytest.raises(ConfigError, match=r"limits\.memory"):
        load(dev_with(budget=budget))
    assert load(dev_with(budget=budget, mode="exercise")).environments


def test_the_program_registers_no_lab_component_for_an_exercise() -> None:
    run = run_main(dev_with(mode="exercise", modes={"student-1": {"redisWithConfigMap": "solution"}}))
    types = Counter(r.type for r in run.registrations)
    assert types["k8s-labs:index:RedisWithConfigMap"] == 1
    for component in set(LAB_COMPONENTS) - {"RedisWithConfigMap"}:
        assert types[f"k8s-labs:index:{component}"] == 0
    environments = run.outputs["environments"]
    assert environments["student-1"].exercises == [
        "probedWebServer", "secureWriterPod", "mysqlWithSecret", "configMapEnvPod",
    ]  # fmt: skip
    assert environments["student-2"].exercises == list(LABS)


@pytest.fixture
def exercise_project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["k8s-labs:classroom"] = {
        "students": ["ada", "linus"],
        "mode": "exercise",
        "overrides": {"linus": {"redisWithConfigMap": {"config": {"maxmemory": "3mb"}}}},
        "modes": {"ada": {"secureWriterPod": "solution"}},
    }
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


def answers(student: str, project: Path) -> set[str]:
    """Every expected answer of a student's exercises: each Testing step's answer, the probe
    timeline's restart time and maxmemory in bytes, worked out here from the lab's parameters."""
    from config.sources import from_stack_file

    plan = load(from_stack_file(project / "Pulumi.dev.yaml"))
    found = set()
    for env in plan.environments:
        if env.name != student:
            continue
        for key in env.exercises:
            args = env.labs[key]
            for check in LABS[key].checks(args):
                if len(check.expected) > 3:  # MySQL's answer is `1`, which any text holds
                    found.add(check.expected)
                found |= {line for line in check.expected.splitlines() if "=" in line}  # `env` output
            if key == "redisWithConfigMap":
                found.add(str(redis_bytes(args.config.maxmemory)))  # type: ignore[attr-defined]
            if key == "probedWebServer":
                prediction = timeline.predict(webserver.LAB.own(args))
                found.add(f"predicted {prediction.restarts[0]:g}s")
                found.add("What the kubelet will do")
    return found


def test_render_gives_task_sheets_to_students_and_answers_to_the_instructor(exercise_project: Path) -> None:
    out = exercise_project / "out"
    result = labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(exercise_project))
    assert result.returncode == 0, result.stderr
    assert "  ada: probedWebServer, redisWithConfigMap, mysqlWithSecret, configMapEnvPod" in result.stdout
    assert "  linus: " + ", ".join(LABS) in result.stdout
    ada_files = sorted(p.name for p in (out / "ada").iterdir())
    assert ada_files == ["00-environment.yaml", "20-security-pod.yaml", "LAB-SHEET.md"]
    assert sorted(p.name for p in (out / "linus").iterdir()) == ["00-environment.yaml", "LAB-SHEET.md"]
    assert {"2097152", "3145728"} <= answers("ada", exercise_project) | answers("linus", exercise_project)
    for student in ("ada", "linus"):
        given = "".join(path.read_text() for path in (out / student).iterdir())
        assert [answer for answer in answers(student, exercise_project) if answer in given] == []
    instructor = (out / "_instructor" / "linus" / "LAB-SHEET.md").read_text()
    assert "3145728" in instructor and "What the kubelet will do" in instructor
    # its set-up steps apply files that are in the student's folder, not beside the instructor's copy
    assert "Run these from inside the environment's folder (`cd ../../linus`)" in instructor
    assert "Run these from inside this folder" in (out / "ada" / "LAB-SHEET.md").read_text()
    # the task carries the student's own parameters and the corrected commands
    task = (out / "linus" / "LAB-SHEET.md").read_text()
    assert "maxmemory 3mb" in task and "kubectl apply -f security-pod.yaml -n lab-linus" in task
    assert "security-pod.yaml.yaml" not in task and "secret-mysql.yaml -n" in task and "redis-pod.yaml -n" in task
    assert "python -m http.server 8000" in task and '`DELAY_START` = `"45"`' in task
