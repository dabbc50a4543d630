"""Given a student's hand-in, when `labctl check` grades it, then it is graded as their whole set:
every lab in exercise mode for them, a lab with nothing handed in and an object of no lab are
required, an object of another namespace is required, and an answer that follows the task sheet
passes --strict (the advice on what the sheet does not ask for is one summary line)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from labctl.check.command import read_submitted, text_report
from labctl.check.grade import Finding, Submitted, grade
from labctl.render.yamlout import dump_all
from labs.catalog import LABS
from labs.grading import pod_spec_path
from tests.test_check import CORRECT, cli, environment
from tests.test_render import labctl

NOT_ASKED_META = ("namespace", "labels", "annotations")


def sheet_answer(objects: list[dict[str, Any]], asks: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """A lab's solution objects stripped of what the task sheet does not ask a student to write: the
    objects its commands create, namespace, labels, annotations, the restricted profile, resources,
    a probe the sheet does not name."""
    answer = []
    for manifest in objects:
        if (manifest["kind"], manifest["metadata"]["name"]) not in asks:
            continue
        obj = copy.deepcopy(manifest)
        for key in NOT_ASKED_META:
            obj["metadata"].pop(key, None)
        if obj["kind"] in ("Pod", "Deployment"):
            spec: Any = obj
            for part in pod_spec_path(obj):
                spec = spec[part]
            spec.pop("automountServiceAccountToken", None)
            context = spec.get("securityContext", {})
            for key in ("runAsNonRoot", "seccompProfile"):
                context.pop(key, None)
            if not context:
                spec.pop("securityContext", None)
            for item in spec["containers"]:
                item.pop("resources", None)
                item.pop("securityContext", None)
                if obj["metadata"]["name"] == "security-context-pod":
                    item.pop("livenessProbe", None)
        answer.append(obj)
    return answer


def solution_hand_in(folder: Path, rendered: Path) -> Path:
    """The sheet-following answer, from the files `labctl render` writes in solution mode."""
    env = environment()
    asks = {name for key, args in env.labs.items() for name in LABS[key].asks(args)}
    folder.mkdir()
    for path in sorted(rendered.glob("[1-9]*.yaml")):
        objects = [obj for obj in yaml.safe_load_all(path.read_text()) if obj]
        answer = sheet_answer(objects, asks)
        if answer:
            (folder / path.name[3:]).write_text(dump_all(answer))
    return folder


def files_of(folder: Path, *names: str) -> list[Submitted]:
    return read_submitted([folder / name for name in names])


def messages(findings: list[Finding]) -> list[str]:
    return sorted(f.message for f in findings if f.level == "required" and f.message)


def test_a_lab_with_nothing_handed_in_is_required_once_per_object_it_expects() -> None:
    # given a hand-in holding only the probe lab's Pod, of a student whose five labs are exercises
    submitted = files_of(CORRECT, "liveready-pod.json")
    # when it is graded
    findings = grade(environment(), submitted)
    # then each other lab's expected objects are required, with the student's namespace
    ns = "lab-student-1"
    assert messages(findings) == sorted(
        f"not handed in: {name}, expected in namespace {ns}"
        for name in (
            "Pod/security-context-pod",
            "Pod/redis",
            "Service/mysql",
            "Deployment/mysql",
            "ConfigMap/example-configmap",
            "Pod/pod-env-var",
        )
    )
    # and the text report shows them, which it did not
    assert (
        "          not handed in: Pod/redis, expected in namespace lab-student-1"
        in text_report(environment(), findings).splitlines()
    )


def test_only_the_labs_in_exercise_mode_for_the_student_are_expected() -> None:
    # given a student for whom only the security-context lab is an exercise
    env = environment(mode="solution", modes={"student-1": {"secureWriterPod": "exercise"}})
    # when a hand-in with that lab's Pod alone is graded, then nothing is missing
    assert [f for f in grade(env, files_of(CORRECT, "security-pod.yaml")) if f.level == "required"] == []
    # and handing in a lab the stack deploys for them is required, saying so
    findings = grade(env, files_of(CORRECT, "security-pod.yaml", "redis.yaml"))
    assert messages(findings) == [
        "ConfigMap/redis-config is lab redisWithConfigMap's, which the stack deploys for you (solution mode): "
        "not yours to hand in",
        "Pod/redis is lab redisWithConfigMap's, which the stack deploys for you (solution mode): not yours to hand in",
    ]


def test_an_object_of_no_lab_is_required_and_names_what_the_labs_expect() -> None:
    # given the correct hand-in with the security Pod misnamed security-pod
    submitted = []
    for item in read_submitted([CORRECT]):
        obj = copy.deepcopy(dict(item.obj))
        if obj["metadata"]["name"] == "security-context-pod":
            obj["metadata"]["name"] = "security-pod"
        submitted.append(Submitted(obj, item.file, item.line))
    # when it is graded, then the stray Pod names the Pods the labs expect, and the lab's Pod is missing
    assert messages(grade(environment(), submitted)) == [
        "Pod/security-pod belongs to no lab of yours: the labs expect Pod/liveness-readiness-pod, "
        "Pod/pod-env-var, Pod/redis, Pod/security-context-pod",
        "not handed in: Pod/security-context-pod, expected in namespace lab-student-1",
    ]


def test_with_lab_only_its_objects_are_expected_and_the_others_are_listed_not_graded(tmp_path: Path) -> None:
    # given the whole correct hand-in, when one lab is checked
    result = cli(
        tmp_path,
        "--student",
        "student-1",
        "--set",
        "classroom.mode=exercise",
        "--lab",
        "secureWriterPod",
        "--format",
        "json",
        str(CORRECT),
    )
    # then it passes, grades that lab only, and lists the other labs' objects as not graded
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["graded"] == ["secureWriterPod"]
    assert report["notGraded"] == [
        "ConfigMap/example-configmap",
        "ConfigMap/redis-config",
        "Deployment/mysql",
        "Pod/liveness-readiness-pod",
        "Pod/pod-env-var",
        "Pod/redis",
        "Service/mysql",
    ]
    assert {f["object"] for f in report["findings"]} <= {"Pod/security-context-pod"}


def test_missing_labs_are_in_the_json_too(tmp_path: Path) -> None:
    result = cli(
        tmp_path,
        "--student",
        "student-1",
        "--set",
        "classroom.mode=exercise",
        "--format",
        "json",
        str(CORRECT / "security-pod.yaml"),
    )
    assert result.returncode == 1
    found = [f["message"] for f in json.loads(result.stdout)["findings"] if f["message"]]
    assert "not handed in: Deployment/mysql, expected in namespace lab-student-1" in found


def in_namespace(namespace: str) -> list[Submitted]:
    submitted = []
    for item in read_submitted([CORRECT]):
        obj = copy.deepcopy(dict(item.obj))
        if obj["metadata"]["name"] == "redis" and obj["kind"] == "Pod":
            obj["metadata"]["namespace"] = namespace
        submitted.append(Submitted(obj, item.file, item.line))
    return submitted


def test_an_object_in_another_namespace_is_required_and_names_the_students() -> None:
    for other in ("default", "lab-student-2"):
        # given the Redis Pod written into another namespace, when graded
        findings = grade(environment(), in_namespace(other))
        # then it is required, naming the student's namespace
        (finding,) = [f for f in findings if f.level == "required"]
        assert (finding.object, finding.path, finding.found, finding.asked) == (
            "Pod/redis",
            "metadata.namespace",
            repr(other),
            "'lab-student-1'",
        )
        assert finding.why.startswith("your namespace is lab-student-1: `kubectl apply -f FILE -n lab-student-1`")
        # and no advice calls the student's own namespace not created
        assert not [f for f in findings if "does not create" in f.found or "not created" in f.found]


def test_the_students_own_namespace_or_none_is_fine() -> None:
    findings = grade(environment(), in_namespace("lab-student-1"))
    assert [f for f in findings if f.level == "required"] == []
    assert not [f for f in findings if "namespace" in f.path or (f.rule or "").startswith("namespace")]


def test_the_probe_labs_intended_restarts_are_not_advice() -> None:
    findings = grade(environment(), read_submitted([CORRECT]))
    assert [f for f in findings if f.rule == "liveness-restarts"] == []


def test_an_answer_that_follows_the_sheet_passes_strict_with_one_summary_line(tmp_path: Path) -> None:
    # given the solution as `labctl render` writes it, stripped of what the sheet does not ask for
    rendered = tmp_path / "rendered"
    assert labctl("render", "--stack", "dev", "--out", str(rendered)).returncode == 0
    folder = solution_hand_in(tmp_path / "handin", rendered / "student-1")
    exercise = ("--student", "student-1", "--set", "classroom.mode=exercise")
    # when checked with --strict
    result = cli(tmp_path, *exercise, "--strict", str(folder))
    # then it passes, the advice the sheet does not ask for folded into one line
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    count = int(lines[0].split()[0])
    assert lines[0] == (
        f"{count} advice on the restricted profile, resources and probes the sheet does not ask for: "
        "--verbose lists them"
    )
    assert lines[1] == "check passed for student-1: 0 required, 0 advice"
    # and --verbose lists them, still passing
    verbose = cli(tmp_path, *exercise, "--strict", "--verbose", str(folder))
    assert verbose.returncode == 0
    assert sum(line.startswith("ADVICE") for line in verbose.stdout.splitlines()) == count
