"""Given Kubernetes' own Pod Security Admission test pods (policy v1.37), the review judges each as the plugin does.

`../shared/psa-fixtures/v1.37/<level>/{pass,fail}/*.yaml` (beside the repository; CI always has it):
a pass pod must draw no finding from that level's rules (restricted includes baseline), a fail pod
must draw one from the rule of the control it is named after (a HostProcess pod also shares the
node's network, as Windows requires, so other rules may report it too). Each pod names no namespace, so it
is judged at `latest`, which is v1.37. A missing folder is a failure that says where it was looked for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from policy.rules import review
from policy.rules.psa import LATEST
from tests.shared import need, shared_folder

ROOT = shared_folder() / "psa-fixtures"
VERSION = "v1.37"
FIXTURES = ROOT / VERSION
EXPECTED_COUNT = 148
# Fixture name (without its number) -> the rule of the control it exercises; `base*` pods exercise none.
CONTROL_RULES = {
    "apparmorprofile": "pss-baseline-apparmor",
    "capabilities_baseline": "pss-baseline-capabilities",
    "hostnamespaces": "pss-baseline-host-namespaces",
    "hostpathvolumes": "pss-baseline-host-path",
    "hostports": "pss-baseline-host-ports",
    "hostprobesandhostlifecycle": "pss-baseline-host-probes",
    "privileged": "pss-baseline-privileged",
    "procmount": "pss-baseline-proc-mount",
    "seccompprofile_baseline": "pss-baseline-seccomp",
    "selinuxoptions": "pss-baseline-selinux",
    "sysctls": "pss-baseline-sysctls",
    "windowshostprocess": "pss-baseline-host-process",
    "allowprivilegeescalation": "pss-restricted-privilege-escalation",
    "capabilities_restricted": "pss-restricted-capabilities",
    "procmount_restricted": "pss-restricted-proc-mount",
    "restrictedvolumes": "pss-restricted-volume-types",
    "runasnonroot": "pss-restricted-run-as-non-root",
    "runasuser": "pss-restricted-run-as-user",
    "seccompprofile_restricted": "pss-restricted-seccomp",
}
WHAT = "Kubernetes' PSA fixtures, which the review is held to,"


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*/*.yaml")) if FIXTURES.is_dir() else []


def fixture_id(path: Path) -> str:
    return "/".join(path.relative_to(FIXTURES).parts)


def fired(path: Path, level: str) -> set[str]:
    """The Pod Security rules of `level` (restricted: both levels) that report the fixture's pod."""
    pod = yaml.safe_load(path.read_text())
    prefixes = ("pss-baseline-",) if level == "baseline" else ("pss-baseline-", "pss-restricted-")
    return {f.rule.id for f in review([pod]) if f.rule.id.startswith(prefixes)}


def test_the_fixtures_are_there_and_complete() -> None:
    need(FIXTURES, WHAT)
    assert len(fixture_files()) == EXPECTED_COUNT, f"{FIXTURES} should hold {EXPECTED_COUNT} pods"


def test_latest_is_the_fixtures_policy_version() -> None:
    assert str(LATEST) == VERSION


# Without the fixtures, one case stands for them all: it is skipped, or fails under CI.
@pytest.mark.parametrize("path", fixture_files() or [FIXTURES / "missing.yaml"], ids=fixture_id)
def test_each_fixture_is_judged_as_pod_security_admission_does(path: Path) -> None:
    need(path, WHAT)
    level, verdict = path.parent.parent.name, path.parent.name
    control = re.sub(r"\d+$", "", path.stem)
    found = fired(path, level)
    if verdict == "pass":
        assert found == set(), f"{fixture_id(path)} is admitted at {level}, but the review reports {sorted(found)}"
        return
    rule_id = CONTROL_RULES[control]
    assert rule_id in found, f"{fixture_id(path)} is refused for {control}, but the review reports {sorted(found)}"
