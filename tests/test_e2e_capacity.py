"""Given the e2e's steps in their order, when the classes they deploy are summed with kind's own pods,
then what is on the node at any time fits a 2-CPU, 7 GB GitHub runner.

Run together, the Pulumi class, the kubectl path's class and kind's pods ask for about 2.6 CPUs, so
MySQL stayed Pending; the kubectl path now starts only once the Pulumi class is destroyed.
"""

from __future__ import annotations

import pytest

from labs import isolation
from labs.isolation import Budget
from labs.quantity import format_cpu, format_memory, parse_cpu, parse_memory
from labs.webserver import python_major
from tests.conftest import ROOT
from tests.e2e import capacity, plan, steps, timing
from tests.e2e.capacity import ALLOCATABLE, KIND_NODE_PODS, Requests


def class_of(name: str) -> Requests:
    if name == steps.PULUMI_CLASS:
        return capacity.class_requests(ROOT, "e2e-cap-", persistent=True)
    assert name == steps.KUBECTL_CLASS
    return capacity.class_requests(ROOT, "e2e-cap-k-", persistent=False)


def shown(requests: Requests) -> str:
    return f"{format_cpu(requests.cpu)} CPU, {format_memory(requests.memory)}"


def test_given_kinds_own_pods_then_they_ask_for_950m_cpu_and_290mi() -> None:
    assert capacity.total(pod.requests for pod in KIND_NODE_PODS) == Requests(950, parse_memory("290Mi"))


def test_given_one_class_then_its_two_students_ask_for_820m_cpu_and_1232mi() -> None:
    # Per student: the probe lab, the security pod, Redis, MySQL (250m, 512Mi) and the envFrom pod.
    expected = Requests(parse_cpu("820m"), parse_memory("1232Mi"))
    assert class_of(steps.PULUMI_CLASS) == class_of(steps.KUBECTL_CLASS) == expected


def test_given_the_runs_order_then_at_no_step_does_what_is_deployed_exceed_the_runners_allocatable() -> None:
    system = capacity.total(pod.requests for pod in KIND_NODE_PODS)
    classes = {name: class_of(name) for name in (steps.PULUMI_CLASS, steps.KUBECTL_CLASS)}
    during = capacity.classes_at_once(steps.MAIN_STEPS, steps.DEPLOYS, steps.REMOVES)
    used = [(name, live, system + capacity.total(classes[c] for c in live)) for name, live in during]
    for name, live, asked in used:
        assert asked.fits(ALLOCATABLE), f"{name}: {shown(asked)} asked of {shown(ALLOCATABLE)} ({sorted(live)})"
    # 950m + 820m at most: one class at a time leaves the node 230m spare.
    assert max(asked.cpu for _, _, asked in used) == 1770
    assert max(asked.memory for _, _, asked in used) == parse_memory("1522Mi")


def test_given_the_runs_order_then_the_kubectl_path_runs_alone_after_the_pulumi_class_is_destroyed() -> None:
    during = dict(capacity.classes_at_once(steps.MAIN_STEPS, steps.DEPLOYS, steps.REMOVES))
    kubectl_step = next(name for name, step in steps.MAIN_STEPS if step is steps.kubectl_path)
    assert during[kubectl_step] == {steps.KUBECTL_CLASS}


def test_given_both_classes_at_once_then_they_would_not_fit_which_is_why_the_order_matters() -> None:
    both = capacity.total(
        [*(pod.requests for pod in KIND_NODE_PODS), class_of(steps.PULUMI_CLASS), class_of(steps.KUBECTL_CLASS)]
    )
    assert both.cpu == 2590 and not both.fits(ALLOCATABLE)


def test_given_a_container_then_it_counts_its_requests_else_its_limits_else_the_limit_ranges_defaults() -> None:
    defaults = Requests(100, parse_memory("128Mi"))
    spec = {
        "containers": [
            {"resources": {"requests": {"cpu": "50m", "memory": "32Mi"}}},
            {"resources": {"limits": {"cpu": "200m", "memory": "64Mi"}}},
            {},
        ],
    }
    assert capacity.pod_requests(spec, defaults) == Requests(350, parse_memory("224Mi"))


def test_given_init_containers_then_a_pod_counts_its_sidecars_with_its_containers_or_its_largest_init() -> None:
    running = [{"resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]
    sidecar = {"restartPolicy": "Always", "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}}
    large_init = {"resources": {"requests": {"cpu": "1", "memory": "8Mi"}}}
    assert capacity.pod_requests({"containers": running, "initContainers": [sidecar]}, Requests()) == Requests(
        110, parse_memory("72Mi")
    )
    assert capacity.pod_requests(
        {"containers": running, "initContainers": [large_init, sidecar]}, Requests()
    ) == Requests(1000, parse_memory("72Mi"))


def test_given_the_namespaces_limit_range_then_a_container_asking_nothing_counts_its_default_request() -> None:
    bare = {"kind": "Pod", "metadata": {"name": "bare"}, "spec": {"containers": [{"name": "main"}]}}
    assert capacity.manifests_requests([*isolation.quota("ns", Budget()), bare]) == Requests(
        parse_cpu(str(Budget().default_request_cpu)), parse_memory(str(Budget().default_request_memory))
    )


def test_given_a_workload_kind_it_does_not_count_then_the_budget_refuses_to_guess() -> None:
    job = {"kind": "Job", "metadata": {"name": "seed"}, "spec": {}}
    with pytest.raises(ValueError, match="Job/seed"):
        capacity.manifests_requests([job])


def test_given_a_deployment_then_each_replica_counts() -> None:
    pod = {"containers": [{"resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}}]}
    spec = {"replicas": 3, "template": {"spec": pod}}
    deployment = {"kind": "Deployment", "metadata": {"name": "mysql"}, "spec": spec}
    assert capacity.manifests_requests([deployment]) == Requests(750, 3 * parse_memory("512Mi"))


def test_given_the_dev_stack_then_the_probe_pod_the_network_step_execs_into_runs_python_3() -> None:
    probe = timing.probe_args(ROOT, "dev")
    assert probe.name == plan.PROBE_POD and python_major(probe.image) == 3
