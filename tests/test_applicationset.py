"""Given --applicationset, when `labctl render` runs, then it writes an Argo CD ApplicationSet for the tree.

The shape is held against Argo CD's documented ApplicationSet spec (argoproj.io/v1alpha1, the
"ApplicationSet Specification" and "Templates" pages of the Argo CD manual): a list generator,
and a template whose fields are those of an Application. The Go template is filled in here for
every element, the way the controller fills it, and each Application must land on one folder
of the tree and on the namespace that folder creates.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from labctl.render.outdir import MARKER
from tests.conftest import ROOT
from tests.test_render import labctl

REPO = "https://git.example.com/school/k8s-labs-classes.git"
# Documented fields (Argo CD manual): what spec and an Application's spec may hold.
APPLICATIONSET_SPEC = {
    "generators", "goTemplate", "goTemplateOptions", "template", "syncPolicy", "strategy",
    "preservedFields", "ignoreApplicationDifferences", "templatePatch",
}  # fmt: skip
APPLICATION_SPEC = {
    "project", "source", "sources", "destination", "syncPolicy", "ignoreDifferences", "info", "revisionHistoryLimit",
}  # fmt: skip
SOURCE = {"repoURL", "targetRevision", "path", "directory", "kustomize", "helm", "plugin", "chart", "ref"}
DESTINATION = {"server", "name", "namespace"}
GO_FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")
# Argo CD tracks what it deploys with a label holding the Application's name: 63 characters at most.
LABEL_VALUE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def render(project: Path, *flags: str, out: str = "classes/dev") -> Any:
    return labctl("render", "--stack", "dev", "--out", out, "--project-dir", str(project), *flags, cwd=project)


def fill(template: Any, element: dict[str, str]) -> Any:
    """What the controller makes of the template for one element (goTemplate, missingkey=error)."""
    if isinstance(template, dict):
        return {key: fill(value, element) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, element) for value in template]
    if isinstance(template, str):
        return GO_FIELD.sub(lambda match: element[match[1]], template)
    return template


def namespace_of(folder: Path) -> str:
    first = next(yaml.safe_load_all((folder / "00-environment.yaml").read_text()))
    assert first["kind"] == "Namespace"
    return str(first["metadata"]["name"])


def test_one_application_per_environment_folder_pointing_at_it(project: Path) -> None:
    result = render(project, "--applicationset", REPO, "--revision", "main")
    assert result.returncode == 0, result.stderr
    out = project / "classes" / "dev"
    document = yaml.safe_load((out / "applicationset.yaml").read_text())
    assert (document["apiVersion"], document["kind"]) == ("argoproj.io/v1alpha1", "ApplicationSet")
    assert document["metadata"]["namespace"] == "argocd"
    spec = document["spec"]
    assert set(spec) <= APPLICATIONSET_SPEC
    assert spec["goTemplate"] is True and "missingkey=error" in spec["goTemplateOptions"]
    [generator] = spec["generators"]
    elements = generator["list"]["elements"]
    template = spec["template"]
    assert set(template["spec"]) <= APPLICATION_SPEC
    assert set(template["spec"]["source"]) <= SOURCE and set(template["spec"]["destination"]) <= DESTINATION

    applications = [fill(template, element) for element in elements]
    folders = sorted(path for path in out.iterdir() if path.is_dir())
    assert len(applications) == len(folders) == 2
    for application, folder in zip(applications, folders, strict=True):
        source, destination = application["spec"]["source"], application["spec"]["destination"]
        assert source["repoURL"] == REPO and source["targetRevision"] == "main"
        assert source["path"] == f"classes/dev/{folder.name}"
        assert (project / source["path"]).resolve() == folder.resolve()
        assert destination == {"server": "https://kubernetes.default.svc", "namespace": namespace_of(folder)}
        assert LABEL_VALUE.match(application["metadata"]["name"])
    assert len({app["metadata"]["name"] for app in applications}) == len(applications)
    # It is part of the render: listed in the marker, not in the kustomization, not reviewed as the class.
    assert "applicationset.yaml" in (out / MARKER).read_text()
    assert "applicationset.yaml" not in (out / "kustomization.yaml").read_text()
    review = labctl("review", "--dir", str(out), "--format", "summary")
    assert review.returncode == 0, review.stdout + review.stderr


def test_path_prefix_names_the_folder_in_the_repository(project: Path) -> None:
    out = project / "elsewhere"
    result = render(project, "--applicationset", REPO, "--path-prefix", "term-1/labs", out=str(out))
    assert result.returncode == 0, result.stderr
    template = yaml.safe_load((out / "applicationset.yaml").read_text())["spec"]["template"]
    assert fill(template, {"environment": "student-1", "namespace": "x"})["spec"]["source"]["path"] == (
        "term-1/labs/student-1"
    )


@pytest.mark.parametrize(
    ("flags", "out", "message"),
    [
        (("--applicationset", REPO, "--include-secrets"), "classes/dev", "passwords in a git repository"),
        (("--path-prefix", "classes/dev"), "classes/dev", "--path-prefix is for --applicationset"),
        (("--applicationset", REPO), "/tmp/k8s-labs-absolute-out", "give --path-prefix"),
        (("--applicationset", REPO), "../outside", "not inside the current folder: give --path-prefix"),
        (("--applicationset", "not a url"), "classes/dev", "not a repository URL"),
        (("--applicationset", REPO, "--path-prefix", "../up"), "classes/dev", "not a folder inside the repository"),
    ],
)
def test_what_cannot_work_is_refused_with_2_and_nothing_written(
    project: Path, flags: tuple[str, ...], out: str, message: str
) -> None:
    result = render(project, *flags, out=out)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (project / "classes").exists() and not Path(out).exists()


def test_a_tree_for_git_holds_no_answers_and_suggests_no_password_file(project: Path) -> None:
    # Given an exercise-mode class rendered for Argo CD (the repository is one students can read)
    result = render(project, "--applicationset", REPO, "--set", "classroom.mode=exercise")
    # Then no instructor's folder is in the tree, the output says where the answers are not,
    assert result.returncode == 0, result.stderr
    assert not (project / "classes/dev/_instructor").exists()
    assert "not in a tree meant for git" in result.stdout
    # and it never suggests --include-secrets, which --applicationset refuses
    solution = render(project, "--applicationset", REPO, out="classes/solution")
    assert solution.returncode == 0, solution.stderr
    assert "--include-secrets" not in solution.stdout
    assert "no password goes to git" in solution.stdout
