"""`labctl render --applicationset REPO_URL`: an Argo CD ApplicationSet, one Application per environment folder.

A list generator names every environment of the render (folder and namespace), so the set of
Applications is exactly the class, in the class's order; the template points each Application at
its folder in the repository the tree is committed to. The fields are Argo CD's documented
ApplicationSet spec (argoproj.io/v1alpha1): spec.generators[].list.elements, spec.template.metadata.name,
spec.template.spec.source.{repoURL, targetRevision, path} and spec.template.spec.destination.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from labs.environment import Environment

FILE = "applicationset.yaml"
IN_CLUSTER = "https://kubernetes.default.svc"
REPO_URL = re.compile(r"^(https://|ssh://|git@)[^\s]+$")


def repo_url(text: str) -> str:
    if not REPO_URL.match(text):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a repository URL Argo CD can clone: https://..., ssh://... or git@host:path"
        )
    return text


def path_prefix(text: str) -> str:
    path = PurePosixPath(text.strip())
    if not text.strip() or path.is_absolute() or ".." in path.parts:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a folder inside the repository: give a relative path such as classes/dev "
            "(or . for the repository's top)"
        )
    return path.as_posix()


def applicationset(
    stack: str, environments: Sequence[Environment], repo: str, prefix: str, revision: str, namespace: str
) -> dict[str, Any]:
    folder = "{{.environment}}" if prefix == "." else f"{prefix}/{{{{.environment}}}}"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": f"k8s-labs-{stack}", "namespace": namespace},
        "spec": {
            "goTemplate": True,
            # A typo in the template fails the ApplicationSet instead of writing an empty value.
            "goTemplateOptions": ["missingkey=error"],
            "generators": [
                {"list": {"elements": [{"environment": env.name, "namespace": env.namespace} for env in environments]}}
            ],
            "template": {
                "metadata": {"name": f"k8s-labs-{stack}-{{{{.environment}}}}"},
                "spec": {
                    "project": "default",
                    "source": {"repoURL": repo, "targetRevision": revision, "path": folder},
                    "destination": {"server": IN_CLUSTER, "namespace": "{{.namespace}}"},
                    "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
                },
            },
            # Deleting the ApplicationSet leaves the class running; removing a student's folder does not.
            "syncPolicy": {"preserveResourcesOnDeletion": True},
        },
    }
