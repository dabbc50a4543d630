"""`labctl verify`: runs each lab's Testing step against the live cluster and reports pass or fail.

kubectl runs with its current context. Every call is bounded by a timeout; a check that does
not give the expected answer is asked again until its deadline, which comes from the lab's own
timing (the probe pod's predicted Ready or restart, MySQL's start-up allowance).

Checks run concurrently (--parallel); progress goes to stderr and the results to stdout, as a
table, JSON or JUnit XML (labctl.verify.report), and with --html to one static page.

Exit codes: 0 every check passed, 1 some failed, 2 bad input, 3 no kubectl or no cluster (the
shared table is in labctl.errors).
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from pathlib import Path

from labctl.check.grade import Submitted, grade
from labctl.errors import BadInput, Exit, Unavailable
from labctl.live import LiveError, cluster_problem, kubectl_call, kubectl_on_path, live_objects, started
from labctl.pool import Pending, bounded_pool, poll
from labctl.selection import select_environments
from labctl.stack import add_stack_arguments, load_stack
from labctl.verify import html as verify_html
from labctl.verify.report import FORMATS, Result, Status, failed, render, unavailable_junit
from labs.catalog import LABS
from labs.environment import Environment
from labs.lab import LabKey

DEFAULT_PARALLEL = 16
# The --html page is rewritten as outcomes come in, at most this often, for a projector that reloads it.
HTML_REFRESH_SECONDS = 2.0
MAX_PARALLEL = 256
DESCRIPTION = """\
Run each lab's Testing step with kubectl against the cluster of its current context, for every
environment of the stack (or one --student), and print PASS or FAIL per step and environment.
A lab in exercise mode is first read live (`kubectl get -o json`, by the names the lab uses, in
the student's namespace) and compared as `labctl check` compares files: each required finding is
a FAIL; a lab none of whose objects exist yet is NOT STARTED, which is no failure.
A step that does not give the expected answer is asked again every --poll-interval seconds until
its deadline, which follows the lab's own timing (the probe pod's predicted Ready or restart,
MySQL's start-up allowance), capped by --max-wait. Every kubectl call carries --request-timeout
and is stopped after --call-timeout seconds plus 5. At most --parallel kubectl calls run at
once; each step keeps its own deadline and rhythm. Progress goes to stderr (one updating line on
a terminal, a line per finished step elsewhere); the results go to stdout in --format, and with
--html to one static page (students x labs), written when the checks start, every 2 seconds
while outcomes come in, and at the end. Without kubectl or an answering cluster it exits 3, and
--format junit still prints a report: one test case in error saying why."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify", help="run each lab's Testing step against the cluster (kubectl)", description=DESCRIPTION
    )
    add_stack_arguments(parser)
    parser.add_argument("--student", help="only this student's environment")
    parser.add_argument(
        "--max-wait", type=float, help="cap, in seconds, on every check's deadline (default: the lab's own timing)"
    )
    parser.add_argument("--poll-interval", type=float, default=5.0, help="seconds between two tries")
    parser.add_argument("--call-timeout", type=float, default=20.0, help="seconds one kubectl call may take")
    parser.add_argument(
        "--parallel", type=str, default=str(DEFAULT_PARALLEL), help=f"kubectl calls at once, 1 to {MAX_PARALLEL}"
    )
    parser.add_argument("--format", default="table", help=f"results on stdout: {', '.join(FORMATS)}")
    parser.add_argument(
        "--html",
        type=Path,
        help="also write the class as one static page (students x labs) to this file; never replaces a file "
        "it did not write",
    )
    parser.add_argument("--verbose", action="store_true", help="print every command (stderr) before the checks")
    parser.set_defaults(run=run)


def parallel(text: str) -> int:
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if not 1 <= workers <= MAX_PARALLEL:
        raise BadInput(f"--parallel must be a whole number from 1 to {MAX_PARALLEL} (got {text!r})")
    return workers


def _bad_flags(args: argparse.Namespace) -> str | None:
    if args.max_wait is not None and args.max_wait < 0:
        return f"--max-wait must be 0 or more seconds (got {args.max_wait:g})"
    if not 0 < args.poll_interval <= 600:
        return f"--poll-interval must be above 0 and at most 600 seconds (got {args.poll_interval:g})"
    if not 0 < args.call_timeout <= 600:
        return f"--call-timeout must be above 0 and at most 600 seconds (got {args.call_timeout:g})"
    if args.format not in FORMATS:
        return f"--format must be one of {', '.join(FORMATS)} (got {args.format!r})"
    return None


def run(args: argparse.Namespace) -> int:
    bad = _bad_flags(args)
    if bad:
        raise BadInput(bad)
    workers = parallel(args.parallel)
    if args.html is not None:
        verify_html.check_writable(args.html)
    environments = select_environments(load_stack(args), args.student)
    try:
        kubectl, compared = reach_the_class(environments, args.call_timeout, workers)
    except Unavailable as error:
        # A CI job reads the report, not stderr: it gets one, with the reason, and the exit code stays 3.
        if args.format == "junit":
            sys.stdout.write(unavailable_junit(str(error)))
        raise
    start = time.monotonic()
    pending = []
    early: list[Result] = []
    for env, (ready, results) in zip(environments, compared, strict=True):
        early += results
        for check in [check for key in ready for check in LABS[key].checks(env.labs[key])]:
            wait = check.wait_seconds if args.max_wait is None else min(check.wait_seconds, args.max_wait)
            pending.append(Pending(env.name, check, start + wait, started_at=start))
    if args.verbose:
        for item in pending:
            print(f"$ {item.check.shell}", file=sys.stderr)
    longest = max((item.deadline - start for item in pending), default=0)
    print(
        f"checking {len(pending)} Testing step(s) in {len(environments)} environment(s), waiting up to {longest:g}s",
        file=sys.stderr,
        flush=True,
    )
    # rich is loaded only here: every other labctl command starts without it.
    from labctl.verify.progress import Progress

    page = HtmlPage(args.html, environments, early, pending, start)
    page.write("labctl verify: checking")
    with Progress(pending) as progress:

        def finished(item: Pending) -> None:
            progress.finished(item)
            page.changed = True

        def awake() -> None:
            page.write("labctl verify: checking", at_most_every=HTML_REFRESH_SECONDS)

        poll(kubectl, pending, args.poll_interval, args.call_timeout, workers, finished, awake)
    results = [*early, *(outcome(item, start) for item in pending)]
    sys.stdout.write(render(results, args.format))
    page.write("labctl verify: the class")
    return Exit.FINDINGS if failed(results) else Exit.OK


def reach_the_class(
    environments: list[Environment], timeout: float, workers: int
) -> tuple[str, list[tuple[list[LabKey], list[Result]]]]:
    """kubectl, and what reading each environment's exercises found; Unavailable without kubectl or a cluster."""
    kubectl = kubectl_on_path()
    problem = cluster_problem(kubectl, timeout)
    if problem:
        raise Unavailable(f"cannot reach the cluster of kubectl's current context: {problem}")
    with bounded_pool(workers) as pool:
        return kubectl, list(pool.map(lambda env: compare_exercises(kubectl, env, timeout), environments))


class HtmlPage:
    """The --html page (or nothing without the flag): pending cells at first, then each outcome as it comes."""

    def __init__(
        self,
        path: Path | None,
        environments: list[Environment],
        early: list[Result],
        pending: list[Pending],
        start: float,
    ) -> None:
        self.path = path
        self.students = [env.name for env in environments]
        self.labs = list(dict.fromkeys(key for env in environments for key in env.labs))
        self.early = early
        self.pending = pending
        self.start = start
        self.written_at = -math.inf
        self.changed = True

    def write(self, title: str, at_most_every: float = 0.0) -> None:
        """Writes the page now, or with `at_most_every`, only once an outcome came and that long has passed."""
        now = time.monotonic()
        if self.path is None or (at_most_every and (not self.changed or now - self.written_at < at_most_every)):
            return
        results = [*self.early, *(outcome(item, self.start) for item in self.pending)]
        verify_html.write(self.path, verify_html.page(results, self.students, self.labs, title))
        self.written_at = now
        self.changed = False


def outcome(item: Pending, start: float) -> Result:
    status: Status = "pending" if item.passed is None else "pass" if item.passed else "fail"
    return Result(
        environment=item.environment,
        lab=item.check.lab,
        step=item.check.name,
        status=status,
        problem=None if item.passed else item.last_problem,
        command=item.check.shell,
        expected=item.check.expected,
        seconds=None if item.finished_at is None else round(item.finished_at - start, 3),
    )


def compare_exercises(kubectl: str, env: Environment, timeout: float) -> tuple[list[LabKey], list[Result]]:
    """The labs whose Testing steps to run, and what reading the student's own objects found.

    A lab in exercise mode is read live first (`kubectl get -o json`, by the names the lab uses)
    and compared as `labctl check` compares files; one with none of its objects yet is not
    started, and each of its Testing steps is reported so (no failure).
    """
    ready: list[LabKey] = []
    results: list[Result] = []
    run_kubectl = kubectl_call(kubectl, timeout)
    for key in env.labs:
        if key not in env.exercises:
            ready.append(key)
            continue
        try:
            objects = live_objects(run_kubectl, env, key)
        except LiveError as error:
            raise Unavailable(f"cannot read {env.name}'s objects: {error}") from None
        if not started(env, key, objects):
            why = f"none of its objects in {env.namespace} yet"
            for check in LABS[key].checks(env.labs[key]):
                results.append(Result(env.name, key, check.name, "not started", why, check.shell, check.expected))
            continue
        submitted = [Submitted(obj, f"{kind}/{name} (live)") for (kind, name), obj in objects.items()]
        for finding in grade(env, submitted, key, live=True):
            if finding.level != "required":
                continue
            field = f" {finding.path}" if finding.path else ""
            kind, _, name = finding.object.partition("/")
            results.append(
                Result(
                    env.name,
                    key,
                    f"{finding.object}{field}",
                    "fail",
                    f"found {finding.found}, asked {finding.asked} ({finding.why})",
                    shlex.join(("kubectl", "get", kind.lower(), name, "-n", env.namespace, "-o", "json")),
                    finding.asked,
                    kind="live object",
                )
            )
        ready.append(key)
    return ready, results
