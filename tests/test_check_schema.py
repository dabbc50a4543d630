"""Given a hand-in the API server would refuse, when `labctl check` grades it, then its first layer
(labctl/check/schema.py, the Kubernetes API schemas of the class's version) names what is refused:
the file and line, the field, what is wrong and what to write; the labs' comparisons after it do not
claim a misspelled or misplaced key was forgotten. A correct answer gets nothing from that layer.

Each mistake below passed `labctl check` before this layer (0 required findings), except the ones
marked: those failed for a false reason ("found nothing", as if the student had left it out).
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from labctl.check import schema
from labctl.check.command import read_submitted
from labctl.check.grade import Finding, Submitted, grade
from labctl.render.yamlout import dump_all
from labctl.review.sources import PASSWORD_STAND_IN
from labs.catalog import LABS
from labs.support import KUBERNETES_MINORS
from tests.test_check import CORRECT, SEED, cli, environment

UNKNOWN = "kubectl apply refuses an unknown field (strict field validation, its default)"


def solution_files() -> dict[str, str]:
    """The instructor's answer for student-1, lab by lab, as `labctl render` writes it."""
    env = environment()
    return {key: dump_all(LABS[key].build(args, PASSWORD_STAND_IN)) for key, args in env.labs.items()}


def hand_in(folder: Path, files: dict[str, str]) -> list[Submitted]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)
    return read_submitted([folder])


Shown = tuple[str, int | None, str, str, str, str, str]
"""(file name, line, object, field, found, asked, why)."""


def shown(finding: Finding) -> Shown:
    name = Path(finding.file).name if finding.file else ""
    return (name, finding.line, finding.object, finding.path, finding.found, finding.asked, finding.why)


def required(findings: list[Finding]) -> list[Shown]:
    return sorted(shown(f) for f in findings if f.level == "required")


def probe_under_spec(text: str) -> str:
    """The container's readinessProbe moved up one level, under the pod's spec."""
    start, end = text.index("    readinessProbe:\n"), text.index("    livenessProbe:\n")
    block = "".join(line[2:] + "\n" for line in text[start:end].splitlines())
    return (text[:start] + text[end:]).replace("spec:\n", "spec:\n" + block, 1)


def replaced(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return edit


SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mysql-password\ndata:\n  password: {value}\n"

# (mistake, lab file, edit, the required findings): each is the instructor's answer with one edit.
MISTAKES: list[tuple[str, str, Callable[[str], str], list[Shown]]] = [
    (
        "a Deployment without spec.selector",
        "mysqlWithSecret",
        replaced("  selector:\n    matchLabels:\n      app: mysql\n", ""),
        [
            (
                "mysqlWithSecret.yaml",
                43,
                "Deployment/mysql",
                "spec.selector",
                "nothing",
                "selector (a LabelSelector)",
                "a Deployment's spec requires selector in Kubernetes 1.37: the API server refuses the Deployment "
                "without it; the pod template's labels give selector: {matchLabels: {app.kubernetes.io/part-of: "
                "k8s-labs, k8s-labs.dev/lab: mysql-with-secret, app: mysql}}",
            )
        ],
    ),
    (
        "a ConfigMap value that is a number",
        "redisWithConfigMap",
        replaced("data:\n  redis-config: |", "data:\n  maxmemory: 2\n  redis-config: |"),
        [
            (
                "redisWithConfigMap.yaml",
                10,
                "ConfigMap/redis-config",
                "data.maxmemory",
                "2 (a number)",
                "a string",
                'ConfigMap data values are strings; the API server cannot decode a number there: write "2"',
            )
        ],
    ),
    (
        "apiVersion apps/v1 with kind Pod",
        "probedWebServer",
        replaced("apiVersion: v1\nkind: Pod", "apiVersion: apps/v1\nkind: Pod"),
        [
            (
                "probedWebServer.yaml",
                1,
                "Pod/liveness-readiness-pod",
                "apiVersion",
                "'apps/v1'",
                "'v1'",
                "Pod is in apiVersion v1 in Kubernetes 1.37; apps/v1 has no kind Pod "
                '(kubectl: no matches for kind "Pod" in version "apps/v1")',
            )
        ],
    ),
    (
        "a probe port written as text",
        "probedWebServer",
        replaced("        port: 8000\n", "        port: '8000'\n"),
        [
            (
                "probedWebServer.yaml",
                39,
                "Pod/liveness-readiness-pod",
                "spec.containers[0].readinessProbe.httpGet.port",
                "'8000' (text)",
                "8000 (a number)",
                "a port written as text is a port name, and the API server refuses '8000' as one (it must contain "
                "at least one letter (a-z)): write 8000 without quotes",
            )
        ],
    ),
    (
        # before: "Pod/redis found nothing: the lab's Testing steps use this name"
        "kind: pod in lower case",
        "redisWithConfigMap",
        replaced("kind: Pod", "kind: pod"),
        [
            (
                "redisWithConfigMap.yaml",
                15,
                "Pod/redis",
                "kind",
                "'pod'",
                "'Pod'",
                'Kubernetes 1.37 has no kind pod: kinds are case-sensitive, Pod (kubectl: no matches for kind "pod" '
                'in version "v1")',
            )
        ],
    ),
    (
        # before: "spec.containers[0].readinessProbe found nothing, asked a probe"
        "readinessprobe misspelled",
        "probedWebServer",
        replaced("    readinessProbe:\n", "    readinessprobe:\n"),
        [
            (
                "probedWebServer.yaml",
                36,
                "Pod/liveness-readiness-pod",
                "spec.containers[0].readinessprobe",
                "'readinessprobe'",
                "'readinessProbe'",
                "spec.containers[0] (a Container) has no field readinessprobe in Kubernetes 1.37; field names are "
                f"case-sensitive: readinessProbe. {UNKNOWN}",
            )
        ],
    ),
    (
        # before: "spec.securityContext.runAsUser found nothing, asked 45"
        "runAsUSer misspelled",
        "secureWriterPod",
        replaced("    runAsUser: 45\n", "    runAsUSer: 45\n"),
        [
            (
                "secureWriterPod.yaml",
                13,
                "Pod/security-context-pod",
                "spec.securityContext.runAsUSer",
                "'runAsUSer'",
                "'runAsUser'",
                "spec.securityContext (a PodSecurityContext) has no field runAsUSer in Kubernetes 1.37; field names "
                f"are case-sensitive: runAsUser. {UNKNOWN}",
            )
        ],
    ),
    (
        # before: "spec.securityContext.fsGroup found nothing, asked 231"
        "fsGroup in the container's securityContext",
        "secureWriterPod",
        lambda text: replaced(
            "      allowPrivilegeEscalation: false\n", "      allowPrivilegeEscalation: false\n      fsGroup: 231\n"
        )(replaced("    fsGroup: 231\n", "")(text)),
        [
            (
                "secureWriterPod.yaml",
                50,
                "Pod/security-context-pod",
                "spec.containers[0].securityContext.fsGroup",
                "'fsGroup'",
                "'spec.securityContext.fsGroup'",
                "spec.containers[0].securityContext (a SecurityContext) has no field fsGroup in Kubernetes 1.37; "
                f"fsGroup belongs at spec.securityContext.fsGroup (a PodSecurityContext). {UNKNOWN}",
            ),
            (
                "secureWriterPod.yaml",
                50,
                "Pod/security-context-pod",
                "spec.securityContext.fsGroup",
                "nothing there: fsGroup is written at spec.containers[0].securityContext.fsGroup, where Kubernetes "
                "has no such field",
                "231",
                "ls -ln shows the file's owner and group: they come from runAsUser and fsGroup",
            ),
        ],
    ),
    (
        # before: "spec.containers[0].readinessProbe found nothing, asked a probe"
        "a probe under the pod's spec",
        "probedWebServer",
        probe_under_spec,
        [
            (
                "probedWebServer.yaml",
                14,
                "Pod/liveness-readiness-pod",
                "spec.containers[0].readinessProbe",
                "nothing there: readinessProbe is written at spec.readinessProbe, where Kubernetes has no such field",
                "'a probe'",
                "the readiness probe decides when the pod is Ready: the timeline changes",
            ),
            (
                "probedWebServer.yaml",
                14,
                "Pod/liveness-readiness-pod",
                "spec.readinessProbe",
                "'readinessProbe'",
                "'spec.containers[0].readinessProbe'",
                "spec (a PodSpec) has no field readinessProbe in Kubernetes 1.37; readinessProbe belongs at "
                f"spec.containers[0].readinessProbe (a Container). {UNKNOWN}",
            ),
        ],
    ),
    (
        "Secret data that is not base64",
        "mysqlPassword",
        lambda _: SECRET.format(value="not base64!"),
        [
            (
                "mysqlPassword.yaml",
                6,
                "Secret/mysql-password",
                "data.password",
                "'not base64!'",
                "base64, such as 'bm90IGJhc2U2NCE=' (the base64 of 'not base64!')",
                "Secret data values are base64 (the schema's format: byte): the API server decodes each one and "
                "refuses the Secret when it cannot (illegal base64 data); write bm90IGJhc2U2NCE=, or put the plain "
                "text under stringData",
            )
        ],
    ),
]


def with_mistake(key: str, edit: Callable[[str], str]) -> dict[str, str]:
    files = solution_files()
    files[key] = edit(files.get(key, ""))
    return files


def test_given_the_instructors_answer_when_checked_then_no_layer_finds_anything_required(tmp_path: Path) -> None:
    findings = grade(environment(), hand_in(tmp_path, solution_files()))
    assert required(findings) == []


@pytest.mark.parametrize("minor", KUBERNETES_MINORS)
def test_given_a_correct_answer_when_checked_on_any_supported_minor_then_the_schema_layer_finds_nothing(
    tmp_path: Path, minor: str
) -> None:
    # the instructor's answer as rendered, the project's own differently written answers (JSON, flow
    # style, a List, named ports), and the lab text's files that the API server accepts
    seed = [path for path in sorted(SEED.glob("*.yaml")) if path.name != "pod-env-var.yaml"]
    submitted = [*hand_in(tmp_path, solution_files()), *read_submitted([CORRECT]), *read_submitted(seed)]
    assert {(item.file, item.line): schema.check(item.obj, minor).problems for item in submitted} == {
        (item.file, item.line): [] for item in submitted
    }


@pytest.mark.parametrize(("mistake", "key", "edit", "expected"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_given_a_mistake_the_api_server_refuses_when_checked_then_it_is_required_with_where_and_what_to_write(
    tmp_path: Path, mistake: str, key: str, edit: Callable[[str], str], expected: list[Shown]
) -> None:
    findings = grade(environment(), hand_in(tmp_path, with_mistake(key, edit)))
    assert required(findings) == sorted(expected)


def test_given_a_misspelled_probe_with_a_wrong_value_when_checked_then_the_lab_grades_it_where_it_is_written(
    tmp_path: Path,
) -> None:
    edit = replaced("    readinessProbe:\n", "    readinessprobe:\n")
    files = with_mistake("probedWebServer", edit)
    files["probedWebServer"] = replaced("      initialDelaySeconds: 30\n", "      initialDelaySeconds: 5\n")(
        files["probedWebServer"]
    )
    findings = grade(environment(), hand_in(tmp_path, files))
    assert [(f.line, f.path, f.found, f.asked) for f in findings if f.level == "required"] == [
        (36, "spec.containers[0].readinessprobe", "'readinessprobe'", "'readinessProbe'"),
        (40, "spec.containers[0].readinessProbe.initialDelaySeconds", "5", "30"),
    ]


def test_given_a_kind_or_key_put_right_when_the_policy_reads_it_then_its_advice_is_as_for_the_right_spelling(
    tmp_path: Path,
) -> None:
    right = grade(environment(), hand_in(tmp_path / "right", solution_files()))
    misspelled = with_mistake("probedWebServer", replaced("    readinessProbe:\n", "    readinessprobe:\n"))
    lowered = with_mistake("redisWithConfigMap", replaced("kind: Pod", "kind: pod"))
    for files in (misspelled, lowered):
        findings = grade(environment(), hand_in(tmp_path / str(id(files)), files))
        assert {(f.object, f.rule) for f in findings if f.rule} == {(f.object, f.rule) for f in right if f.rule}


def test_given_correct_values_written_otherwise_when_checked_then_the_schema_layer_accepts_them() -> None:
    encoded = base64.b64encode(b"a long enough password to wrap over two lines").decode()
    accepted: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"maxmemory": "2"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"password": encoded}},
        # a base64 block wrapped over lines, as `base64` prints it: Go's decoder skips the line breaks
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"p": encoded[:20] + "\n" + encoded[20:]},
        },
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": "not base64!"}},
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "m"},
            "spec": {"ports": [{"port": 3306, "targetPort": "mysql"}], "selector": {"app": "mysql"}},
        },
        # a creation timestamp, as `kubectl get -o yaml` prints it and YAML reads it (a date)
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "creationTimestamp": yaml_date()}},
    ]
    assert [schema.check(obj).problems for obj in accepted] == [[] for _ in accepted]


def yaml_date() -> Any:
    return datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.UTC)


def test_given_the_class_version_when_a_field_is_newer_then_it_is_refused_on_the_older_minor_only() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"hostnameOverride": "web", "containers": [{"name": "c", "image": "python:3.13-alpine"}]},
    }
    assert schema.check(pod, "1.37").problems == []
    (problem,) = schema.check(pod, "1.33").problems
    assert (problem.path, problem.found) == (("spec", "hostnameOverride"), "'hostnameOverride'")
    assert problem.why.startswith("spec (a PodSpec) has no field hostnameOverride in Kubernetes 1.33")


def test_given_classroom_kubernetes_version_when_the_cli_checks_then_it_validates_against_that_minor(
    tmp_path: Path,
) -> None:
    files = with_mistake("probedWebServer", replaced("spec:\n", "spec:\n  hostnameOverride: web\n"))
    folder = tmp_path / "hand-in"
    hand_in(folder, files)
    newest = cli(tmp_path, "--student", "student-1", "--format", "json", str(folder))
    assert newest.returncode == 0, newest.stdout
    older = cli(
        tmp_path,
        "--student",
        "student-1",
        "--format",
        "json",
        "--set",
        'classroom.kubernetesVersion="1.33"',
        str(folder),
    )
    assert older.returncode == 1, older.stderr
    report = json.loads(older.stdout)
    assert report["kubernetesVersion"] == "1.33"
    assert [(f["path"], f["found"]) for f in report["findings"] if f["level"] == "required"] == [
        ("spec.hostnameOverride", "'hostnameOverride'")
    ]


def test_given_a_custom_resource_when_checked_then_it_is_advice_that_it_was_not_checked() -> None:
    certificate = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "web"}}
    (problem,) = schema.check(certificate).problems
    assert (problem.level, problem.why) == (
        "advice",
        "not checked: Kubernetes 1.37 has no kind Certificate in cert-manager.io/v1 (a custom resource's schema "
        "comes with its CustomResourceDefinition)",
    )


def test_given_a_misspelled_kind_of_a_built_in_group_when_checked_then_the_close_kind_is_named_and_used() -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deploymnet", "metadata": {"name": "mysql"}}
    checked = schema.check(deployment)
    assert [(p.path, p.found, p.asked) for p in checked.problems] == [
        (("kind",), "'Deploymnet'", "'Deployment'"),
        (("spec",), "nothing", "spec (a DeploymentSpec)"),
    ]
    assert checked.obj["kind"] == "Deployment"


def test_given_a_selector_that_misses_the_template_labels_when_checked_then_it_is_required() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "mysql"},
        "spec": {
            "selector": {"matchLabels": {"app": "mysql"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "m", "image": "x"}]}},
        },
    }
    (problem,) = schema.check(deployment).problems
    assert (problem.path, problem.found, problem.asked) == (
        ("spec", "template", "metadata", "labels"),
        "{app: db}",
        "labels including {app: mysql}",
    )


def test_given_the_first_layer_fails_when_checked_then_it_says_so_and_the_labs_still_grade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(obj: Any, minor: str) -> schema.Checked:
        raise RuntimeError("no schemas here")

    monkeypatch.setattr(schema, "check", broken)
    files = with_mistake("probedWebServer", replaced("        port: 8000\n", "        port: 8080\n"))
    findings = grade(environment(), hand_in(tmp_path, files))
    assert [(f.level, f.object, f.found, f.why) for f in findings if f.object == "(every object)"] == [
        (
            "advice",
            "(every object)",
            "RuntimeError: no schemas here",
            "not checked against the API schemas: the check itself failed; the labs' comparisons still ran",
        )
    ]
    assert [(f.path, f.found) for f in findings if f.level == "required"] == [
        ("spec.containers[0].readinessProbe.httpGet.port", "8080")
    ]


def every_object(tmp_path: Path) -> list[dict[str, Any]]:
    objects = [dict(item.obj) for item in hand_in(tmp_path / "solution", solution_files())]
    objects += [dict(item.obj) for item in read_submitted([CORRECT, SEED])]
    for number, (_, key, edit, _) in enumerate(MISTAKES):
        objects += [
            dict(item.obj) for item in hand_in(tmp_path / str(number), {key: edit(solution_files().get(key, ""))})
        ]
    return objects


def ours(obj: dict[str, Any]) -> None:
    schema.validate(obj, "1.37")


def theirs(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(copy.deepcopy(obj), "1.37", strict=True)


def verdict(judge: Callable[[dict[str, Any]], None], obj: dict[str, Any]) -> str:
    try:
        judge(obj)
    except (kubernetes_validate.ValidationError, schema.Refused):
        return "refused"
    except (kubernetes_validate.SchemaNotFoundError, FileNotFoundError):
        return "no schema"
    return "accepted"


def test_given_any_object_when_the_schema_layer_judges_it_then_kubernetes_validate_judges_it_the_same(
    tmp_path: Path,
) -> None:
    objects = every_object(tmp_path)
    verdicts = [verdict(ours, obj) for obj in objects]
    assert verdicts == [verdict(theirs, obj) for obj in objects]
    assert {"accepted", "refused", "no schema"} <= set(verdicts)


def test_given_many_objects_when_checked_then_each_schema_file_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes_validate import utils

    reads: list[str] = []
    original = utils.schema_contents

    def counted(filename: str, version: str) -> Any:
        reads.append(filename.rsplit("/", 1)[-1])
        return original(filename, version)

    monkeypatch.setattr(utils, "schema_contents", counted)
    schema.schemas.cache_clear()
    schema._kind_schema.cache_clear()
    schema._validator.cache_clear()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}
    for _ in range(20):
        schema.check(pod, "1.36")
    assert sorted(reads) == ["_definitions.json", "pod-v1.json"]


@pytest.mark.parametrize(
    ("container", "path", "asked", "says"),
    [
        (
            {"volumeMount": []},
            ("spec", "containers", 0, "volumeMount"),
            "'volumeMounts'",
            "spec.containers[0] (a Container) has no field volumeMount in Kubernetes 1.37; did you mean volumeMounts?",
        ),
        (
            {"volumes": []},
            ("spec", "containers", 0, "volumes"),
            "'spec.volumes'",
            "spec.containers[0] (a Container) has no field volumes in Kubernetes 1.37; volumes belongs at "
            "spec.volumes (a PodSpec).",
        ),
        (
            {"securityContext": {"fsgroup": 231}},
            ("spec", "containers", 0, "securityContext", "fsgroup"),
            "'spec.securityContext.fsGroup'",
            "spec.containers[0].securityContext (a SecurityContext) has no field fsgroup in Kubernetes 1.37; fsGroup "
            "belongs at spec.securityContext.fsGroup (a PodSecurityContext).",
        ),
        (
            {"securityContext": {"uid": 45}},
            ("spec", "containers", 0, "securityContext", "uid"),
            "a field of SecurityContext",
            "spec.containers[0].securityContext (a SecurityContext) has no field uid in Kubernetes 1.37 (its fields: "
            "allowPrivilegeEscalation, appArmorProfile, capabilities, privileged, procMount, readOnlyRootFilesystem, "
            "runAsGroup, runAsNonRoot, runAsUser, seLinuxOptions, seccompProfile, windowsOptions).",
        ),
        (
            {"probe": {}},
            ("spec", "containers", 0, "probe"),
            "a field of Container",
            "spec.containers[0] (a Container) has no field probe in Kubernetes 1.37 (`kubectl explain "
            "pod.spec.containers` lists its fields).",
        ),
    ],
)
def test_given_an_unknown_key_when_checked_then_the_nearest_field_here_or_the_level_that_has_it_is_named(
    container: dict[str, Any], path: tuple[str | int, ...], asked: str, says: str
) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "python:3.13-alpine", **container}]},
    }
    (problem,) = schema.check(pod).problems
    assert (problem.level, problem.path, problem.asked, problem.why) == ("required", path, asked, f"{says} {UNKNOWN}")
