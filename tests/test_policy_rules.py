"""Given one small, well-kept stack, when a single field breaks one rule, then that rule (and only it) reports."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from policy.rules import RULES_BY_ID, Enforcement, Rule, Severity, review

NS = "lab-a"
Objects = list[dict[str, Any]]


def base_stack() -> Objects:
    """A student namespace with everything a clean lab needs: every rule passes on it."""
    meta = {"namespace": NS}
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": NS,
                "labels": {"k8s-labs.dev/student": "a", "pod-security.kubernetes.io/enforce": "restricted"},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "budget", **meta},
            "spec": {"hard": {"pods": "10"}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "same-namespace-only", **meta},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", **meta},
            "data": {"GREETING": "hello", "app.conf": "maxmemory 2mb\n"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "creds", **meta},
            "data": {"token": "c3RhbmQtaW4="},
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}, **meta},
            "spec": {
                "automountServiceAccountToken": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": 101,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": "app",
                        "image": "nginxinc/nginx-unprivileged:1.28-alpine",
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "envFrom": [{"configMapRef": {"name": "settings"}}],
                        "env": [
                            {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "GREETING"}}}
                        ],
                        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
                        "livenessProbe": {"tcpSocket": {"port": "http"}, "initialDelaySeconds": 5},
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "32Mi"},
                            "limits": {"cpu": "250m", "memory": "64Mi"},
                        },
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
                    }
                ],
                "volumes": [
                    {"name": "scratch", "emptyDir": {}},
                    {"name": "creds", "secret": {"secretName": "creds"}},
                    {"name": "conf", "configMap": {"name": "settings", "items": [{"key": "app.conf", "path": "a"}]}},
                ],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", **meta},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
        },
    ]


def _find(objects: Objects, kind: str) -> dict[str, Any]:
    return next(obj for obj in objects if obj["kind"] == kind)


def edit(change: Callable[[dict[str, Any]], object], kind: str = "Pod") -> Callable[[Objects], Objects]:
    """A stack in which `change` has been applied to the first object of `kind`."""

    def apply(objects: Objects) -> Objects:
        change(_find(objects, kind))
        return objects

    return apply


def container(change: Callable[[dict[str, Any]], object]) -> Callable[[Objects], Objects]:
    return edit(lambda pod: change(pod["spec"]["containers"][0]))


def security(**fields: Any) -> Callable[[Objects], Objects]:
    return container(lambda c: c["securityContext"].update(fields))


def pod_security(**fields: Any) -> Callable[[Objects], Objects]:
    return edit(lambda pod: pod["spec"]["securityContext"].update(fields))


def add_volume(volume: dict[str, Any]) -> Callable[[Objects], Objects]:
    return edit(lambda pod: pod["spec"]["volumes"].append(volume))


def without(kind: str) -> Callable[[Objects], Objects]:
    return lambda objects: [obj for obj in objects if obj["kind"] != kind]


def unchanged(objects: Objects) -> Objects:
    return objects


def database(volume: dict[str, Any]) -> Callable[[Objects], Objects]:
    def change(pod: dict[str, Any]) -> None:
        pod["spec"]["containers"][0]["image"] = "mysql:8.4"
        pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/var/lib/mysql"}]
        pod["spec"]["volumes"].append({"name": "data", **volume})

    return edit(change)


@dataclass(frozen=True)
class Case:
    rule: str
    passing: Callable[[Objects], Objects]
    failing: Callable[[Objects], Objects]
    also: frozenset[str] = frozenset()
    """Other rules the same break trips, by design (a hostPath volume is a baseline and a restricted matter)."""


CASES = [
    Case(
        "pss-baseline-host-process",
        pod_security(windowsOptions={"hostProcess": False}),
        pod_security(windowsOptions={"hostProcess": True}),
    ),
    Case(
        "pss-baseline-host-namespaces",
        edit(lambda p: p["spec"].update(hostNetwork=False)),
        edit(lambda p: p["spec"].update(hostPID=True)),
    ),
    Case("pss-baseline-privileged", security(privileged=False), security(privileged=True)),
    Case(
        "pss-baseline-capabilities",
        security(capabilities={"drop": ["ALL"], "add": ["CHOWN", "NET_BIND_SERVICE"]}),
        security(capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
        frozenset({"pss-restricted-capabilities"}),
    ),
    Case(
        "pss-baseline-host-path",
        unchanged,
        add_volume({"name": "node", "hostPath": {"path": "/var/run"}}),
        frozenset({"pss-restricted-volume-types"}),
    ),
    Case(
        "pss-baseline-host-ports",
        container(lambda c: c["ports"][0].update(hostPort=0)),
        container(lambda c: c["ports"][0].update(hostPort=8080)),
    ),
    Case(
        "pss-baseline-apparmor",
        security(appArmorProfile={"type": "RuntimeDefault"}),
        security(appArmorProfile={"type": "Unconfined"}),
    ),
    Case(
        "pss-baseline-selinux",
        security(seLinuxOptions={"type": "container_t", "level": "s0:c123,c456"}),
        security(seLinuxOptions={"type": "spc_t"}),
    ),
    Case(
        "pss-baseline-proc-mount",
        security(procMount="Default"),
        security(procMount="Unmasked"),
        frozenset({"pss-restricted-proc-mount"}),
    ),
    Case(
        "pss-baseline-seccomp",
        security(seccompProfile={"type": "Localhost", "localhostProfile": "lab.json"}),
        security(seccompProfile={"type": "Unconfined"}),
        frozenset({"pss-restricted-seccomp"}),
    ),
    Case(
        "pss-baseline-sysctls",
        pod_security(sysctls=[{"name": "net.ipv4.tcp_syncookies", "value": "1"}]),
        pod_security(sysctls=[{"name": "kernel.msgmax", "value": "65536"}]),
    ),
    Case(
        "pss-baseline-host-probes",
        container(lambda c: c["readinessProbe"]["httpGet"].update(host="")),
        container(lambda c: c["readinessProbe"]["httpGet"].update(host="169.254.169.254")),
    ),
    Case(
        "pss-restricted-volume-types",
        add_volume({"name": "claim", "persistentVolumeClaim": {"claimName": "data"}}),
        add_volume({"name": "share", "nfs": {"server": "nfs.example", "path": "/"}}),
    ),
    Case(
        "pss-restricted-privilege-escalation",
        unchanged,
        container(lambda c: c["securityContext"].pop("allowPrivilegeEscalation")),
    ),
    Case(
        "pss-restricted-run-as-non-root",
        edit(
            lambda p: (
                p["spec"]["securityContext"].pop("runAsNonRoot"),
                p["spec"]["containers"][0]["securityContext"].update(runAsNonRoot=True),
            )
        ),
        edit(lambda p: p["spec"]["securityContext"].pop("runAsNonRoot")),
    ),
    Case("pss-restricted-run-as-user", security(runAsUser=1000), security(runAsUser=0)),
    Case(
        "pss-restricted-seccomp",
        edit(
            lambda p: (
                p["spec"]["securityContext"].pop("seccompProfile"),
                p["spec"]["containers"][0]["securityContext"].update(seccompProfile={"type": "RuntimeDefault"}),
            )
        ),
        edit(lambda p: p["spec"]["securityContext"].pop("seccompProfile")),
    ),
    Case(
        "pss-restricted-capabilities",
        security(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
        security(capabilities={"drop": []}),
    ),
    Case(
        "pss-restricted-proc-mount",
        edit(
            lambda p: (
                p["spec"].update(hostUsers=False),
                p["spec"]["containers"][0]["securityContext"].update(procMount="Default"),
            )
        ),
        edit(
            lambda p: (
                p["spec"].update(hostUsers=False),
                p["spec"]["containers"][0]["securityContext"].update(procMount="Unmasked"),
            )
        ),
    ),
    Case(
        "container-resources",
        unchanged,
        container(lambda c: c["resources"]["limits"].pop("memory")),
    ),
    Case(
        "probes-long-running",
        edit(
            lambda p: (
                p["spec"].update(restartPolicy="Never"),
                p["spec"]["containers"][0].pop("livenessProbe"),
            )
        ),
        container(lambda c: c.pop("livenessProbe")),
    ),
    Case(
        "liveness-restarts",
        container(lambda c: c["livenessProbe"].update(tcpSocket={"port": 8080})),
        container(lambda c: c["livenessProbe"].update(tcpSocket={"port": 9090})),
    ),
    Case(
        "image-pinned",
        container(lambda c: c.update(image="nginxinc/nginx-unprivileged@sha256:" + "ab" * 32)),
        container(lambda c: c.update(image="nginxinc/nginx-unprivileged:latest")),
    ),
    Case(
        "image-end-of-life",
        container(lambda c: c.update(image="python:3.13-alpine")),
        container(lambda c: c.update(image="python:2.7-alpine")),
    ),
    Case(
        "secret-in-env",
        unchanged,
        container(
            lambda c: c["env"].append(
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}
            )
        ),
    ),
    Case(
        "plaintext-secret",
        container(lambda c: c["env"].append({"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"})),
        container(lambda c: c["env"].append({"name": "DB_PASSWORD", "value": "stand-in"})),
    ),
    Case(
        "database-on-emptydir",
        database({"persistentVolumeClaim": {"claimName": "mysql-data"}}),
        database({"emptyDir": {}}),
    ),
    Case(
        "no-default-namespace",
        unchanged,
        edit(lambda p: p["metadata"].pop("namespace"), kind="Service"),
        frozenset({"service-selector-matches"}),
    ),
    Case(
        "service-external-type",
        edit(lambda s: s["spec"].update(type="ClusterIP"), kind="Service"),
        edit(lambda s: s["spec"].update(type="NodePort"), kind="Service"),
    ),
    Case(
        "configmap-ref-resolves",
        container(lambda c: c["envFrom"].append({"configMapRef": {"name": "absent", "optional": True}})),
        container(lambda c: c["envFrom"].append({"configMapRef": {"name": "absent"}})),
    ),
    Case(
        "secret-ref-resolves",
        add_volume({"name": "more", "secret": {"secretName": "creds", "items": [{"key": "token", "path": "t"}]}}),
        add_volume({"name": "more", "secret": {"secretName": "absent"}}),
    ),
    Case(
        "service-selector-matches",
        edit(lambda s: s["spec"].update(selector={}), kind="Service"),
        edit(lambda s: s["spec"].update(selector={"app": "api"}), kind="Service"),
    ),
    Case(
        "namespace-exists",
        edit(lambda s: s["metadata"].update(namespace="kube-system"), kind="ConfigMap"),
        edit(lambda s: s["metadata"].update(namespace="lab-b"), kind="ConfigMap"),
        frozenset({"configmap-ref-resolves"}),
    ),
    Case(
        "student-namespace-quota",
        edit(lambda n: n["metadata"]["labels"].pop("k8s-labs.dev/student"), kind="Namespace"),
        without("ResourceQuota"),
    ),
    Case("student-namespace-network-policy", unchanged, without("NetworkPolicy")),
    Case(
        "student-namespace-pod-security",
        edit(lambda n: n["metadata"]["labels"].update({"pod-security.kubernetes.io/enforce": "baseline"}), "Namespace"),
        edit(
            lambda n: n["metadata"]["labels"].update({"pod-security.kubernetes.io/enforce": "privileged"}), "Namespace"
        ),
    ),
    Case(
        "exemption-well-formed",
        edit(
            lambda p: p["metadata"].update(
                annotations={"exempt.k8s-labs.dev/secret-in-env": "Lab 2.5 reads a Secret into the environment"}
            )
        ),
        edit(lambda p: p["metadata"].update(annotations={"exempt.k8s-labs.dev/secret-in-env": "Lab 2.5"})),
    ),
]


def stack_for(case: Case, failing: bool) -> Objects:
    return (case.failing if failing else case.passing)(copy.deepcopy(base_stack()))


def reported(objects: Objects, rule_id: str) -> list[str]:
    return [finding.message for finding in review(objects) if finding.rule.id == rule_id]


def test_the_base_stack_passes_every_rule() -> None:
    assert [(f.rule.id, f.message) for f in review(base_stack())] == []


def test_every_rule_has_a_case() -> None:
    assert sorted(case.rule for case in CASES) == sorted(RULES_BY_ID)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_rule_passes_a_compliant_stack(case: Case) -> None:
    objects = stack_for(case, failing=False)
    assert objects != base_stack() or case.passing is unchanged
    assert reported(objects, case.rule) == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_rule_reports_a_breaking_stack_and_nothing_else_does(case: Case) -> None:
    objects = stack_for(case, failing=True)
    assert reported(objects, case.rule) != []
    assert {finding.rule.id for finding in review(objects)} == {case.rule, *case.also}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.rule)
def test_every_rule_names_its_standard(case: Case) -> None:
    rule = RULES_BY_ID[case.rule]
    assert rule.url.startswith("https://")
    assert rule.standard and rule.description and rule.title


def test_messages_name_the_container_but_never_a_literal_value() -> None:
    objects = stack_for(next(case for case in CASES if case.rule == "plaintext-secret"), failing=True)
    messages = reported(objects, "plaintext-secret")
    assert messages and all("container app" in message and "stand-in" not in message for message in messages)


def test_a_configmap_holding_a_redis_password_is_flagged_by_its_value() -> None:
    objects = edit(lambda cm: cm["data"].update({"redis.conf": "maxmemory 2mb\nrequirepass stand-in\n"}), "ConfigMap")(
        base_stack()
    )
    messages = reported(objects, "plaintext-secret")
    assert len(messages) == 1 and "redis.conf" in messages[0] and "stand-in" not in messages[0]


def test_a_missing_configmap_key_is_reported() -> None:
    objects = container(
        lambda c: c["env"].append({"name": "X", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "NOPE"}}})
    )(base_stack())
    assert any("NOPE" in message for message in reported(objects, "configmap-ref-resolves"))


def test_a_deployment_is_reviewed_through_its_pod_template() -> None:
    objects = base_stack()
    pod = _find(objects, "Pod")
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = True
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": NS},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": pod["metadata"], "spec": pod["spec"]},
        },
    }
    objects = [obj for obj in objects if obj["kind"] != "Pod"] + [deployment]
    assert reported(objects, "pss-baseline-privileged") != []
    assert reported(objects, "service-selector-matches") == []


@pytest.mark.parametrize(
    "checks", [{}, {"check_object": lambda obj, params: [], "check_stack": lambda objs, params: []}]
)
def test_a_rule_checks_either_one_object_or_the_stack(checks: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"^rule half-made needs exactly one of check_object or check_stack$"):
        Rule(
            id="half-made",
            title="Half made",
            description="A rule declared without a clear scope.",
            severity=Severity.LOW,
            enforcement=Enforcement.ADVISORY,
            standard="none",
            url="https://kubernetes.io/",
            **checks,
        )
