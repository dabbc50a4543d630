"""`labctl verify`: runs each lab's Testing step against the live cluster and reports pass or fail.

kubectl runs with its current context. Every call is bounded by a timeout; a check that does
not give the expected answer is asked again until its deadline, which comes from the lab's own
timing (the probe pod's predicted Ready or restart, MySQL's start-up allowance).

Exit codes: 0 every check passed, 1 some failed, 2 bad input, 3 no kubectl or no cluster (the
shared table is in labctl.errors).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from dataclasses import dataclass

from labctl.errors import BadInput, Exit, Unavailable
from labctl.grade import Submitted, grade
from labctl.live import LiveError, live_objects, started
from labctl.selection import select_environments
from labctl.stack import add_stack_arguments, load_stack
from labs.catalog import LABS
from labs.environment import Environment
from labs.lab import Check, LabKey

SHOWN_OUTPUT_CHARS = 160
# kubectl enforces --request-timeout itself; the process gets this much longer before it is killed.
PROCESS_SLACK_SECONDS = 5
DESCRIPTION = """\
Run each lab's Testing step with kubectl against the cluster of its current context, for every
environment of the stack (or one --student), and print PASS or FAIL per step and environment.
A lab in exercise mode is first read live (`kubectl get -o json`, by the names the lab uses, in
the student's namespace) and compared as `labctl check` compares files: each required finding is
a FAIL; a lab none of whose objects exist yet is NOT STARTED, which is no failure.
A step that does not give the expected answer is asked again every --poll-interval seconds until
its deadline, which follows the lab's own timing (the probe pod's predicted Ready or restart,
MySQL's start-up allowance), capped by --max-wait. Every kubectl call carries --request-timeout
and is stopped after --call-timeout seconds plus 5."""


@dataclass(frozen=True)
class Answer:
    output: str
    problem: str | None
    """Why the call gave no usable output (exit code, time-out), or None."""


@dataclass
class Pending:
    environment: str
    check: Check
    deadline: float
    last_problem: str = "not run"


def call(argv: list[str], timeout: float) -> Answer:
    """Runs kubectl, which was told `timeout` (--request-timeout); the process gets a little longer."""
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout + PROCESS_SLACK_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Answer("", f"kubectl gave no answer within --call-timeout {timeout:g}s")
    except OSError as error:
        return Answer("", f"kubectl could not run: {error.strerror or error}")
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
        return Answer(done.stdout, f"kubectl failed: {first[:SHOWN_OUTPUT_CHARS]}")
    return Answer(done.stdout, None)


def cluster_problem(kubectl: str, timeout: float) -> str | None:
    """None when the current context answers; kubectl version asks the API server for its own."""
    answer = call([kubectl, "version", "-o", "json", f"--request-timeout={timeout:g}s"], timeout)
    if answer.problem:
        return answer.problem
    if '"serverVersion"' not in answer.output:
        return "kubectl printed no server version"
    return None


def attempt(kubectl: str, pending: Pending, timeout: float) -> bool:
    words = pending.check.argv[1:]
    # kubectl's own flags go before `--`, after which come the words of the command it runs.
    split = words.index("--") if "--" in words else len(words)
    argv = [kubectl, *words[:split], f"--request-timeout={timeout:g}s", *words[split:]]
    answer = call(argv, timeout)
    problem = answer.problem or pending.check.verdict(answer.output)
    if problem is not None:
        pending.last_problem = problem[:SHOWN_OUTPUT_CHARS]
    return problem is None


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
    parser.add_argument("--verbose", action="store_true", help="print every command before the results")
    parser.set_defaults(run=run)


def _bad_flags(args: argparse.Namespace) -> str | None:
    if args.max_wait is not None and args.max_wait < 0:
        return f"--max-wait must be 0 or more seconds (got {args.max_wait:g})"
    if not 0 < args.poll_interval <= 600:
        return f"--poll-interval must be above 0 and at most 600 seconds (got {args.poll_interval:g})"
    if not 0 < args.call_timeout <= 600:
        return f"--call-timeout must be above 0 and at most 600 seconds (got {args.call_timeout:g})"
    return None


def run(args: argparse.Namespace) -> int:
    bad = _bad_flags(args)
    if bad:
        raise BadInput(bad)
    environments = select_environments(load_stack(args), args.student)
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise Unavailable("kubectl is not on PATH; install it and select the class's cluster")
    problem = cluster_problem(kubectl, args.call_timeout)
    if problem:
        raise Unavailable(f"cannot reach the cluster of kubectl's current context: {problem}")
    start = time.monotonic()
    pending = []
    compared = 0
    for env in environments:
        ready, problems = compare_exercises(kubectl, env, args.call_timeout)
        compared += problems
        for check in [check for key in ready for check in LABS[key].checks(env.labs[key])]:
            wait = check.wait_seconds if args.max_wait is None else min(check.wait_seconds, args.max_wait)
            pending.append(Pending(env.name, check, start + wait))
    if args.verbose:
        for item in pending:
            print(f"$ {item.check.shell}")
    longest = max((item.deadline - start for item in pending), default=0)
    print(f"checking {len(pending)} Testing step(s) in {len(environments)} environment(s), waiting up to {longest:g}s")
    results = poll(kubectl, pending, args.poll_interval, args.call_timeout)
    failed = 0
    for item, passed in results:
        title = f"{LABS[item.check.lab].title}: {item.check.name}"
        if passed:
            print(f"PASS  {item.environment}  {title}")
        else:
            failed += 1
            print(f"FAIL  {item.environment}  {title}: {item.last_problem} (expected: {item.check.expected!r})")
    print(f"{len(results) - failed} passed, {failed} failed")
    return Exit.FINDINGS if failed or compared else Exit.OK


def compare_exercises(kubectl: str, env: Environment, timeout: float) -> tuple[list[LabKey], int]:
    """The labs whose Testing steps to run, and the required findings in the student's own objects.

    A lab in exercise mode is read live first (`kubectl get -o json`, by the names the lab uses)
    and compared as `labctl check` compares files; one with none of its objects yet is not started.
    """
    ready: list[LabKey] = []
    problems = 0

    def run_kubectl(words: list[str]) -> tuple[str, str | None]:
        answer = call([kubectl, *words, f"--request-timeout={timeout:g}s"], timeout)
        return answer.output, answer.problem

    for key in env.labs:
        title = LABS[key].title
        if key not in env.exercises:
            ready.append(key)
            continue
        try:
            objects = live_objects(run_kubectl, env, key)
        except LiveError as error:
            raise Unavailable(f"cannot read {env.name}'s objects: {error}") from None
        if not started(env, key, objects):
            print(f"NOT STARTED  {env.name}  {title}: none of its objects in {env.namespace} yet")
            continue
        submitted = [Submitted(obj, f"{kind}/{name} (live)") for (kind, name), obj in objects.items()]
        for finding in grade(env, submitted, key, live=True):
            if finding.level != "required":
                continue
            problems += 1
            field = f" {finding.path}" if finding.path else ""
            print(
                f"FAIL  {env.name}  {title}: {finding.object}{field}: found {finding.found}, "
                f"asked {finding.asked} ({finding.why})"
            )
        ready.append(key)
    return ready, problems


def poll(kubectl: str, pending: list[Pending], interval: float, timeout: float) -> list[tuple[Pending, bool]]:
    """Round-robin, so one slow lab's deadline does not hold the other labs' answers back."""
    outcome: dict[int, bool] = {}
    while len(outcome) < len(pending):
        for index, item in enumerate(pending):
            if index in outcome:
                continue
            if attempt(kubectl, item, timeout):
                outcome[index] = True
            elif time.monotonic() >= item.deadline:
                outcome[index] = False
        if len(outcome) < len(pending):
            next_deadline = min(item.deadline for i, item in enumerate(pending) if i not in outcome)
            time.sleep(max(0.0, min(interval, next_deadline - time.monotonic())))
    return [(item, outcome[index]) for index, item in enumerate(pending)]
