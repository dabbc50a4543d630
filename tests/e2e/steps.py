"""The e2e's steps, in order. Each raises StepFailed with what it saw instead of what it expected."""

from __future__ import annotations

import functools
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from config import load
from config.sources import read_stack
from labctl.render.handout import setup_steps
from labs.lab import LabKey
from labs.mysql import MysqlWithSecretArgs
from labs.pod import LabArgs
from tests.e2e import plan, timing
from tests.e2e.tools import Report, Shell, StepFailed, last_words

LabArgsT = TypeVar("LabArgsT", bound=LabArgs)

DEPLOY_TIMEOUT = 1800.0
COMMAND_TIMEOUT = 120.0
SETTLE_TIMEOUT = 300.0


@dataclass
class Run:
    shell: Shell
    pulumi: str
    kubectl: str
    project: Path
    """The run's copy of the project, which holds its stack files."""
    work: Path
    names: plan.Names
    report: Report
    verify_wait: float
    deploy_timeout: float = DEPLOY_TIMEOUT
    labs: dict[str, Any] = field(default_factory=dict)
    owns_namespaces: bool = False
    """True once none of the run's namespaces existed before it: only then may teardown look for them."""
    stack_created: bool = False
    deployed: bool = False
    protect_checked: bool = False
    """True once a destroy was tried while the claim was protected: teardown does not try it again."""
    kubectl_applied: bool = False
    watcher: timing.Watcher | None = None

    # Commands

    def pulumi_argv(self, *words: str) -> list[str]:
        return [self.pulumi, *words, "--stack", plan.STACK, "--non-interactive"]

    def pulumi_ok(self, *words: str, timeout: float | None = None) -> str:
        return self.shell.ok(self.pulumi_argv(*words), self.deploy_timeout if timeout is None else timeout)

    def kubectl_argv(self, *words: str) -> list[str]:
        """kubectl's own flags go before `--`: what follows it is the command `kubectl exec` runs."""
        split = words.index("--") if "--" in words else len(words)
        return [self.kubectl, *words[:split], "--request-timeout=30s", *words[split:]]

    def labctl(self, *words: str, timeout: float) -> None:
        self.shell.ok([sys.executable, "-m", "labctl", *words, "--project-dir", str(self.project)], timeout)

    def absent(self, namespace: str) -> bool:
        argv = self.kubectl_argv("get", "namespace", namespace, "--ignore-not-found", "-o", "name")
        return self.shell.ok(argv, COMMAND_TIMEOUT).strip() == ""

    def until(self, what: str, check: Callable[[], str | None], timeout: float = SETTLE_TIMEOUT) -> None:
        """Asks `check` (None: done, else what it saw) every few seconds until it is done or time is up."""
        deadline = time.monotonic() + timeout
        while True:
            seen = check()
            if seen is None:
                return
            if time.monotonic() >= deadline:
                raise StepFailed(f"{what}: still {seen} after {timeout:g}s")
            time.sleep(min(3.0, max(0.0, deadline - time.monotonic())))

    def set_labs(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Changes the e2e stack's labs in place, keeping what `pulumi stack init` added (its salt)."""
        change(self.labs)
        path = self.project / f"Pulumi.{plan.STACK}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["config"]["k8s-labs:labs"] = self.labs
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


# Deploy and verify


def namespaces_are_free(run: Run) -> None:
    taken = [ns for ns in run.names.namespaces() + run.names.kubectl_namespaces() if not run.absent(ns)]
    if taken:
        raise StepFailed(f"namespaces already exist, so the run would not own them: {', '.join(taken)}")
    run.owns_namespaces = True


def stack_init(run: Run) -> None:
    run.labs = plan.base_labs(run.project)
    config = plan.stack_config(run.labs, run.names.prefix, persistent=True)
    run.labs = config["config"]["k8s-labs:labs"]
    plan.write_stack(run.project, plan.STACK, config)
    run.shell.ok([run.pulumi, "stack", "init", plan.STACK, "--non-interactive"], COMMAND_TIMEOUT)
    run.stack_created = True


def preview_with_policy(run: Run) -> None:
    run.pulumi_ok("preview", "--policy-pack", "policy")


def pulumi_up(run: Run) -> None:
    run.watcher = timing.Watcher(run.shell, run.kubectl, run.names.namespaces()[0], plan.PROBE_POD)
    run.watcher.start()
    run.deployed = True  # from here on something may exist on the cluster
    run.pulumi_ok("up", "--yes", "--skip-preview")


def no_changes(run: Run) -> None:
    """Right after an up the program and the state agree: a change proposed here is a perpetual diff."""
    done = run.shell.run(run.pulumi_argv("preview", "--expect-no-changes"), run.deploy_timeout)
    if done.returncode != 0:
        raise StepFailed(
            f"`pulumi preview --expect-no-changes` exited {done.returncode}, so the program and what it just "
            f"deployed still differ (a perpetual diff): {last_words(done)}"
        )


def verify(run: Run) -> None:
    run.labctl("verify", "--stack", plan.STACK, "--max-wait", f"{run.verify_wait:g}", timeout=run.verify_wait + 300)


def probe_timing(run: Run) -> None:
    args = timing.probe_args(run.project, plan.STACK)
    assert run.watcher is not None
    rows = timing.compare(args, run.watcher.finish(timing.wait_budget(args)))
    run.report.tables.append(timing.table(rows))
    print(timing.table(rows))
    off = [row.moment for row in rows if not row.within]
    if off:
        raise StepFailed(f"outside the prediction's tolerance: {', '.join(off)} (see the table)")


# Changes that replace a Pod, each deployed and then seen live


def jsonpath(run: Run, namespace: str, pod: str, path: str) -> str:
    argv = run.kubectl_argv("get", "pod", pod, "-n", namespace, "-o", f"jsonpath={{{path}}}")
    done = run.shell.run(argv, COMMAND_TIMEOUT)
    return done.stdout.strip() if done.returncode == 0 else f"kubectl: {last_words(done)}"


def exec_output(run: Run, namespace: str, pod: str, *command: str) -> str:
    done = run.shell.run(run.kubectl_argv("exec", "-n", namespace, pod, "--", *command), COMMAND_TIMEOUT)
    return done.stdout if done.returncode == 0 else f"kubectl: {last_words(done)}"


def change_and_see(run: Run, change: Callable[[dict[str, Any]], None], live: Callable[[str], str | None]) -> None:
    run.set_labs(change)
    run.pulumi_ok("up", "--yes", "--skip-preview")
    for namespace in run.names.namespaces():
        run.until(f"in {namespace}", functools.partial(live, namespace))


def expect(seen: str, wanted: str) -> str | None:
    return None if seen == wanted else f"{seen!r}, not {wanted!r}"


def readiness_delay(run: Run) -> None:
    path = ".spec.containers[0].readinessProbe.initialDelaySeconds"
    change_and_see(
        run,
        plan.with_readiness_delay,
        lambda ns: expect(jsonpath(run, ns, plan.PROBE_POD, path), str(plan.READINESS_DELAY)),
    )


def startup_probe(run: Run) -> None:
    path = ".spec.containers[0].startupProbe.periodSeconds"
    change_and_see(
        run,
        plan.with_startup_probe,
        lambda ns: expect(jsonpath(run, ns, plan.PROBE_POD, path), str(plan.STARTUP_PERIOD)),
    )


def env_from_data(run: Run) -> None:
    wanted = f"E2E_MARKER={run.names.marker}"

    def live(namespace: str) -> str | None:
        seen = exec_output(run, namespace, "pod-env-var", "env")
        return None if wanted in seen.splitlines() else f"without {wanted} in the pod's env"

    change_and_see(run, lambda labs: plan.with_env_marker(labs, run.names.marker), live)


def redis_maxmemory(run: Run) -> None:
    def live(namespace: str) -> str | None:
        lines = exec_output(run, namespace, "redis", "redis-cli", "CONFIG", "GET", "maxmemory").split()
        return expect(lines[-1] if lines else "", plan.MAXMEMORY_BYTES)

    change_and_see(run, plan.with_maxmemory, live)


# Refresh: the state read back from the cluster


UNHEALTHY = "Refreshed resource is in an unhealthy state"
REFRESH_OUTCOME = (
    "`pulumi refresh --yes` exits 0, and any warning that a refreshed resource is in an unhealthy state "
    f"names the probe lab's pod ({plan.PROBE_POD}) and nothing else; the `pulumi up` after it succeeds, and "
    "`pulumi preview --expect-no-changes` then proposes no change."
)
"""What the refresh step holds, quoted by docs/verification.md. The probe pod is built never to stay
Ready, and pulumi-kubernetes 4.32.0 ignores `pulumi.com/waitFor` when it reads a Pod, so refresh may find
it unhealthy; pulumi v3.259.0 (pkg/resource/deploy/step.go, RefreshStep.Apply) then warns and keeps it
with its init errors, and the next `pulumi up` updates it to await it again."""


def probe_pod_urn(urn: str) -> bool:
    """`urn:pulumi:<stack>::<project>::<parent types>$kubernetes:core/v1:Pod::<student>-<probe pod>`."""
    parts = urn.split("::")
    names = {f"{student}-{plan.PROBE_POD}" for student in plan.STUDENTS}
    return len(parts) == 4 and parts[2].rsplit("$", 1)[-1] == "kubernetes:core/v1:Pod" and parts[3] in names


def unhealthy_after_refresh(stdout: str) -> tuple[list[str], int]:
    """URNs of the "unhealthy state" warnings in `--json`'s engine events (one JSON object a line), and how
    many such warnings came on a line that is not an event, so name no resource."""
    urns, unnamed = [], 0
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            unnamed += UNHEALTHY in line
            continue
        diagnostic = event.get("diagnosticEvent") if isinstance(event, dict) else None
        if isinstance(diagnostic, dict) and UNHEALTHY in str(diagnostic.get("message", "")):
            urn = diagnostic.get("urn")
            if isinstance(urn, str) and urn:
                urns.append(urn)
            else:
                unnamed += 1
    return urns, unnamed


def refresh_then_up(run: Run) -> str:
    argv = run.pulumi_argv("refresh", "--yes", "--skip-preview", "--json", "--color", "never")
    done = run.shell.run(argv, run.deploy_timeout)
    if done.returncode != 0:
        raise StepFailed(f"`pulumi refresh --yes` exited {done.returncode}: {last_words(done)}")
    urns, unnamed = unhealthy_after_refresh(done.stdout)
    others = sorted({urn for urn in urns if not probe_pod_urn(urn)})
    if others or unnamed:
        named = ", ".join(others) if others else f"{unnamed} warning(s) naming no resource"
        raise StepFailed(f"unhealthy after refresh besides the probe pods: {named}")
    run.pulumi_ok("up", "--yes", "--skip-preview")
    no_changes(run)
    probes = sorted({urn.rsplit("::", 1)[-1] for urn in urns})
    return f"unhealthy after refresh (expected): {', '.join(probes)}" if probes else ""


# Admission, as a student's ServiceAccount


def as_student(run: Run, namespace: str) -> str:
    return f"--as=system:serviceaccount:{namespace}:{plan.SERVICE_ACCOUNT}"


def refused(run: Run, manifest: str, namespace: str, reason: str) -> None:
    argv = run.kubectl_argv("create", "--dry-run=server", "-f", "-", as_student(run, namespace))
    done = run.shell.run(argv, COMMAND_TIMEOUT, stdin=manifest)
    if done.returncode == 0:
        raise StepFailed(f"the API server accepted it in {namespace}")
    if reason not in done.stderr:
        raise StepFailed(f"refused, but not by {reason}: {last_words(done)}")


def privileged_refused(run: Run) -> None:
    namespace = run.names.namespaces()[0]
    refused(run, plan.privileged_pod(namespace), namespace, "PodSecurity")


def over_quota_refused(run: Run) -> None:
    namespace = run.names.namespaces()[0]
    refused(run, plan.over_quota_pod(namespace), namespace, "exceeded quota")


def other_namespace_denied(run: Run) -> None:
    own, other = run.names.namespaces()

    def can_i(namespace: str) -> str:
        argv = run.kubectl_argv("auth", "can-i", "get", "pods", "-n", namespace, as_student(run, own))
        return run.shell.run(argv, COMMAND_TIMEOUT).stdout.strip()

    if can_i(own) != "yes":  # otherwise a "no" below could be impersonation not working at all
        raise StepFailed(f"the student cannot even read pods in their own namespace {own}")
    if can_i(other) != "no":
        raise StepFailed(f"a student of {own} may read pods in {other}")


# Network isolation, from inside a student's pod


CONNECT_SECONDS = 5
EXEC_TIMEOUT = 60.0
# What a TCP connect from inside the pod did, as its first word: run by the probe lab's Python 3
# (`python -c <this> HOST PORT SECONDS`), it needs nothing the image does not have.
CONNECT_SCRIPT = """\
import socket, sys
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4]
except OSError as error:
    print("unresolved", error)
    sys.exit(0)
try:
    socket.create_connection(address[:2], timeout=seconds).close()
except TimeoutError:
    print("timed-out after", seconds, "s to", address[0])
except ConnectionRefusedError:
    print("refused by", address[0])
except OSError as error:
    print("unreachable", address[0], error)
else:
    print("connected to", address[0])
"""
OUTCOMES = ("connected", "timed-out", "refused", "unreachable", "unresolved")
BLOCKED = ("timed-out", "refused", "unreachable")
"""A name that resolves but a connection that does not open: the NetworkPolicy dropped or rejected it."""


def service_host(name: str, namespace: str) -> str:
    return f"{name}.{namespace}.svc.cluster.local"


def connect_from(run: Run, namespace: str, host: str, port: int) -> str:
    """What a TCP connect to host:port from the namespace's probe pod did (see OUTCOMES). The exec is tried
    again while the container is not running (its liveness probe restarts it)."""
    probe = timing.probe_args(run.project, plan.STACK)
    argv = run.kubectl_argv(
        "exec", "-n", namespace, probe.name, "-c", probe.container_name, "--",
        "python", "-c", CONNECT_SCRIPT, host, str(port), str(CONNECT_SECONDS),
    )  # fmt: skip
    answer = ""

    def attempt() -> str | None:
        nonlocal answer
        done = run.shell.run(argv, EXEC_TIMEOUT)
        words = done.stdout.split()
        if done.returncode == 0 and words and words[0] in OUTCOMES:
            answer = " ".join(words)
            return None
        return f"without an answer from python in {probe.name} ({last_words(done)})"

    run.until(f"a connect to {host}:{port} from {namespace}", attempt)
    return answer


def network_isolation(run: Run) -> str:
    """From student-1's pod, its own MySQL answers (so DNS and the network work) and student-2's does not."""
    own, other = run.names.namespaces()
    mysql = lab_args(run, "mysqlWithSecret", MysqlWithSecretArgs)
    own_host, other_host = service_host(mysql.name, own), service_host(mysql.name, other)
    control = connect_from(run, own, own_host, mysql.port)
    if control.split()[0] != "connected":
        raise StepFailed(
            f"positive control failed: {own} cannot reach its own MySQL ({own_host}:{mysql.port}): {control}; "
            "isolation cannot be told from a broken network"
        )
    seen = connect_from(run, own, other_host, mysql.port)
    if seen.split()[0] not in BLOCKED:
        raise StepFailed(f"from {own}, {other_host}:{mysql.port} was not blocked: {seen}")
    return f"own MySQL: {control}; {other}'s MySQL: {seen}"


def lab_args(run: Run, key: LabKey, kind: type[LabArgsT]) -> LabArgsT:
    """The first environment's arguments of one lab, as the e2e stack resolves them."""
    found = load(read_stack(run.project / f"Pulumi.{plan.STACK}.yaml").values).environments[0].labs[key]
    if not isinstance(found, kind):
        raise StepFailed(f"the stack's {key} is a {type(found).__name__}, not a {kind.__name__}")
    return found


# The kubectl path


def kubectl_path(run: Run) -> None:
    """A second class, set up only once the Pulumi class is gone: both at once do not fit a 2-core runner
    (tests/test_e2e_capacity.py)."""

    def pulumi_class_left() -> str | None:
        left = [ns for ns in run.names.namespaces() if not run.absent(ns)]
        return ", ".join(left) + " still there" if left else None

    run.until("the Pulumi class's namespaces", pulumi_class_left)
    config = plan.stack_config(plan.base_labs(run.project), run.names.kubectl_prefix, persistent=False)
    stack_file = plan.write_stack(run.project, plan.KUBECTL_STACK, config)
    out = run.work / "render"
    run.labctl("render", "--stack", plan.KUBECTL_STACK, "--out", str(out), "--include-secrets", timeout=COMMAND_TIMEOUT)
    environments = load(read_stack(stack_file).values).environments
    folders = [out / env.name for env in environments]
    run.kubectl_applied = True
    for env, folder in zip(environments, folders, strict=True):
        # The documented order, as each LAB-SHEET.md gives it: the namespace, its quota's status,
        # the Secret, then the labs; each command from inside the environment's folder.
        for step in setup_steps(env, secrets_file=True):
            for command in step.commands:
                done = run.shell.run(["bash", "-c", with_kubectl(run, command)], COMMAND_TIMEOUT, cwd=folder)
                if done.returncode != 0:
                    raise StepFailed(f"{folder.name}: `{command}` exited {done.returncode}: {last_words(done)}")
    run.labctl(
        "verify", "--stack", plan.KUBECTL_STACK, "--max-wait", f"{run.verify_wait:g}", timeout=run.verify_wait + 300
    )
    delete_kubectl_tree(run, folders)


def with_kubectl(run: Run, command: str) -> str:
    """The lab sheet's command, its `kubectl` the run's own with the run's request timeout."""
    return f'kubectl() {{ {shlex.quote(run.kubectl)} "$@" --request-timeout=30s; }}\n{command}'


def delete_kubectl_tree(run: Run, folders: list[Path]) -> None:
    for folder in reversed(folders):
        run.shell.ok(
            run.kubectl_argv("delete", "-f", f"{folder}/", "--ignore-not-found", "--wait=false"), COMMAND_TIMEOUT
        )
    run.kubectl_applied = False


# Destroying the Pulumi class: in the run's order, and in teardown whatever happened before


def refused_while_protected(run: Run) -> None:
    run.protect_checked = True
    done = run.shell.run(run.pulumi_argv("destroy", "--yes", "--skip-preview"), run.deploy_timeout)
    if done.returncode == 0:
        run.deployed = False
        raise StepFailed("destroy succeeded although the PersistentVolumeClaim is protected")
    if "protect" not in done.stdout + done.stderr:
        raise StepFailed(f"destroy failed, but not because of protect: {last_words(done)}")


def unprotect_and_destroy(run: Run) -> None:
    run.pulumi_ok("state", "unprotect", "--all", "--yes", timeout=COMMAND_TIMEOUT)
    run.pulumi_ok("destroy", "--yes", "--skip-preview")
    run.deployed = False


def kubectl_leftovers(run: Run) -> None:
    """Only after a failed kubectl-path step: its namespaces, by their exact names."""
    for namespace in run.names.kubectl_namespaces():
        if not run.absent(namespace):
            run.shell.ok(run.kubectl_argv("delete", "namespace", namespace, "--wait=false"), COMMAND_TIMEOUT)
    run.kubectl_applied = False


def nothing_left(run: Run) -> None:
    def remaining() -> str | None:
        left = [ns for ns in run.names.namespaces() + run.names.kubectl_namespaces() if not run.absent(ns)]
        return ", ".join(left) + " left" if left else None

    run.until("namespaces of the run", remaining)


MAIN_STEPS: list[tuple[str, Callable[[Run], str | None]]] = [
    ("the run's namespaces are free", namespaces_are_free),
    ("pulumi stack init (local backend in a temporary folder)", stack_init),
    ("pulumi preview --policy-pack policy", preview_with_policy),
    ("pulumi up", pulumi_up),
    ("pulumi preview --expect-no-changes: no perpetual diff", no_changes),
    ("labctl verify", verify),
    ("probe lab: observed against the timeline", probe_timing),
    ("change: readiness probe delay (replaces the Pod)", readiness_delay),
    ("change: a startup probe (replaces the Pod)", startup_probe),
    ("change: the envFrom ConfigMap's data (replaces the Pod)", env_from_data),
    ("change: Redis maxmemory (restarts Redis)", redis_maxmemory),
    ("pulumi refresh, then up and preview --expect-no-changes", refresh_then_up),
    ("admission: a privileged pod is refused", privileged_refused),
    ("admission: a pod over the quota is refused", over_quota_refused),
    ("RBAC: no access to another student's namespace", other_namespace_denied),
    ("network: student-1's pod reaches its own MySQL, not student-2's", network_isolation),
    ("pulumi destroy refuses while the claim is protected", refused_while_protected),
    ("pulumi state unprotect, then destroy", unprotect_and_destroy),
    ("kubectl path (once the Pulumi class is gone): render, apply, verify, delete", kubectl_path),
]

PULUMI_CLASS, KUBECTL_CLASS = "the Pulumi class", "the kubectl path's class"
# Which step puts a class on the cluster and which removes it: tests/test_e2e_capacity.py walks
# MAIN_STEPS with these and sums the requests of every class there at the same time.
DEPLOYS: dict[Callable[[Run], str | None], str] = {pulumi_up: PULUMI_CLASS, kubectl_path: KUBECTL_CLASS}
REMOVES: dict[Callable[[Run], str | None], str] = {unprotect_and_destroy: PULUMI_CLASS, kubectl_path: KUBECTL_CLASS}
