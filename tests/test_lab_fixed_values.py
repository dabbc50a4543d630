"""Given each lab at its defaults, when it is built through the catalogue, then every fixed value is the lab's.

The expected values come from the lab text (seed/advanced-pod-api-features.md), its errata and the
domain facts of DESIGN.md, never from a run of the builders:
- Kubernetes' probe defaults: periodSeconds 10, timeoutSeconds 1, failureThreshold 3, successThreshold 1;
- the official redis and mysql images run as UID 999 (runAsUser 999, fsGroup 999);
- nginx-unprivileged runs as its nginx user, UID 101, and listens on 8080;
- Lab 2.3 writes `date` to /etc/directory/file.txt on the emptyDir simple-directory, as 45:231.
Probe timings the lab text does not give are the project's own choices; each is written here once,
next to the reason for it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from labs.catalog import LABS, build_lab
from labs.lab import LabKey
from tests.manifests import containers, find, pod_spec

PASSWORD = "only-for-this-test"
# What every lab pod asks of its container, whatever the lab (secure by default).
CONTAINER_SECURITY = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def build(key: LabKey, **params: Any) -> list[dict[str, Any]]:
    """The lab's manifests for stack-config `params` (camelCase), through the lab catalogue."""
    args = LABS[key].args_type.model_validate(params)
    return build_lab(key, args, PASSWORD)


def probe(
    action: dict[str, Any], delay: int = 0, period: int = 10, timeout: int = 1, failures: int = 3
) -> dict[str, Any]:
    """A probe as the API server stores it: the action plus all five timing fields (Kubernetes' defaults)."""
    return {
        **action,
        "initialDelaySeconds": delay,
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
        "successThreshold": 1,
    }


def pod_security(uid: int, fs_group: int | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": uid}
    if fs_group is not None:
        context["fsGroup"] = fs_group
    return {**context, "seccompProfile": {"type": "RuntimeDefault"}}


# --- Exercise 2.1 / Lab 2.2: the probed web server -------------------------------------------


def web_server(**params: Any) -> dict[str, Any]:
    (server,) = containers(find(build("probedWebServer", **params), "Pod", "liveness-readiness-pod"))
    return server


def test_lab_2_2_probes_are_the_lab_text_values_over_kubernetes_defaults() -> None:
    server = web_server()
    # "After thirty seconds, check for a 200 response on localhost:8000/ and check four times".
    assert server["readinessProbe"] == probe({"httpGet": {"path": "/", "port": 8000}}, delay=30, failures=4)
    # "After sixty seconds ... Wait five seconds before repeating the check", by `ls index.html`.
    assert server["livenessProbe"] == probe({"exec": {"command": ["ls", "index.html"]}}, delay=60, period=5)
    assert "startupProbe" not in server


def test_exercise_2_1_has_only_the_first_readiness_probe() -> None:
    server = web_server(stage="exercise-2.1")
    # "after five seconds, and only looks for one failure".
    assert server["readinessProbe"] == probe({"httpGet": {"path": "/", "port": 8000}}, delay=5, failures=1)
    assert "livenessProbe" not in server
    assert "startupProbe" not in server


def test_web_server_runs_the_lab_command_with_python_3() -> None:
    server = web_server()
    assert server["command"] == ["/bin/sh"]
    # The lab text's args, with the errata's Python 3 server on the probed port.
    assert server["args"] == [
        "-c",
        "echo 'Sleeping...'; sleep $(DELAY_START); echo 'Starting server...'; python -m http.server 8000",
    ]
    assert server["env"] == [{"name": "DELAY_START", "value": "45"}]
    assert server["ports"] == [{"name": "http", "containerPort": 8000}]
    # http.server serves its working directory, which is also where `ls index.html` looks.
    assert server["workingDir"] == "/tmp"
    assert server["securityContext"] == CONTAINER_SECURITY


SERVE = ["python", "-m", "http.server", "8000"]


@pytest.mark.parametrize(
    ("params", "command", "args"),
    [
        # A command alone runs without the image's CMD: Kubernetes drops the default args with the entrypoint.
        ({"command": SERVE}, SERVE, []),
        # Args alone replace the image's CMD (python:3 images have no ENTRYPOINT, so they run as given).
        ({"args": SERVE}, [], SERVE),
        (
            {"command": ["/bin/sh", "-c"], "args": ["exec python -m http.server 8000"]},
            ["/bin/sh", "-c"],
            ["exec python -m http.server 8000"],
        ),
    ],
)
def test_a_command_or_args_of_the_users_replace_the_lab_script_and_nothing_else(
    params: dict[str, Any], command: list[str], args: list[str]
) -> None:
    server = web_server(**params)
    # An empty command or args is Kubernetes' "not set": the image's own takes its place.
    assert (server["command"], server["args"]) == (command, args)


def test_web_server_pod_runs_as_a_non_root_user() -> None:
    spec = pod_spec(find(build("probedWebServer"), "Pod"))
    assert spec["securityContext"] == pod_security(1000)
    assert spec["automountServiceAccountToken"] is False


def test_the_web_server_port_moves_the_server_and_its_probe_together() -> None:
    server = web_server(port=9000)
    assert server["readinessProbe"]["httpGet"] == {"path": "/", "port": 9000}
    assert server["ports"] == [{"name": "http", "containerPort": 9000}]
    assert server["args"][1].endswith("python -m http.server 9000")


def test_a_probe_given_in_full_is_kept_as_given() -> None:
    server = web_server(
        livenessProbe={
            "httpGet": {"path": "/healthz", "port": 8080},
            "exec": None,
            "initialDelaySeconds": 7,
            "periodSeconds": 3,
            "timeoutSeconds": 2,
            "failureThreshold": 6,
        },
        startupProbe={"tcpSocket": {}, "periodSeconds": 2, "failureThreshold": 40},
    )
    assert server["livenessProbe"] == probe(
        {"httpGet": {"path": "/healthz", "port": 8080}}, delay=7, period=3, timeout=2, failures=6
    )
    # A tcpSocket probe without a port connects to the server's port.
    assert server["startupProbe"] == probe({"tcpSocket": {"port": 8000}}, period=2, failures=40)


def test_the_grace_period_is_written_only_when_set() -> None:
    assert "terminationGracePeriodSeconds" not in pod_spec(find(build("probedWebServer"), "Pod"))
    assert (
        pod_spec(find(build("probedWebServer", terminationGracePeriodSeconds=0), "Pod"))[
            "terminationGracePeriodSeconds"
        ]
        == 0
    )


# --- Lab 2.3: the secure writer ----------------------------------------------------------------

WRITES_TO = re.compile(r"date >> (?P<path>\S+);")


def writer_pod(**params: Any) -> dict[str, Any]:
    return find(build("secureWriterPod", **params), "Pod")


def test_lab_2_3_pod_is_the_lab_text_pod() -> None:
    pod = writer_pod()
    spec = pod_spec(pod)
    assert pod["metadata"]["name"] == "security-context-pod"
    # runAsUser 45 and fsGroup 231 (the Testing step's `ls -l` shows 45 231; "213" is an erratum).
    assert spec["securityContext"] == pod_security(45, fs_group=231)
    assert spec["volumes"] == [{"name": "simple-directory", "emptyDir": {}}]
    (writer,) = containers(pod)
    assert writer["name"] == "example-container"
    assert writer["command"] == ["/bin/sh"]
    assert writer["args"] == ["-c", "while true; do date >> /etc/directory/file.txt; sleep 5; done"]
    assert writer["volumeMounts"] == [{"name": "simple-directory", "mountPath": "/etc/directory"}]
    assert writer["securityContext"] == CONTAINER_SECURITY


def test_the_writer_is_alive_while_the_file_it_writes_has_content() -> None:
    (writer,) = containers(writer_pod())
    # The first line lands within one 5 s interval; the first check comes 5 s after that.
    assert writer["livenessProbe"] == probe(
        {"exec": {"command": ["test", "-s", "/etc/directory/file.txt"]}}, delay=10, period=10
    )


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"mountPath": "/data/out", "fileName": "log.txt"}, "/data/out/log.txt"),
        ({"mountPath": "/data/out/", "fileName": "log.txt", "volumeName": "scratch"}, "/data/out/log.txt"),
        ({"fileName": "dates"}, "/etc/directory/dates"),
    ],
)
def test_the_liveness_check_reads_the_file_the_writer_writes_on_its_volume(params: dict[str, Any], path: str) -> None:
    pod = writer_pod(**params)
    (writer,) = containers(pod)
    written = WRITES_TO.search(writer["args"][1])
    assert written is not None and written["path"] == path
    assert writer["livenessProbe"]["exec"] == {"command": ["test", "-s", path]}
    (mount,) = writer["volumeMounts"]
    assert path.startswith(mount["mountPath"].rstrip("/") + "/")
    assert pod_spec(pod)["volumes"] == [{"name": mount["name"], "emptyDir": {}}]
    assert mount["name"] == params.get("volumeName", "simple-directory")


@pytest.mark.parametrize(("interval", "delay", "period"), [(1, 6, 10), (5, 10, 10), (30, 35, 30)])
def test_the_first_liveness_check_waits_for_the_first_line(interval: int, delay: int, period: int) -> None:
    """One interval plus 5 s before the first check; never checking more often than every 10 s or every line."""
    (writer,) = containers(writer_pod(interval=interval))
    assert f"sleep {interval}; done" in writer["args"][1]
    assert writer["livenessProbe"] == probe(
        {"exec": {"command": ["test", "-s", "/etc/directory/file.txt"]}}, delay=delay, period=period
    )


def test_a_run_as_group_is_written_only_when_given() -> None:
    assert "runAsGroup" not in pod_spec(writer_pod())["securityContext"]
    context = pod_spec(writer_pod(runAsUser=1001, runAsGroup=3000, fsGroup=2000))["securityContext"]
    assert context == {
        "runAsNonRoot": True,
        "runAsUser": 1001,
        "runAsGroup": 3000,
        "fsGroup": 2000,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


# --- Lab 2.4: Redis from a ConfigMap -----------------------------------------------------------


def test_redis_runs_as_the_official_image_user() -> None:
    spec = pod_spec(find(build("redisWithConfigMap"), "Pod", "redis"))
    assert spec["securityContext"] == pod_security(999, fs_group=999)
    assert spec["automountServiceAccountToken"] is False


def test_redis_probes_ask_redis_itself_on_the_lab_port() -> None:
    (server,) = containers(find(build("redisWithConfigMap"), "Pod", "redis"))
    # Ready when redis-cli gets PONG; alive while the port accepts connections.
    assert server["readinessProbe"] == probe(
        {"exec": {"command": ["redis-cli", "-p", "6379", "ping"]}}, delay=2, period=5, timeout=2
    )
    assert server["livenessProbe"] == probe({"tcpSocket": {"port": 6379}}, delay=10, timeout=2)
    assert "startupProbe" not in server


def test_redis_reads_the_lab_config_file_and_keeps_data_on_its_volume() -> None:
    manifests = build("redisWithConfigMap")
    config_map = find(manifests, "ConfigMap", "redis-config")
    pod = find(manifests, "Pod", "redis")
    (server,) = containers(pod)
    assert server["name"] == "redis"
    assert server["command"] == ["redis-server"]
    # /redis-master/redis.conf "is where the image looks for the redis config file for the master".
    assert server["args"] == ["/redis-master/redis.conf", "--dir", "/redis-master-data", "--port", "6379"]
    assert server["ports"] == [{"name": "redis", "containerPort": 6379}]
    assert server["volumeMounts"] == [
        {"name": "data", "mountPath": "/redis-master-data"},
        {"name": "config", "mountPath": "/redis-master"},
    ]
    assert pod_spec(pod)["volumes"] == [
        {"name": "data", "emptyDir": {}},
        {
            "name": "config",
            "configMap": {"name": "redis-config", "items": [{"key": "redis-config", "path": "redis.conf"}]},
        },
    ]
    # MASTER from the lab text; the checksum of the file Redis reads, so a new file replaces the pod.
    file_digest = hashlib.sha256(config_map["data"]["redis-config"].encode()).hexdigest()
    assert server["env"] == [
        {"name": "MASTER", "value": "true"},
        {"name": "REDIS_CONFIG_SHA256", "value": file_digest},
    ]
    assert server["securityContext"] == CONTAINER_SECURITY


def test_redis_port_and_user_move_everything_that_names_them() -> None:
    pod = find(build("redisWithConfigMap", port=6380, runAsUser=1001, fsGroup=2001), "Pod")
    (server,) = containers(pod)
    assert server["args"][-2:] == ["--port", "6380"]
    assert server["ports"] == [{"name": "redis", "containerPort": 6380}]
    assert server["readinessProbe"]["exec"] == {"command": ["redis-cli", "-p", "6380", "ping"]}
    assert server["livenessProbe"]["tcpSocket"] == {"port": 6380}
    assert pod_spec(pod)["securityContext"] == pod_security(1001, fs_group=2001)


# --- Lab 2.5: MySQL with a Secret --------------------------------------------------------------


def mysql_server(**params: Any) -> dict[str, Any]:
    (server,) = containers(find(build("mysqlWithSecret", **params), "Deployment", "mysql"))
    return server


def test_mysql_runs_as_the_official_image_user() -> None:
    spec = pod_spec(find(build("mysqlWithSecret"), "Deployment", "mysql"))
    assert spec["securityContext"] == pod_security(999, fs_group=999)
    assert spec["automountServiceAccountToken"] is False


def test_mysql_probes_reach_mysqld_on_the_lab_port() -> None:
    server = mysql_server()
    # The first start initialises the data directory: up to 30 x 5 s = 150 s before the others begin.
    assert server["startupProbe"] == probe({"tcpSocket": {"port": 3306}}, period=5, timeout=5, failures=30)
    assert server["readinessProbe"] == probe({"tcpSocket": {"port": 3306}}, timeout=5)
    # mysqladmin ping answers without a password whenever mysqld is up, over TCP to the lab port.
    assert server["livenessProbe"] == probe(
        {"exec": {"command": ["mysqladmin", "ping", "-h", "127.0.0.1", "-P", "3306"]}}, timeout=5
    )


def test_mysql_keeps_the_lab_port_volume_and_service() -> None:
    manifests = build("mysqlWithSecret")
    server = mysql_server()
    assert server["name"] == "mysql"
    assert server["ports"] == [{"name": "mysql", "containerPort": 3306}]
    assert server["volumeMounts"] == [{"name": "mysql-persistent-storage", "mountPath": "/var/lib/mysql"}]
    assert server["securityContext"] == CONTAINER_SECURITY
    assert pod_spec(find(manifests, "Deployment"))["volumes"] == [{"name": "mysql-persistent-storage", "emptyDir": {}}]
    service = find(manifests, "Service", "mysql")
    assert service["spec"] == {
        "clusterIP": "None",
        "ports": [{"name": "mysql", "port": 3306, "targetPort": 3306}],
        "selector": {"app": "mysql"},
    }


def test_mysql_probes_and_service_follow_the_port_parameter() -> None:
    server = mysql_server(port=3310)
    assert server["startupProbe"]["tcpSocket"] == {"port": 3310}
    assert server["readinessProbe"]["tcpSocket"] == {"port": 3310}
    assert server["livenessProbe"]["exec"]["command"][-2:] == ["-P", "3310"]
    assert server["ports"] == [{"name": "mysql", "containerPort": 3310}]
    service = find(build("mysqlWithSecret", port=3310), "Service")
    assert service["spec"]["ports"] == [{"name": "mysql", "port": 3310, "targetPort": 3310}]


# Every object of Lab 2.5 carries the project's labels with the lab's name.
MYSQL_LABELS = {"app.kubernetes.io/part-of": "k8s-labs", "k8s-labs.dev/lab": "mysql-with-secret"}


def test_mysql_secret_is_the_generic_secret_the_lab_text_creates() -> None:
    # `kubectl create secret generic mysql-password --from-literal=password=...` gives `Type: Opaque`.
    secret = find(build("mysqlWithSecret", namespace="lab-ada"), "Secret")
    assert secret == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "mysql-password", "namespace": "lab-ada", "labels": MYSQL_LABELS},
        "type": "Opaque",
        "stringData": {"password": PASSWORD},
    }


def test_mysql_pods_carry_the_labs_labels_and_the_app_label_the_service_selects() -> None:
    deployment = find(build("mysqlWithSecret", namespace="lab-ada", appLabel="db"), "Deployment")
    assert deployment["metadata"]["labels"] == MYSQL_LABELS
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "db"}}
    # A pod template carries labels only: its pods get their names and namespace from the Deployment.
    assert deployment["spec"]["template"]["metadata"] == {"labels": {**MYSQL_LABELS, "app": "db"}}


@pytest.mark.parametrize(
    ("storage", "claim_spec"),
    [
        (
            {"type": "persistentVolumeClaim"},
            {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        ),
        (
            {"type": "persistentVolumeClaim", "claimName": "db-data", "size": "5Gi", "storageClassName": "standard"},
            {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "5Gi"}},
                "storageClassName": "standard",
            },
        ),
    ],
)
def test_mysql_on_a_claim_mounts_one_read_write_once_volume_in_the_labs_namespace(
    storage: dict[str, str], claim_spec: dict[str, Any]
) -> None:
    # One mysqld on one node writes the data directory: ReadWriteOnce is the mode every storage class offers.
    manifests = build("mysqlWithSecret", namespace="lab-ada", storage=storage)
    claim_name = storage.get("claimName", "mysql-data")
    assert find(manifests, "PersistentVolumeClaim") == {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": claim_name,
            "namespace": "lab-ada",
            "labels": MYSQL_LABELS,
            # The official image's mysql user owns the files: a later change is refused at the claim.
            "annotations": {"k8s-labs.dev/data-owner": "runAsUser=999,fsGroup=999"},
        },
        "spec": claim_spec,
    }
    # The lab text's volume name, now on the claim, where the server's volumeMount finds it.
    assert pod_spec(find(manifests, "Deployment"))["volumes"] == [
        {"name": "mysql-persistent-storage", "persistentVolumeClaim": {"claimName": claim_name}}
    ]
    assert mysql_server(storage=storage)["volumeMounts"] == [
        {"name": "mysql-persistent-storage", "mountPath": "/var/lib/mysql"}
    ]


# --- The envFrom pod ---------------------------------------------------------------------------


def env_pod(**params: Any) -> dict[str, Any]:
    return find(build("configMapEnvPod", **params), "Pod", params.get("name", "pod-env-var"))


def test_env_from_pod_runs_as_the_nginx_user_of_the_unprivileged_image() -> None:
    spec = pod_spec(env_pod())
    assert spec["securityContext"] == pod_security(101)
    assert spec["automountServiceAccountToken"] is False


def test_env_from_probes_ask_nginx_on_its_unprivileged_port() -> None:
    (container,) = containers(env_pod())
    assert container["readinessProbe"] == probe({"httpGet": {"path": "/", "port": 8080}}, delay=2)
    assert container["livenessProbe"] == probe({"tcpSocket": {"port": 8080}}, delay=5)
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    assert container["securityContext"] == CONTAINER_SECURITY


def test_env_from_names_the_config_map_under_config_map_ref() -> None:
    """The lab text's `name:` beside `configMapRef:` is invalid; the name belongs under it, and it must exist."""
    (container,) = containers(env_pod())
    assert container["name"] == "env-var-configmap"
    assert container["envFrom"] == [{"configMapRef": {"name": "example-configmap", "optional": False}}]
    (prefixed,) = containers(env_pod(prefix="LAB_"))
    assert prefixed["envFrom"] == [{"configMapRef": {"name": "example-configmap", "optional": False}, "prefix": "LAB_"}]
