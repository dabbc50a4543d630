"""Given a class, when it is planned, rendered or run under mocks, then every student is isolated and stable."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pulumi
import pytest
import yaml

from components import Classroom, ClassroomArgs
from config import ConfigError, load
from labs import isolation
from labs.environment import build_environment, build_isolation
from labs.quantity import parse_cpu, parse_memory
from labs.support import KUBERNETES_MINORS
from policy.rules import review
from tests.harness import FILLED_TOKEN, SERVICE_ACCOUNT_TOKEN, Run, run_program
from tests.manifests import find, plain

ALL_LABS = ["probedWebServer", "secureWriterPod", "redisWithConfigMap", "mysqlWithSecret", "configMapEnvPod"]


def classroom(**settings: Any) -> dict[str, Any]:
    return {"classroom": {"students": 2, **settings}}


def run_class(raw: dict[str, Any]) -> Run:
    plan = load(raw)
    return run_program(lambda: Classroom("classroom", ClassroomArgs(environments=plan.environments)))


def test_a_count_names_students_and_namespaces() -> None:
    plan = load(classroom(students=3))
    assert [(e.name, e.namespace) for e in plan.environments] == [
        ("student-1", "lab-student-1"), ("student-2", "lab-student-2"), ("student-3", "lab-student-3"),
    ]  # fmt: skip


def test_students_by_name_with_a_prefix_and_a_lab_subset() -> None:
    plan = load(
        {"classroom": {"students": ["ada", "linus"], "namespacePrefix": "k8s-", "labs": ["redisWithConfigMap"]}}
    )
    assert [(e.namespace, list(e.labs)) for e in plan.environments] == [
        ("k8s-ada", ["redisWithConfigMap"]), ("k8s-linus", ["redisWithConfigMap"]),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("students", "fragment"),
    [
        (["ada", "ada"], "unique"),
        (["Ada"], "DNS-1123"),
        ([], "at least 1"),
        (0, "from 1 to 5000"),
        (True, "count or a list"),
    ],
)
def test_bad_student_lists_are_rejected(students: Any, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load({"classroom": {"students": students}})


def test_per_student_overrides_change_only_that_student() -> None:
    plan = load(classroom(overrides={"student-2": {"redisWithConfigMap": {"config": {"maxmemory": "8mb"}}}}))
    one, two = (env.labs["redisWithConfigMap"] for env in plan.environments)
    assert one.config.maxmemory == "2mb" and one.config.maxmemory_policy == "allkeys-lru"  # type: ignore[attr-defined]
    assert two.config.maxmemory == "8mb" and two.config.maxmemory_policy == "allkeys-lru"  # type: ignore[attr-defined]


def test_overrides_for_students_not_in_the_class_are_rejected() -> None:
    with pytest.raises(ConfigError, match=r"not in the class: \['student-9'\]"):
        load(classroom(overrides={"student-9": {}}))


def test_an_invalid_override_value_names_the_student() -> None:
    with pytest.raises(ConfigError) as error:
        load(classroom(overrides={"student-1": {"secureWriterPod": {"fsGroup": -5}}}))
    assert error.value.problems == [
        "classroom.overrides.student-1.secureWriterPod.fsGroup: Input should be greater than or equal to 0 (got -5)"
    ]


def test_a_class_that_does_not_fit_its_budget_is_rejected_with_the_numbers() -> None:
    with pytest.raises(ConfigError) as error:
        load(classroom(budget={"limitsMemory": "1Gi", "pods": 4}))
    memory, pods = error.value.problems
    labs_memory = sum(parse_memory(m) for m in ("64Mi", "16Mi", "64Mi", "1Gi", "64Mi"))
    assert memory.startswith("classroom.budget.limitsMemory: students student-1, student-2 need limits.memory")
    assert f"labs {labs_memory // 2**20}Mi" in memory and "allows 1Gi" in memory
    assert (
        pods == "classroom.budget.pods: students student-1, student-2 need 6 pods (labs + one client) "
        "but the budget allows 4"
    )


def test_the_default_budget_fits_all_labs_and_one_client_pod() -> None:
    (env, _) = load(classroom()).environments
    assert env.budget is not None
    requests = sum(parse_cpu(str(a.resources.cpu_request)) for a in env.labs.values())
    assert requests + parse_cpu(str(env.budget.default_request_cpu)) <= parse_cpu(str(env.budget.requests_cpu))


def test_every_student_gets_every_isolation_object() -> None:
    for env in load(classroom(students=3)).environments:
        manifests = build_isolation(env)
        namespace = find(manifests, "Namespace", env.namespace)
        labels = namespace["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"
        quota = find(manifests, "ResourceQuota")["spec"]["hard"]
        assert set(quota) == {"requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods"}
        limits = find(manifests, "LimitRange")["spec"]["limits"][0]
        assert set(limits["default"]) == set(limits["defaultRequest"]) == {"cpu", "memory"}
        find(manifests, "ServiceAccount", "student")
        find(manifests, "Role")
        find(manifests, "RoleBinding")
        find(manifests, "NetworkPolicy")
        assert all(m["metadata"].get("namespace") == env.namespace for m in manifests if m["kind"] != "Namespace")


def test_the_policy_holds_a_namespace_built_for_a_student_to_the_student_rules() -> None:
    student = isolation.namespace("lab-ann", isolation.PodSecurity(), "ann")
    teacher = isolation.namespace("lab-teacher", isolation.PodSecurity(), None)
    found = [(f.rule.id, f.subject) for f in review([student, teacher]) if f.rule.id.startswith("student-namespace")]
    assert found == [("student-namespace-quota", 0), ("student-namespace-network-policy", 0)]


def test_network_policy_admits_only_the_same_namespace_and_dns() -> None:
    (env, _) = load(classroom()).environments
    policy = find(build_isolation(env), "NetworkPolicy")["spec"]
    assert policy["podSelector"] == {}
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]
    assert policy["ingress"] == [{"from": [{"podSelector": {}}]}]
    peers = [peer for rule in policy["egress"] for peer in rule["to"]]
    assert {"podSelector": {}} in peers
    dns = next(rule for rule in policy["egress"] if any("namespaceSelector" in peer for peer in rule["to"]))
    assert {p["port"] for p in dns["ports"]} == {53} and {p["protocol"] for p in dns["ports"]} == {"UDP", "TCP"}


def test_rbac_grants_nothing_outside_the_students_namespace() -> None:
    (env, _) = load(classroom()).environments
    manifests = build_isolation(env)
    assert not any(m["kind"].startswith("Cluster") for m in manifests)
    role = find(manifests, "Role")
    binding = find(manifests, "RoleBinding")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == env.namespace
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "student", "namespace": env.namespace}]
    for rule in role["rules"]:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]
        assert "nonResourceURLs" not in rule
        assert not {"namespaces", "nodes", "roles", "rolebindings", "resourcequotas", "networkpolicies"} & set(
            rule["resources"]
        )


@pytest.mark.parametrize(
    ("resource", "verb"),
    [
        ("pods", "get"), ("pods", "list"), ("pods", "create"), ("pods", "delete"), ("pods", "patch"),
        ("pods/exec", "create"), ("pods/log", "get"), ("pods/attach", "create"),
        ("configmaps", "get"), ("secrets", "get"), ("services", "get"), ("events", "list"),
        ("deployments", "get"), ("deployments", "patch"),
    ],
)  # fmt: skip
def test_rbac_allows_what_the_labs_kubectl_steps_need(resource: str, verb: str) -> None:
    (env, _) = load(classroom()).environments
    rules = find(build_isolation(env), "Role")["rules"]
    assert any(resource in rule["resources"] and verb in rule["verbs"] for rule in rules)


def test_under_mocks_every_student_has_the_isolation_objects() -> None:
    run = run_class(classroom(students=3))
    kinds = Counter(r.inputs["kind"] for r in run.kubernetes())
    for kind in ("Namespace", "ServiceAccount", "Role", "RoleBinding", "ResourceQuota", "LimitRange", "NetworkPolicy"):
        assert kinds[kind] == 3
    assert kinds["Pod"] == 3 * 4 and kinds["Deployment"] == 3


def test_no_urn_collides_at_two_hundred_students() -> None:
    run = run_class(classroom(students=200))
    urns = Counter(r.urn for r in run.registrations)
    assert len(urns) == len(run.registrations)
    assert Counter(r.type for r in run.registrations)["k8s-labs:index:StudentEnvironment"] == 200


def _by_urn(run: Run) -> dict[str, str]:
    return {r.urn: json.dumps(plain(r.inputs), sort_keys=True) for r in run.registrations}


def test_adding_a_student_changes_nothing_for_the_others() -> None:
    before = _by_urn(run_class({"classroom": {"students": ["ada", "grace"]}}))
    after = _by_urn(run_class({"classroom": {"students": ["ada", "barbara", "grace"]}}))
    assert {urn: inputs for urn, inputs in after.items() if urn in before} == before
    assert any("barbara" in urn for urn in set(after) - set(before))


def test_a_class_split_over_cohorts_gives_identical_student_environments() -> None:
    whole = {e.name: e for e in load({"classroom": {"students": 4}}).environments}
    cohort = {e.name: e for e in load({"classroom": {"students": ["student-3", "student-4"]}}).environments}
    for name, env in cohort.items():
        assert build_environment(env, "pw") == build_environment(whole[name], "pw")


def test_isolated_environments_keep_labs_inside_their_namespace() -> None:
    for env in load(classroom()).environments:
        for manifest in build_environment(env, "pw"):
            assert manifest["metadata"].get("namespace", manifest["metadata"]["name"]) == env.namespace


def test_kubeconfig_server_adds_a_token_secret_per_student() -> None:
    plan = load(classroom(kubeconfigServer="https://k8s.example.test:6443"))
    for env in plan.environments:
        token = find(build_isolation(env), "Secret", "student-token")
        assert token["type"] == "kubernetes.io/service-account-token"
        assert token["metadata"]["annotations"] == {"kubernetes.io/service-account.name": "student"}
    assert all(find(build_isolation(e), "Secret") for e in plan.environments)
    plain_plan = load(classroom())
    assert not any(m["kind"] == "Secret" for e in plain_plan.environments for m in build_isolation(e))


def test_pod_security_levels_are_configurable() -> None:
    plan = load(classroom(podSecurity={"enforce": "restricted", "warn": "restricted", "audit": "baseline"}))
    labels = build_isolation(plan.environments[0])[0]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["pod-security.kubernetes.io/audit"] == "baseline"
    with pytest.raises(ConfigError, match=r"podSecurity\.enforce"):
        load(classroom(podSecurity={"enforce": "strict"}))


def test_overrides_do_not_leak_between_students() -> None:
    raw = classroom(overrides={"student-1": {"probedWebServer": {"delayStart": 5}}})
    original = copy.deepcopy(raw)
    plan = load(raw)
    assert raw == original
    assert [e.labs["probedWebServer"].delay_start for e in plan.environments] == [5, 45]  # type: ignore[attr-defined]


def test_kubeconfig_output_is_secret_and_scoped_to_the_student() -> None:
    plan = load(classroom(students=1, kubeconfigServer="https://k8s.example.test:6443"))

    def program() -> Any:
        room = Classroom(
            "classroom",
            ClassroomArgs(environments=plan.environments, kubeconfig_server="https://k8s.example.test:6443"),
        )
        kubeconfig = room.students["student-1"].kubeconfig
        assert kubeconfig is not None
        return pulumi.Output.all(kubeconfig, pulumi.Output.from_input(kubeconfig).is_secret())

    text, secret = run_program(program).outputs["value"]
    assert secret is True
    config = yaml.safe_load(text)
    assert config["clusters"][0]["cluster"]["server"] == "https://k8s.example.test:6443"
    assert config["contexts"][0]["context"]["namespace"] == "lab-student-1"
    assert config["users"][0]["user"]["token"] == SERVICE_ACCOUNT_TOKEN


def run_kubeconfig(token_data: dict[str, str], preview: bool = False) -> tuple[Run, list[str]]:
    """One student's kubeconfig, with the token Secret read back as `token_data`; what it was built as."""
    server = "https://k8s.example.test:6443"
    plan = load(classroom(students=1, kubeconfigServer=server))
    built: list[str] = []

    def program() -> Any:
        room = Classroom("classroom", ClassroomArgs(environments=plan.environments, kubeconfig_server=server))
        kubeconfig = room.students["student-1"].kubeconfig
        assert kubeconfig is not None
        return kubeconfig.apply(built.append)

    return run_program(program, raise_errors=False, preview=preview, token_data=token_data), built


@pytest.mark.parametrize("token_data", [{}, {"token": FILLED_TOKEN["token"]}, {"ca.crt": FILLED_TOKEN["ca.crt"]}])
def test_a_token_secret_read_without_its_data_stops_the_update_naming_it(token_data: dict[str, str]) -> None:
    # given the cluster has not filled in the token, when `pulumi up` builds the kubeconfig, then it stops
    run, built = run_kubeconfig(token_data)
    assert built == []
    assert isinstance(run.error, pulumi.RunError)
    message = str(run.error)
    assert "Secret student-token in namespace lab-student-1" in message
    missing = [key for key in ("token", "ca.crt") if key not in token_data]
    assert all(f"no {key}" in message for key in missing)
    assert all(f"no {key}" not in message for key in token_data)


def test_in_a_preview_an_unfilled_token_leaves_the_kubeconfig_unknown() -> None:
    # An interrupted `pulumi up` can leave the Secret empty in the state; the next `up` waits for it again.
    run, built = run_kubeconfig({}, preview=True)
    assert run.error is None
    assert built == []


def test_every_lab_object_waits_for_its_namespace() -> None:
    run = run_class(classroom())
    namespaces = {r.inputs["metadata"]["name"]: r.urn for r in run.kubernetes() if r.inputs["kind"] == "Namespace"}
    lab_objects = [r for r in run.kubernetes() if "k8s-labs.dev/lab" in r.inputs["metadata"].get("labels", {})]
    assert len(lab_objects) == 2 * 9
    for registration in lab_objects:
        assert namespaces[registration.inputs["metadata"]["namespace"]] in registration.dependencies


def test_given_no_kubernetes_version_when_planned_then_the_class_is_on_the_newest_supported_minor() -> None:
    plan = load(classroom())
    assert plan.classroom is not None and plan.classroom.kubernetes_version == KUBERNETES_MINORS[-1]
    assert load(classroom(kubernetesVersion="1.33")).classroom.kubernetes_version == "1.33"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        ("1.32", "classroom.kubernetesVersion: must be one of 1.33, 1.34, 1.35, 1.36, 1.37: the minors"),
        (1.35, "classroom.kubernetesVersion: must be text, not 1.35 (quote it in YAML"),
    ],
)
def test_given_an_unsupported_or_unquoted_kubernetes_version_when_planned_then_the_problem_names_the_key(
    version: Any, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(classroom(kubernetesVersion=version))
    assert problem in str(caught.value)
