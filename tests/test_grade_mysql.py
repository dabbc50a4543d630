"""Given a student's objects for Lab 2.5, when the MySQL grader compares them with the lab, then each
wrong answer gives exactly its finding: the object, the field path, what was found, what the lab
asks, and what goes differently on a cluster.

The correct answer is the lab text's own Service and Deployment (with a current image); each case
changes one thing in it. The reasons are the text a student reads beside each finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from labs.grading import Issue, Work, by_name
from labs.mysql import MysqlWithSecretArgs, grade, task
from tests.manifests import DELETE, changed

DEPLOYMENT = ("Deployment", "mysql")
SERVICE = ("Service", "mysql")
SECRET = ("Secret", "mysql-password")
CONTAINER = ("spec", "template", "spec", "containers", 0)

NAME_WHY = "the Testing step runs the client in it by name (-c)"
PASSWORD_WHY = "MySQL refuses to initialise without a root password: the pod never runs"
HEADLESS_WHY = "the lab asks for a headless Service: its name resolves to the pod itself"
PORT_WHY = "the client connects to that port through the Service"
SELECTOR_WHY = "a selector that matches no pod leaves the Service without endpoints: the client cannot connect"
KEY_WHY = "secretKeyRef names that key: the pod never starts"
# A Secret handed in as a file always draws this advice: the lab creates it with kubectl.
SECRET_FILE_ADVICE = Issue(
    "advice",
    SECRET,
    ("data",),
    "'a password in a file'",
    "'kubectl create secret generic'",
    "a file with the password ends up shared; create the Secret with kubectl",
)


def service() -> dict[str, Any]:
    """The lab text's Service."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "mysql"},
        "spec": {"ports": [{"port": 3306}], "selector": {"app": "mysql"}, "clusterIP": "None"},
    }


def deployment() -> dict[str, Any]:
    """The lab text's Deployment, with mysql:8.4 for the end-of-life mysql:5.6."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "mysql"},
        "spec": {
            "selector": {"matchLabels": {"app": "mysql"}},
            "template": {
                "metadata": {"labels": {"app": "mysql"}},
                "spec": {
                    "containers": [
                        {
                            "image": "mysql:8.4",
                            "name": "mysql",
                            "env": [
                                {
                                    "name": "MYSQL_ROOT_PASSWORD",
                                    "valueFrom": {"secretKeyRef": {"name": "mysql-password", "key": "password"}},
                                }
                            ],
                            "ports": [{"containerPort": 3306, "name": "mysql"}],
                            "volumeMounts": [{"name": "mysql-persistent-storage", "mountPath": "/var/lib/mysql"}],
                        }
                    ],
                    "volumes": [{"name": "mysql-persistent-storage", "emptyDir": {}}],
                },
            },
        },
    }


def secret(**fields: dict[str, str]) -> dict[str, Any]:
    """A Secret handed in as a file, with `data` and/or `stringData`."""
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mysql-password"}, **fields}


# (case, the student's objects, the findings in the order the grader reports them)
CASES: list[tuple[str, Callable[[], list[dict[str, Any]]], list[Issue]]] = [
    ("the lab text's answer", lambda: [service(), deployment()], []),
    (
        "a Service and no Deployment yet: the missing Deployment is the caller's to report",
        lambda: [service()],
        [],
    ),
    (
        "container renamed",
        lambda: [service(), changed(deployment(), (*CONTAINER, "name"), "db")],
        [Issue("required", DEPLOYMENT, (*CONTAINER, "name"), "'db'", "'mysql'", NAME_WHY)],
    ),
    (
        "no MYSQL_ROOT_PASSWORD",
        lambda: [service(), changed(deployment(), (*CONTAINER, "env"), [{"name": "MYSQL_PASSWORD", "value": "x"}])],
        [
            Issue(
                "required",
                DEPLOYMENT,
                (*CONTAINER, "env"),
                "nothing",
                "'MYSQL_ROOT_PASSWORD from Secret mysql-password'",
                PASSWORD_WHY,
            )
        ],
    ),
    (
        "password from another Secret",
        lambda: [
            service(),
            changed(deployment(), (*CONTAINER, "env", 0, "valueFrom", "secretKeyRef", "name"), "mysql-pass"),
        ],
        [
            Issue(
                "required",
                DEPLOYMENT,
                (*CONTAINER, "env", 0, "valueFrom", "secretKeyRef", "name"),
                "'mysql-pass'",
                "'mysql-password'",
                PASSWORD_WHY,
            )
        ],
    ),
    (
        "password under another key",
        lambda: [service(), changed(deployment(), (*CONTAINER, "env", 0, "valueFrom", "secretKeyRef", "key"), "pass")],
        [
            Issue(
                "required",
                DEPLOYMENT,
                (*CONTAINER, "env", 0, "valueFrom", "secretKeyRef", "key"),
                "'pass'",
                "'password'",
                PASSWORD_WHY,
            )
        ],
    ),
    (
        "Service with a cluster IP",
        lambda: [changed(service(), ("spec", "clusterIP"), DELETE), deployment()],
        [Issue("required", SERVICE, ("spec", "clusterIP"), "nothing", "'None'", HEADLESS_WHY)],
    ),
    (
        "Service on another port",
        lambda: [changed(service(), ("spec", "ports", 0, "port"), 3307), deployment()],
        [Issue("required", SERVICE, ("spec", "ports"), "[3307]", "[3306]", PORT_WHY)],
    ),
    (
        "Service selecting other pods",
        lambda: [changed(service(), ("spec", "selector"), {"app": "db"}), deployment()],
        [Issue("required", SERVICE, ("spec", "selector"), '{"app": "db"}', '{"app": "mysql"}', SELECTOR_WHY)],
    ),
    (
        "Secret handed in with the password in stringData",
        lambda: [service(), deployment(), secret(stringData={"password": "only-for-this-test"})],
        [SECRET_FILE_ADVICE],
    ),
    (
        "Secret handed in with the password in data",
        lambda: [service(), deployment(), secret(data={"password": "b25seS1mb3ItdGhpcy10ZXN0"})],
        [SECRET_FILE_ADVICE],
    ),
    (
        "Secret handed in without the key the pod reads",
        lambda: [service(), deployment(), secret(data={"user": "cm9vdA=="}, stringData={"pass": "x"})],
        [Issue("required", SECRET, ("data",), '["pass", "user"]', '["password"]', KEY_WHY), SECRET_FILE_ADVICE],
    ),
    (
        "Secret handed in with no data at all",
        lambda: [service(), deployment(), secret()],
        [Issue("required", SECRET, ("data",), "nothing", '["password"]', KEY_WHY), SECRET_FILE_ADVICE],
    ),
    (
        "every object wrong: Deployment, Service and Secret findings, in that order",
        lambda: [
            changed(service(), ("spec", "clusterIP"), DELETE),
            changed(deployment(), (*CONTAINER, "name"), "db"),
            secret(stringData={"password": "x"}),
        ],
        [
            Issue("required", DEPLOYMENT, (*CONTAINER, "name"), "'db'", "'mysql'", NAME_WHY),
            Issue("required", SERVICE, ("spec", "clusterIP"), "nothing", "'None'", HEADLESS_WHY),
            SECRET_FILE_ADVICE,
        ],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_wrong_answer_gives_exactly_its_findings(
    objects: Callable[[], list[dict[str, Any]]], expected: list[Issue]
) -> None:
    assert grade(MysqlWithSecretArgs(), Work(by_name(objects()))) == expected


def test_the_task_asks_for_a_secret_made_with_kubectl_never_a_file() -> None:
    lines = task(MysqlWithSecretArgs(secret_name="db-root"))
    assert (
        "- Secret `db-root` with key `password` (a password of your choice, created with kubectl: "
        "never in a file you hand in)"
    ) in lines
