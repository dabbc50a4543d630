"""Given an image in a lab's config, when the config is read, then a reference pinned to a release
tag or a digest is taken as written, and anything else is refused with a message saying what is
allowed."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from labs.model import Image

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
