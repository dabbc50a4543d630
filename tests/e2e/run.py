"""Orchestrates one e2e run: preflight, the steps in order, teardown always, then the report.

Exit codes: 0 proven (every step passed), 1 a step failed (teardown still ran), 2 bad flags,
3 skipped (no Pulumi CLI, no kubectl, or the current context's cluster does not answer).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.e2e import plan, steps
from tests.e2e.tools import Report, Shell, Step, StepFailed

PROVEN, FAILED, BAD_FLAGS, SKIPPED = 0, 1, 2, 3
NOTHING_LEFT = "teardown: no namespace of the run is left"
ROOT = Path(__file__).resolve().parents[2]
# Fixes the run's random tag (namespace prefix and marker); for tests, or to find a kept run again.
TAG_VARIABLE = "K8S_LABS_E2E_TAG"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.e2e",
        description="Deploy, verify, change, check admission and tear down a throwaway class on the cluster of "
        "kubectl's current context. Exit codes: 0 proven, 1 a step failed, 3 skipped (no Pulumi CLI, no kubectl "
        "or no reachable cluster).",
    )
    parser.add_argument("--report-dir", type=Path, default=ROOT / "build" / "e2e", help="where report.md/json go")
    parser.add_argument("--verify-wait", type=float, default=600.0, help="labctl verify --max-wait, in seconds")
    parser.add_argument(
        "--deploy-timeout",
        type=float,
        default=steps.DEPLOY_TIMEOUT,
        help="seconds one pulumi preview/up/destroy may take",
    )
    args = parser.parse_args(argv)
    if not 0 < args.verify_wait <= 3600:
        parser.error(f"--verify-wait must be above 0 and at most 3600 seconds (got {args.verify_wait:g})")
    if not 0 < args.deploy_timeout <= 7200:
        parser.error(f"--deploy-timeout must be above 0 and at most 7200 seconds (got {args.deploy_timeout:g})")
    return args


def preflight(report: Report, shell: Shell) -> tuple[str, str] | str:
    """(pulumi, kubectl) paths, or why the run is skipped."""
    pulumi, kubectl = (
        shutil.which("pulumi", path=shell.env.get("PATH")),
        shutil.which("kubectl", path=shell.env.get("PATH")),
    )
    report.versions["k8s-labs"] = importlib.metadata.version("k8s-labs")
    report.versions["pulumi-kubernetes (provider SDK)"] = importlib.metadata.version("pulumi-kubernetes")
    # The CLI and the Python SDK share version numbers; the workflow installs the CLI of this one.
    report.versions["pulumi (Python SDK)"] = importlib.metadata.version("pulumi")
    if pulumi is None:
        return "no Pulumi CLI on PATH (https://www.pulumi.com/docs/install/)"
    if kubectl is None:
        return "no kubectl on PATH"
    done = shell.run([pulumi, "version"], 60)
    report.versions["Pulumi CLI"] = done.stdout.strip() or "unknown"
    done = shell.run([kubectl, "version", "-o", "json", "--request-timeout=10s"], 30)
    try:
        versions = json.loads(done.stdout) if done.returncode == 0 else {}
    except json.JSONDecodeError:
        versions = {}
    report.versions["kubectl"] = versions.get("clientVersion", {}).get("gitVersion", "unknown")
    server = versions.get("serverVersion", {}).get("gitVersion")
    if not server:
        return "the cluster of kubectl's current context does not answer (kubectl version shows no server)"
    report.versions["cluster"] = server
    context = shell.run([kubectl, "config", "current-context"], 30).stdout.strip()
    report.versions["kubectl context"] = context or "unknown"
    return pulumi, kubectl


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    report = Report()
    work = Path(tempfile.mkdtemp(prefix="k8s-labs-e2e-"))
    try:
        return _run(args, report, work)
    finally:
        report.write(args.report_dir)
        print(f"e2e: {report.outcome}; report in {args.report_dir}/report.md")
        if report.outcome != "failed: teardown incomplete":
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, report: Report, work: Path) -> int:
    passphrase = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        # A backend of its own: `pulumi login` (which would change the user's backend) is never run.
        "PULUMI_BACKEND_URL": (work / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    (work / "state").mkdir()
    shell = Shell(env, work)
    try:
        found = preflight(report, shell)
    except StepFailed as error:
        found = str(error)
    if isinstance(found, str):
        report.steps.append(Step("preflight", "", 0.0, "skipped", found))
        report.outcome = f"skipped: {found}"
        print(f"e2e: skipped: {found}")
        return SKIPPED
    pulumi, kubectl = found
    tag = os.environ.get(TAG_VARIABLE) or plan.Names.fresh().tag
    names = plan.Names(tag=tag, marker=f"m{tag}")
    plan.copy_project(ROOT, work / "project")
    shell.cwd = work / "project"  # pulumi finds the copy's Pulumi.yaml and stack files there
    run = steps.Run(
        shell, pulumi, kubectl, work / "project", work, names, report, args.verify_wait, args.deploy_timeout
    )
    failed = False
    try:
        for name, step in steps.MAIN_STEPS:
            if failed:
                report.steps.append(Step(name, "", 0.0, "skipped", "an earlier step failed"))
                continue
            try:
                with report.step(name) as record:
                    record.detail = step(run) or ""
            except StepFailed:
                failed = True
    finally:
        complete = teardown(run, report)
    if not complete:
        report.outcome = "failed: teardown incomplete"
        (work / "passphrase").write_text(passphrase)
        (work / "passphrase").chmod(0o600)
        print(
            f"e2e: the run's state is kept in {work}: PULUMI_BACKEND_URL={env['PULUMI_BACKEND_URL']} "
            f"PULUMI_CONFIG_PASSPHRASE_FILE={work / 'passphrase'} pulumi destroy --stack {plan.STACK} "
            f"(in {work / 'project'})"
        )
        return FAILED
    failed = any(step.result == "failed" for step in report.steps)
    report.outcome = "failed" if failed else "proven"
    return FAILED if failed else PROVEN


def teardown(run: steps.Run, report: Report) -> bool:
    """Removes everything the run created; False when something may be left on the cluster."""
    if run.watcher is not None:
        run.watcher.finish(0)
    chain: list[tuple[str, Callable[[steps.Run], None]]] = []
    if run.kubectl_applied:
        chain.append(("teardown: the kubectl path's namespaces", steps.kubectl_leftovers))
    if run.deployed:
        if not run.protect_checked:
            chain.append(
                ("teardown: pulumi destroy refuses while the claim is protected", steps.refused_while_protected)
            )
        chain.append(("teardown: pulumi state unprotect, then destroy", steps.unprotect_and_destroy))
    if run.owns_namespaces:
        chain.append((NOTHING_LEFT, steps.nothing_left))
    last_failed = None
    for name, step in chain:
        try:
            with report.step(name):
                step(run)
        except StepFailed:
            last_failed = name
    return not (run.deployed or run.kubectl_applied or last_failed == NOTHING_LEFT)
