"""Given the lab text's own manifests, the review flags what the seed errata say is wrong with them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from labctl.cli import main
from labctl.review.sources import from_tree
from policy.rules import review
from tests.shared import need, shared_folder

FIXTURES = Path(__file__).parent / "fixtures" / "seed"
SEED_PATH = Path("seed") / "advanced-pod-api-features.md"


# File -> rules the seed breaks (from the errata and the lab text), whatever else the review finds.
EXPECTED = {
    "liveready-pod-exercise-2.1.yaml": {"image-end-of-life", "no-default-namespace", "container-resources"},
    "liveready-pod-lab-2.2.yaml": {"image-end-of-life", "no-default-namespace", "liveness-restarts"},
    "security-pod.yaml": {"image-pinned", "pss-restricted-run-as-non-root", "container-resources"},
    "pod-env-var.yaml": {"image-end-of-life", "configmap-ref-resolves"},
    "redis-pod.yaml": {"image-end-of-life", "database-on-emptydir", "configmap-ref-resolves", "container-resources"},
    "secret-mysql.yaml": {"image-end-of-life", "secret-in-env", "database-on-emptydir", "secret-ref-resolves"},
}
# What the lab text asks for on purpose and the review must not invent: none of its objects is privileged.
NEVER = {"pss-baseline-privileged", "pss-baseline-host-path", "service-external-type", "plaintext-secret"}


def rules_in(name: str) -> set[str]:
    reviewed = from_tree(FIXTURES)
    chosen = [i for i, place in enumerate(reviewed.locations) if place.file == name]
    return {f.rule.id for f in review(reviewed.objects) if f.subject in chosen}


def test_the_fixtures_are_the_lab_text_blocks() -> None:
    seed = need(shared_folder() / SEED_PATH, "the lab text")
    blocks = re.findall(r"```yaml\n(.*?)```", seed.read_text(), re.S)
    assert [(FIXTURES / name).read_text() for name in EXPECTED] == blocks


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_seed_manifest_is_flagged_for_its_faults(name: str) -> None:
    found = rules_in(name)
    assert EXPECTED[name] <= found
    assert not found & NEVER


def test_the_misplaced_configmap_name_is_explained() -> None:
    document = yaml.safe_load((FIXTURES / "pod-env-var.yaml").read_text())
    entry = document["spec"]["containers"][0]["envFrom"][0]
    assert entry == {"configMapRef": None, "name": "example-configmap"}  # the seed's structural bug
    reviewed = from_tree(FIXTURES)
    messages = [f.message for f in review(reviewed.objects) if f.rule.id == "configmap-ref-resolves"]
    assert any("beside" in message for message in messages)


def test_reviewing_the_seed_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--dir", str(FIXTURES), "--format", "summary"]) == 1
    assert capsys.readouterr().out.startswith("review FAILED")
