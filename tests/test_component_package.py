"""The component package: its schema as Pulumi reads it, and Construct against the Python components."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
from pulumi.errors import InputPropertiesError
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from component_package import generate
from component_package.host import provider
from components import Classroom, ClassroomArgs, MysqlWithSecret, ProbedWebServer, StudentEnvironment
from config import ConfigError, load
from labs.catalog import LABS
from labs.mysql import MysqlWithSecretArgs
from labs.webserver import ProbedWebServerArgs
from tests.harness import Registration, Run, run_program

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "k8s-labs:index:{}"
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
    assert {"name": "kubernetes", "version": "4.34.2"} in schema["dependencies"]


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
    assert web["stage"]["description"].endswith("One of: exercise-2.1, lab-2.2. Default: `\"lab-2.2\"`.")
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
    assert web["pod"]["$ref"] == "/kubernetes/v4.34.2/schema.json#/resources/kubernetes:core%2Fv1:Pod"
    mysql = schema["resources"][TOKEN.format("MysqlWithSecret")]["properties"]
    assert {"serviceName", "deploymentName", "secretName", "secret"} <= set(mysql)
    env = schema["resources"][TOKEN.format("StudentEnvironment")]["properties"]
    assert env["commands"]["additionalProperties"]["items"]["type"] == "string"
    assert {"namespace", "kubeconfig", "exercises", "objects"} <= set(env)
    assert set(schema["resources"][TOKEN.format("Classroom")]["properties"]) == {"students"}


def test_served_module_is_what_the_models_generate() -> None:
    """served.py restates the models for the host; it must not drift from them."""
    assert generate.TARGET.read_text() == generate.render()
