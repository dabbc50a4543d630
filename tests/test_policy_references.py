"""Given a stack, every reference a pod makes resolves or is reported, saying which object and key is missing.

A pod that names a ConfigMap or Secret (or a key of one) that does not exist stays in
ContainerCreating (CreateContainerConfigError); `optional: true` lets it start without. A Service
whose selector matches no pod has no endpoints; an object in a namespace nobody creates is refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules import load_settings, review

REFERENCE_RULES = ("configmap-ref-resolves", "secret-ref-resolves", "service-selector-matches", "namespace-exists")
MISSING = "which is not among the reviewed objects"
Objects = list[dict[str, Any]]


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def config_map(name: str, where: str | None = "lab") -> dict[str, Any]:
    meta = {"name": name} | ({"namespace": where} if where else {})
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {"GREETING": "hi"},
        "binaryData": {"logo.png": "AA=="},
    }


def secret(name: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": "lab"}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta,
        "data": {"token": "dA=="},
        "stringData": {"password": "p"},
    }


def pod(spec: dict[str, Any], where: str | None = "lab", labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "web", "labels": labels or {"app": "web"}} | ({"namespace": where} if where else {})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "app", "image": "nginx"}]} | spec,
    }


def stack(spec: dict[str, Any]) -> Objects:
    """Namespace lab with ConfigMap settings and Secret creds, and the pod under test as the fourth object."""
    return [namespace("lab"), config_map("settings"), secret("creds"), pod(spec)]


def app(**fields: Any) -> dict[str, Any]:
    return {"containers": [{"name": "app", "image": "nginx", **fields}]}


def found(objects: Objects, config: dict[str, Any] | None = None) -> list[tuple[str, int, str, str | None]]:
    """(rule, object index, message, why it is exempted) of every reference finding."""
    return [
        (f.rule.id, f.subject, f.message, f.exemption.reason if f.exemption else None)
        for f in review(objects, load_settings(config))
        if f.rule.id in REFERENCE_RULES
    ]


RESOLVING = {
    "volumes": [
        {"name": "conf", "configMap": {"name": "settings", "items": [{"key": "GREETING"}, {"key": "logo.png"}]}},
        {"name": "creds", "secret": {"secretName": "creds", "items": [{"key": "token"}, {"key": "password"}]}},
        {
            "name": "bundle",
            "projected": {"sources": [{"configMap": {"name": "settings"}}, {"secret": {"name": "creds"}}]},
        },
        {"name": "scratch", "emptyDir": {}},
    ],
    **app(
        env=[
            {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "GREETING"}}},
            {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
            {"name": "PLAIN", "value": "x"},
        ],
        envFrom=[{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "creds"}, "prefix": "DB_"}],
    ),
}

ROWS: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("everything-resolves", RESOLVING, []),
    (
        "volume-names-a-missing-config-map",
        {
            "volumes": [
                {"name": "conf", "configMap": {"name": "absent"}},
                {"name": "maybe", "configMap": {"name": "absent", "optional": True}},
            ]
        },
        [("configmap-ref-resolves", f"volume conf names ConfigMap lab/absent, {MISSING}")],
    ),
    (
        "volume-items-name-missing-keys",
        {
            "volumes": [
                {
                    "name": "conf",
                    "configMap": {
                        "name": "settings",
                        "items": [{"key": "GREETING"}, {"key": "nope"}, {"key": "other"}, {"path": "p"}],
                    },
                }
            ]
        },
        [("configmap-ref-resolves", "volume conf needs key(s) nope, other that ConfigMap settings lacks")],
    ),
    (
        "secret-volume-items-name-a-missing-key",
        {
            "volumes": [
                {"name": "tls", "secret": {"secretName": "creds", "items": [{"key": "tls.crt"}], "optional": False}}
            ]
        },
        [("secret-ref-resolves", "volume tls needs key(s) tls.crt that Secret creds lacks")],
    ),
    (
        "projected-sources-name-missing-objects",
        {
            "volumes": [
                {
                    "projected": {
                        "sources": [
                            {"configMap": {"name": "absent"}},
                            {"secret": {"name": "gone"}},
                            {"downwardAPI": {"items": []}},
                        ]
                    }
                }
            ]
        },
        [
            ("configmap-ref-resolves", f"volume ? names ConfigMap lab/absent, {MISSING}"),
            ("secret-ref-resolves", f"volume ? names Secret lab/gone, {MISSING}"),
        ],
    ),
    (
        "secret-volume-names-a-missing-secret",
        {"volumes": [{"name": "tls", "secret": {"secretName": "absent"}}]},
        [("secret-ref-resolves", f"volume tls names Secret lab/absent, {MISSING}")],
    ),
    (
        "env-refs",
        app(
            env=[
                {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "NOPE"}}},
                {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "token"}}},
                {"name": "MAYBE", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "t", "optional": True}}},
                {"valueFrom": {"configMapKeyRef": {"name": "other", "key": "k"}}},
                {"name": "LOGO", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "logo.png"}}},
                {"name": "WHOLE", "valueFrom": {"configMapKeyRef": {"name": "settings"}}},
            ]
        ),
        [
            ("configmap-ref-resolves", "container app: env MODE needs key(s) NOPE that ConfigMap settings lacks"),
            ("configmap-ref-resolves", f"container app: env ? names ConfigMap lab/other, {MISSING}"),
            ("secret-ref-resolves", f"container app: env TOKEN names Secret lab/absent, {MISSING}"),
        ],
    ),
    (
        "env-from",
        app(
            envFrom=[
                {"configMapRef": {"name": "settings"}},
                {"configMapRef": {}, "name": "settings"},
                {"secretRef": {}},
                {"prefix": "X_"},
                {"configMapRef": {"name": "absent", "optional": True}},
                {"secretRef": {"name": "absent"}},
            ]
        ),
        [
            (
                "configmap-ref-resolves",
                "container app: envFrom[1].configMapRef names no ConfigMap (a `name` beside it belongs under it)",
            ),
            ("configmap-ref-resolves", "container app: envFrom[3] has neither configMapRef nor secretRef"),
            ("secret-ref-resolves", "container app: envFrom[2].secretRef names no Secret"),
            ("secret-ref-resolves", f"container app: envFrom[5] names Secret lab/absent, {MISSING}"),
        ],
    ),
    (
        "init-container",
        {"initContainers": [{"name": "wait", "image": "busybox", "envFrom": [{"configMapRef": {"name": "absent"}}]}]},
        [("configmap-ref-resolves", f"init container wait: envFrom[0] names ConfigMap lab/absent, {MISSING}")],
    ),
]


@pytest.mark.parametrize(("spec", "expected"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_each_reference_that_does_not_resolve_is_reported_with_what_is_missing(
    spec: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert found(stack(spec)) == [(rule, 3, message, None) for rule, message in expected]


@pytest.mark.parametrize(
    ("external", "exempted"),
    [
        (["absent"], True),
        (["lab/absent"], True),
        (["other/absent", "lab/creds"], False),
    ],
)
def test_a_secret_listed_as_external_is_reported_as_exempted_with_the_reason(
    external: list[str], exempted: bool
) -> None:
    objects = stack({"volumes": [{"name": "tls", "secret": {"secretName": "absent"}}]})
    reason = "Secret lab/absent is created outside the stack (config: external)" if exempted else None
    config = {"secret-ref-resolves": {"external": external}}
    assert found(objects, config) == [
        ("secret-ref-resolves", 3, f"volume tls names Secret lab/absent, {MISSING}", reason)
    ]


def test_an_object_without_a_namespace_reads_from_default() -> None:
    spec = {"volumes": [{"name": "conf", "configMap": {"name": "settings"}}]}
    resolved = [config_map("settings", where=None), pod(spec, where=None)]
    assert found(resolved) == []
    elsewhere = [namespace("lab"), config_map("settings"), pod(spec, where=None)]
    assert found(elsewhere) == [
        ("configmap-ref-resolves", 2, f"volume conf names ConfigMap default/settings, {MISSING}", None)
    ]


def service(selector: dict[str, Any], where: str = "lab") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": where},
        "spec": {"selector": selector},
    }


def deployment(labels: dict[str, str], where: str = "lab") -> dict[str, Any]:
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}
    meta = {"name": "api", "namespace": where}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {"selector": {"matchLabels": labels}, "template": template},
    }


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param([pod({}), service({"app": "web"})], [], id="matches-a-pod"),
        pytest.param(
            [deployment({"app": "api", "tier": "back"}), service({"app": "api"})], [], id="matches-a-template"
        ),
        pytest.param(
            [pod({}, labels={"app": "web"}), deployment({"tier": "front"}), service({"app": "web", "tier": "front"})],
            ["selector app=web,tier=front matches no pod or pod template in namespace lab"],
            id="each-label-on-a-different-pod",
        ),
        pytest.param(
            [pod({}, where="lab-b"), service({"app": "web"})],
            ["selector app=web matches no pod or pod template in namespace lab"],
            id="pod-in-another-namespace",
        ),
        pytest.param(
            [pod({}, where=None), service({"app": "web"}, where="default")], [], id="pod-in-the-default-namespace"
        ),
        pytest.param([pod({}, labels={"app": "web"}), service({})], [], id="no-selector"),
        pytest.param([deployment({"app": "api"})], [], id="a-workload-selector-is-not-a-service"),
    ],
)
def test_a_service_selector_must_match_a_pod_in_its_namespace(objects: Objects, expected: list[str]) -> None:
    declared = [namespace(name) for name in ("lab", "lab-b")]
    found_messages = [
        message for rule, _, message, _ in found(declared + objects) if rule == "service-selector-matches"
    ]
    assert found_messages == expected


def test_an_object_in_a_namespace_the_stack_does_not_create_is_reported() -> None:
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "r", "namespace": "x"},
    }
    objects = [
        namespace("lab"),
        config_map("settings", where="lab-b"),
        config_map("settings", where="kube-system"),
        config_map("settings", where=None),
        config_map("settings", where="lab"),
        cluster_role,
        config_map("settings", where="shared"),
    ]
    messages = [(subject, message) for rule, subject, message, _ in found(objects) if rule == "namespace-exists"]
    assert messages == [
        (1, "ConfigMap lab-b/settings is in namespace lab-b, which the stack does not create"),
        (6, "ConfigMap shared/settings is in namespace shared, which the stack does not create"),
    ]
    # The configured list replaces the system namespaces it defaults to.
    config = {"namespace-exists": {"external": ["shared"]}}
    relaxed = [message for rule, _, message, _ in found(objects, config) if rule == "namespace-exists"]
    assert relaxed == [
        "ConfigMap lab-b/settings is in namespace lab-b, which the stack does not create",
        "ConfigMap kube-system/settings is in namespace kube-system, which the stack does not create",
    ]


def test_an_object_without_a_kind_or_a_name_is_still_named_in_its_finding() -> None:
    # A hand-written manifest may lack either; the report shows `?` where the part is missing.
    nameless = {"apiVersion": "v1", "metadata": {"namespace": "lab-b"}}
    messages = [message for rule, _, message, _ in found([nameless]) if rule == "namespace-exists"]
    assert messages == ["? lab-b/? is in namespace lab-b, which the stack does not create"]


def test_every_reference_of_a_container_is_judged_after_one_that_fails_or_is_optional() -> None:
    # A broken envFrom entry, an optional one, then two ConfigMaps the stack does not hold.
    spec = app(
        envFrom=[
            {"configMapRef": {}},
            {"configMapRef": {"name": "maybe", "optional": True}},
            {"configMapRef": {"name": "one"}},
            {"configMapRef": {"name": "two"}},
        ]
    )
    objects = [namespace("lab"), pod(spec)]
    messages = [message for rule, _, message, _ in found(objects) if rule == "configmap-ref-resolves"]
    assert messages == [
        "container app: envFrom[0].configMapRef names no ConfigMap",
        "container app: envFrom[2] names ConfigMap lab/one, which is not among the reviewed objects",
        "container app: envFrom[3] names ConfigMap lab/two, which is not among the reviewed objects",
    ]


def test_a_service_without_a_namespace_selects_the_pods_without_one_and_only_services_select() -> None:
    # Both land in `default`; a PodDisruptionBudget's selector is not a Service's.
    unplaced = {**service({"app": "web"}), "metadata": {"name": "web"}}
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "lab-b"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 1},
    }
    objects = [namespace("lab-b"), pod({}, where=None), unplaced, budget]
    assert [message for rule, _, message, _ in found(objects) if rule == "service-selector-matches"] == []
