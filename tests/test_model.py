"""Given names, images and quantities in a lab's config, when the config is read, then what
Kubernetes accepts is taken as written, and anything else is refused with a message saying what
is allowed: DNS-1123 labels and subdomains, images pinned to a release tag or a digest, CPU and
memory quantities."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from labs.model import Cpu, DnsLabel, DnsSubdomain, Image, Memory

IMAGE = TypeAdapter(Image)
DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "image",
    ["redis:8.2-alpine", "docker.io/library/mysql:8.4", f"redis@{DIGEST}", f"ghcr.io/a/b:1.0@{DIGEST}"],
)
def test_an_image_pinned_to_a_tag_or_digest_is_taken_as_written(image: str) -> None:
    assert IMAGE.validate_python(image) == image


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("Redis:8.2", "must be an image reference such as 'redis:8.2-alpine' or 'name@sha256:<digest>'"),
        ("redis:8.2 alpine", "must be an image reference such as 'redis:8.2-alpine' or 'name@sha256:<digest>'"),
        ("redis", "must be pinned to a tag or digest ('latest' by omission is not allowed)"),
        ("docker.io/library/redis", "must be pinned to a tag or digest ('latest' by omission is not allowed)"),
        ("redis:latest", "must be pinned to a release tag or digest, not ':latest'"),
    ],
)
def test_an_image_that_is_not_pinned_is_refused_saying_what_is_allowed(image: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        IMAGE.validate_python(image)
    assert [error["msg"] for error in raised.value.errors()] == [f"Value error, {message}"]


LABEL = TypeAdapter(DnsLabel)
SUBDOMAIN = TypeAdapter(DnsSubdomain)
LABEL_RULE = (
    "must be a DNS-1123 label: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit"
)
SUBDOMAIN_RULE = (
    "must be a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' or '.', "
    "starting and ending with a letter or digit"
)


@pytest.mark.parametrize("name", ["a", "lab-ann", "0day", "a" * 63])
def test_a_dns_label_of_at_most_63_characters_is_taken(name: str) -> None:
    assert LABEL.validate_python(name) == name


@pytest.mark.parametrize("name", ["a" * 64, "Lab", "-lab", "lab-", "lab.ann", "lab_ann", ""])
def test_anything_else_is_refused_as_a_dns_label_saying_what_one_is(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        LABEL.validate_python(name)
    assert [error["msg"] for error in raised.value.errors()] == [f"Value error, {LABEL_RULE}"]


@pytest.mark.parametrize("name", ["example-configmap", "a.b-c.d", ("a" * 63 + ".") * 3 + "a" * 61])
def test_a_dns_subdomain_of_at_most_253_characters_is_taken(name: str) -> None:
    assert SUBDOMAIN.validate_python(name) == name


@pytest.mark.parametrize("name", [("a" * 63 + ".") * 3 + "a" * 62, "a..b", ".a", "a.", "A.b", "a_b"])
def test_anything_else_is_refused_as_a_dns_subdomain_saying_what_one_is(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SUBDOMAIN.validate_python(name)
    assert [error["msg"] for error in raised.value.errors()] == [f"Value error, {SUBDOMAIN_RULE}"]


@pytest.mark.parametrize(("given", "kept"), [("250m", "250m"), (2, "2"), (0.5, "0.5")])
def test_a_cpu_quantity_is_kept_as_text(given: str | int | float, kept: str) -> None:
    assert TypeAdapter(Cpu).validate_python(given) == kept


@pytest.mark.parametrize(("given", "kept"), [("64Mi", "64Mi"), (1048576, "1048576")])
def test_a_memory_quantity_is_kept_as_text(given: str | int, kept: str) -> None:
    assert TypeAdapter(Memory).validate_python(given) == kept


@pytest.mark.parametrize(
    ("adapter", "given", "message"),
    [
        (TypeAdapter(Cpu), "lots", "'lots' is not a Kubernetes quantity (examples: 100m, 0.5, 64Mi, 1Gi)"),
        (TypeAdapter(Cpu), "0.0001", "cpu '0.0001' is finer than 1m"),
        (TypeAdapter(Memory), "lots", "'lots' is not a Kubernetes quantity (examples: 100m, 0.5, 64Mi, 1Gi)"),
        (TypeAdapter(Memory), "1m", "'1m' is not a whole number of bytes"),
    ],
)
def test_a_bad_quantity_is_refused_saying_why(adapter: TypeAdapter[str], given: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        adapter.validate_python(given)
    assert [error["msg"] for error in raised.value.errors()] == [f"Value error, {message}"]
