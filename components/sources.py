"""Where each outside rule was read: a file of a public repository at a release tag.

The Pulumi rules are read at the tags of the releases pyproject.toml pins, so the rules describe what runs;
tests/test_pulumi_rules.py fails when a pin moves without the rules being read again at the new tag.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    """A repository at one release tag, with the commit the tag points to."""

    repo: str
    tag: str
    commit: str
    package: str = ""
    """The PyPI package whose pinned version is this tag, if any."""


PULUMI = Release("pulumi/pulumi", "v3.259.0", "0ac56e876614aedf12771d73ef7e80959b8a6fd4", package="pulumi")
PULUMI_KUBERNETES = Release(
    "pulumi/pulumi-kubernetes", "v4.32.0", "a03ff6ba58d2f1ea68319dda4b2c982119489c71", package="pulumi-kubernetes"
)
# The API server's rules are read at commits of kubernetes/kubernetes inside the validated range (1.33 to 1.37).
KUBERNETES = "kubernetes/kubernetes"


@dataclass(frozen=True)
class Source:
    """Where a rule was read: a file at a release tag (or, for Kubernetes, a commit), and the symbol in it."""

    repo: str
    path: str
    ref: str
    """A release tag (`v3.259.0`) or a full commit."""
    symbol: str

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo}/blob/{self.ref}/{self.path}"


def at(release: Release, path: str, symbol: str) -> Source:
    return Source(release.repo, path, release.tag, symbol)
