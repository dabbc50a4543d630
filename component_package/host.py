"""Serves the components as the `k8s-labs` package through Pulumi's component provider host.

This is `pulumi.provider.experimental.component_provider_host` with one change: a served component whose
inputs break the lab's rules is reported as invalid inputs, one line per key, instead of the Python
traceback the stock host appends to every error raised while constructing a component.
"""

import sys
from importlib.metadata import version
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyErrorDetails
from pulumi.provider import main
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.provider import ConstructResult
from pulumi.provider.server import ComponentInitError

from component_package.inputs import InvalidInputs
from component_package.served import SERVED

PACKAGE = "k8s-labs"


class LabsProvider(ComponentProvider):
    def construct(
        self, name: str, resource_type: str, inputs: Any, options: pulumi.ResourceOptions | None = None
    ) -> ConstructResult:
        try:
            return super().construct(name, resource_type, inputs, options)
        except ComponentInitError as error:
            if isinstance(error.inner, InvalidInputs):
                raise invalid_inputs(error.inner) from None
            raise


def invalid_inputs(error: InvalidInputs) -> InputPropertiesError:
    details = [InputPropertyErrorDetails(property_path=path, reason=reason) for path, reason in error.by_key]
    return InputPropertiesError(str(error), details)


def provider() -> LabsProvider:
    return LabsProvider(SERVED, PACKAGE, version=version(PACKAGE))


def serve() -> None:
    """Prints the port it listens on, then answers GetSchema and Construct until Pulumi stops it."""
    main(provider(), sys.argv[1:])
