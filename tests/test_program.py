"""Given a stack config, when the real __main__.py runs under mocks, then it deploys the plan or nothing."""

from __future__ import annotations

import runpy
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi

from config import Plan
from labs.environment import build_environment
from tests.harness import GENERATED_PASSWORD, Run, run_program
from tests.manifests import plain

ROOT = Path(__file__).resolve().parent.parent


def run_main(config: dict[str, Any], secret_keys: tuple[str, ...] = (), raise_errors: bool = True) -> Run:
    exports: dict[str, Any] = {}

    def program() -> Any:
        namespace = runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        exports["environments"] = namespace["classroom"].students
        return None

    run = run_program(program, config, secret_keys, raise_errors=raise_errors)
    run.outputs.update(exports)
    return run


def test_dev_stack_registers_every_manifest_of_the_plan(dev_raw: dict[str, Any], dev_plan: Plan) -> None:
    run = run_main(dev_raw)
    expected = [m for env in dev_plan.environments for m in build_environment(env, GENERATED_PASSWORD)]
    key = lambda m: (m["kind"], m["metadata"].get("namespace", ""), m["metadata"]["name"])  # noqa: E731
    got = sorted((plain(r.inputs) for r in run.kubernetes()), key=key)
    assert got == sorted(expected, key=key)
    assert len(dev_plan.environments) == 2


def test_dev_stack_component_tree(dev_raw: dict[str, Any]) -> None:
    run = run_main(dev_raw)
    types = Counter(r.type for r in run.registrations)
    assert types["k8s-labs:index:Classroom"] == 1
    assert types["k8s-labs:index:StudentEnvironment"] == 2
    for lab in ("ProbedWebServer", "SecureWriterPod", "RedisWithConfigMap", "MysqlWithSecret", "ConfigMapEnvPod"):
        assert types[f"k8s-labs:index:{lab}"] == 2
    urns = Counter(r.urn for r in run.registrations)
    assert max(urns.values()) == 1


def test_configured_secret_password_is_used_and_nothing_is_generated(dev_raw: dict[str, Any]) -> None:
    run = run_main({**dev_raw, "mysqlRootPassword": "Configured-Secret-1"}, secret_keys=("mysqlRootPassword",))
    assert run.of_type("random:index/randomPassword:RandomPassword") == []
    secrets = [plain(r.inputs) for r in run.kubernetes() if r.inputs["kind"] == "Secret"]
    assert [s["stringData"]["password"] for s in secrets] == ["Configured-Secret-1"] * 2


def test_plaintext_password_in_config_is_refused_without_echoing_it(dev_raw: dict[str, Any]) -> None:
    run = run_main({**dev_raw, "mysqlRootPassword": "Plaintext-Pw-9"}, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert "mysqlRootPassword" in str(run.error)
    assert "Plaintext-Pw-9" not in str(run.error)
    assert run.kubernetes() == []


def test_bad_config_reports_every_problem_and_registers_nothing(dev_raw: dict[str, Any]) -> None:
    bad = {
        **dev_raw,
        "labs": {"redisWithConfigMap": {"config": {"maxmemory": "lots"}}, "secureWriterPod": {"fsGroup": -1}},
        "classroom": {"students": ["alice", "Alice"]},
    }
    run = run_main(bad, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    message = str(run.error)
    assert "labs.redisWithConfigMap.config.maxmemory" in message
    assert "labs.secureWriterPod.fsGroup" in message
    assert "classroom.students.1" in message
    assert run.registrations == []


def test_student_outputs_carry_namespace_objects_and_commands(dev_raw: dict[str, Any]) -> None:
    students = run_main(dev_raw).outputs["environments"]
    assert sorted(students) == ["student-1", "student-2"]
    env = students["student-2"]
    assert env.commands["redisWithConfigMap"][1] == (
        "kubectl exec redis -n lab-student-2 -c redis -- redis-cli -p 6379 CONFIG GET maxmemory"
    )
    assert "Pod/liveness-readiness-pod" in env.objects["probedWebServer"]
    assert env.objects["mysqlWithSecret"] == ["Deployment/mysql", "Secret/mysql-password", "Service/mysql"]


def test_each_environment_reports_the_namespace_it_registered(dev_raw: dict[str, Any]) -> None:
    run = run_main(dev_raw)
    environments = run.of_type("k8s-labs:index:StudentEnvironment")
    assert len(environments) == 2
    for environment in environments:
        namespaces = [
            r.inputs["metadata"]["name"]
            for r in run.kubernetes()
            if r.parent == environment.urn and r.inputs["kind"] == "Namespace"
        ]
        assert [run.component_outputs[environment.urn]["namespace"]] == namespaces


def test_run_by_python_without_the_pulumi_engine_it_says_how_to_run_it_and_exits_2() -> None:
    # Given the Pulumi program, run by python as a script, with no Pulumi engine behind it
    result = subprocess.run(
        [sys.executable, "__main__.py"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    # Then one line says it runs under the Pulumi CLI and how to preview offline; exit 2, no traceback
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "__main__.py is the k8s-labs Pulumi program: it runs under `pulumi up` or `pulumi preview`, not on its "
        "own; to preview offline, run `.venv/bin/labctl render --stack dev --out build/dev` or "
        "`.venv/bin/labctl review --stack dev`\n",
    )


def test_run_by_a_python_without_the_projects_packages_it_says_to_make_the_virtualenv() -> None:
    # Given a python that cannot import pulumi (isolated, without site-packages)
    result = subprocess.run(
        [sys.executable, "-I", "-S", "__main__.py"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    # Then one line says what to run first, not "No module named 'pulumi'" in a traceback
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "__main__.py needs the project's virtualenv: run `make run` to create .venv, then `pulumi up`, which runs "
        "it with .venv (Pulumi.yaml)\n",
    )
