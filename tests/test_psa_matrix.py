"""Given every Pod Security case in every container kind and every workload kind, exactly the stated rules report.

The cross product of tests/psa/cases.py (each control, field by field, passing and failing) with the
container kinds (containers, initContainers, and ephemeralContainers on Pods) and the kinds that run
a pod (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController,
PodTemplate) runs through the rule engine, through `labctl review --dir` (as YAML documents, a
`kind: List` and JSON), and a sample of it through the CrossGuard pack's analyzer form. Each object
must draw exactly the Pod Security findings its case states, at exactly the stated field paths.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from labctl.cli import main
from policy.rules import RULES, review
from tests.psa.cases import CASES, Case
from tests.psa.workloads import (
    CONTAINER_KINDS,
    PREFIX,
    WORKLOAD_KINDS,
    container_kinds,
    patched,
    restricted_pod,
    wrap,
)
from tests.test_policy_analyzer_form import as_analyzer_sees

PSS = tuple(rule.id for rule in RULES if rule.id.startswith("pss-"))
Expected = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Built:
    case: Case
    workload: str
    container_kind: str | None
    obj: dict[str, Any]
    expected: Expected

    @property
    def label(self) -> str:
        return f"{self.workload}" + (f" {self.container_kind}" if self.container_kind else "")


def namespace_name(case: Case) -> str:
    return f"psa-e{case.enforce_version or 'latest'}-w{case.warn_version or 'latest'}".replace(".", "-")


def namespace_object(case: Case) -> dict[str, Any]:
    """Enforce baseline and warn at restricted, as the student namespaces do, at the case's versions."""
    labels = {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"}
    if case.enforce_version:
        labels["pod-security.kubernetes.io/enforce-version"] = case.enforce_version
    if case.warn_version:
        labels["pod-security.kubernetes.io/warn-version"] = case.warn_version
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace_name(case), "labels": labels}}


def object_paths(path: str, workload: str, container_kind: str | None) -> list[str]:
    """A case's path in the pod as the paths in the object of `workload`."""
    if "{c}" in path:
        assert container_kind is not None, path
        paths = [path.replace("{c}", f"spec.{container_kind}[0]")]
    elif "{each}" in path or "{others}" in path:
        kinds = [kind for kind in container_kinds(workload) if "{each}" in path or kind != container_kind]
        paths = [path.replace("{each}", f"spec.{kind}[0]").replace("{others}", f"spec.{kind}[0]") for kind in kinds]
    else:
        paths = [path]
    return [PREFIX[workload] + found for found in paths]


def build(case: Case, workload: str, container_kind: str | None) -> Built:
    pod = restricted_pod(workload)
    if case.every_container is not None:
        for kind in container_kinds(workload):
            pod["spec"][kind] = [patched(pod["spec"][kind][0], case.every_container)]
    if case.pod is not None:
        pod = patched(pod, case.pod)
    if container_kind is not None:
        pod["spec"][container_kind] = [patched(pod["spec"][container_kind][0], case.container)]
    name = f"{case.name}-{workload}-{container_kind or 'pod'}".lower().replace(".", "-").replace("_", "-")
    expected = frozenset(
        (rule_id, found)
        for rule_id, paths in case.trips.items()
        for path in paths
        for found in object_paths(path, workload, container_kind)
    )
    return Built(case, workload, container_kind, wrap(workload, name, namespace_name(case), pod), expected)


@cache
def matrix() -> tuple[Built, ...]:
    built = []
    for case in CASES:
        for workload in WORKLOAD_KINDS:
            kinds: Sequence[str | None] = container_kinds(workload) if case.per_container else (None,)
            built += [build(case, workload, kind) for kind in kinds]
    return tuple(built)


@cache
def namespaces() -> tuple[dict[str, Any], ...]:
    return tuple({namespace_name(case): namespace_object(case) for case in CASES}.values())


def pss_found(objects: Sequence[Mapping[str, Any]]) -> dict[int, set[tuple[str, str]]]:
    found: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for finding in review(objects):
        if finding.rule.id in PSS:
            assert finding.path is not None and finding.message.startswith(f"{finding.path}: "), finding.message
            found[finding.subject].add((finding.rule.id, finding.path))
    return found


# A fixture, not a cached function: the findings come from the rules under test, so each session (a
# mutant's, under `make mutants`) computes them again, while the matrix itself is fixed test data.
@pytest.fixture(scope="module")
def engine_findings() -> dict[int, set[tuple[str, str]]]:
    return pss_found([*namespaces(), *(built.obj for built in matrix())])


def mismatches(case: Case, found_for: Mapping[int, set[tuple[str, str]]], offset: int) -> list[str]:
    problems = []
    for index, built in enumerate(matrix()):
        if built.case is not case:
            continue
        got = found_for.get(index + offset, set())
        if got != built.expected:
            problems.append(
                f"{built.label}: missing {sorted(built.expected - got)}, unexpected {sorted(got - built.expected)}"
            )
    return problems


def test_the_cases_cover_every_pod_security_rule_in_every_kind() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    tripped = {rule_id for case in CASES for rule_id in case.trips}
    assert tripped == set(PSS)
    assert {built.workload for built in matrix()} == set(WORKLOAD_KINDS)
    for rule_id in PSS:
        kinds = {b.container_kind for b in matrix() if b.container_kind and any(r == rule_id for r, _ in b.expected)}
        if any(case.per_container for case in CASES if rule_id in case.trips):
            assert kinds == set(CONTAINER_KINDS), rule_id
    assert any(not case.trips for case in CASES) and len(matrix()) > 1500


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_engine_reports_exactly_the_stated_rules_and_paths(
    case: Case, engine_findings: dict[int, set[tuple[str, str]]]
) -> None:
    assert mismatches(case, engine_findings, len(namespaces())) == []


def write_tree(folder: Path) -> None:
    """The matrix as `kubectl apply -f` would take it: YAML streams, one `kind: List`, and JSON."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for built in matrix():
        by_kind[built.workload].append(built.obj)
    (folder / "00-namespaces.yaml").write_text(yaml.safe_dump_all(list(namespaces()), sort_keys=False))
    for workload, objects in by_kind.items():
        if workload == "Deployment":
            as_list = {"apiVersion": "v1", "kind": "List", "items": objects}
            (folder / "deployments.yaml").write_text(yaml.safe_dump(as_list, sort_keys=False))
        elif workload == "PodTemplate":
            (folder / "podtemplates.json").write_text("\n".join(json.dumps(obj) for obj in objects))
        else:
            (folder / f"{workload.lower()}s.yml").write_text(yaml.safe_dump_all(objects, sort_keys=False))


@pytest.fixture(scope="module")
def reported_by_labctl(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], set[tuple[str, str]]]:
    folder = tmp_path_factory.mktemp("psa-matrix")
    write_tree(folder)
    with pytest.MonkeyPatch.context() as patch:
        lines: list[str] = []
        patch.setattr("builtins.print", lambda *args, **_: lines.append(" ".join(str(arg) for arg in args)))
        assert main(["review", "--dir", str(folder), "--format", "json"]) == 1
    report = json.loads("\n".join(lines))
    assert report["objects"] == len(matrix()) + len(namespaces())
    found: dict[tuple[str, str, str], set[tuple[str, str]]] = defaultdict(set)
    for finding in report["findings"]:
        if finding["rule"] in PSS:
            obj = finding["object"]
            found[(obj["kind"], obj["namespace"], obj["name"])].add(
                (finding["rule"], finding["message"].split(": ")[0])
            )
    return found


def keyed(objects: Sequence[Built]) -> Iterator[tuple[Built, tuple[str, str, str]]]:
    for built in objects:
        meta = built.obj["metadata"]
        yield built, (built.obj["kind"], meta["namespace"], meta["name"])


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_labctl_review_reports_exactly_the_stated_rules_and_paths(
    case: Case, reported_by_labctl: dict[tuple[str, str, str], set[tuple[str, str]]]
) -> None:
    wrong = [
        f"{built.label}: missing {sorted(built.expected - got)}, unexpected {sorted(got - built.expected)}"
        for built, key in keyed([b for b in matrix() if b.case is case])
        if (got := reported_by_labctl.get(key, set())) != built.expected
    ]
    assert wrong == []


def analyzer_sample() -> list[Built]:
    """Every failing case once per rule it trips, and every seventh object besides."""
    chosen: dict[int, Built] = {}
    for rule_id in PSS:
        index, built = next((i, b) for i, b in enumerate(matrix()) if any(r == rule_id for r, _ in b.expected))
        chosen[index] = built
    chosen |= {index: built for index, built in enumerate(matrix()) if index % 7 == 0}
    return [chosen[index] for index in sorted(chosen)]


def test_the_pack_finds_the_same_under_the_analyzer_form() -> None:
    sample = analyzer_sample()
    objects = [*namespaces(), *(built.obj for built in sample)]
    found = pss_found(as_analyzer_sees(objects))
    offset = len(namespaces())
    wrong = [
        f"{built.case.name} {built.label}: {sorted(found.get(index + offset, set()) ^ built.expected)}"
        for index, built in enumerate(sample)
        if found.get(index + offset, set()) != built.expected
    ]
    assert wrong == [] and len(sample) > 200
