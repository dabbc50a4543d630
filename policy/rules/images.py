"""Container images: pinned to a tag or digest, and not from a release line past its end of life."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from pydantic import Field

from .manifest import containers, pod_spec, text
from .model import Enforcement, Manifest, Params, Rule, Severity

# Release lines whose upstream support has ended (endoflife.date), as globs over `repository:tag`
# with Docker Hub's implicit `docker.io/library/` removed.
END_OF_LIFE = (
    "python:2",
    "python:2.*",
    "python:2-*",
    "python:3.[0-9]",
    "python:3.[0-9].*",
    "python:3.[0-9]-*",
    "mysql:5",
    "mysql:5.*",
    "mysql:5-*",
    "mariadb:10.[0-4]*",
    "postgres:9*",
    "postgres:1[0-2]",
    "postgres:1[0-2][.-]*",
    "redis:[2-5]",
    "redis:[2-5][.-]*",
    "redis:6.0*",
    "kubernetes/redis",
    "kubernetes/redis:*",
    "nginx:1.[0-9]",
    "nginx:1.[0-9][.-]*",
    "nginx:1.1[0-9]*",
    "nginx:1.2[0-4]*",
    "node:[4-9]",
    "node:[4-9][.-]*",
    "node:1[0-7]",
    "node:1[0-7][.-]*",
    "alpine:3.[0-9]",
    "alpine:3.[0-9][.-]*",
    "alpine:3.1[0-8]*",
)


def normalise(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) with Docker Hub's implicit prefixes dropped."""
    reference, _, digest = image.partition("@")
    last_slash = reference.rfind("/")
    repository, tag = reference, None
    if reference.rfind(":") > last_slash:
        repository, tag = reference.rsplit(":", 1)
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        repository = repository.removeprefix(prefix)
    return repository.removeprefix("library/"), tag, digest or None


class PinnedParams(Params):
    require_digest: bool = Field(False, description="demand an @sha256 digest, not only a tag")


def image_pinned(obj: Manifest, params: PinnedParams) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        image = text(container.spec.get("image")) or ""
        _, tag, digest = normalise(image)
        if not image:
            yield f"{container.label}: has no image"
        elif params.require_digest and digest is None:
            yield f"{container.label}: image {image} is not pinned to a digest (@sha256:...)"
        elif digest is None and tag in (None, "latest"):
            yield f"{container.label}: image {image} floats ({'no tag' if tag is None else ':latest'}): pin a version"


class EndOfLifeParams(Params):
    patterns: list[str] = Field(list(END_OF_LIFE), description="globs over repository:tag of unsupported images")


def image_end_of_life(obj: Manifest, params: EndOfLifeParams) -> Iterator[str]:
    for container in containers(pod_spec(obj)):
        image = text(container.spec.get("image")) or ""
        repository, tag, _ = normalise(image)
        subject = f"{repository}:{tag}" if tag else repository
        matched = next((pattern for pattern in params.patterns if fnmatchcase(subject, pattern)), None)
        if image and matched:
            yield f"{container.label}: image {image} is past its end of life (matches {matched})"


RULES = [
    Rule(
        id="image-pinned",
        title="Images pinned to a tag or digest",
        description="Every image names a version (a tag other than latest, or a digest): a rebuild runs the same code.",
        severity=Severity.MEDIUM,
        enforcement=Enforcement.MANDATORY,
        standard="Kubernetes images: avoid :latest in production",
        url="https://kubernetes.io/docs/concepts/containers/images/#image-names",
        params=PinnedParams,
        check_object=image_pinned,
    ),
    Rule(
        id="image-end-of-life",
        title="No end-of-life images",
        description="Images from release lines that no longer get security fixes are refused.",
        severity=Severity.HIGH,
        enforcement=Enforcement.MANDATORY,
        standard="Vendor support lifecycles (endoflife.date)",
        url="https://endoflife.date/",
        params=EndOfLifeParams,
        check_object=image_end_of_life,
    ),
]
