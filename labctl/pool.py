"""Runs kubectl for `labctl verify`: bounded calls, a bounded pool of them, each check on its own rhythm.

A check is asked again every poll interval until it passes or its deadline comes; at most
`workers` kubectl processes run at once. The checks waiting for their next try wait in a
queue ordered by time, not in a worker, so a slow lab never holds a worker while it sleeps.
On Ctrl-C every kubectl still running is killed and no new one starts, so the command stops
at once instead of waiting out the calls under way.
"""

from __future__ import annotations

import heapq
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field

from labctl.printable import one_line
from labs.lab import Check

SHOWN_OUTPUT_CHARS = 160
# Room for a whole error line of kubectl's, such as an RBAC refusal naming the user, verb and namespace.
SHOWN_ERROR_CHARS = 300
# client-go logs through klog ("E1208 00:43:36.017907   31112 memcache.go:265] message") before the
# error line kubectl prints itself; the log lines repeat the same cause at length.
KLOG_LINE = re.compile(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]]*\] ?(?P<message>.*)$")
# A structured log line carries the error as err="...", its quotes escaped.
KLOG_ERR = re.compile(r'\berr="(?P<err>(?:[^"\\]|\\.)*)"')
# kubectl enforces --request-timeout itself; the process gets this much longer before it is killed.
PROCESS_SLACK_SECONDS = 5


@dataclass(frozen=True)
class Answer:
    output: str
    problem: str | None
    """Why the call gave no usable output (exit code, time-out), or None."""


class Processes:
    """The kubectl processes under way; once stopped, kills them all and starts no more."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._stopped = False

    def start(self, argv: list[str]) -> subprocess.Popen[str] | None:
        with self._lock:
            if self._stopped:
                return None
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self._running.add(process)
            return process

    def finished(self, process: subprocess.Popen[str]) -> None:
        with self._lock:
            self._running.discard(process)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for process in self._running:
                process.kill()


PROCESSES = Processes()


def call(argv: list[str], timeout: float) -> Answer:
    """Runs kubectl, which was told `timeout` (--request-timeout); the process gets a little longer."""
    try:
        process = PROCESSES.start(argv)
    except OSError as error:
        return Answer("", f"kubectl could not run: {error.strerror or error}")
    if process is None:
        return Answer("", "stopped before kubectl ran")
    try:
        stdout, stderr = process.communicate(timeout=timeout + PROCESS_SLACK_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return Answer("", f"kubectl gave no answer within --call-timeout {timeout:g}s")
    finally:
        PROCESSES.finished(process)
    if process.returncode != 0:
        return Answer(stdout, f"kubectl failed: {kubectl_error(stderr) or f'exit code {process.returncode}'}")
    return Answer(stdout, None)


def kubectl_error(stderr: str) -> str:
    """What kubectl said went wrong, on one line and printable: its own error lines without the log
    lines before them, or the error of its last log line when it printed nothing else."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    said = [line for line in lines if not KLOG_LINE.match(line)]
    if not said and lines:
        said = [_logged_error(lines[-1])]
    return one_line(" ".join(dict.fromkeys(said)), SHOWN_ERROR_CHARS)


def _logged_error(line: str) -> str:
    match = KLOG_LINE.match(line)
    message = match["message"] if match else line
    err = KLOG_ERR.search(message)
    return re.sub(r"\\(.)", r"\1", err["err"]) if err else message


@contextmanager
def bounded_pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool that, when the block is left by an exception (Ctrl-C), kills kubectl and waits for nothing."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kubectl")
    try:
        yield pool
    except BaseException:
        PROCESSES.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@dataclass
class Pending:
    environment: str
    check: Check
    deadline: float
    last_problem: str = "not run"
    tries: int = 0
    passed: bool | None = None
    """None while the check is still being asked."""
    finished_at: float | None = None
    started_at: float = field(default_factory=time.monotonic)


def attempt(kubectl: str, pending: Pending, timeout: float) -> bool:
    words = pending.check.argv[1:]
    # kubectl's own flags go before `--`, after which come the words of the command it runs.
    split = words.index("--") if "--" in words else len(words)
    argv = [kubectl, *words[:split], f"--request-timeout={timeout:g}s", *words[split:]]
    answer = call(argv, timeout)
    problem = answer.problem or pending.check.verdict(answer.output)
    pending.tries += 1
    if problem is not None:
        pending.last_problem = problem[:SHOWN_OUTPUT_CHARS]
    return problem is None


def poll(
    kubectl: str,
    pending: list[Pending],
    interval: float,
    timeout: float,
    workers: int,
    finished: Callable[[Pending], None] = lambda item: None,
    awake: Callable[[], None] = lambda: None,
) -> None:
    """Asks every check until it passes or its deadline comes, at most `workers` calls at once.

    Sets each item's `passed` and calls `finished(item)` as soon as its outcome is known, and
    `awake()` each time it wakes (a call ended or a try is due).
    """
    due = [(time.monotonic(), index) for index in range(len(pending))]
    heapq.heapify(due)
    running: dict[Future[bool], int] = {}
    open_count = len(pending)
    with bounded_pool(workers) as pool:
        while open_count:
            awake()
            now = time.monotonic()
            while due and due[0][0] <= now and len(running) < workers:
                _, index = heapq.heappop(due)
                running[pool.submit(attempt, kubectl, pending[index], timeout)] = index
            if not running:
                time.sleep(max(0.0, due[0][0] - time.monotonic()))
                continue
            wake = max(0.0, due[0][0] - now) if due and len(running) < workers else None
            done, _ = wait(running, timeout=wake, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                item = pending[index]
                now = time.monotonic()
                if future.result() or now >= item.deadline:
                    item.passed = future.result()
                    item.finished_at = now
                    open_count -= 1
                    finished(item)
                else:
                    heapq.heappush(due, (min(now + interval, item.deadline), index))
