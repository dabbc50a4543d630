"""Given one object, each rule of workloads and images reports exactly the findings a student reads, word for word."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules import PolicyConfigError, load_settings, review
from tests.test_policy_analyzer_form import as_analyzer_sees

Finding = tuple[int, str]


def pod(*containers: dict[str, Any], kind: str = "Pod", **spec: Any) -> dict[str, Any]:
    pod_spec = {"containers": list(containers), **spec}
    metadata = {"name": "web", "namespace": "lab-a"}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}
    template = {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": metadata, "spec": {"template": template}}


def findings(rule_id: str, obj: dict[str, Any], params: dict[str, Any] | None = None) -> list[str]:
    settings = load_settings(None if params is None else {rule_id: params})
    return [f.message for f in review([obj], settings) if f.rule.id == rule_id]


LIMITED = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}


@pytest.mark.parametrize(
    ("obj", "params", "expected"),
    [
        (pod({"name": "app", "resources": LIMITED}), None, []),
        # The API refuses resources on ephemeral (debug) containers: they use what the pod has.
        (pod({"name": "app", "resources": LIMITED}, ephemeralContainers=[{"name": "debugger"}]), None, []),
        (
            pod({"name": "app"}),
            None,
            [
                "container app: resources.requests lacks cpu, memory",
                "container app: resources.limits lacks cpu, memory",
            ],
        ),
        (
            pod(
                {"name": "app", "resources": LIMITED},
                {"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1", "memory": ""}}},
                initContainers=[{"name": "setup", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}],
            ),
            None,
            [
                "container #1: resources.requests lacks memory",
                "container #1: resources.limits lacks memory",
                "init container setup: resources.requests lacks cpu, memory",
            ],
        ),
        (
            pod({"name": "app", "resources": {"requests": {"memory": "1Gi"}}}),
            {"limits": []},
            ["container app: resources.requests lacks cpu"],
        ),
        (
            pod({"name": "app", "resources": {"requests": {"memory": "1Gi"}}}),
            {"requests": ["cpu", "ephemeral-storage"], "limits": ["memory"]},
            [
                "container app: resources.requests lacks cpu, ephemeral-storage",
                "container app: resources.limits lacks memory",
            ],
        ),
    ],
    ids=[
        "limited",
        "ephemeral",
        "nothing-declared",
        "per-container-and-init",
        "no-limits-asked",
        "configured-resources",
    ],
)
def test_container_resources_names_the_container_the_section_and_what_it_lacks(
    obj: dict[str, Any], params: dict[str, Any] | None, expected: list[str]
) -> None:
    assert findings("container-resources", obj, params) == expected


PROBED = {"livenessProbe": {"tcpSocket": {"port": 8080}}, "readinessProbe": {"httpGet": {"port": 8080, "path": "/"}}}
SERVING = {"name": "app", "ports": [{"containerPort": 8080}, {"containerPort": 8443}]}
NO_LIVENESS = "container app: no livenessProbe, so a hung process is never restarted"


@pytest.mark.parametrize(
    ("obj", "params", "expected"),
    [
        (pod({**SERVING, **PROBED}), None, []),
        (pod(SERVING), None, [NO_LIVENESS, "container app: serves port(s) 8080, 8443 but has no readinessProbe"]),
        (
            pod(SERVING, kind="Deployment"),
            None,
            [NO_LIVENESS, "container app: serves port(s) 8080, 8443 but has no readinessProbe"],
        ),
        (pod(SERVING, restartPolicy="Always"), {"readinessWhenServing": False}, [NO_LIVENESS]),
        (pod({"name": "app"}), None, [NO_LIVENESS]),
        (
            pod({"name": "app", "ports": [{"containerPort": 80}], "livenessProbe": PROBED["livenessProbe"]}),
            None,
            ["container app: serves port(s) 80 but has no readinessProbe"],
        ),
        (
            pod({**SERVING, "livenessProbe": PROBED["livenessProbe"]}, initContainers=[{"name": "setup"}]),
            None,
            ["container app: serves port(s) 8080, 8443 but has no readinessProbe"],
        ),
        (pod(SERVING, restartPolicy="Never"), None, []),
        (pod(SERVING, restartPolicy="OnFailure"), None, []),
        (pod(SERVING, kind="Job"), None, []),
    ],
    ids=[
        "probed",
        "serving-unprobed",
        "deployment",
        "readiness-not-asked",
        "not-serving",
        "one-port",
        "init-containers-need-none",
        "runs-once",
        "restarts-on-failure",
        "job",
    ],
)
def test_long_running_containers_name_the_probe_they_lack(
    obj: dict[str, Any], params: dict[str, Any] | None, expected: list[str]
) -> None:
    assert findings("probes-long-running", obj, params) == expected


@pytest.mark.parametrize(
    ("image", "params", "expected"),
    [
        ("nginx:1.27", None, []),
        ("nginx@sha256:0123abcd", None, []),
        ("nginx", None, ["container app: image nginx floats (no tag): pin a version"]),
        ("nginx:latest", None, ["container app: image nginx:latest floats (:latest): pin a version"]),
        ("localhost:5000/nginx", None, ["container app: image localhost:5000/nginx floats (no tag): pin a version"]),
        # The tag follows the last colon; a registry's port is not one.
        ("localhost:5000/nginx:1.27", None, []),
        (
            "localhost:5000/nginx:latest",
            None,
            ["container app: image localhost:5000/nginx:latest floats (:latest): pin a version"],
        ),
        ("", None, ["container app: has no image"]),
        (
            "nginx:1.27",
            {"requireDigest": True},
            ["container app: image nginx:1.27 is not pinned to a digest (@sha256:...)"],
        ),
        ("nginx:1.27@sha256:0123abcd", {"requireDigest": True}, []),
    ],
)
def test_an_image_names_a_version(image: str, params: dict[str, Any] | None, expected: list[str]) -> None:
    assert findings("image-pinned", pod({"name": "app", "image": image}), params) == expected


@pytest.mark.parametrize(
    ("image", "params", "expected"),
    [
        ("python:3.12-slim", None, []),
        (
            "python:2.7-alpine",
            None,
            ["container app: image python:2.7-alpine is past its end of life (matches python:2.*)"],
        ),
        (
            "docker.io/library/mysql:5.7",
            None,
            ["container app: image docker.io/library/mysql:5.7 is past its end of life (matches mysql:5.*)"],
        ),
        # index.docker.io and registry-1.docker.io are Docker Hub too, under other names.
        (
            "index.docker.io/library/python:2.7",
            None,
            ["container app: image index.docker.io/library/python:2.7 is past its end of life (matches python:2.*)"],
        ),
        (
            "registry-1.docker.io/library/mysql:5.7",
            None,
            ["container app: image registry-1.docker.io/library/mysql:5.7 is past its end of life (matches mysql:5.*)"],
        ),
        (
            "kubernetes/redis",
            None,
            ["container app: image kubernetes/redis is past its end of life (matches kubernetes/redis)"],
        ),
        ("redis:7.2", None, []),
        ("", None, []),
        (
            "redis:7.2",
            {"patterns": ["redis:7*"]},
            ["container app: image redis:7.2 is past its end of life (matches redis:7*)"],
        ),
        ("python:2.7", {"patterns": []}, []),
        # A container without an image is image-pinned's finding, whatever the patterns match.
        ("", {"patterns": ["*"]}, []),
    ],
)
def test_an_image_past_its_end_of_life_names_the_pattern_it_matches(
    image: str, params: dict[str, Any] | None, expected: list[str]
) -> None:
    assert findings("image-end-of-life", pod({"name": "app", "image": image}), params) == expected


def test_under_the_analyzer_ports_read_as_the_manifest_declares_them() -> None:
    """The policy pack sees every number as a float: 8080 must not reach a student as 8080.0."""
    [served] = as_analyzer_sees([pod(SERVING)])
    messages = [f.message for f in review([served]) if f.rule.id == "probes-long-running"]
    assert messages == [NO_LIVENESS, "container app: serves port(s) 8080, 8443 but has no readinessProbe"]


def placed(kind: str, where: str | None, name: str = "web") -> dict[str, Any]:
    metadata = {"name": name} if where is None else {"name": name, "namespace": where}
    return {"apiVersion": "v1", "kind": kind, "metadata": metadata}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (placed("ConfigMap", "lab-a"), []),
        (
            placed("ConfigMap", None),
            ["ConfigMap web names no namespace, so kubectl and the provider put it in `default`"],
        ),
        (placed("Service", "default"), ["Service default/web is in the `default` namespace"]),
        (placed("Namespace", None, "lab-a"), []),
        ({"apiVersion": "v1", "metadata": {"name": "web"}}, []),
    ],
    ids=["own-namespace", "none", "default", "cluster-scoped", "no-kind"],
)
def test_a_namespaced_object_names_a_namespace_of_its_own(obj: dict[str, Any], expected: list[str]) -> None:
    assert findings("no-default-namespace", obj) == expected


def service(service_type: str | None, *ports: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": list(ports), "selector": {"app": "web"}}
    if service_type is not None:
        spec["type"] = service_type
    return {**placed("Service", "lab-a"), "spec": spec}


@pytest.mark.parametrize(
    ("obj", "params", "expected"),
    [
        (service(None, {"name": "http", "port": 80}), None, []),
        (service("ClusterIP", {"name": "http", "port": 80}), None, []),
        (service("LoadBalancer", {"port": 80}), None, ["type LoadBalancer exposes the Service outside the cluster"]),
        (
            service("NodePort", {"name": "http", "port": 80, "nodePort": 30080}),
            None,
            ["type NodePort exposes the Service outside the cluster"],
        ),
        (
            service("NodePort", {"name": "http", "port": 80, "nodePort": 30080}, {"port": 81, "nodePort": 30081}),
            {"forbiddenTypes": ["LoadBalancer"]},
            ["port http asks for nodePort 30080", "port ? asks for nodePort 30081"],
        ),
        (service("NodePort", {"name": "http", "port": 80}), {"forbiddenTypes": []}, []),
        # A Service that names no type is a ClusterIP one, as the API defaults it.
        (
            service(None, {"name": "http", "port": 80}),
            {"forbiddenTypes": ["ClusterIP"]},
            ["type ClusterIP exposes the Service outside the cluster"],
        ),
    ],
    ids=[
        "default-type",
        "cluster-ip",
        "load-balancer",
        "node-port",
        "node-port-allowed",
        "no-node-port-asked",
        "untyped-is-cluster-ip",
    ],
)
def test_a_service_stays_inside_the_cluster(
    obj: dict[str, Any], params: dict[str, Any] | None, expected: list[str]
) -> None:
    assert findings("service-external-type", obj, params) == expected


def database(image: str, *mounts: dict[str, Any], volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return pod({"name": "db", "image": image, "volumeMounts": list(mounts)}, volumes=volumes or [])


SCRATCH = [{"name": "data", "emptyDir": {}}, {"name": "kept", "persistentVolumeClaim": {"claimName": "db"}}]
LOST = "the data is lost with the pod"


@pytest.mark.parametrize(
    ("obj", "params", "expected"),
    [
        (database("mysql:8.4", {"name": "kept", "mountPath": "/var/lib/mysql"}, volumes=SCRATCH), None, []),
        (
            database("mysql:8.4", {"name": "data", "mountPath": "/var/lib/mysql"}, volumes=SCRATCH),
            None,
            [f"container db: database image mysql keeps /var/lib/mysql on emptyDir volume data: {LOST}"],
        ),
        (
            database("docker.io/bitnami/redis:7.2", {"name": "data"}, volumes=SCRATCH),
            None,
            [f"container db: database image bitnami/redis keeps ? on emptyDir volume data: {LOST}"],
        ),
        (database("postgres:16"), None, [f"container db: database image postgres mounts no volume: {LOST}"]),
        (database("nginx:1.27"), None, []),
        (
            database("nginx:1.27"),
            {"images": ["nginx"]},
            [f"container db: database image nginx mounts no volume: {LOST}"],
        ),
        (database("mysql:8.4"), {"images": ["postgres"]}, []),
        # The pattern matches the image's last path part, however deep the registry nests it.
        (
            database("ghcr.io/cloudnative-pg/postgresql:16"),
            None,
            [f"container db: database image ghcr.io/cloudnative-pg/postgresql mounts no volume: {LOST}"],
        ),
        # A container without an image is image-pinned's finding, whatever the patterns match; the
        # containers after it are still judged.
        (
            pod({"name": "sidecar", "image": ""}, {"name": "db", "image": "mysql:8.4"}),
            {"images": ["*"]},
            [f"container db: database image mysql mounts no volume: {LOST}"],
        ),
        # A proxy in front does not hide the database container behind it.
        (
            pod({"name": "proxy", "image": "nginx:1.27"}, {"name": "db", "image": "mysql:8.4"}),
            None,
            [f"container db: database image mysql mounts no volume: {LOST}"],
        ),
    ],
    ids=[
        "persistent",
        "on-empty-dir",
        "no-mount-path",
        "no-volume",
        "not-a-database",
        "configured",
        "not-configured",
        "nested-registry-path",
        "no-image",
        "after-another-container",
    ],
)
def test_a_database_keeps_its_data_beyond_the_pod(
    obj: dict[str, Any], params: dict[str, Any] | None, expected: list[str]
) -> None:
    assert findings("database-on-emptydir", obj, params) == expected


def env(*entries: dict[str, Any], env_from: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return pod({"name": "app", "image": "nginx:1.27", "env": list(entries), "envFrom": env_from or []})


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (env({"name": "GREETING", "value": "hello"}), []),
        (
            env({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "mysql", "key": "password"}}}),
            ["container app: env DB_PASSWORD reads Secret mysql; mount it as a file instead"],
        ),
        (
            env({"valueFrom": {"secretKeyRef": {"key": "password"}}}),
            ["container app: env ? reads Secret ?; mount it as a file instead"],
        ),
        (
            env(env_from=[{"secretRef": {"name": "mysql"}}, {"configMapRef": {"name": "settings"}}, {"secretRef": {}}]),
            [
                "container app: envFrom imports Secret mysql whole; mount it as a file instead",
                "container app: envFrom imports Secret ? whole; mount it as a file instead",
            ],
        ),
    ],
    ids=["literal", "secret-key-ref", "unnamed", "env-from"],
)
def test_a_secret_read_into_the_environment_names_the_variable_and_the_secret(
    obj: dict[str, Any], expected: list[str]
) -> None:
    assert findings("secret-in-env", obj) == expected


def config_map(data: dict[str, str], binary: dict[str, str] | None = None) -> dict[str, Any]:
    return {**placed("ConfigMap", "lab-a", "settings"), "data": data, "binaryData": binary or {}}


NAMED = "its name says it holds a secret"
VALUED = "its value looks like a password or key"


@pytest.mark.parametrize(
    ("obj", "params", "expected"),
    [
        (config_map({"GREETING": "hello", "PASSWORD_FILE": "/run/secrets/password", "TOKEN": ""}), None, []),
        (
            config_map({"db_password": "hunter2", "redis.conf": "maxmemory 2mb\nrequirepass hunter2\n"}),
            None,
            [
                f"data key db_password is plain text in a ConfigMap but {NAMED}; put it in a Secret",
                f"data key redis.conf is plain text in a ConfigMap but {VALUED}; put it in a Secret",
            ],
        ),
        (
            config_map({}, {"tls.private_key": "AAAA", "logo.png": "AAAA"}),
            None,
            [f"binaryData key tls.private_key sits in a ConfigMap but {NAMED}"],
        ),
        (
            config_map({"db_password": "hunter2"}, {"db_password": "AAAA"}),
            {"allowNames": ["db_password"]},
            [],
        ),
        (
            env({"name": "API_KEY", "value": "abc123"}, {"name": "GREETING", "value": "password: hunter2"}),
            None,
            [
                f"container app: env API_KEY has a literal value but {NAMED}; use a Secret",
                f"container app: env GREETING has a literal value but {VALUED}; use a Secret",
            ],
        ),
        (
            env({"name": "LABEL", "value": "blue"}),
            {"namePattern": "LABEL"},
            [f"container app: env LABEL has a literal value but {NAMED}; use a Secret"],
        ),
        (
            env({"name": "TOKEN_REF", "value": "x"}),
            {"pointerPattern": "NEVER"},
            [f"container app: env TOKEN_REF has a literal value but {NAMED}; use a Secret"],
        ),
        (env({"value": "password=x"}), None, [f"container app: env ? has a literal value but {VALUED}; use a Secret"]),
    ],
    ids=["clean", "data", "binary-data", "allowed", "env", "name-pattern", "pointer-pattern", "unnamed"],
)
def test_secret_material_in_plain_text_names_the_key_and_why(
    obj: dict[str, Any], params: dict[str, Any] | None, expected: list[str]
) -> None:
    assert findings("plaintext-secret", obj, params) == expected


@pytest.mark.parametrize("key", ["namePattern", "pointerPattern", "valuePatterns"])
def test_a_pattern_that_is_no_regular_expression_is_refused_naming_the_key(key: str) -> None:
    value: Any = ["(unclosed"] if key == "valuePatterns" else "(unclosed"
    with pytest.raises(PolicyConfigError) as raised:
        load_settings({"plaintext-secret": {key: value}})
    [problem] = raised.value.problems
    assert problem.startswith(
        f"plaintext-secret.{key}: Value error, not a regular expression: missing ), unterminated subpattern"
    )
