"""Given lab args, when the components run under Pulumi mocks, then they register exactly the builders' manifests."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pulumi
import pytest

from components import ConfigMapEnvPod, MysqlWithSecret, ProbedWebServer, RedisWithConfigMap, SecureWriterPod
from components.catalog import COMPONENTS
from labs import envfrom, mysql, redis, secure_writer, webserver
from labs.catalog import LABS
from tests.harness import GENERATED_PASSWORD, RANDOM_PASSWORD, Run, run_program
from tests.manifests import is_secret, plain

K8S_TYPES = {
    "Pod": "kubernetes:core/v1:Pod",
    "ConfigMap": "kubernetes:core/v1:ConfigMap",
    "Secret": "kubernetes:core/v1:Secret",
    "Service": "kubernetes:core/v1:Service",
    "Deployment": "kubernetes:apps/v1:Deployment",
    "PersistentVolumeClaim": "kubernetes:core/v1:PersistentVolumeClaim",
}


def recorded(run: Run) -> list[dict[str, Any]]:
    """Kubernetes inputs as the engine got them, by kind and name: an object whose inputs wait on another
    output (the MySQL password) reaches the engine after objects that come later in the builder's list."""
    return by_object([plain(registration.inputs) for registration in run.kubernetes()])


def by_object(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(manifests, key=lambda m: (m["kind"], m["metadata"]["name"]))


def assert_registers_exactly(run: Run, expected: list[dict[str, Any]], component_type: str) -> None:
    assert recorded(run) == by_object(expected)
    (component,) = run.of_type(component_type)
    for registration in run.kubernetes():
        assert registration.parent == component.urn
        assert registration.type == K8S_TYPES[registration.inputs["kind"]]


@pytest.mark.parametrize(
    ("component", "args", "build"),
    [
        (ProbedWebServer, webserver.ProbedWebServerArgs(namespace="ns"), webserver.build),
        (ProbedWebServer, webserver.ProbedWebServerArgs(stage="exercise-2.1", delay_start=10), webserver.build),
        (SecureWriterPod, secure_writer.SecureWriterPodArgs(namespace="ns", run_as_user=7), secure_writer.build),
        (RedisWithConfigMap, redis.RedisWithConfigMapArgs(namespace="ns"), redis.build),
        (ConfigMapEnvPod, envfrom.ConfigMapEnvPodArgs(namespace="ns", data={"A": "1"}), envfrom.build),
    ],
)
def test_lab_component_registers_its_builder_output(component: Any, args: Any, build: Any) -> None:
    run = run_program(lambda: component("alice", args))
    assert_registers_exactly(run, build(args), f"k8s-labs:index:{component.__name__}")


def test_mysql_component_generates_a_password_and_keeps_it_secret() -> None:
    args = mysql.MysqlWithSecretArgs(namespace="ns")
    run = run_program(lambda: MysqlWithSecret("alice", args))
    (generator,) = run.of_type(RANDOM_PASSWORD)
    assert generator.inputs["special"] is False and generator.inputs["length"] >= 16
    assert_registers_exactly(run, mysql.build(args, GENERATED_PASSWORD), "k8s-labs:index:MysqlWithSecret")
    (secret,) = [r for r in run.kubernetes() if r.inputs["kind"] == "Secret"]
    assert is_secret(secret.inputs["stringData"]) or is_secret(secret.inputs["stringData"]["password"])


def test_mysql_component_uses_a_given_password_without_generating_one() -> None:
    args = mysql.MysqlWithSecretArgs(namespace="ns")
    run = run_program(lambda: MysqlWithSecret("alice", args, root_password=pulumi.Output.secret("given-pw")))
    assert run.of_type(RANDOM_PASSWORD) == []
    assert recorded(run) == by_object(mysql.build(args, "given-pw"))


def test_mysql_existing_secret_registers_no_secret_and_no_generator() -> None:
    args = mysql.MysqlWithSecretArgs(namespace="ns", existing_secret=True)
    run = run_program(lambda: MysqlWithSecret("alice", args))
    assert run.of_type(RANDOM_PASSWORD) == []
    assert [r.inputs["kind"] for r in run.kubernetes()] == ["Service", "Deployment"]


def test_mysql_claim_is_protected_and_the_deployment_waits_for_it() -> None:
    args = mysql.MysqlWithSecretArgs.model_validate({"namespace": "ns", "storage": {"type": "persistentVolumeClaim"}})
    run = run_program(lambda: MysqlWithSecret("alice", args))
    by_kind = {r.inputs["kind"]: r for r in run.kubernetes()}
    assert by_kind["PersistentVolumeClaim"].protect is True
    assert by_kind["Deployment"].protect is False
    assert by_kind["PersistentVolumeClaim"].urn in by_kind["Deployment"].dependencies
    assert by_kind["Secret"].urn in by_kind["Deployment"].dependencies


def test_pods_wait_for_the_config_maps_they_read() -> None:
    run = run_program(lambda: RedisWithConfigMap("alice", redis.RedisWithConfigMapArgs(namespace="ns")))
    by_kind = {r.inputs["kind"]: r for r in run.kubernetes()}
    assert by_kind["ConfigMap"].urn in by_kind["Pod"].dependencies


# Output key of a lab component -> kind of the object it names.
NAMED_KINDS = {
    "podName": "Pod",
    "configMapName": "ConfigMap",
    "serviceName": "Service",
    "deploymentName": "Deployment",
    "secretName": "Secret",
}


def test_component_outputs_name_objects_the_component_registered() -> None:
    def program() -> None:
        for key, lab in LABS.items():
            COMPONENTS[key]("alice", lab.args_type.model_validate({"namespace": "ns"}), pulumi.ResourceOptions(), None)

    run = run_program(program)
    components = [r for r in run.registrations if r.type.startswith("k8s-labs:index:")]
    assert len(components) == len(LABS)
    for component in components:
        children = {
            (r.inputs["kind"], r.inputs["metadata"]["name"]) for r in run.kubernetes() if r.parent == component.urn
        }
        named = {key: value for key, value in run.component_outputs[component.urn].items() if key in NAMED_KINDS}
        assert named, component.type
        for key, value in named.items():
            assert (NAMED_KINDS[key], value) in children, (component.type, key, value)


def test_two_environments_of_every_lab_never_share_a_urn() -> None:
    def program() -> None:
        for student in ("alice", "bob"):
            for key, lab in LABS.items():
                args = lab.args_type.model_validate({"namespace": f"lab-{student}"})
                COMPONENTS[key](student, args, pulumi.ResourceOptions(), None)

    urns = Counter(r.urn for r in run_program(program).registrations)
    assert [urn for urn, count in urns.items() if count > 1] == []


def test_each_component_hands_out_its_objects_typed() -> None:
    """The attributes are the registered objects themselves, so a caller reads their outputs without a cast."""

    def program() -> Any:
        web = ProbedWebServer("alice", webserver.ProbedWebServerArgs(namespace="ns"))
        writer = SecureWriterPod("alice", secure_writer.SecureWriterPodArgs(namespace="ns"))
        cache = RedisWithConfigMap("alice", redis.RedisWithConfigMapArgs(namespace="ns"))
        db = MysqlWithSecret("alice", mysql.MysqlWithSecretArgs(namespace="ns"))
        env = ConfigMapEnvPod("alice", envfrom.ConfigMapEnvPodArgs(namespace="ns"))
        hand_made = MysqlWithSecret("bob", mysql.MysqlWithSecretArgs(namespace="ns", existing_secret=True))
        assert hand_made.secret is None
        typed = {
            "web.pod": web.pod,
            "writer.pod": writer.pod,
            "cache.pod": cache.pod,
            "cache.config_map": cache.config_map,
            "db.deployment": db.deployment,
            "db.service": db.service,
            "db.secret": db.secret,
            "env.pod": env.pod,
            "env.config_map": env.config_map,
        }
        return pulumi.Output.all(**{key: resource.urn for key, resource in typed.items() if resource is not None})

    run = run_program(program)
    named = {key: run.by_urn(urn).inputs for key, urn in run.outputs["value"].items()}
    assert {key: (inputs["kind"], inputs["metadata"]["name"]) for key, inputs in named.items()} == {
        "web.pod": ("Pod", "liveness-readiness-pod"),
        "writer.pod": ("Pod", "security-context-pod"),
        "cache.pod": ("Pod", "redis"),
        "cache.config_map": ("ConfigMap", "redis-config"),
        "db.deployment": ("Deployment", "mysql"),
        "db.service": ("Service", "mysql"),
        "db.secret": ("Secret", "mysql-password"),
        "env.pod": ("Pod", "pod-env-var"),
        "env.config_map": ("ConfigMap", "example-configmap"),
    }
