"""Given a student's own manifests, when `labctl check` grades them, then exactly the items that
change the lab's outcome on a cluster are required, and how they are written is the student's."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import load
from labctl.check.command import read_submitted
from labctl.check.grade import Finding, Submitted, grade
from labs.environment import Environment
from tests.conftest import ROOT
from tests.manifests import DELETE
from tests.manifests import changed as with_field
from tests.test_render import labctl

SEED = ROOT / "tests" / "fixtures" / "seed"
CORRECT = ROOT / "tests" / "fixtures" / "student" / "correct"


def environment(**classroom: Any) -> Environment:
    raw = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    values = {key.removeprefix("k8s-labs:"): value for key, value in raw.items()}
    values["classroom"] = {**values["classroom"], "mode": "exercise", **classroom}
    return load(values).environments[0]


def required(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {(f.object, f.path, f.found, f.asked) for f in findings if f.level == "required"}


def test_the_lab_texts_own_manifests_are_graded_with_the_right_findings() -> None:
    files = [
        "liveready-pod-lab-2.2.yaml",
        "security-pod.yaml",
        "redis-pod.yaml",
        "secret-mysql.yaml",
        "pod-env-var.yaml",
    ]
    findings = grade(environment(), read_submitted([SEED / name for name in files]))
    assert required(findings) == {
        # the snippet never creates example-configmap, and puts `name` beside configMapRef: the API
        # schema has no such field there, and the lab finds no name under configMapRef
        ("ConfigMap/example-configmap", "", "nothing", "ConfigMap example-configmap"),
        (
            "Pod/pod-env-var",
            "spec.containers[0].envFrom[0].name",
            "'name'",
            "'spec.containers[0].envFrom[0].configMapRef.name'",
        ),
        (
            "Pod/pod-env-var",
            "spec.containers[0].envFrom[0].configMapRef.name",
            "'name: example-configmap beside configMapRef'",
            "'configMapRef: {name: example-configmap}'",
        ),
    }
    envfrom = next(f for f in findings if f.path.endswith("configMapRef.name"))
    assert (envfrom.file, envfrom.line) == (str(SEED / "pod-env-var.yaml"), 10)
    advice = {(f.object, f.rule or f.path) for f in findings if f.level == "advice"}
    # Python 2 runs SimpleHTTPServer (advice: end of life); the ancient images are named
    assert ("Pod/liveness-readiness-pod", "spec.containers[0].args") in advice
    for obj in ("Pod/liveness-readiness-pod", "Pod/redis", "Deployment/mysql", "Pod/pod-env-var"):
        assert (obj, "image-end-of-life") in advice


def test_exercise_2_1_is_lab_2_2_with_the_old_readiness_values_and_no_liveness_probe() -> None:
    findings = grade(environment(), read_submitted([SEED / "liveready-pod-exercise-2.1.yaml"]), "probedWebServer")
    pod = "Pod/liveness-readiness-pod"
    assert required(findings) == {
        (pod, "spec.containers[0].readinessProbe.initialDelaySeconds", "5", "30"),
        (pod, "spec.containers[0].readinessProbe.failureThreshold", "1", "4"),
        (pod, "spec.containers[0].livenessProbe", "nothing", "'a probe'"),
    }
    lines = {f.path: f.line for f in findings}
    assert lines["spec.containers[0].readinessProbe.initialDelaySeconds"] == 13


def test_correct_answers_written_differently_pass() -> None:
    # JSON, flow style, a List, other field order, extra fields and labels, named ports, a newer
    # image, the container's own runAsUser, the ConfigMap's size in bytes rather than 2mb
    findings = grade(environment(), read_submitted([CORRECT]))
    assert required(findings) == set()
    assert {f.object for f in findings if f.level == "advice" and not f.rule} == set()


def correct() -> list[Submitted]:
    return read_submitted([CORRECT])


def mutated(kind: str, name: str, path: tuple[str | int, ...], value: Any) -> list[Submitted]:
    """The correct answer with one field changed (or deleted), everything else untouched."""
    changed = []
    for item in correct():
        obj = dict(item.obj)
        if (obj["kind"], obj["metadata"]["name"]) == (kind, name):
            obj = with_field(obj, path, value)
        changed.append(Submitted(obj, item.file, item.line))
    return changed


WEB = ("Pod", "liveness-readiness-pod")
WEB_C = ("spec", "containers", 0)
WRITER = ("Pod", "security-context-pod")
REDIS = ("Pod", "redis")
MYSQL = ("Deployment", "mysql")
MYSQL_C = ("spec", "template", "spec", "containers", 0)
SERVICE = ("Service", "mysql")
ENV = ("Pod", "pod-env-var")

# One wrong answer per required item: (object, field changed, wrong value, the finding's path,
# found, asked, and why a cluster shows it: the Testing step fails or answers differently).
WRONG: list[tuple[tuple[str, str], tuple[str | int, ...], Any, str, str, str, str]] = [
    (
        WEB,
        (*WEB_C, "readinessProbe", "initialDelaySeconds"),
        5,
        "spec.containers[0].readinessProbe.initialDelaySeconds",
        "5",
        "30",
        "probes from 5 s: the timeline's readiness failures change (labs/timeline.py predicts them)",
    ),
    (
        WEB,
        (*WEB_C, "readinessProbe", "failureThreshold"),
        1,
        "spec.containers[0].readinessProbe.failureThreshold",
        "1",
        "4",
        "one failure marks it unready: the events differ from the lab's",
    ),
    (
        WEB,
        (*WEB_C, "readinessProbe", "httpGet", "port"),
        8080,
        "spec.containers[0].readinessProbe.httpGet.port",
        "8080",
        "8000",
        "nothing listens on 8080: the pod is never Ready (timeline: never Ready)",
    ),
    (
        WEB,
        (*WEB_C, "readinessProbe", "periodSeconds"),
        3,
        "spec.containers[0].readinessProbe.periodSeconds",
        "3",
        "10",
        "the probe runs three times as often: the Unhealthy count in `describe` differs",
    ),
    (
        WEB,
        (*WEB_C, "livenessProbe", "initialDelaySeconds"),
        300,
        "spec.containers[0].livenessProbe.initialDelaySeconds",
        "300",
        "60",
        "the first restart comes at 310 s, not 70 s: `restartCount` is 0 when the Testing step looks",
    ),
    (
        WEB,
        (*WEB_C, "livenessProbe", "exec"),
        {"command": ["true"]},
        "spec.containers[0].livenessProbe.exec.command",
        '["true"]',
        '["ls", "index.html"]',
        "`true` always succeeds: the container is never restarted",
    ),
    (
        WEB,
        (*WEB_C, "env", 1, "value"),
        "5",
        "spec.containers[0].env[1].value",
        "'5'",
        "'45'",
        "the server listens at 5 s: Ready before the probes start, the timeline differs",
    ),
    (
        WEB,
        (*WEB_C, "args"),
        ["sleep $DELAY_START && exec python3 -m http.server 9000"],
        "spec.containers[0].args",
        "'http.server on port 9000'",
        "'http.server on port 8000'",
        "the probe knocks on 8000: never Ready",
    ),
    (
        WRITER,
        ("spec", "containers", 0, "securityContext", "runAsUser"),
        1000,
        "spec.containers[0].securityContext.runAsUser",
        "1000",
        "45",
        "`ls -ln` shows the file owned by 1000 (tests/test_real_writer.py runs the real loop)",
    ),
    (
        WRITER,
        ("spec", "securityContext", "fsGroup"),
        213,
        "spec.securityContext.fsGroup",
        "213",
        "231",
        "`ls -ln` shows group 213: the seed's own typo",
    ),
    (
        WRITER,
        ("spec", "containers", 0, "volumeMounts", 0, "mountPath"),
        "/data",
        "spec.containers[0].volumeMounts",
        '["/data"]',
        "'a volume at /etc/directory'",
        "the file lands in the container's own filesystem, owned by root's group: `ls -ln /etc/directory` fails",
    ),
    (
        WRITER,
        ("spec", "containers", 0, "args"),
        ["while true; do date >> /tmp/file.txt; sleep 5; done"],
        "spec.containers[0].args",
        "'/bin/sh -c while true; do date >> /tmp/file.txt; sleep 5; done'",
        "'appends to /etc/directory/file.txt'",
        "the Testing step finds no file.txt in /etc/directory",
    ),
    (
        WRITER,
        ("spec", "containers", 0, "name"),
        "writer",
        "spec.containers[0].name",
        "'writer'",
        "'example-container'",
        "`kubectl exec -c example-container` finds no such container",
    ),
    (
        REDIS,
        ("spec", "volumes", 0, "configMap", "items", 0, "path"),
        "redis.cnf",
        "spec.volumes[0].configMap.items",
        "'redis-config -> redis.cnf'",
        "'redis-config -> redis.conf'",
        "Redis finds no /redis-master/redis.conf and does not start (tests/test_real_redis.py)",
    ),
    (
        REDIS,
        ("spec", "containers", 0, "volumeMounts", 0, "mountPath"),
        "/etc/redis",
        "spec.containers[0].volumeMounts[0].mountPath",
        "'/etc/redis'",
        "'/redis-master'",
        "the file is elsewhere than the server is told: it does not start",
    ),
    (
        REDIS,
        ("spec", "volumes", 0, "configMap", "name"),
        "redis-conf",
        "spec.volumes[0].configMap.name",
        "'redis-conf'",
        "'redis-config'",
        "no such ConfigMap: the pod never starts",
    ),
    (
        REDIS,
        ("spec", "containers", 0, "args"),
        DELETE,
        "spec.containers[0].args",
        "nothing",
        "'redis-server /redis-master/redis.conf'",
        "redis-server starts without the file: CONFIG GET maxmemory answers 0",
    ),
    (
        ("ConfigMap", "redis-config"),
        ("data", "redis-config"),
        "maxmemory 2m\nmaxmemory-policy allkeys-lru\n",
        "data.redis-config",
        "'maxmemory 2m'",
        "'maxmemory 2mb'",
        "2m is 2000000 bytes: CONFIG GET maxmemory answers 2000000, not 2097152",
    ),
    (
        ("ConfigMap", "redis-config"),
        ("data", "redis-config"),
        "maxmemory 2mb\n",
        "data.redis-config",
        "'maxmemory-policy None'",
        "'maxmemory-policy allkeys-lru'",
        "CONFIG GET maxmemory-policy answers noeviction",
    ),
    (
        MYSQL,
        (*MYSQL_C, "env", 0, "valueFrom", "secretKeyRef", "key"),
        "pass",
        "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key",
        "'pass'",
        "'password'",
        "the key is missing: CreateContainerConfigError, the client never connects",
    ),
    (
        MYSQL,
        (*MYSQL_C, "env", 0, "valueFrom", "secretKeyRef", "name"),
        "mysql-pass",
        "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name",
        "'mysql-pass'",
        "'mysql-password'",
        "no such Secret: the pod never starts",
    ),
    (
        MYSQL,
        (*MYSQL_C, "name"),
        "db",
        "spec.template.spec.containers[0].name",
        "'db'",
        "'mysql'",
        "`kubectl exec deploy/mysql -c mysql` finds no such container",
    ),
    (
        SERVICE,
        ("spec", "clusterIP"),
        DELETE,
        "spec.clusterIP",
        "nothing",
        "'None'",
        "the lab asks for a headless Service: `mysql` resolves to a virtual IP, not the pod",
    ),
    (
        SERVICE,
        ("spec", "ports", 0, "port"),
        3307,
        "spec.ports",
        "[3307]",
        "[3306]",
        "the client connects to mysql:3306 and is refused",
    ),
    (
        SERVICE,
        ("spec", "selector"),
        {"app": "db"},
        "spec.selector",
        '{"app": "db"}',
        '{"app": "mysql", "tier": "db"}',
        "no endpoints: the client cannot connect",
    ),
    (
        ENV,
        ("spec", "containers", 0, "envFrom", 0, "configMapRef", "name"),
        "example",
        "spec.containers[0].envFrom[0].configMapRef.name",
        "'example'",
        "'example-configmap'",
        "the Testing step's `env` lacks LAB_MODE and LAB_GREETING",
    ),
    (
        ENV,
        ("spec", "containers", 0, "envFrom", 0),
        {"configMapRef": None, "name": "example-configmap"},
        "spec.containers[0].envFrom[0].configMapRef.name",
        "'name: example-configmap beside configMapRef'",
        "'configMapRef: {name: example-configmap}'",
        "the seed's indentation: strict decoding refuses the pod (tests/test_review_seed.py)",
    ),
    (
        ("ConfigMap", "example-configmap"),
        ("data", "LAB_MODE"),
        "demo",
        "data.LAB_MODE",
        "'demo'",
        "'classroom'",
        "`env` prints LAB_MODE=demo",
    ),
]


@pytest.mark.parametrize(
    ("obj", "field", "value", "path", "found", "asked", "why"),
    WRONG,
    ids=[w[3] + ":" + w[2].__repr__()[:12] for w in WRONG],
)
def test_each_wrong_answer_gives_exactly_its_finding(
    obj: tuple[str, str], field: tuple[str | int, ...], value: Any, path: str, found: str, asked: str, why: str
) -> None:
    findings = grade(environment(), mutated(*obj, field, value))
    expected = {("/".join(obj), path, found, asked)}
    if obj == REDIS and field[-1] == "name" and value == "redis-conf":
        expected.add(
            (
                "Pod/redis",
                "spec.volumes[0].configMap.name",
                "ConfigMap redis-conf",
                "a ConfigMap that is handed in or that the lab creates",
            )
        )
    if obj == MYSQL and value == "mysql-pass":
        expected.add(
            (
                "Deployment/mysql",
                "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name",
                "Secret mysql-pass",
                "a Secret that is handed in or that the lab creates",
            )
        )
    if obj == ENV and isinstance(value, dict) and "name" in value:
        expected.add(
            (
                "Pod/pod-env-var",
                "spec.containers[0].envFrom[0].name",
                "'name'",
                "'spec.containers[0].envFrom[0].configMapRef.name'",
            )
        )
    if obj == ENV and value == "example":
        expected.add(
            (
                "Pod/pod-env-var",
                "spec.containers[0].envFrom[0].configMapRef.name",
                "ConfigMap example",
                "a ConfigMap that is handed in or that the lab creates",
            )
        )
    assert required(findings) == expected
    assert why  # every wrong answer says what the cluster would show


def test_per_student_overrides_change_what_is_required() -> None:
    env = environment(
        overrides={"student-1": {"probedWebServer": {"delayStart": 20}, "secureWriterPod": {"fsGroup": 2000}}}
    )
    pod = "Pod/liveness-readiness-pod"
    assert required(grade(env, correct())) == {
        (pod, "spec.containers[0].env[1].value", "'45'", "'20'"),
        ("Pod/security-context-pod", "spec.securityContext.fsGroup", "231", "2000"),
    }


def test_python3_with_simplehttpserver_is_required_python2_is_advice() -> None:
    args = ["sleep 45; python -m SimpleHTTPServer 8000"]
    findings = grade(environment(), mutated(*WEB, (*WEB_C, "args"), args))
    assert (
        "Pod/liveness-readiness-pod",
        "spec.containers[0].args",
        "'python -m SimpleHTTPServer'",
        "'python -m http.server 8000'",
    ) in required(findings)
    on_two = [dict(item.obj) for item in mutated(*WEB, (*WEB_C, "args"), args)]
    for obj in on_two:
        if obj["kind"] == "Pod" and obj["metadata"]["name"] == WEB[1]:
            obj["spec"]["containers"][0]["image"] = "python:2.7-alpine"
    findings = grade(environment(), [Submitted(obj, "x.yaml") for obj in on_two])
    assert required(findings) == set()
    assert any(f.path == "spec.containers[0].args" and f.level == "advice" for f in findings)


def test_an_object_of_no_lab_is_reported_and_a_referenced_configmap_nobody_creates_is_required() -> None:
    extra = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "redis-2"},
        "spec": {"containers": [{"name": "r", "image": "redis:8.2"}]},
    }
    findings = grade(environment(), [*correct(), Submitted(extra, "extra.yaml", 1)])
    stray = [f for f in findings if f.object == "Pod/redis-2" and not f.rule]
    assert [(f.level, f.found, f.file) for f in stray] == [("required", "'redis-2'", "extra.yaml")]
    assert stray[0].message == (
        "Pod/redis-2 belongs to no lab of yours: the labs expect Pod/liveness-readiness-pod, Pod/pod-env-var, "
        "Pod/redis, Pod/security-context-pod"
    )


def cli(project: Path, *args: str) -> Any:
    return labctl("check", "--stack", "dev", "--project-dir", str(ROOT), *args, cwd=project)


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    ok = cli(tmp_path, "--student", "student-1", str(CORRECT))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1].startswith("check passed for student-1: 0 required")
    strict = cli(tmp_path, "--student", "student-1", "--strict", str(CORRECT))
    # the answer follows the task sheet: the advice it does not ask for (resources, the restricted
    # profile) is one summary line and does not fail --strict
    assert strict.returncode == 0, strict.stdout
    bad = cli(
        tmp_path,
        "--student",
        "student-1",
        "--lab",
        "configMapEnvPod",
        "--format",
        "json",
        str(SEED / "pod-env-var.yaml"),
    )
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["kubernetesVersion"] == "1.37"
    assert {(f["object"], f["path"]) for f in report["findings"] if f["level"] == "required"} == {
        ("ConfigMap/example-configmap", ""),
        ("Pod/pod-env-var", "spec.containers[0].envFrom[0].name"),
        ("Pod/pod-env-var", "spec.containers[0].envFrom[0].configMapRef.name"),
    }
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Pod\n  metadata: [\n")
    unreadable = cli(tmp_path, "--student", "student-1", str(broken))
    # a file that cannot be read is the student's to fix: a required finding on it, exit 1
    assert unreadable.returncode == 1 and f"{broken}:2  file not read" in unreadable.stdout
    assert "Traceback" not in unreadable.stderr


def test_cli_names_the_flag_for_a_missing_student_or_an_unknown_lab(tmp_path: Path) -> None:
    several = cli(tmp_path, str(CORRECT))
    assert several.returncode == 2 and "--student: the stack has 2 students" in several.stderr
    unknown = cli(tmp_path, "--student", "student-1", "--lab", "redis", str(CORRECT))
    assert unknown.returncode == 2 and "--lab: 'redis' is not one of student-1's labs" in unknown.stderr


def test_with_lab_only_that_lab_is_graded_and_the_other_labs_objects_are_left_out(tmp_path: Path) -> None:
    findings = grade(environment(), correct(), "secureWriterPod")
    assert required(findings) == set()
    assert {f.object for f in findings} <= {"Pod/security-context-pod"}


def test_every_graded_field_path_has_its_line_in_yaml() -> None:
    findings = grade(environment(), mutated(*REDIS, ("spec", "containers", 0, "volumeMounts", 0, "mountPath"), "/x"))
    # mutated objects lose their YAML node: the object's line stands in
    (finding,) = [f for f in findings if f.level == "required"]
    assert finding.line == next(i.line for i in correct() if i.obj["metadata"]["name"] == "redis")
    assert isinstance(finding, Finding) and isinstance(finding.as_dict(), Mapping)


def test_cli_reads_a_kind_that_is_not_text_without_a_traceback(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("apiVersion: v1\nkind: 5\nmetadata:\n  name: five\n")
    result = cli(tmp_path, "--student", "student-1", str(odd))
    assert "Traceback" not in result.stderr
    # kubectl refuses a kind that is not text (required); the object belongs to no lab (required)
    assert result.returncode == 1, result.stderr
    assert "odd.yaml:2  5/five kind\n          found 5, asked a kind such as Pod: kubectl needs the kind as text" in (
        result.stdout
    )
    assert "odd.yaml:1  5/five metadata.name\n          5/five belongs to no lab of yours: the labs expect " in (
        result.stdout
    )


def test_a_projected_configmap_nobody_creates_is_required() -> None:
    submitted = []
    for item in correct():
        obj = copy.deepcopy(dict(item.obj))
        if (obj["kind"], obj["metadata"]["name"]) == REDIS:
            sources = [{"secret": {"name": "redis-tls", "optional": True}}, {"configMap": {"name": "extra"}}]
            projected = {"sources": sources}
            obj["spec"]["volumes"].append({"name": "bundle", "projected": projected})
        submitted.append(Submitted(obj, item.file, item.line))
    # the optional Secret may be missing; the ConfigMap may not
    assert {(obj, path, found) for obj, path, found, _ in required(grade(environment(), submitted))} == {
        ("Pod/redis", "spec.volumes[1].projected.sources[1].configMap.name", "ConfigMap extra"),
    }


@pytest.mark.parametrize(
    ("obj", "field", "value", "path", "found"),
    [
        (WRITER, ("spec", "containers", 0, "securityContext", "runAsUser"), "45", "runAsUser", "'45' (a string)"),
        (WEB, (*WEB_C, "env", 1, "value"), 45, "value", "45 (a number)"),
        (WEB, (*WEB_C, "livenessProbe", "initialDelaySeconds"), "60", "initialDelaySeconds", "'60' (a string)"),
    ],
)
def test_a_right_value_of_the_wrong_type_gives_only_the_api_servers_finding(
    obj: tuple[str, str], field: tuple[str | int, ...], value: Any, path: str, found: str
) -> None:
    # Given the right value written with the wrong type, when it is checked, then the one required
    # finding is the schema's (the API server cannot decode it), and the lab adds no second reason
    findings = [f for f in grade(environment(), mutated(*obj, field, value)) if f.level == "required"]
    assert [(f.object, f.path.rsplit(".", 1)[-1], f.found) for f in findings] == [("/".join(obj), path, found)]
