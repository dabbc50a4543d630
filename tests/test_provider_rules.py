"""Given every object the dev stack and a varied classroom register under mocks, then each one holds to the
provider's and the API server's rules (components/provider_rules.py): a change the API server refuses is a
delete-first replacement, every workload waits for its namespace's quota and LimitRange, and no Pod skips the
wait for its own deletion."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from components import Classroom, ClassroomArgs, provider_rules
from components.manifests import register
from components.provider_rules import RULES, covers, leaf_paths, segments, waits_for
from components.sources import KUBERNETES, PULUMI, PULUMI_KUBERNETES
from config import load
from labs import timeline, webserver
from labs.metadata import DATA_OWNER, EXISTS, RUNNING, SKIP_AWAIT, TIMEOUT_SECONDS, WAIT_FOR
from labs.support import KUBERNETES_MINORS
from tests.conftest import ROOT
from tests.harness import Registration, Run, run_program
from tests.manifests import plain, pod_spec
from tests.test_docs import _tables
from tests.test_program import run_main

SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
SCHEMA_VERSIONS = [f"{minor}.0" for minor in KUBERNETES_MINORS]
SERVER = "https://k8s.example.test:6443"
VARIED_CLASS: dict[str, Any] = {
    "labs": {
        "probedWebServer": {"stage": "exercise-2.1"},
        "secureWriterPod": {},
        "redisWithConfigMap": {},
        "mysqlWithSecret": {},
        "configMapEnvPod": {},
    },
    "classroom": {
        "students": ["ada", "bob", "cyd"],
        "kubeconfigServer": SERVER,
        "overrides": {
            "ada": {"probedWebServer": {"awaitMode": "none"}},
            "bob": {
                "probedWebServer": {"awaitMode": "running", "terminationGracePeriodSeconds": 600},
                "mysqlWithSecret": {"storage": {"type": "persistentVolumeClaim"}},
            },
            "cyd": {"probedWebServer": {"stage": "lab-2.2", "delayStart": 100}},
        },
    },
}


@pytest.fixture(scope="module")
def dev_run(dev_raw: dict[str, Any]) -> Run:
    return run_main(dev_raw)


@pytest.fixture(scope="module")
def class_run() -> Run:
    plan = load(VARIED_CLASS)
    server = "https://k8s.example.test:6443"
    return run_program(
        lambda: Classroom("classroom", ClassroomArgs(environments=plan.environments, kubeconfig_server=server))
    )


@pytest.fixture(scope="module")
def single_run() -> Run:
    """One environment without a classroom: a Namespace and the labs, no quota or LimitRange."""
    return run_main({"namespace": "k8s-labs"})


@pytest.fixture(params=["dev", "class", "single"])
def run(request: pytest.FixtureRequest) -> Run:
    return request.getfixturevalue(f"{request.param}_run")  # type: ignore[no-any-return]


def objects(run: Run, kind: str | None = None) -> Iterator[tuple[Registration, dict[str, Any]]]:
    for registration in run.kubernetes():
        manifest = plain(registration.inputs)
        if kind is None or manifest["kind"] == kind:
            yield registration, manifest


def name_of(manifest: dict[str, Any]) -> str:
    return f"{manifest['kind']}/{manifest['metadata'].get('namespace', '')}/{manifest['metadata']['name']}"


def refused_and_unhandled(manifest: dict[str, Any], replace_on_changes: tuple[str, ...]) -> list[str]:
    """Set paths whose change the API server refuses, that neither the provider nor replace_on_changes replaces
    and that the rules do not keep on purpose."""
    rules = RULES[manifest["kind"]]
    forced = [segments(path) for path in (*rules.provider_replaces, *replace_on_changes)]
    unhandled = []
    for leaf in leaf_paths(manifest):
        for refusal in rules.refusals:
            if refusal.kept_because or (refusal.only_when and manifest.get(refusal.only_when) is not True):
                continue
            if (
                covers(segments(refusal.path), leaf)
                and not any(covers(segments(path), leaf) for path in refusal.unless)
                and not any(covers(path, leaf) for path in forced)
            ):
                unhandled.append(".".join(leaf))
    return unhandled


def test_every_change_the_api_server_refuses_is_a_replacement(run: Run) -> None:
    # given every registered object, when any field it sets changes, then the change is never a refused update
    problems = {
        name_of(manifest): refused_and_unhandled(manifest, registration.replace_on_changes)
        for registration, manifest in objects(run)
    }
    assert {name: paths for name, paths in problems.items() if paths} == {}


def test_every_pod_is_replaced_on_any_spec_change_and_deleted_first(run: Run) -> None:
    pods = list(objects(run, "Pod"))
    assert pods
    for registration, manifest in pods:
        assert any(covers(segments(path), ("spec",)) for path in registration.replace_on_changes), name_of(manifest)
        assert registration.delete_before_replace is True, name_of(manifest)


def test_every_object_is_deleted_before_its_replacement(run: Run) -> None:
    # Fixed names: a create-then-delete would patch the old object and then delete it.
    assert [name_of(m) for r, m in objects(run) if r.delete_before_replace is not True] == []


def test_options_come_from_the_rules_table(run: Run) -> None:
    for registration, manifest in objects(run):
        expected = provider_rules.replacement(manifest)
        assert registration.replace_on_changes == expected.replace_on_changes, name_of(manifest)


def test_only_pods_need_replace_on_changes_for_refused_updates_and_claims_for_their_data_owner(
    class_run: Run,
) -> None:
    """The per-kind decision docs/deploy.md shows: every other kind's refused fields are the provider's own."""
    needing = {m["kind"] for r, m in objects(class_run) if r.replace_on_changes}
    assert needing == {"Pod", "PersistentVolumeClaim"}
    claims = {r.replace_on_changes for r, m in objects(class_run) if m["kind"] == "PersistentVolumeClaim"}
    assert claims == {('metadata.annotations["k8s-labs.dev/data-owner"]',)}
    assert {m["kind"] for _, m in objects(class_run)} == set(RULES)


def test_every_workload_waits_for_its_namespace_quota_and_limit_range(run: Run) -> None:
    by_namespace: dict[tuple[str, str], list[str]] = {}
    for registration, manifest in objects(run):
        namespace = manifest["metadata"].get("namespace", manifest["metadata"]["name"])
        by_namespace.setdefault((manifest["kind"], namespace), []).append(registration.urn)
    workloads = [(r, m) for r, m in objects(run) if m["kind"] in provider_rules.WORKLOADS]
    assert workloads
    for registration, manifest in workloads:
        namespace = manifest["metadata"]["namespace"]
        for kind in ("Namespace", "ResourceQuota", "LimitRange"):
            for urn in by_namespace.get((kind, namespace), []):
                assert urn in registration.dependencies, (name_of(manifest), kind)


def test_a_classroom_workload_has_a_quota_and_limit_range_to_wait_for(class_run: Run, single_run: Run) -> None:
    kinds = {m["kind"] for _, m in objects(class_run)}
    assert {"ResourceQuota", "LimitRange"} <= kinds
    assert not {"ResourceQuota", "LimitRange"} & {m["kind"] for _, m in objects(single_run)}


def test_every_object_waits_only_for_the_kinds_the_table_names(run: Run) -> None:
    # Other dependencies are the inputs' own (the generated password the MySQL Secret holds).
    kind_by_urn = {r.urn: m["kind"] for r, m in objects(run)}
    for registration, manifest in objects(run):
        kinds = {kind_by_urn[urn] for urn in registration.dependencies if urn in kind_by_urn}
        assert kinds <= waits_for(manifest["kind"]), name_of(manifest)


def read_by(manifest: dict[str, Any]) -> set[tuple[str, str]]:
    """The ConfigMaps, Secrets and claims a workload reads when it starts."""
    spec = pod_spec(manifest)
    found: set[tuple[str, str]] = set()
    for container in spec["containers"]:
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                found.add(("ConfigMap", source["configMapRef"]["name"]))
            if "secretRef" in source:
                found.add(("Secret", source["secretRef"]["name"]))
        for variable in container.get("env", []):
            reference = variable.get("valueFrom", {})
            if "configMapKeyRef" in reference:
                found.add(("ConfigMap", reference["configMapKeyRef"]["name"]))
            if "secretKeyRef" in reference:
                found.add(("Secret", reference["secretKeyRef"]["name"]))
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            found.add(("ConfigMap", volume["configMap"]["name"]))
        if "secret" in volume:
            found.add(("Secret", volume["secret"]["secretName"]))
        if "persistentVolumeClaim" in volume:
            found.add(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]))
    return found


def test_every_workload_waits_for_what_it_reads_at_start(run: Run) -> None:
    urns = {(m["kind"], m["metadata"].get("namespace"), m["metadata"]["name"]): r.urn for r, m in objects(run)}
    checked = 0
    for registration, manifest in objects(run):
        if manifest["kind"] not in provider_rules.WORKLOADS:
            continue
        for kind, name in read_by(manifest):
            urn = urns.get((kind, manifest["metadata"]["namespace"], name))
            if urn is not None:  # a Secret made by hand (existingSecret) is not the stack's to wait for
                assert urn in registration.dependencies, (name_of(manifest), kind, name)
                checked += 1
    assert checked > 0


def test_the_token_secret_waits_for_its_service_account(class_run: Run) -> None:
    accounts = {m["metadata"]["namespace"]: r.urn for r, m in objects(class_run, "ServiceAccount")}
    tokens = [(r, m) for r, m in objects(class_run, "Secret") if m["type"] == "kubernetes.io/service-account-token"]
    assert len(tokens) == 3
    for registration, manifest in tokens:
        assert accounts[manifest["metadata"]["namespace"]] in registration.dependencies


def test_no_pod_skips_the_wait_for_its_deletion(run: Run) -> None:
    # skipAwait on these kinds also drops the deletion wait: the replacement's create meets AlreadyExists.
    offenders = [
        name_of(m)
        for _, m in objects(run)
        if m["kind"] in provider_rules.SKIP_AWAIT_SKIPS_DELETION
        and m["metadata"].get("annotations", {}).get(SKIP_AWAIT) == "true"
    ]
    assert offenders == []


# The provider's `pulumi.com/waitFor`: a JSONPath in braces with an optional `=value`, or a condition.
WAIT_FOR_FORM = re.compile(r"^(jsonpath=\{[^{}]+\}(=.+)?|condition=[A-Za-z]+(=(True|False|Unknown))?)$")


def test_every_wait_for_annotation_is_one_the_provider_parses(class_run: Run) -> None:
    values = [m["metadata"].get("annotations", {}).get(WAIT_FOR) for _, m in objects(class_run)]
    present = [value for value in values if value is not None]
    # ada: none; bob: running; cyd: never Ready, so running
    assert sorted(present) == [EXISTS, RUNNING, RUNNING]
    for value in present:
        conditions = json.loads(value) if value.startswith("[") else [value]
        assert conditions and all(WAIT_FOR_FORM.match(condition) for condition in conditions), value


def pod_field_paths(version: str) -> list[tuple[str, ...]]:
    """Every field of PodSpec and of a (init) container, as the schema of this Kubernetes version lists them."""
    folder = SCHEMAS / f"v{version}-local-strict"
    spec = json.loads((folder / "podspec-v1.json").read_text())["properties"]
    container = json.loads((folder / "container-v1.json").read_text())["properties"]
    paths: list[tuple[str, ...]] = [("spec", name) for name in spec]
    paths += [("spec", group, "*", name) for group in ("containers", "initContainers") for name in container]
    return paths


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_every_pod_field_of_every_version_is_replaced_or_updatable(class_run: Run, version: str) -> None:
    # A field a later Kubernetes adds is neither on the provider's list nor updatable: replace_on_changes covers it.
    rules = RULES["Pod"]
    updatable = [segments(path) for path in provider_rules.POD_UPDATABLE]
    for registration, manifest in objects(class_run, "Pod"):
        handled = [segments(p) for p in (*rules.provider_replaces, *registration.replace_on_changes)]
        loose = [
            ".".join(path)
            for path in pod_field_paths(version)
            if not any(covers(outer, path) for outer in handled + updatable)
        ]
        assert loose == [], name_of(manifest)


def test_the_provider_alone_leaves_pod_fields_to_a_refused_update() -> None:
    """Why Pods need replace_on_changes: fields the provider sends as an update, which the API server refuses."""
    forced = [segments(path) for path in (*RULES["Pod"].provider_replaces, *provider_rules.POD_UPDATABLE)]
    loose = {".".join(p) for p in pod_field_paths("1.37.0") if not any(covers(f, p) for f in forced)}
    assert {"spec.containers.*.startupProbe", "spec.containers.*.envFrom", "spec.containers.*.name"} <= loose


def test_an_object_registered_before_what_it_waits_for_is_refused() -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"}}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    with pytest.raises(ValueError, match=r"Pod/p must come after the ConfigMap it waits for"):
        register("x", [pod, config_map], None)


def test_every_pulumi_rule_is_read_at_the_pinned_release_tag_and_kubernetes_at_a_full_commit() -> None:
    sources = [refusal.source for rules in RULES.values() for refusal in rules.refusals]
    sources += [rules.awaits.source for rules in RULES.values()]
    sources += [wait.source for rules in RULES.values() for wait in rules.waits_for if wait.source]
    sources += [rule.source for rule in (*provider_rules.ANNOTATIONS, *provider_rules.ENGINE)]
    tags = {release.repo: release.tag for release in (PULUMI, PULUMI_KUBERNETES)}
    for source in sources:
        assert source.repo in {*tags, KUBERNETES}, source
        if source.repo in tags:
            assert source.ref == tags[source.repo], source
        else:
            assert re.fullmatch(r"[0-9a-f]{40}", source.ref), source
        assert source.path and source.symbol


@pytest.mark.parametrize("mode", ["auto", "ready", "running", "none"])
@pytest.mark.parametrize("grace", [None, 0, 600, 3600])
def test_every_await_mode_keeps_the_deletion_wait_and_outlasts_the_grace_period(mode: str, grace: int | None) -> None:
    args = webserver.ProbedWebServerArgs(await_mode=mode, termination_grace_period_seconds=grace)
    (pod,) = webserver.build(args)
    annotations = pod["metadata"]["annotations"]
    assert SKIP_AWAIT not in annotations
    # The provider limits the wait for a replaced pod's deletion with the same timeoutSeconds, and deleting
    # the pod takes up to its grace period (the server's shell ignores SIGTERM).
    assert int(annotations[TIMEOUT_SECONDS]) > args.grace_period_seconds
    if mode == "none":
        assert annotations[WAIT_FOR] == EXISTS


def test_ready_mode_waits_past_the_predicted_ready_time() -> None:
    args = webserver.ProbedWebServerArgs(stage="exercise-2.1", delay_start=200, await_mode="ready")
    ready_at = timeline.predict(args).ready_at
    assert ready_at is not None and ready_at > 200
    (pod,) = webserver.build(args)
    assert int(pod["metadata"]["annotations"][TIMEOUT_SECONDS]) > ready_at


# Lab 2.2 is Ready at 50 s (readiness at 30 and 40 s finds the server asleep until 45 s) and Exercise 2.1 at
# 45 s; with delayStart 200, Exercise 2.1's readiness (every 10 s from 5 s) first passes at 205 s. A pod the
# kubelet never makes Ready is awaited as Running. The timeout is 180 s for scheduling and the image pull on
# top of the longer of the Ready wait and the grace period (Kubernetes' 30 s unless set).
LIVENESS_RESTARTS = {
    "exempt.k8s-labs.dev/liveness-restarts": "the lab shows the kubelet restarting a container whose liveness "
    "probe fails"
}


@pytest.mark.parametrize(
    ("values", "annotations"),
    [
        ({}, {**LIVENESS_RESTARTS, TIMEOUT_SECONDS: "230"}),
        ({"awaitMode": "ready"}, {**LIVENESS_RESTARTS, TIMEOUT_SECONDS: "230"}),
        ({"awaitMode": "running"}, {**LIVENESS_RESTARTS, TIMEOUT_SECONDS: "210", WAIT_FOR: RUNNING}),
        ({"awaitMode": "none"}, {**LIVENESS_RESTARTS, TIMEOUT_SECONDS: "210", WAIT_FOR: EXISTS}),
        ({"terminationGracePeriodSeconds": 600}, {**LIVENESS_RESTARTS, TIMEOUT_SECONDS: "780"}),
        ({"stage": "exercise-2.1"}, {TIMEOUT_SECONDS: "225"}),
        ({"stage": "exercise-2.1", "delayStart": 200, "awaitMode": "ready"}, {TIMEOUT_SECONDS: "385"}),
        (
            {"stage": "exercise-2.1", "readinessProbe": {"httpGet": {"path": "/healthz"}}},
            {TIMEOUT_SECONDS: "210", WAIT_FOR: RUNNING},
        ),
        # Without a readiness probe the pod is Ready as it starts; with no grace period there is nothing to
        # outlast but the 180 s.
        (
            {"stage": "exercise-2.1", "readinessProbe": None, "terminationGracePeriodSeconds": 0},
            {TIMEOUT_SECONDS: "180"},
        ),
        (
            {"awaitMode": "running", "terminationGracePeriodSeconds": 0},
            {**LIVENESS_RESTARTS, TIMEOUT_SECONDS: "180", WAIT_FOR: RUNNING},
        ),
    ],
    ids=[
        "auto-ready",
        "ready",
        "running",
        "none",
        "long-grace",
        "exercise",
        "late-ready",
        "never-ready",
        "ready-at-start",
        "running-no-grace",
    ],
)
def test_the_web_server_pod_tells_the_provider_what_to_wait_for_and_how_long(
    values: dict[str, Any], annotations: dict[str, str]
) -> None:
    (pod,) = webserver.build(
        webserver.ProbedWebServerArgs.model_validate({"name": "web", "namespace": "lab-ada", **values})
    )
    assert pod["metadata"] == {
        "name": "web",
        "namespace": "lab-ada",
        "labels": {"app.kubernetes.io/part-of": "k8s-labs", "k8s-labs.dev/lab": "probed-web-server"},
        "annotations": annotations,
    }


def test_the_deploy_page_shows_each_kinds_options_as_registered(class_run: Run) -> None:
    # given the per-kind table of docs/deploy.md, then it names the options each kind is registered with
    rows = _tables((ROOT / "docs/deploy.md").read_text())["What a change replaces"]
    documented = {kind.strip("` "): row[-1] for row in rows for kind in row[0].split(",")}
    assert set(documented) == set(RULES)
    for registration, manifest in objects(class_run):
        cell = documented[manifest["kind"]]
        paths = ", ".join(registration.replace_on_changes)
        assert (f"`replace_on_changes: {paths}`" in cell) == bool(paths), manifest["kind"]
        assert ("`delete_before_replace`" in cell) == bool(registration.delete_before_replace), manifest["kind"]
        assert ("`protect`" in cell) == registration.protect, manifest["kind"]


# What a delete-first replacement takes with it (the engine's replace_with, ENGINE).


def registrations_by_urn(run: Run) -> dict[str, tuple[Registration, dict[str, Any]]]:
    return {registration.urn: (registration, manifest) for registration, manifest in objects(run)}


def replacement_chain(run: Run, root: str) -> set[str]:
    """Every URN the engine replaces with `root`: whatever lists a replaced object in replace_with, transitively."""
    chain = {root}
    while True:
        more = {r.urn for r, _ in objects(run) if set(r.replace_with) & chain} - chain
        if not more:
            return chain
        chain |= more


def urn_of(run: Run, kind: str, name: str, namespace: str | None) -> str:
    found = [
        r.urn
        for r, m in objects(run)
        if m["kind"] == kind and m["metadata"]["name"] == name and m["metadata"].get("namespace") == namespace
    ]
    assert len(found) == 1, (kind, name, namespace)
    return found[0]


def test_every_namespaced_object_is_replaced_with_its_namespace_and_nothing_else_is(class_run: Run) -> None:
    for registration, manifest in objects(class_run):
        namespace = manifest["metadata"].get("namespace")
        if namespace is None:
            assert registration.replace_with == (), name_of(manifest)
        else:
            assert urn_of(class_run, "Namespace", namespace, None) in registration.replace_with, name_of(manifest)


def test_replacing_a_namespace_replaces_everything_in_it_and_nothing_outside(class_run: Run) -> None:
    for student in ("ada", "bob", "cyd"):
        namespace = f"lab-{student}"
        chain = replacement_chain(class_run, urn_of(class_run, "Namespace", namespace, None))
        inside = {
            r.urn for r, m in objects(class_run) if namespace in (m["metadata"].get("namespace"), m["metadata"]["name"])
        }
        assert chain == inside


def test_a_namespace_holding_a_claim_cannot_be_replaced_without_unprotecting_it(class_run: Run) -> None:
    by_urn = registrations_by_urn(class_run)
    protected = {
        student: [
            by_urn[urn][1]["kind"]
            for urn in replacement_chain(class_run, urn_of(class_run, "Namespace", f"lab-{student}", None))
            if by_urn[urn][0].protect
        ]
        for student in ("ada", "bob")
    }
    # bob keeps MySQL's data on a claim: the engine stops the whole replacement at it (ENGINE).
    assert protected == {"ada": [], "bob": ["PersistentVolumeClaim"]}


def test_a_new_mysql_password_stops_at_a_claim_and_restarts_mysql_on_empty_dir(class_run: Run) -> None:
    by_urn = registrations_by_urn(class_run)
    assert any(covers(segments(path), ("stringData", "password")) for path in RULES["Secret"].provider_replaces)
    for student, kept in (("bob", {"PersistentVolumeClaim", "Deployment"}), ("ada", {"Deployment"})):
        secret = urn_of(class_run, "Secret", "mysql-password", f"lab-{student}")
        chain = replacement_chain(class_run, secret) - {secret}
        assert {by_urn[urn][1]["kind"] for urn in chain} == kept, student
        assert any(by_urn[urn][0].protect for urn in chain) == (student == "bob")


def test_a_new_mysql_uid_over_a_claim_replaces_the_protected_claim_so_it_is_refused(class_run: Run) -> None:
    by_urn = registrations_by_urn(class_run)
    claim, manifest = by_urn[urn_of(class_run, "PersistentVolumeClaim", "mysql-data", "lab-bob")]
    assert claim.protect
    changed = {
        **manifest,
        "metadata": {**manifest["metadata"], "annotations": {DATA_OWNER: "runAsUser=1001,fsGroup=999"}},
    }
    assert changed["metadata"]["annotations"] != manifest["metadata"]["annotations"]
    assert f'metadata.annotations["{DATA_OWNER}"]' in claim.replace_on_changes
