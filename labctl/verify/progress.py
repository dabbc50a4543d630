"""Progress of `labctl verify` on stderr, so stdout holds only the results.

On a terminal: one line that `rich` keeps up to date (passed, failed, pending, and the pending
check that has failed the most tries so far, with how long it has been waiting). Anywhere else
(a CI log, a file): one plain line per check as its outcome is known.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.text import Text

from labctl.pool import Pending
from labs.catalog import LABS


def describe(item: Pending) -> str:
    return f"{item.environment} {LABS[item.check.lab].title}: {item.check.name}"


class Progress:
    def __init__(self, items: list[Pending], console: Console | None = None) -> None:
        self.items = items
        self.console = console or Console(stderr=True, highlight=False)
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._done = 0
        self._live: Live | None = None

    def line(self) -> Text:
        """The one updating line: counts, then the slowest pending check."""
        passed = sum(item.passed is True for item in self.items)
        failed = sum(item.passed is False for item in self.items)
        waiting = [item for item in self.items if item.passed is None]
        text = Text()
        text.append(f"{passed} passed", style="green")
        text.append(", ")
        text.append(f"{failed} failed", style="red" if failed else "")
        text.append(f", {len(waiting)} pending")
        if waiting:
            slowest = max(waiting, key=lambda item: (item.tries, item.deadline))
            elapsed = time.monotonic() - self.start
            text.append(
                f"; slowest: {describe(slowest)} ({slowest.tries} tries, {elapsed:.0f}s of "
                f"{slowest.deadline - self.start:.0f}s; {slowest.last_problem})"
            )
        text.truncate(max(20, self.console.width - 1), overflow="ellipsis")
        return text

    def __rich__(self) -> Text:
        return self.line()

    def finished(self, item: Pending) -> None:
        with self._lock:
            self._done += 1
            if self._live is not None:
                return  # the live line redraws itself
            verdict = "PASS" if item.passed else "FAIL"
            seconds = (item.finished_at or time.monotonic()) - self.start
            self.console.print(
                f"[{self._done}/{len(self.items)}] {verdict} {describe(item)} ({seconds:.1f}s)",
                markup=False,
                soft_wrap=True,
            )

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self._live.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, error, trace)
            self._live = None
            if kind is None:
                self.console.print(self.line())
