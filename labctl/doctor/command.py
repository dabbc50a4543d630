"""`labctl doctor`: what `pulumi up` and `make e2e` need, each item ok, problem or unknown, with what to do.

Exit codes: 0 no problem (unknowns are printed, and are no problem), 1 a problem, 2 bad input,
3 no Pulumi CLI, no kubectl or no answering cluster (the items that ask the cluster are then not
run); the shared table is in labctl.errors.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from config import Plan
from labctl.doctor.admission import NAMESPACE_PREFIX, pod_security
from labctl.doctor.cluster import capacity, impersonation, storage_class
from labctl.doctor.local import policy_virtualenv, pulumi_cli
from labctl.doctor.network import network_policy
from labctl.doctor.programs import Kubectl
from labctl.doctor.report import CLUSTER, CLUSTER_ITEMS, FORMATS, KUBECTL, Check, Report, render
from labctl.doctor.versions import cluster_check, kubectl_check, read_versions
from labctl.errors import BadInput
from labctl.printable import one_line
from labctl.stack import add_stack_arguments, load_stack, project_dir

DEFAULT_REQUEST_TIMEOUT = 10.0
DESCRIPTION = f"""\
Check what `pulumi up` and `make e2e` need before running them, and print each item as OK,
PROBLEM or UNKNOWN with a one-line finding and what to do: the Pulumi CLI (not older than the
pulumi SDK the project pins), the policy pack's virtualenv (policy/PulumiPolicy.yaml's
runtime.options.virtualenv, resolved from policy/, imports pulumi_policy and policy.rules),
kubectl within one minor of the server, the cluster of kubectl's current context answering with
a Kubernetes version the project validates, Pod Security admission enforcing (a namespace
{NAMESPACE_PREFIX}<hex> of its own, labelled enforce=restricted, refuses a privileged pod in a
server-side dry run; the namespace is deleted afterwards, also on failure and Ctrl-C), a network
plugin that enforces NetworkPolicy (judged from the DaemonSets' containers and images; unknown
when none is recognised), a default StorageClass when a MySQL claim of the --stack names none,
allocatable cpu and memory on schedulable nodes for the sum of the class's quota requests, and
permission to impersonate the students' ServiceAccounts, which `make e2e` uses. Without --stack
the two items about the class are unknown. An UNKNOWN is printed but is no problem (exit 0).
Without a Pulumi CLI, kubectl or an answering cluster the report is printed all the same and the
command exits 3; the items that ask the cluster then say "no cluster" and are not run. Every
kubectl call carries --request-timeout and is stopped 5 seconds later."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the tools and the cluster before `pulumi up` or `make e2e`", description=DESCRIPTION
    )
    add_stack_arguments(parser, required=False)
    parser.add_argument("--format", default="text", help=f"the report on stdout: {', '.join(FORMATS)}")
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        help="seconds one kubectl call may take (kubectl's --request-timeout)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="create nothing on the cluster: the Pod Security item, which needs a namespace of its own, is unknown",
    )
    parser.set_defaults(run=run)


def _bad_flags(args: argparse.Namespace) -> str | None:
    if args.format not in FORMATS:
        return f"--format must be one of {', '.join(FORMATS)} (got {args.format!r})"
    if not 0 < args.request_timeout <= 600:
        return f"--request-timeout must be above 0 and at most 600 seconds (got {args.request_timeout:g})"
    if args.sets and args.stack is None:
        return "--set changes a stack: give --stack as well"
    return None


def run(args: argparse.Namespace) -> int:
    bad = _bad_flags(args)
    if bad:
        raise BadInput(bad)
    project = project_dir(args.project_dir)
    plan = load_stack(args) if args.stack is not None else None
    checks = [pulumi_cli(), policy_virtualenv(project)]
    context = None
    found = shutil.which("kubectl")
    if found is None:
        checks.append(
            KUBECTL.problem("not on PATH", "install kubectl and select the class's cluster", unavailable="kubectl")
        )
        checks += [item.no_cluster() for item in (CLUSTER, *CLUSTER_ITEMS)]
    else:
        kubectl = Kubectl(found, args.request_timeout)
        context = current_context(kubectl)
        checks += cluster_checks(kubectl, context, plan, args.read_only)
    report = Report(tuple(checks), context, args.stack)
    sys.stdout.write(render(report, args.format))
    return report.exit_code


def current_context(kubectl: Kubectl) -> str | None:
    answer = kubectl("config", "current-context")
    name = one_line(answer.stdout, 80)
    return name if answer.code == 0 and name else None


def cluster_checks(kubectl: Kubectl, context: str | None, plan: Plan | None, read_only: bool) -> list[Check]:
    versions = read_versions(kubectl)
    checks = [kubectl_check(versions), cluster_check(versions, context)]
    if versions.server is None:
        return [*checks, *(item.no_cluster() for item in CLUSTER_ITEMS)]
    # One after the other: the namespace of the Pod Security item is gone before the next call.
    checks.append(pod_security(kubectl, read_only))
    checks.append(network_policy(kubectl, versions.server.shown))
    checks.append(storage_class(kubectl, plan))
    checks.append(capacity(kubectl, plan))
    checks.append(impersonation(kubectl))
    return checks
