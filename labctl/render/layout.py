"""The file names of a rendered environment folder, shared by the renderer and the lab sheet that names them."""

from __future__ import annotations

from labs.catalog import LABS
from labs.lab import LabKey

ENVIRONMENT_FILE = "00-environment.yaml"
"""Namespace and isolation: applied by someone who may create namespaces and RBAC, never by a student."""
SECRETS_FILE = "05-secrets.yaml"


def lab_file(index: int, key: LabKey) -> str:
    """The file of the `index`-th lab of an environment: numbered after the environment's own."""
    return f"{(index + 1) * 10:02d}-{LABS[key].file_stem}.yaml"
