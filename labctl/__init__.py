"""labctl: the offline command line (render, review, timeline, verify), no Pulumi engine needed."""

DISTRIBUTION = "k8s-labs"


def version() -> str:
    """The installed k8s-labs version; pyproject.toml is its one source."""
    # Imported here: it takes longer than the rest of labctl's start, and Ctrl-C is handled only
    # once `labctl.cli.main` runs.
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: run `make` or `pip install -e .` in the project)"
