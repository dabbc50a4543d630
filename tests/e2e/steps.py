"""The e2e's steps, in order. Each raises StepFailed with what it saw instead of what it expected."""

from __future__ import annotations

import functools
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config import load
from config.sources import read_stack
from labctl.handout import setup_steps
from tests.e2e import plan, timing
from tests.e2e.tools import Report, Shell, StepFailed, last_words

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
    kubectl_applied: bool = False
    watcher: timing.Watcher | None = None

    # Commands

    def pulumi_ok(self, *words: str, timeout: float | None = None) -> str:
        argv = [self.pulumi, *words, "--stack", plan.STACK, "--non-interactive"]
        return self.shell.ok(argv, self.deploy_timeout if timeout is None else timeout)

    def kubectl_argv(self, *words: str) -> list[str]:
        return [self.kubectl, *words, "--request-timeout=30s"]

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


# The kubectl path


def kubectl_path(run: Run) -> None:
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


MAIN_STEPS: list[tuple[str, Callable[[Run], None]]] = [
    ("the run's namespaces are free", namespaces_are_free),
    ("pulumi stack init (local backend in a temporary folder)", stack_init),
    ("pulumi preview --policy-pack policy", preview_with_policy),
    ("pulumi up", pulumi_up),
    ("labctl verify", verify),
    ("probe lab: observed against the timeline", probe_timing),
    ("change: readiness probe delay (replaces the Pod)", readiness_delay),
    ("change: a startup probe (replaces the Pod)", startup_probe),
    ("change: the envFrom ConfigMap's data (replaces the Pod)", env_from_data),
    ("change: Redis maxmemory (restarts Redis)", redis_maxmemory),
    ("admission: a privileged pod is refused", privileged_refused),
    ("admission: a pod over the quota is refused", over_quota_refused),
    ("RBAC: no access to another student's namespace", other_namespace_denied),
    ("kubectl path: render, apply, verify, delete", kubectl_path),
]


# Teardown: runs whatever happened before


def refused_while_protected(run: Run) -> None:
    done = run.shell.run(
        [run.pulumi, "destroy", "--yes", "--skip-preview", "--stack", plan.STACK, "--non-interactive"],
        run.deploy_timeout,
    )
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
