"""The component package: its schema as Pulumi reads it, and Construct against the Python components."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.errors import InputPropertiesError
from pulumi.runtime import rpc
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from component_package import generate
from component_package.host import provider
from components import Classroom, ClassroomArgs, MysqlWithSecret, StudentEnvironment
from config import ConfigError, load
from labs.catalog import LABS
from labs.mysql import MysqlWithSecretArgs
from tests.harness import LabMocks, RecordingMonitor, Registration, Run, run_program

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "k8s-labs:index:{}"
WEB = TOKEN.format("ProbedWebServer")
COMPONENTS = [
    "ProbedWebServer",
    "SecureWriterPod",
    "RedisWithConfigMap",
    "MysqlWithSecret",
    "ConfigMapEnvPod",
    "StudentEnvironment",
    "Classroom",
]


# ---------------------------------------------------------------- the provider process, as Pulumi starts it


@pytest.fixture(scope="module")
def schema() -> Iterator[dict[str, Any]]:
    """Starts provider/ the way the Python language host runs a plugin and asks it for its schema over gRPC."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "provider" / "__main__.py"), "127.0.0.1:1"],
        cwd=ROOT / "provider",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            response = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
        yield json.loads(response.schema)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_schema_names_the_package_and_every_component(schema: dict[str, Any]) -> None:
    assert schema["name"] == "k8s-labs"
    assert sorted(schema["resources"]) == sorted(TOKEN.format(name) for name in COMPONENTS)
    assert all(resource["isComponent"] for resource in schema["resources"].values())
    assert {"name": "kubernetes", "version": "4.32.0"} in schema["dependencies"]


def test_inputs_are_camel_case_typed_and_optional_where_the_lab_has_a_default(schema: dict[str, Any]) -> None:
    web = schema["resources"][TOKEN.format("ProbedWebServer")]
    inputs = web["inputProperties"]
    assert inputs["delayStart"]["type"] == "integer"
    assert inputs["image"]["type"] == "string"
    assert inputs["command"] == {**inputs["command"], "type": "array"}
    assert inputs["command"]["items"]["type"] == "string"
    assert inputs["livenessProbe"]["$ref"] == "#/types/k8s-labs:index:Probe"
    assert inputs["nullFields"]["type"] == "array"
    assert not web.get("requiredInputs")
    probe = schema["types"]["k8s-labs:index:Probe"]["properties"]
    assert probe["httpGet"]["$ref"] == "#/types/k8s-labs:index:HttpGetAction"
    assert probe["periodSeconds"]["type"] == "integer"
    assert schema["types"]["k8s-labs:index:ExecAction"]["required"] == ["command"]
    classroom = schema["resources"][TOKEN.format("Classroom")]
    assert classroom["requiredInputs"] == ["students"]
    assert classroom["inputProperties"]["budget"]["$ref"] == "#/types/k8s-labs:index:Budget"
    assert classroom["inputProperties"]["students"]["$ref"] == "pulumi.json#/Any"  # a count or a list of names
    storage = schema["types"]["k8s-labs:index:Storage"]["properties"]
    assert set(storage) == {"type", "claimName", "size", "storageClassName"}


def test_every_input_is_described_with_its_default(schema: dict[str, Any]) -> None:
    web = schema["resources"][TOKEN.format("ProbedWebServer")]["inputProperties"]
    assert web["port"]["description"] == "Port the server listens on. Default: `8000`."
    assert web["stage"]["description"].endswith('One of: exercise-2.1, lab-2.2. Default: `"lab-2.2"`.')
    assert "livenessProbe" in web["nullFields"]["description"]
    mysql = schema["resources"][TOKEN.format("MysqlWithSecret")]["inputProperties"]
    assert "kept secret" in mysql["rootPassword"]["description"]
    blocks = [resource["inputProperties"] for resource in schema["resources"].values()]
    blocks += [t["properties"] for t in schema["types"].values()]
    undescribed = [name for block in blocks for name, prop in block.items() if not prop.get("description")]
    assert undescribed == []
    unstated = [
        name
        for block in blocks
        for name, prop in block.items()
        if name not in ("nullFields", "rootPassword")
        and not any(word in prop["description"] for word in ("Default:", "Required."))
    ]
    assert unstated == []


def test_outputs_are_what_the_python_components_expose(schema: dict[str, Any]) -> None:
    web = schema["resources"][TOKEN.format("ProbedWebServer")]["properties"]
    assert set(web) == {"manifests", "objects", "pod", "podName"}
    assert web["podName"]["type"] == "string"
    assert web["pod"]["$ref"] == "/kubernetes/v4.32.0/schema.json#/resources/kubernetes:core%2Fv1:Pod"
    mysql = schema["resources"][TOKEN.format("MysqlWithSecret")]["properties"]
    assert {"serviceName", "deploymentName", "secretName", "secret"} <= set(mysql)
    env = schema["resources"][TOKEN.format("StudentEnvironment")]["properties"]
    assert env["commands"]["additionalProperties"]["items"]["type"] == "string"
    assert {"namespace", "kubeconfig", "exercises", "objects"} <= set(env)
    assert set(schema["resources"][TOKEN.format("Classroom")]["properties"]) == {"students"}


def test_served_module_is_what_the_models_generate() -> None:
    """served.py restates the models for the host; it must not drift from them."""
    on_disk, fresh = generate.TARGET.read_text(), generate.render()
    if on_disk != fresh:
        diff = difflib.unified_diff(on_disk.splitlines(), fresh.splitlines(), "on disk", "generated", lineterm="")
        pytest.fail(
            "component_package/served.py is stale: run `python -m component_package.generate`\n" + "\n".join(diff)
        )


# ---------------------------------------------------------------- Construct against the Python components

PASSWORD = "a-class-password"  # a test value, never a real one


@pytest.fixture(scope="module")
def served() -> Any:
    return provider()


def construct(served: Any, component: str, inputs: dict[str, Any], name: str = "web") -> tuple[Run, dict[str, Any]]:
    """What the host does on a Construct request, under the project's mock monitor: camelCase inputs in."""
    state: dict[str, Any] = {}

    def program() -> Any:
        result = served.construct(name, TOKEN.format(component), inputs, None)
        state.update(result.state)
        return result.urn

    return run_program(program), state


def python(program: Any) -> list[Registration]:
    return run_program(program).registrations


def by_urn(registrations: list[Registration]) -> list[Registration]:
    """Children of different components register concurrently, and the SDK gathers a resource's
    dependencies in a set: neither order is the program's."""
    ordered = sorted(registrations, key=lambda r: r.urn)
    return [dataclasses.replace(r, dependencies=tuple(sorted(r.dependencies))) for r in ordered]


# initialDelaySeconds is also in the stage's preset, which the user's probe is merged into key by key
READINESS = {"initialDelaySeconds": 12, "periodSeconds": 3}
LAB_CASES = [
    (
        "ProbedWebServer",
        # the engine sends numbers as floats; `nullFields` is how a package user writes `livenessProbe: null`
        {"port": 8080, "delayStart": 20, "nullFields": ["livenessProbe"], "readinessProbe": READINESS},
        {"port": 8080, "delayStart": 20, "livenessProbe": None, "readinessProbe": READINESS},
    ),
    ("SecureWriterPod", {"runAsUser": 1001, "interval": 2}, {"runAsUser": 1001, "interval": 2}),
    (
        "RedisWithConfigMap",
        {"config": {"maxmemory": "4mb", "maxmemoryPolicy": "noeviction", "extra": {"hz": "20"}}},
        {"config": {"maxmemory": "4mb", "maxmemoryPolicy": "noeviction", "extra": {"hz": "20"}}},
    ),
    (
        "MysqlWithSecret",
        {
            "storage": {"type": "persistentVolumeClaim", "size": "2Gi", "storageClassName": "ssd"},
            "existingSecret": True,
        },
        {
            "storage": {"type": "persistentVolumeClaim", "size": "2Gi", "storageClassName": "ssd"},
            "existingSecret": True,
        },
    ),
    (
        "ConfigMapEnvPod",
        {"data": {"camelCase_key": "kept as written", "b": "2"}, "prefix": "APP_"},
        {"data": {"camelCase_key": "kept as written", "b": "2"}, "prefix": "APP_"},
    ),
]


@pytest.mark.parametrize(("component", "inputs", "stack_params"), LAB_CASES, ids=[case[0] for case in LAB_CASES])
def test_construct_registers_what_the_python_component_registers(
    served: Any, component: str, inputs: dict[str, Any], stack_params: dict[str, Any]
) -> None:
    lab = next(lab for lab in LABS.values() if lab.component == component)
    python_class = getattr(__import__("components"), component)
    expected = python(lambda: python_class("web", lab.args_type.model_validate(stack_params, strict=True)))
    run, state = construct(served, component, inputs)
    assert by_urn(run.registrations) == by_urn(expected)
    assert run.registrations[0].type == TOKEN.format(component)
    # one component of the type, its children the lab's objects: the served class is the Python one
    assert [r.type for r in run.registrations].count(TOKEN.format(component)) == 1
    assert "manifests" in state and "objects" in state


def test_construct_without_a_null_field_keeps_the_stage_probe(served: Any) -> None:
    run, _ = construct(served, "ProbedWebServer", {})
    (pod,) = [r for r in run.registrations if r.type == "kubernetes:core/v1:Pod"]
    assert "livenessProbe" in pod.inputs["spec"]["containers"][0]
    run, _ = construct(served, "ProbedWebServer", {"nullFields": ["livenessProbe"]})
    (pod,) = [r for r in run.registrations if r.type == "kubernetes:core/v1:Pod"]
    assert "livenessProbe" not in pod.inputs["spec"]["containers"][0]


def test_mysql_password_is_secret_in_the_registered_secret(served: Any) -> None:
    run, state = construct(served, "MysqlWithSecret", {"rootPassword": pulumi.Output.secret(PASSWORD)})
    password = pulumi.Output.secret(PASSWORD)
    expected = python(lambda: MysqlWithSecret("web", MysqlWithSecretArgs(), root_password=password))
    assert by_urn(run.registrations) == by_urn(expected)
    (secret,) = run.of_type("kubernetes:core/v1:Secret")
    assert rpc.is_rpc_secret(secret.inputs["stringData"])
    assert PASSWORD not in json.dumps({k: v for k, v in state.items() if k != "manifests"}, default=str)


def test_construct_environment_plans_like_a_stack_file(served: Any) -> None:
    labs = {"probedWebServer": {"delayStart": 10.0}, "mysqlWithSecret": {}}

    def python_env() -> None:
        plan = load({"namespace": "lab-a", "labs": {"probedWebServer": {"delayStart": 10}, "mysqlWithSecret": {}}})
        StudentEnvironment("env", plan.environments[0], root_password=pulumi.Output.secret(PASSWORD))

    run, state = construct(
        served,
        "StudentEnvironment",
        {"namespace": "lab-a", "labs": labs, "rootPassword": pulumi.Output.secret(PASSWORD)},
        name="env",
    )
    assert by_urn(run.registrations) == by_urn(python(python_env))
    assert state["namespace"] == "lab-a"


def test_construct_classroom_takes_the_stack_file_shape(served: Any) -> None:
    classroom = {
        "students": 3.0,  # a count, as the engine sends a number
        "labs": ["probedWebServer", "redisWithConfigMap"],
        "overrides": {"student-2": {"probedWebServer": {"delayStart": 5.0}}},
        "budget": {"pods": 12},
    }
    lab_parameters = {"probedWebServer": {"port": 8080.0}, "redisWithConfigMap": {}}

    delay = {"delayStart": 5}

    def python_class() -> None:
        plan = load(
            {
                "labs": {"probedWebServer": {"port": 8080}, "redisWithConfigMap": {}},
                "classroom": {**classroom, "students": 3, "overrides": {"student-2": {"probedWebServer": delay}}},
            }
        )
        Classroom("class", ClassroomArgs(environments=plan.environments))

    run, state = construct(served, "Classroom", {**classroom, "labParameters": lab_parameters}, name="class")
    expected = python(python_class)
    assert by_urn(run.registrations) == by_urn(expected)
    assert len(run.of_type(TOKEN.format("StudentEnvironment"))) == 3
    assert sorted(state["students"]) == ["student-1", "student-2", "student-3"]


# ---------------------------------------------------------------- Construct over gRPC, as the engine calls it

STACK_URN = "urn:pulumi:dev::k8s-labs::pulumi:pulumi:Stack::k8s-labs-dev"


class MockEngine(engine_pb2_grpc.EngineServicer):
    """The engine calls a component provider makes: logging and the root resource."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")


class MonitorServer(resource_pb2_grpc.ResourceMonitorServicer):
    """The project's recording mock monitor behind a real gRPC ResourceMonitor endpoint."""

    def __init__(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=self.monitor.SupportsFeature(request).hasSupport)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterResourceOutputs(request)

    def Invoke(self, request: Any, context: Any) -> Any:
        return self.monitor.Invoke(request)


@dataclasses.dataclass
class Wire:
    stub: Any
    monitor: RecordingMonitor
    endpoint: str

    def construct(self, component: str, inputs: dict[str, Any], name: str) -> tuple[list[Registration], list[str]]:
        """A ConstructRequest as the engine sends it: inputs as a protobuf Struct, so every number a float."""
        self.monitor.registrations.clear()
        struct = struct_pb2.Struct()
        struct.update(inputs)
        request = provider_pb2.ConstructRequest(
            project="k8s-labs",
            stack="dev",
            type=TOKEN.format(component),
            name=name,
            parent=STACK_URN,
            inputs=struct,
            monitorEndpoint=self.endpoint,
            dryRun=True,
        )
        response = self.stub.Construct(request, timeout=60)
        return list(self.monitor.registrations), sorted(response.state.keys())


@pytest.fixture(scope="module")
def wire() -> Iterator[Wire]:
    """A mock engine and monitor served over gRPC, and provider/ started with the engine's address."""
    mocks = LabMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="k8s-labs", stack="dev", monitor=monitor)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(MonitorServer(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(MockEngine(), server)
    endpoint = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "provider" / "__main__.py"), endpoint],
        cwd=ROOT / "provider",
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Wire(provider_pb2_grpc.ResourceProviderStub(channel), monitor, endpoint)
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.stop(grace=None)


def shape(registrations: list[Registration]) -> list[tuple[str, str, str, str, str]]:
    """What was registered, where and with what, independent of the stack name in the URNs."""
    return sorted(
        (r.type, r.name, r.urn.split("::")[2], r.parent.split("::")[2], json.dumps(r.inputs, sort_keys=True))
        for r in registrations
    )


@pytest.mark.parametrize(("component", "inputs", "stack_params"), LAB_CASES, ids=[case[0] for case in LAB_CASES])
def test_construct_over_grpc_registers_what_the_python_component_registers(
    wire: Wire, component: str, inputs: dict[str, Any], stack_params: dict[str, Any]
) -> None:
    lab = next(lab for lab in LABS.values() if lab.component == component)
    python_class = getattr(__import__("components"), component)
    expected = python(lambda: python_class("web", lab.args_type.model_validate(stack_params, strict=True)))
    registrations, state = wire.construct(component, inputs, "web")
    assert shape(registrations) == shape(expected)
    expected_outputs = {"manifests", "objects", "pod", "podName", "configMap", "configMapName", "filePath"}
    expected_outputs |= {"deployment", "service", "serviceName", "deploymentName", "secretName"}
    assert set(state) <= expected_outputs and {"manifests", "objects"} <= set(state)


def test_construct_over_grpc_plans_a_classroom(wire: Wire) -> None:
    inputs = {"students": 3, "labs": ["secureWriterPod"], "labParameters": {"secureWriterPod": {"interval": 2}}}
    registrations, state = wire.construct("Classroom", inputs, "class")

    def python_class() -> None:
        plan = load(
            {"labs": {"secureWriterPod": {"interval": 2}}, "classroom": {"students": 3, "labs": ["secureWriterPod"]}}
        )
        Classroom("class", ClassroomArgs(environments=plan.environments))

    assert shape(registrations) == shape(python(python_class))
    assert state == ["students"]


# ---------------------------------------------------------------- bad inputs: the stack file's message, nothing made


@pytest.mark.parametrize(
    ("inputs", "stack_key"),
    [
        ({"port": 70000}, "port"),
        ({"readinessProbe": {"periodSeconds": 0}}, "readinessProbe.periodSeconds"),
        ({"livenessProbe": {"successThreshold": 2}}, "livenessProbe"),
    ],
)
def test_a_bad_value_gets_the_stack_files_message(served: Any, inputs: dict[str, Any], stack_key: str) -> None:
    with pytest.raises(ConfigError) as stack_error:
        load({"labs": {"probedWebServer": inputs}})
    (stack_problem,) = stack_error.value.problems
    assert stack_problem.startswith(f"labs.probedWebServer.{stack_key}: ")
    run = run_program(lambda: served.construct("web", WEB, inputs, None), raise_errors=False)
    assert isinstance(run.error, InputPropertiesError)
    assert run.error.message.splitlines()[1] == "  - " + stack_problem.removeprefix("labs.probedWebServer.")
    assert run.error.errors == [{"property_path": stack_key, "reason": stack_problem.split(": ", 1)[1]}]
    assert run.registrations == []


def test_a_bad_classroom_names_the_components_keys(served: Any) -> None:
    inputs = {"students": ["ok", "Not_A_Label"], "labParameters": {"probedWebServer": {"port": 0}}}
    run = run_program(lambda: served.construct("class", TOKEN.format("Classroom"), inputs, None), raise_errors=False)
    assert isinstance(run.error, InputPropertiesError)
    paths = [error["property_path"] for error in run.error.errors or []]
    assert "students.1" in paths
    assert "labParameters.probedWebServer.port" in paths
    assert run.registrations == []


def test_a_value_known_only_at_deployment_is_refused(served: Any) -> None:
    inputs = {"image": pulumi.Output.from_input("python:3.13-alpine")}
    run = run_program(lambda: served.construct("web", WEB, inputs, None), raise_errors=False)
    assert isinstance(run.error, InputPropertiesError)
    assert "image: must be a plain value" in run.error.message


# ---------------------------------------------------------------- examples/yaml-class against the schema

EXAMPLE = ROOT / "examples" / "yaml-class" / "Pulumi.yaml"
INTERPOLATION = re.compile(r"^\$\{([A-Za-z0-9_.-]+)\}$")
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def type_problems(schema: dict[str, Any], prop: dict[str, Any], value: Any, path: str) -> list[str]:
    """Where `value` does not fit the schema property `prop` (names and types, nested blocks included)."""
    ref = prop.get("$ref", "")
    if ref == "pulumi.json#/Any":
        return []
    if ref.startswith("#/types/"):
        declared = schema["types"][ref.removeprefix("#/types/")]
        return block_problems(schema, declared["properties"], declared.get("required", []), value, path)
    wanted = JSON_TYPES[prop["type"]]
    if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted):
        return [f"{path}: {value!r} is not {prop['type']}"]
    if prop["type"] == "array" and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in type_problems(schema, prop["items"], item, f"{path}[{i}]")]
    if prop["type"] == "object" and isinstance(value, dict) and "additionalProperties" in prop:
        items = prop["additionalProperties"]
        return [p for key, item in value.items() for p in type_problems(schema, items, item, f"{path}.{key}")]
    return []


def block_problems(
    schema: dict[str, Any], props: dict[str, Any], required: list[str], value: Any, path: str
) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: {value!r} is not an object"]
    problems = [f"{path}.{key}: not an input" for key in value if key not in props]
    problems += [f"{path}.{key}: required" for key in required if key not in value]
    for key, item in value.items():
        if key in props and not (isinstance(item, str) and INTERPOLATION.match(item)):
            problems += type_problems(schema, props[key], item, f"{path}.{key}")
    return problems


def example() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return loaded


def test_yaml_example_uses_the_package_from_this_repository() -> None:
    program = example()
    assert program["runtime"] == "yaml"
    assert (EXAMPLE.parent / program["packages"]["k8s-labs"] / "PulumiPlugin.yaml").is_file()


def test_yaml_example_properties_fit_the_schema(schema: dict[str, Any]) -> None:
    program = example()
    resources = program["resources"]
    assert {r["type"] for r in resources.values()} <= set(schema["resources"])
    problems = []
    for name, resource in resources.items():
        declared = schema["resources"][resource["type"]]
        required = declared.get("requiredInputs", [])
        problems += block_problems(schema, declared["inputProperties"], required, resource["properties"], name)
    assert problems == []
    # every interpolation names a config key or another resource's output in the schema
    for name, resource in resources.items():
        for value in resource["properties"].values():
            match = INTERPOLATION.match(value) if isinstance(value, str) else None
            if match:
                assert match.group(1) in program["config"], f"{name}: {value}"
    for value in program["outputs"].values():
        match = INTERPOLATION.match(value)
        assert match is not None, value
        resource, output = match.group(1).split(".")
        assert output in schema["resources"][resources[resource]["type"]]["properties"]


def test_the_schema_check_catches_a_wrong_name_and_a_wrong_type(schema: dict[str, Any]) -> None:
    declared = schema["resources"][TOKEN.format("Classroom")]
    bad = {"students": 3, "budget": {"pods": "twelve"}, "labz": []}
    problems = block_problems(schema, declared["inputProperties"], ["students"], bad, "class")
    assert problems == ["class.labz: not an input", "class.budget.pods: 'twelve' is not integer"]


def test_yaml_example_class_constructs_three_students(served: Any) -> None:
    properties = dict(example()["resources"]["class"]["properties"])
    properties["rootPassword"] = pulumi.Output.secret(PASSWORD)
    run, state = construct(served, "Classroom", properties, name="class")
    assert sorted(state["students"]) == ["student-1", "student-2", "student-3"]
    assert len(run.of_type("kubernetes:apps/v1:Deployment")) == 3


def test_null_fields_must_name_keys_of_the_component(served: Any) -> None:
    inputs = {"nullFields": ["livenessProbe", "livenesProbe"]}
    run = run_program(lambda: served.construct("web", WEB, inputs, None), raise_errors=False)
    assert isinstance(run.error, InputPropertiesError)
    assert run.error.errors == [
        {"property_path": "nullFields", "reason": "['livenesProbe'] are not keys of ProbedWebServer"}
    ]
    assert run.registrations == []
