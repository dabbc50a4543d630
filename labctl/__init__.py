"""labctl: the offline command line (render, review, timeline, verify), no Pulumi engine needed."""

from importlib import metadata

DISTRIBUTION = "k8s-labs"


def version() -> str:
    """The installed k8s-labs version; pyproject.toml is its one source."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: run `make` or `pip install -e .` in the project)"
