"""Shared pydantic base and the small validated types every lab uses."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from labs.quantity import parse_cpu, parse_memory

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
IMAGE_REF = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$")


class Model(BaseModel):
    """Frozen, strict-keyed, camelCase on the outside like the rest of Pulumi config."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def _dns_label(value: str) -> str:
    if len(value) > 63 or not DNS_LABEL.match(value):
        raise ValueError(
            "must be a DNS-1123 label: at most 63 lower-case letters, digits or '-', "
            "starting and ending with a letter or digit"
        )
    return value


def _dns_subdomain(value: str) -> str:
    if len(value) > 253 or not DNS_SUBDOMAIN.match(value):
        raise ValueError(
            "must be a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' or '.', "
            "starting and ending with a letter or digit"
        )
    return value


def _image(value: str) -> str:
    if not IMAGE_REF.match(value):
        raise ValueError("must be an image reference such as 'redis:8.2-alpine' or 'name@sha256:<digest>'")
    if ":" not in value.rsplit("/", 1)[-1] and "@" not in value:
        raise ValueError("must be pinned to a tag or digest ('latest' by omission is not allowed)")
    if value.endswith(":latest"):
        raise ValueError("must be pinned to a release tag or digest, not ':latest'")
    return value


def _cpu(value: str | int | float) -> str:
    text = str(value)
    parse_cpu(text)
    return text


def _memory(value: str | int) -> str:
    text = str(value)
    parse_memory(text)
    return text


DnsLabel = Annotated[str, AfterValidator(_dns_label)]
DnsSubdomain = Annotated[str, AfterValidator(_dns_subdomain)]
Image = Annotated[str, AfterValidator(_image)]
Cpu = Annotated[str | int | float, AfterValidator(_cpu)]
Memory = Annotated[str | int, AfterValidator(_memory)]
Port = Annotated[int, Field(ge=1, le=65535)]
UserId = Annotated[int, Field(ge=1, le=2147483647, description="a non-root UID or GID")]
GroupId = Annotated[int, Field(ge=0, le=2147483647)]
