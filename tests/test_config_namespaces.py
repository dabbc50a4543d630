"""Given a lab namespace that the cluster keeps for itself, when the config is loaded, then it is refused.

`kube-system`, `kube-public`, `kube-node-lease` and `default` exist in every cluster and hold its
own objects: a lab Namespace of that name would relabel them (Pod Security levels included) and
put the class's quota over the system's pods.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load
from labctl import cli
from labs.metadata import RESERVED_NAMESPACES

SYSTEM = ["default", "kube-system", "kube-public", "kube-node-lease"]


def problems_of(raw: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load(raw)
    return error.value.problems


def test_the_reserved_names_are_the_four_every_cluster_creates() -> None:
    assert sorted(RESERVED_NAMESPACES) == sorted(SYSTEM)


@pytest.mark.parametrize("name", SYSTEM)
def test_a_reserved_single_namespace_is_refused_naming_the_key(name: str) -> None:
    (problem,) = problems_of({"namespace": name})

    assert problem.startswith(f"namespace: '{name}' is a namespace the cluster keeps for itself")


@pytest.mark.parametrize(
    ("prefix", "student", "namespace"), [("", "default", "default"), ("kube-", "system", "kube-system")]
)
def test_a_classroom_namespace_that_comes_out_reserved_is_refused(prefix: str, student: str, namespace: str) -> None:
    (problem,) = problems_of({"classroom": {"students": ["alice", student], "namespacePrefix": prefix}})

    assert problem.startswith(f"classroom.namespacePrefix: namespacePrefix + student gives ['{namespace}']")


def test_ordinary_namespaces_still_load() -> None:
    assert load({"namespace": "kube-labs"}).environments[0].namespace == "kube-labs"
    classroom = load({"classroom": {"students": ["default"]}})
    assert [env.namespace for env in classroom.environments] == ["lab-default"]


def test_labctl_render_exits_2_naming_namespace_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"

    code = cli.main(
        ["render", "--stack", "dev", "--out", str(out), "--set", "classroom=null", "--set", "namespace=kube-system"]
    )

    assert code == 2
    assert "  - namespace: 'kube-system' is a namespace the cluster keeps for itself" in capsys.readouterr().err
    assert not out.exists()
