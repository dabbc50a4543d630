"""Given a rendered class, when `kubectl kustomize` builds its root, then it gives exactly the tree's objects.

The real kubectl (its embedded kustomize) does the building. Where kubectl is missing the test
fails and says so rather than skipping: CI runs on the same machine image, which has it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from labctl.render.outdir import MARKER, foreign_entries
from tests.conftest import ROOT
from tests.test_render import labctl


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail("kubectl is not on PATH: this test runs `kubectl kustomize` (kubectl 1.27 or later); install it")
    return path


def identity(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    metadata = obj["metadata"]
    return obj["apiVersion"], obj["kind"], metadata.get("namespace", ""), metadata["name"]


def tree_objects(out: Path) -> list[dict[str, Any]]:
    """Every object of every environment's manifest files, folder by folder, files in name order."""
    objects = []
    for folder in sorted(path for path in out.iterdir() if path.is_dir()):
        for file in sorted(folder.glob("*.yaml")):
            objects += [doc for doc in yaml.safe_load_all(file.read_text()) if doc]
    return objects


def built(out: Path) -> list[dict[str, Any]]:
    done = subprocess.run([kubectl(), "kustomize", str(out)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def render(project: Path, *flags: str) -> Path:
    out = project / "out"
    result = labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project), *flags)
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("flags", [(), ("--include-secrets",)], ids=["plain", "with-secrets"])
def test_kustomize_builds_exactly_the_objects_of_the_tree_in_apply_order(project: Path, flags: tuple[str, ...]) -> None:
    out = render(project, *flags)
    expected = tree_objects(out)
    objects = built(out)
    # The same objects, none twice, none missing, with the same content ...
    assert Counter(map(identity, objects)) == Counter(map(identity, expected))
    assert len(set(map(identity, objects))) == len(objects)
    assert {identity(obj): obj for obj in objects} == {identity(obj): obj for obj in expected}
    # ... in the order `kubectl apply -f <folder>/` takes them, environment after environment.
    assert [identity(obj) for obj in objects] == [identity(obj) for obj in expected]
    assert objects[0]["kind"] == "Namespace"


def test_only_one_kustomization_at_the_root_never_in_an_environment_folder(project: Path) -> None:
    out = render(project, "--include-secrets")
    found = sorted(path.relative_to(out).as_posix() for path in out.rglob("kustomization.y*ml"))
    assert found == ["kustomization.yaml"]
    listed = yaml.safe_load((out / "kustomization.yaml").read_text())["resources"]
    assert "student-1/05-secrets.yaml" in listed
    assert listed.index("student-1/00-environment.yaml") < listed.index("student-1/05-secrets.yaml")
    assert listed.index("student-1/05-secrets.yaml") < listed.index("student-1/10-liveready-pod.yaml")


def test_the_marker_covers_the_kustomization_so_an_edit_to_it_blocks_the_next_render(project: Path) -> None:
    out = render(project)
    assert "kustomization.yaml" in (out / MARKER).read_text()
    assert foreign_entries(out) == []
    with (out / "kustomization.yaml").open("a") as handle:
        handle.write("namePrefix: mine-\n")
    assert foreign_entries(out) == ["kustomization.yaml"]
    again = labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project))
    assert again.returncode == 2
    assert "kustomization.yaml" in again.stderr
    assert "namePrefix: mine-" in (out / "kustomization.yaml").read_text()
