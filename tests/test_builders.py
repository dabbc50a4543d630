"""Given lab parameters, when a builder runs, then the manifests are the ones the lab needs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from labs import envfrom, mysql, redis, secure_writer, webserver
from labs.catalog import LABS, build_lab
from labs.lab import LabKey
from tests.manifests import containers, find, pod_spec


def test_web_server_defaults_are_lab_2_2_final_values() -> None:
    pod = find(webserver.build(webserver.ProbedWebServerArgs()), "Pod", "liveness-readiness-pod")
    (server,) = containers(pod)
    assert server["name"] == "server"
    assert server["readinessProbe"] == {
        "httpGet": {"path": "/", "port": 8000},
        "initialDelaySeconds": 30,
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "failureThreshold": 4,
        "successThreshold": 1,
    }
    assert server["livenessProbe"]["exec"] == {"command": ["ls", "index.html"]}
    assert (server["livenessProbe"]["initialDelaySeconds"], server["livenessProbe"]["periodSeconds"]) == (60, 5)
    assert server["env"] == [{"name": "DELAY_START", "value": "45"}]
    assert server["command"] == ["/bin/sh"]
    assert "sleep $(DELAY_START)" in server["args"][1]
    assert server["args"][1].endswith("python -m http.server 8000")


def test_web_server_uses_python_3_not_the_seed_python_2_image() -> None:
    (server,) = containers(webserver.build(webserver.ProbedWebServerArgs())[0])
    assert server["image"].startswith("python:3.")
    assert "SimpleHTTPServer" not in server["args"][1]


def test_exercise_2_1_is_one_parameter_away() -> None:
    (server,) = containers(webserver.build(webserver.ProbedWebServerArgs(stage="exercise-2.1"))[0])
    assert server["readinessProbe"]["initialDelaySeconds"] == 5
    assert server["readinessProbe"]["failureThreshold"] == 1
    assert "livenessProbe" not in server


def test_partial_probe_override_keeps_the_stage_values() -> None:
    args = webserver.ProbedWebServerArgs.model_validate({"readinessProbe": {"periodSeconds": 3}})
    (server,) = containers(webserver.build(args)[0])
    assert server["readinessProbe"]["periodSeconds"] == 3
    assert server["readinessProbe"]["initialDelaySeconds"] == 30
    assert server["readinessProbe"]["httpGet"] == {"path": "/", "port": 8000}


def test_probe_action_can_be_switched_and_liveness_disabled() -> None:
    args = webserver.ProbedWebServerArgs.model_validate(
        {"readinessProbe": {"httpGet": None, "tcpSocket": {}}, "livenessProbe": None, "port": 9000}
    )
    (server,) = containers(webserver.build(args)[0])
    assert server["readinessProbe"]["tcpSocket"] == {"port": 9000}
    assert "httpGet" not in server["readinessProbe"]
    assert "livenessProbe" not in server


def test_a_probe_needs_exactly_one_action() -> None:
    with pytest.raises(ValidationError, match="exactly one of httpGet, tcpSocket or exec"):
        webserver.ProbedWebServerArgs.model_validate({"readinessProbe": {"tcpSocket": {}}})


def test_liveness_success_threshold_must_be_one() -> None:
    with pytest.raises(ValidationError, match=r"livenessProbe.successThreshold must be 1"):
        webserver.ProbedWebServerArgs.model_validate({"livenessProbe": {"successThreshold": 2}})


def test_security_pod_keeps_the_lab_uid_and_fs_group() -> None:
    pod = find(secure_writer.build(secure_writer.SecureWriterPodArgs()), "Pod", "security-context-pod")
    context = pod["spec"]["securityContext"]
    assert (context["runAsUser"], context["fsGroup"]) == (45, 231)
    assert pod["spec"]["volumes"] == [{"name": "simple-directory", "emptyDir": {}}]
    (writer,) = containers(pod)
    assert writer["volumeMounts"] == [{"name": "simple-directory", "mountPath": "/etc/directory"}]
    assert writer["args"] == ["-c", "while true; do date >> /etc/directory/file.txt; sleep 5; done"]


def test_security_pod_parameters_flow_into_the_spec() -> None:
    args = secure_writer.SecureWriterPodArgs(run_as_user=1001, run_as_group=3000, fs_group=2000, interval=2)
    pod = secure_writer.build(args)[0]
    context = pod["spec"]["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (1001, 3000, 2000)
    assert "sleep 2;" in containers(pod)[0]["args"][1]


def test_redis_config_map_and_pod_match_lab_2_4() -> None:
    manifests = redis.build(redis.RedisWithConfigMapArgs())
    config_map = find(manifests, "ConfigMap", "redis-config")
    assert config_map["data"] == {"redis-config": "maxmemory 2mb\nmaxmemory-policy allkeys-lru\n"}
    pod = find(manifests, "Pod", "redis")
    (server,) = containers(pod)
    assert server["image"].startswith("redis:") and "kubernetes/redis" not in server["image"]
    assert server["ports"] == [{"name": "redis", "containerPort": 6379}]
    assert server["resources"]["limits"]["cpu"] == "0.1"
    assert server["command"] == ["redis-server"] and server["args"][0] == "/redis-master/redis.conf"
    mounts = {mount["name"]: mount["mountPath"] for mount in server["volumeMounts"]}
    assert mounts == {"data": "/redis-master-data", "config": "/redis-master"}
    config_volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "config")
    assert config_volume["configMap"] == {
        "name": "redis-config",
        "items": [{"key": "redis-config", "path": "redis.conf"}],
    }


def _pod_spec_of(settings: dict[str, Any]) -> dict[str, Any]:
    args = redis.RedisWithConfigMapArgs.model_validate({"config": settings})
    return pod_spec(find(redis.build(args), "Pod"))


def test_a_new_redis_config_changes_the_pod_spec_so_the_pod_is_replaced() -> None:
    two = _pod_spec_of({"maxmemory": "2mb"})
    four = _pod_spec_of({"maxmemory": "4mb"})
    assert two != four, "Redis reads redis.conf only at start: the pod must change with the file"
    assert _pod_spec_of({"maxmemory": "2mb"}) == two


@pytest.mark.parametrize("size", ["2xb", "-1mb", "2 mb", "1tb", ""])
def test_redis_rejects_sizes_it_would_not_parse(size: str) -> None:
    with pytest.raises(ValidationError, match="maxmemory"):
        redis.RedisWithConfigMapArgs.model_validate({"config": {"maxmemory": size}})


def test_redis_rejects_an_unknown_policy_and_lists_the_allowed_ones() -> None:
    with pytest.raises(ValidationError, match="allkeys-lru") as error:
        redis.RedisWithConfigMapArgs.model_validate({"config": {"maxmemoryPolicy": "lru"}})
    assert "maxmemoryPolicy" in str(error.value)


def test_mysql_matches_lab_2_5() -> None:
    manifests = mysql.build(mysql.MysqlWithSecretArgs(), "s3cret-for-test")
    secret = find(manifests, "Secret", "mysql-password")
    assert secret["stringData"] == {"password": "s3cret-for-test"}
    service = find(manifests, "Service", "mysql")
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"] == {"app": "mysql"}
    assert [port["port"] for port in service["spec"]["ports"]] == [3306]
    deployment = find(manifests, "Deployment", "mysql")
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "mysql"}}
    assert deployment["spec"]["template"]["metadata"]["labels"]["app"] == "mysql"
    (server,) = containers(deployment)
    assert server["env"] == [
        {"name": "MYSQL_ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "mysql-password", "key": "password"}}}
    ]
    assert not server["image"].startswith("mysql:5")
    volume = pod_spec(deployment)["volumes"][0]
    assert volume == {"name": "mysql-persistent-storage", "emptyDir": {}}


def test_mysql_existing_secret_creates_no_secret_and_needs_no_password() -> None:
    manifests = mysql.build(mysql.MysqlWithSecretArgs(existing_secret=True))
    assert [m["kind"] for m in manifests] == ["Service", "Deployment"]
    annotations = manifests[1]["metadata"]["annotations"]
    assert "kubectl create secret generic mysql-password" in annotations["exempt.k8s-labs.dev/secret-ref-resolves"]
    created = mysql.build(mysql.MysqlWithSecretArgs(), "pw")
    assert "exempt.k8s-labs.dev/secret-ref-resolves" not in find(created, "Deployment")["metadata"]["annotations"]


def test_mysql_without_password_or_existing_secret_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^a password is needed unless existingSecret is true$"):
        mysql.build(mysql.MysqlWithSecretArgs())


SECRET_IN_ENV = "Lab 2.5 teaches reading a Secret through secretKeyRef into MYSQL_ROOT_PASSWORD"


@pytest.mark.parametrize(
    ("params", "password", "reasons"),
    [
        (
            {},
            "pw",
            {
                "database-on-emptydir": "the seed's Lab 2.5 keeps its data on emptyDir; "
                "storage.type=persistentVolumeClaim keeps it",
                "secret-in-env": SECRET_IN_ENV,
            },
        ),
        ({"storage": {"type": "persistentVolumeClaim"}}, "pw", {"secret-in-env": SECRET_IN_ENV}),
        (
            {"existingSecret": True, "secretName": "db-root", "storage": {"type": "persistentVolumeClaim"}},
            None,
            {
                "secret-in-env": SECRET_IN_ENV,
                "secret-ref-resolves": "created by hand: kubectl create secret generic db-root "
                "--from-literal=password=...",
            },
        ),
    ],
)
def test_mysql_tells_the_policy_which_rules_the_lab_breaks_on_purpose_and_why(
    params: dict[str, Any], password: str | None, reasons: dict[str, str]
) -> None:
    # The policy report and `kubectl describe deployment` show these reasons to the instructor.
    deployment = find(mysql.build(mysql.MysqlWithSecretArgs.model_validate(params), password), "Deployment")
    assert deployment["metadata"]["annotations"] == {
        "exempt.k8s-labs.dev/" + rule: reason for rule, reason in reasons.items()
    }


def test_mysql_on_a_claim_recreates_instead_of_rolling() -> None:
    args = mysql.MysqlWithSecretArgs.model_validate(
        {"storage": {"type": "persistentVolumeClaim", "size": "5Gi", "storageClassName": "standard"}}
    )
    manifests = mysql.build(args, "pw")
    claim = find(manifests, "PersistentVolumeClaim", "mysql-data")
    assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert claim["spec"]["storageClassName"] == "standard"
    deployment = find(manifests, "Deployment", "mysql")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert pod_spec(deployment)["volumes"][0]["persistentVolumeClaim"] == {"claimName": "mysql-data"}


def test_redis_tells_the_policy_its_data_on_emptydir_is_a_cache_on_purpose() -> None:
    pod = find(redis.build(redis.RedisWithConfigMapArgs()), "Pod")
    assert pod["metadata"]["annotations"] == {
        "exempt.k8s-labs.dev/database-on-emptydir": "Lab 2.4 runs Redis as a cache: its data may vanish on restart"
    }


def test_env_from_pod_uses_a_valid_config_map_ref_and_creates_the_config_map() -> None:
    manifests = envfrom.build(envfrom.ConfigMapEnvPodArgs(data={"COLOR": "blue"}))
    config_map = find(manifests, "ConfigMap", "example-configmap")
    assert config_map["data"] == {"COLOR": "blue"}
    (container,) = containers(find(manifests, "Pod", "pod-env-var"))
    assert container["name"] == "env-var-configmap"
    assert container["envFrom"] == [{"configMapRef": {"name": "example-configmap", "optional": False}}]


def test_env_from_rejects_keys_that_are_not_variable_names() -> None:
    with pytest.raises(ValidationError, match=r"\['1ST', 'my-key'\]"):
        envfrom.ConfigMapEnvPodArgs(data={"GOOD": "x", "my-key": "y", "1ST": "z"})


@pytest.mark.parametrize("key", LABS)
def test_every_lab_pod_is_restricted_by_default(key: LabKey) -> None:
    args = LABS[key].args_type()
    for manifest in build_lab(key, args, "pw"):
        if manifest["kind"] not in ("Pod", "Deployment"):
            continue
        spec = pod_spec(manifest)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] > 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
            for part in ("requests", "limits"):
                assert set(container["resources"][part]) == {"cpu", "memory"}


@pytest.mark.parametrize("key", LABS)
def test_every_image_is_pinned_to_a_release_tag(key: LabKey) -> None:
    image: str = LABS[key].args_type().image  # type: ignore[attr-defined]
    name, _, tag = image.rpartition(":")
    assert name and tag and tag != "latest"


@pytest.mark.parametrize(
    ("key", "object_names"),
    [
        ("probedWebServer", {("Pod", "liveness-readiness-pod")}),
        ("secureWriterPod", {("Pod", "security-context-pod")}),
        ("redisWithConfigMap", {("Pod", "redis"), ("ConfigMap", "redis-config")}),
        ("mysqlWithSecret", {("Secret", "mysql-password"), ("Service", "mysql"), ("Deployment", "mysql")}),
        ("configMapEnvPod", {("Pod", "pod-env-var"), ("ConfigMap", "example-configmap")}),
    ],
)
def test_objects_carry_the_seed_names(key: LabKey, object_names: set[tuple[str, str]]) -> None:
    manifests = build_lab(key, LABS[key].args_type(), "pw")
    assert {(m["kind"], m["metadata"]["name"]) for m in manifests} == object_names


@pytest.mark.parametrize("key", LABS)
def test_names_and_namespace_can_be_overridden(key: LabKey) -> None:
    args = LABS[key].args_type.model_validate({"name": "renamed", "namespace": "class-a"})
    manifests = build_lab(key, args, "pw")
    assert all(m["metadata"]["namespace"] == "class-a" for m in manifests)
    assert "renamed" in {m["metadata"]["name"] for m in manifests}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"name": "Bad_Name"}, "DNS-1123"),
        ({"image": "python"}, "pinned"),
        ({"image": "python:latest"}, "latest"),
        ({"resources": {"cpuRequest": "2", "cpuLimit": "1"}}, "above cpuLimit"),
        ({"resources": {"memoryLimit": "lots"}}, "not a Kubernetes quantity"),
        ({"unknownKey": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_args_are_rejected_with_a_clear_message(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        webserver.ProbedWebServerArgs.model_validate(data)


def id_fields(key: LabKey) -> set[str]:
    aliases = {info.alias for info in LABS[key].args_type.model_fields.values()}
    return {"runAsUser", "fsGroup"} & aliases


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        (key, field, value)
        for key in LABS
        for field, value in [("runAsUser", 2**31), ("runAsUser", 0), ("fsGroup", 2**31), ("fsGroup", -1)]
        if field in id_fields(key)
    ],
)
def test_ids_outside_what_kubernetes_accepts_are_refused(key: LabKey, field: str, value: int) -> None:
    with pytest.raises(ValidationError, match=field):
        LABS[key].args_type.model_validate({field: value})


@pytest.mark.parametrize("key", LABS)
def test_the_largest_id_kubernetes_accepts_is_taken(key: LabKey) -> None:
    args = LABS[key].args_type.model_validate(dict.fromkeys(id_fields(key), 2**31 - 1))
    (pod,) = [m for m in build_lab(key, args, "pw") if m["kind"] in ("Pod", "Deployment")]
    assert pod_spec(pod)["securityContext"]["runAsUser"] == 2**31 - 1


def test_a_mysql_port_other_than_3306_is_passed_to_mysqld() -> None:
    # The official image's entrypoint runs `mysqld "$@"` when the first argument starts with `-`;
    # without --port, mysqld stays on 3306 while the probes and the Service look at the new port.
    def container(port: int) -> dict[str, Any]:
        [deployment] = [m for m in mysql.build(mysql.MysqlWithSecretArgs(port=port), "pw") if m["kind"] == "Deployment"]
        found: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
        return found

    assert container(3307)["args"] == ["--port=3307"]
    assert container(3307)["ports"] == [{"name": "mysql", "containerPort": 3307}]
    assert "args" not in container(3306)
