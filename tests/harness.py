"""Runs Pulumi code under mocks and records every registration the way the engine would see it."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

PROJECT = "k8s-labs"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
# What the mocked pulumi-random hands out; tests look for it where it must never appear.
GENERATED_PASSWORD = "Gen3ratedByTheMockProvider"
SERVICE_ACCOUNT_TOKEN = "mock-service-account-token"


@dataclass(frozen=True)
class Registration:
    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    protect: bool
    dependencies: tuple[str, ...]
    replace_on_changes: tuple[str, ...] = ()
    delete_before_replace: bool | None = None
    """None when the program left it to the provider."""
    replace_with: tuple[str, ...] = ()


FILLED_TOKEN = {"token": base64.b64encode(SERVICE_ACCOUNT_TOKEN.encode()).decode(), "ca.crt": "Q0EtREFUQQ=="}


class LabMocks(pulumi.runtime.Mocks):
    """Echoes inputs back as outputs; RandomPassword returns a fixed, recognisable result.

    A service-account-token Secret comes back with `token_data`: by default what the cluster's token
    controller fills in; a test passes `{}` for a Secret read before it is filled.
    """

    def __init__(self, token_data: dict[str, str] | None = None) -> None:
        super().__init__()
        self.token_data = FILLED_TOKEN if token_data is None else token_data

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == RANDOM_PASSWORD:
            outputs["result"] = GENERATED_PASSWORD
        if args.inputs.get("type") == "kubernetes.io/service-account-token":
            outputs["data"] = dict(self.token_data)
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    """Keeps each registration with the URN the real engine would give it (full parent type chain)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            chain = request.type
            if request.parent:
                chain = request.parent.split("::")[2] + "$" + request.type
            urn = f"urn:pulumi:{pulumi.get_stack()}::{PROJECT}::{chain}::{request.name}"
            self.registrations.append(
                Registration(
                    urn=urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                    protect=bool(request.protect),
                    dependencies=tuple(request.dependencies),
                    replace_on_changes=tuple(request.replaceOnChanges),
                    delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
                    replace_with=tuple(request.replace_with),
                )
            )
        return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.component_outputs[request.urn] = rpc.deserialize_properties(request.outputs, keep_unknowns=True)
        return super().RegisterResourceOutputs(request)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The stock mock keeps only the parent's last type; the engine keeps the whole chain.
        if parent:
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{pulumi.get_stack()}::{PROJECT}::{type_}::{name}"


@dataclass
class Run:
    registrations: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What each component passed to register_outputs, by URN."""

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_token]

    def kubernetes(self) -> list[Registration]:
        return [r for r in self.registrations if r.type.startswith("kubernetes:")]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)


def run_program(
    program: Callable[[], Any],
    config: dict[str, Any] | None = None,
    secret_keys: tuple[str, ...] = (),
    stack: str = "dev",
    raise_errors: bool = True,
    preview: bool = False,
    token_data: dict[str, str] | None = None,
) -> Run:
    """Runs `program` under fresh mocks with `config` (keys without the project prefix).

    With raise_errors=False a failing program returns its error beside what it registered.
    """
    mocks = LabMocks(token_data)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(
        {
            f"{PROJECT}:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in (config or {}).items()
        },
        [f"{PROJECT}:{key}" for key in secret_keys],
    )
    result: dict[str, Any] = {}

    @pulumi.runtime.test
    def _run() -> Any:
        returned = program()
        if returned is not None:
            return pulumi.Output.from_input(returned).apply(lambda value: result.update(value=value))
        return None

    try:
        _run()
    except Exception as error:
        if raise_errors:
            raise
        return Run(monitor.registrations, result, error, monitor.component_outputs)
    return Run(monitor.registrations, result, component_outputs=monitor.component_outputs)
