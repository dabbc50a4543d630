"""Given a stack file, when `labctl render` runs, then it writes a kubectl-ready tree, or nothing."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.pasting import pasted


def labctl(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labctl", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's stack files, so tests can write bad ones."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_dev_stack_renders_one_folder_per_student_in_apply_order(project: Path) -> None:
    result = labctl("render", "--stack", "dev", "--out", str(project / "out"), "--project-dir", str(project))
    assert result.returncode == 0, result.stderr
    folders = sorted(p.name for p in (project / "out").iterdir())
    # The marker (labctl/render/outdir.py) and the kustomization (labctl/render/kustomization.py) beside them.
    assert folders == [".k8s-labs-render", "kustomization.yaml", "student-1", "student-2"]
    files = sorted(p.name for p in (project / "out" / "student-1").glob("*.yaml"))
    assert files[0] == "00-environment.yaml"
    first = next(yaml.safe_load_all((project / "out" / "student-1" / files[0]).read_text()))
    assert first["kind"] == "Namespace"
    # kubectl apply -f <dir> takes files in name order: every ConfigMap before the pod reading it.
    documents = [
        doc for name in files for doc in yaml.safe_load_all((project / "out" / "student-1" / name).read_text())
    ]
    seen: set[str] = set()
    for doc in documents:
        if doc["kind"] == "ConfigMap":
            seen.add(doc["metadata"]["name"])
        if doc["kind"] == "Pod":
            volumes = [v["configMap"]["name"] for v in doc["spec"].get("volumes", []) if "configMap" in v]
            env_from = [e["configMapRef"]["name"] for c in doc["spec"]["containers"] for e in c.get("envFrom", [])]
            assert set(volumes + env_from) <= seen


def test_same_input_gives_the_same_bytes(project: Path) -> None:
    out = project / "out"
    assert labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project)).returncode == 0
    first = tree_bytes(out)
    assert labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project)).returncode == 0
    assert tree_bytes(out) == first


def test_no_secret_in_the_tree_and_a_hint_instead(project: Path) -> None:
    out = project / "out"
    result = labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project))
    documents = [doc for path in out.rglob("*.yaml") for doc in yaml.safe_load_all(path.read_text())]
    assert [d for d in documents if d["kind"] == "Secret"] == []
    assert "kubectl create secret generic mysql-password -n lab-student-1" in result.stdout


def test_include_secrets_writes_an_owner_only_file(project: Path) -> None:
    out = project / "out"
    result = labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project), "--include-secrets")
    assert result.returncode == 0, result.stderr
    secret_files = sorted(out.rglob("05-secrets.yaml"))
    assert len(secret_files) == 2
    for path in secret_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        (secret,) = yaml.safe_load_all(path.read_text())
        password = secret["stringData"]["password"]
        assert len(password) >= 16
        assert password not in result.stdout + result.stderr
        for other in out.rglob("*.yaml"):
            if other != path:
                assert password not in other.read_text()


def test_set_overrides_reach_the_manifests(project: Path) -> None:
    out = project / "out"
    result = labctl(
        "render", "--stack", "dev", "--out", str(out), "--project-dir", str(project),
        "--set", "classroom.students=3", "--set", "labs.redisWithConfigMap.config.maxmemory=4mb",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    top = sorted(p.name for p in out.iterdir())
    assert top == [".k8s-labs-render", "kustomization.yaml", "student-1", "student-2", "student-3"]
    config_map = next(yaml.safe_load_all((out / "student-3" / "30-redis-pod.yaml").read_text()))
    assert "maxmemory 4mb" in config_map["data"]["redis-config"]


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        (["classroom.students=0"], "classroom.students"),
        (["labs.probedWebServer.delayStart=-1"], "labs.probedWebServer.delayStart"),
        (["labs.nope={}"], "labs.nope"),
        (["classroom.students"], "expected path=value"),
    ],
)
def test_bad_input_writes_nothing_and_names_the_key(project: Path, sets: list[str], expected: str) -> None:
    out = project / "out"
    args = [arg for item in sets for arg in ("--set", item)]
    result = labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project), *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert [p.name for p in project.iterdir() if p.name.startswith(".out")] == []


def test_bad_input_leaves_a_previous_tree_untouched(project: Path) -> None:
    out = project / "out"
    assert labctl("render", "--stack", "dev", "--out", str(out), "--project-dir", str(project)).returncode == 0
    before = tree_bytes(out)
    result = labctl(
        "render", "--stack", "dev", "--out", str(out), "--project-dir", str(project), "--set", "classroom.students=x"
    )
    assert result.returncode == 2
    assert tree_bytes(out) == before


def test_missing_stack_file_is_a_clear_error(project: Path) -> None:
    result = labctl("render", "--stack", "nope", "--out", str(project / "out"), "--project-dir", str(project))
    assert result.returncode == 2
    assert "Pulumi.nope.yaml" in result.stderr and "Traceback" not in result.stderr


def test_plaintext_password_in_the_stack_file_is_refused_unechoed(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text() + "  k8s-labs:mysqlRootPassword: Plain-Text-77\n")
    result = labctl("render", "--stack", "dev", "--out", str(project / "out"), "--project-dir", str(project))
    assert result.returncode == 2
    assert "mysqlRootPassword" in result.stderr
    assert "Plain-Text-77" not in result.stdout + result.stderr


AWKWARD_OUT = "with space/it's $HOME"


def test_every_printed_command_pastes_into_a_shell_as_the_words_meant(project: Path) -> None:
    # Given an --out with a space, a quote and a `$`, rendered for Argo CD too
    result = labctl(
        "render", "--stack", "dev", "--project-dir", str(project), "--out", AWKWARD_OUT,
        "--applicationset", "https://example.com/class.git", "--path-prefix", "classes/dev",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # When the commands it prints for the tree as a whole are pasted into bash
    prefixes = ("  cd ", "  kubectl apply -k ", "  kubectl apply -n ")
    commands = [line.strip() for line in result.stdout.splitlines() if line.startswith(prefixes)]
    # Then kubectl gets the paths as given, neither split at the space nor expanded at the `$`
    assert [pasted(command) for command in commands] == [
        ["cd", f"{AWKWARD_OUT}/student-1"],
        ["kubectl", "apply", "-k", f"{AWKWARD_OUT}/"],
        ["kubectl", "apply", "-n", "argocd", "-f", f"{AWKWARD_OUT}/applicationset.yaml"],
    ]
    assert (
        "or the whole class in the same order (a MySQL pod waits until its Secret exists):\n"
        "  kubectl apply -k 'with space/it'\"'\"'s $HOME/'\n"
    ) in result.stdout
    assert (
        "with Argo CD: commit the tree to https://example.com/class.git, then apply its ApplicationSet:\n"
        "  kubectl apply -n argocd -f 'with space/it'\"'\"'s $HOME/applicationset.yaml'\n"
    ) in result.stdout
