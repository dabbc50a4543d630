"""Given a student's container and the probe a lab asks for, when the probe is graded, then each
difference that changes what the kubelet does is one required finding (its field, what was found,
what was asked and why it matters), and a probe written differently but acting the same passes.

Kubernetes semantics the expectations follow: a timing field left out takes the kubelet's default
(initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1, failureThreshold 3, successThreshold 1),
an httpGet without a path requests "/", a port may be a number, digits, or the name of one of the
container's ports, and a name the container does not declare is a port the kubelet cannot find.
"""

from __future__ import annotations

from typing import Any

import pytest

from labs.grading import (
    Comparer,
    FieldPath,
    Grader,
    Issue,
    Work,
    at,
    container_name,
    grade_all,
    missing_references,
    probe_issues,
    references,
)
from labs.pod import LabArgs

POD = ("Pod", "web")
CONTAINER: FieldPath = ("spec", "containers", 0)
WHY = "the readiness probe decides when the pod is Ready"

HTTP: dict[str, Any] = {"httpGet": {"path": "/", "port": 8000}, "initialDelaySeconds": 30}
"""What the lab asks: GET / on 8000 from 30 s, every other timing field at the kubelet's default."""


def graded(container: dict[str, Any], asked: dict[str, Any] | None, key: str = "readinessProbe") -> list[Issue]:
    comparer = Comparer(POD)
    probe_issues(comparer, CONTAINER, container, key, asked, WHY)
    return comparer.issues


def finding(*path: str | int, found: str, asked: str) -> Issue:
    return Issue("required", POD, (*CONTAINER, "readinessProbe", *path), found, asked, WHY)


def http(**fields: Any) -> dict[str, Any]:
    """The student's readinessProbe: the asked one with `fields` replaced (None leaves one out)."""
    probe = {**HTTP, "httpGet": dict(HTTP["httpGet"]), **fields}
    return {"readinessProbe": {name: value for name, value in probe.items() if value is not None}}


CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None, list[Issue]]] = [
    ("as asked", http(), HTTP, []),
    ("none asked, none written", {}, None, []),
    ("a probe where none is asked", http(), None, [finding(found="'a probe'", asked="'no probe'")]),
    ("no probe where one is asked", {}, HTTP, [finding(found="nothing", asked="'a probe'")]),
    ("a probe that is not a mapping", {"readinessProbe": "yes"}, HTTP, [finding(found="nothing", asked="'a probe'")]),
    (
        "another action, on another port",
        http(httpGet=None, tcpSocket={"port": 9000}),
        HTTP,
        [finding(found="'tcpSocket'", asked="'httpGet'")],
    ),
    (
        # the same timeline on the asked port: the true reason is the kind of probe the task asks for
        "a tcpSocket on the asked port where an httpGet is asked",
        http(httpGet=None, tcpSocket={"port": 8000}),
        HTTP,
        [
            Issue(
                "required",
                POD,
                (*CONTAINER, "readinessProbe"),
                "'tcpSocket'",
                "'httpGet'",
                "the task asks for an HTTP GET probe (a tcpSocket probe only sees that the port accepts a connection)",
            )
        ],
    ),
    ("a grpc action", http(httpGet=None, grpc={"port": 8000}), HTTP, [finding(found="'grpc'", asked="'httpGet'")]),
    (
        "two actions",
        http(exec={"command": ["true"]}),
        HTTP,
        [finding(found="'httpGet and exec'", asked="'httpGet'")],
    ),
    ("no action", http(httpGet=None), HTTP, [finding(found="'no action'", asked="'httpGet'")]),
    (
        "another path",
        http(httpGet={"path": "/healthz", "port": 8000}),
        HTTP,
        [finding("httpGet", "path", found="'/healthz'", asked="'/'")],
    ),
    ("no path requests /", http(httpGet={"port": 8000}), HTTP, []),
    (
        "another port",
        http(httpGet={"path": "/", "port": 8080}),
        HTTP,
        [finding("httpGet", "port", found="8080", asked="8000")],
    ),
    ("the port in digits", http(httpGet={"path": "/", "port": "8000"}), HTTP, []),
    (
        "no port",
        http(httpGet={"path": "/"}),
        HTTP,
        [finding("httpGet", "port", found="nothing", asked="8000")],
    ),
    (
        "a declared port name",
        {
            "ports": [{"name": "metrics", "containerPort": 9000}, {"name": "http", "containerPort": 8000}],
            **http(httpGet={"path": "/", "port": "http"}),
        },
        HTTP,
        [],
    ),
    (
        "a port name the container does not declare",
        {"ports": [{"name": "metrics", "containerPort": 9000}], **http(httpGet={"path": "/", "port": "web"})},
        HTTP,
        [finding("httpGet", "port", found="'web'", asked="8000")],
    ),
    (
        "the defaults written out",
        http(periodSeconds=10, timeoutSeconds=1, failureThreshold=3, successThreshold=1),
        HTTP,
        [],
    ),
    ("another period", http(periodSeconds=3), HTTP, [finding("periodSeconds", found="3", asked="10")]),
    ("no initial delay", http(initialDelaySeconds=None), HTTP, [finding("initialDelaySeconds", found="0", asked="30")]),
    (
        "every timing field off",
        http(initialDelaySeconds=5, timeoutSeconds=2, failureThreshold=1, successThreshold=2),
        HTTP,
        [
            finding("initialDelaySeconds", found="5", asked="30"),
            finding("timeoutSeconds", found="2", asked="1"),
            finding("failureThreshold", found="1", asked="3"),
            finding("successThreshold", found="2", asked="1"),
        ],
    ),
    (
        "a tcpSocket probe as asked",
        {"readinessProbe": {"tcpSocket": {"port": 6379}}},
        {"tcpSocket": {"port": 6379}},
        [],
    ),
    (
        "a tcpSocket probe on another port",
        {"readinessProbe": {"tcpSocket": {"port": 6380}}},
        {"tcpSocket": {"port": 6379}},
        [finding("tcpSocket", "port", found="6380", asked="6379")],
    ),
    (
        "an exec probe running another command",
        {"readinessProbe": {"exec": {"command": ["true"]}}},
        {"exec": {"command": ["ls", "index.html"]}},
        [finding("exec", "command", found='["true"]', asked='["ls", "index.html"]')],
    ),
]


@pytest.mark.parametrize(("container", "asked", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_each_probe_difference_is_one_finding_with_its_field_and_reason(
    container: dict[str, Any], asked: dict[str, Any] | None, expected: list[Issue]
) -> None:
    assert graded(container, asked) == expected


def test_the_probe_graded_is_the_one_the_lab_names() -> None:
    liveness = {"livenessProbe": http()["readinessProbe"]}
    assert graded(liveness, HTTP, key="livenessProbe") == []
    assert graded(liveness, HTTP) == [finding(found="nothing", asked="'a probe'")]


def test_the_field_path_leads_to_the_value_or_to_nothing() -> None:
    obj = {"spec": {"containers": [{"name": "web"}]}}
    assert at(obj, ("spec", "containers", 0, "name")) == "web"
    assert at(obj, ("spec", "containers", 1, "name")) is None  # one past the end
    assert at(obj, ("spec", "containers", "name")) is None
    assert at(obj, ("spec", 0)) is None
    assert at(obj, ("spec", "volumes")) is None


def pod(kind: str, **spec: Any) -> dict[str, Any]:
    if kind == "Pod":
        return {"kind": kind, "metadata": {"name": "web"}, "spec": spec}
    return {"kind": kind, "metadata": {"name": "web"}, "spec": {"template": {"spec": spec}}}


@pytest.mark.parametrize(
    ("kind", "spec"),
    [
        ("Pod", ("spec",)),
        ("Deployment", ("spec", "template", "spec")),
        ("StatefulSet", ("spec", "template", "spec")),
        ("ReplicaSet", ("spec", "template", "spec")),
    ],
)
def test_the_lab_container_is_found_by_name_in_a_pod_or_a_pod_template(kind: str, spec: FieldPath) -> None:
    obj = pod(kind, containers=[{"name": "sidecar"}, {"name": "web", "image": "python:3.13"}])
    c = Comparer((kind, "web"))
    assert container_name(c, obj, "web", WHY) == ((*spec, "containers", 1), {"name": "web", "image": "python:3.13"})
    assert c.issues == []


def test_a_container_of_another_name_is_graded_in_its_place_and_its_name_is_required() -> None:
    obj = pod("Deployment", containers=[{"name": "db"}, {"name": "sidecar"}])
    c = Comparer(("Deployment", "web"))
    assert container_name(c, obj, "mysql", WHY) == (("spec", "template", "spec", "containers", 0), {"name": "db"})
    path = ("spec", "template", "spec", "containers", 0, "name")
    assert c.issues == [Issue("required", ("Deployment", "web"), path, "'db'", "'mysql'", WHY)]


@pytest.mark.parametrize("containers", [None, [], ["web"]])
def test_a_pod_without_a_container_gets_one_finding_and_an_empty_container(containers: Any) -> None:
    obj = pod("Deployment", containers=containers)
    c = Comparer(("Deployment", "web"))
    spec = ("spec", "template", "spec")
    assert container_name(c, obj, "mysql", WHY) == ((*spec, "containers", 0), {})
    expected = Issue(
        "required", ("Deployment", "web"), (*spec, "containers"), "nothing", "'a container named mysql'", WHY
    )
    assert c.issues == [expected]


def test_every_configmap_and_secret_a_pod_template_needs_is_found_with_its_path() -> None:
    obj = pod(
        "StatefulSet",
        initContainers=[
            "not a container",
            {"name": "init", "envFrom": [{"secretRef": {"name": "init-env", "optional": True}}]},
        ],
        containers=[
            {
                "name": "db",
                "envFrom": [{"configMapRef": {"name": "settings"}}, {"prefix": "T_", "secretRef": {"name": "tokens"}}],
                "env": [
                    {"name": "PLAIN", "value": "1"},
                    {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "modes", "key": "mode"}}},
                    {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db-pass", "key": "pw", "optional": True}}},
                ],
            }
        ],
        volumes=[
            {"name": "conf", "configMap": {"name": "conf", "optional": True}},
            {"name": "certs", "secret": {"secretName": "certs"}},
            {"name": "opt", "secret": {"secretName": "maybe", "optional": True}},
            {"name": "scratch", "emptyDir": {}},
            {
                "name": "bundle",
                "projected": {
                    "sources": [
                        {"secret": {"name": "tls", "optional": True}},
                        {"configMap": {"name": "ca"}},
                        {"downwardAPI": {"items": []}},
                    ]
                },
            },
        ],
    )
    spec = ("spec", "template", "spec")
    init, db = (*spec, "initContainers", 1), (*spec, "containers", 0)
    volumes = (*spec, "volumes")
    assert list(references(obj)) == [
        ((*init, "envFrom", 0, "secretRef", "name"), ("Secret", "init-env"), True),
        ((*db, "envFrom", 0, "configMapRef", "name"), ("ConfigMap", "settings"), False),
        ((*db, "envFrom", 1, "secretRef", "name"), ("Secret", "tokens"), False),
        ((*db, "env", 1, "valueFrom", "configMapKeyRef", "name"), ("ConfigMap", "modes"), False),
        ((*db, "env", 2, "valueFrom", "secretKeyRef", "name"), ("Secret", "db-pass"), True),
        ((*volumes, 0, "configMap", "name"), ("ConfigMap", "conf"), True),
        ((*volumes, 1, "secret", "secretName"), ("Secret", "certs"), False),
        ((*volumes, 2, "secret", "secretName"), ("Secret", "maybe"), True),
        ((*volumes, 4, "projected", "sources", 0, "secret", "name"), ("Secret", "tls"), True),
        ((*volumes, 4, "projected", "sources", 1, "configMap", "name"), ("ConfigMap", "ca"), False),
    ]


def test_a_reference_nobody_creates_is_required_and_says_the_pod_never_starts() -> None:
    obj = pod(
        "Pod",
        containers=[{"name": "web", "envFrom": [{"secretRef": {"name": "tokens"}}, {"configMapRef": {"name": "env"}}]}],
        volumes=[{"name": "c", "configMap": {"name": "made-by-kubectl"}}, {"name": "s", "secret": {"secretName": "s"}}],
    )
    work = Work({("Pod", "web"): obj, ("Secret", "s"): {}}, known={("ConfigMap", "made-by-kubectl")})
    envfrom = ("spec", "containers", 0, "envFrom")
    assert missing_references(work, ("Pod", "web")) == [
        Issue(
            "required",
            ("Pod", "web"),
            (*envfrom, 0, "secretRef", "name"),
            "Secret tokens",
            "a Secret that is handed in or that the lab creates",
            "no such Secret: the pod never starts",
        ),
        Issue(
            "required",
            ("Pod", "web"),
            (*envfrom, 1, "configMapRef", "name"),
            "ConfigMap env",
            "a ConfigMap that is handed in or that the lab creates",
            "no such ConfigMap: the pod never starts",
        ),
    ]


def test_a_pod_the_lab_asks_for_and_nobody_hands_in_gets_only_the_labs_own_findings() -> None:
    lab_issue = Issue("required", ("Pod", "web"), (), "nothing", "'Pod web'", "the lab reports it")
    grader: Grader[LabArgs] = Grader(asks=lambda args: [("Pod", "web"), ("Pod", "db")], grade=lambda a, w: [lab_issue])
    handed_in = pod("Pod", containers=[{"name": "db", "envFrom": [{"secretRef": {"name": "s"}}]}])
    issues = grade_all(grader, LabArgs(), Work({("Pod", "db"): handed_in}))
    missing = Issue(
        "required",
        ("Pod", "db"),
        ("spec", "containers", 0, "envFrom", 0, "secretRef", "name"),
        "Secret s",
        "a Secret that is handed in or that the lab creates",
        "no such Secret: the pod never starts",
    )
    assert issues == [lab_issue, missing]
