"""What `labctl doctor` found: one check per item, its exit code, and the report as text or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from labctl.errors import Exit
from labctl.printable import one_line

Status = Literal["ok", "problem", "unknown"]
FORMATS = ("text", "json")
NOTHING_TO_DO = "nothing to do"
# Long enough for a finding that quotes a short error message; one line on a wide terminal.
LINE_CHARS = 300


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    status: Status
    finding: str
    """One line: what was seen and how it was judged."""
    action: str
    """One line: what to do about it."""
    unavailable: str | None = None
    """The tool or service found missing (Pulumi CLI, kubectl, cluster); the command then exits 3."""


@dataclass(frozen=True)
class Item:
    """One thing `labctl doctor` looks at; its methods make that item's check, each line made printable."""

    id: str
    title: str

    def ok(self, finding: str) -> Check:
        return Check(self.id, self.title, "ok", one_line(finding, LINE_CHARS), NOTHING_TO_DO)

    def problem(self, finding: str, action: str, unavailable: str | None = None) -> Check:
        return Check(
            self.id, self.title, "problem", one_line(finding, LINE_CHARS), one_line(action, LINE_CHARS), unavailable
        )

    def unknown(self, finding: str, action: str) -> Check:
        return Check(self.id, self.title, "unknown", one_line(finding, LINE_CHARS), one_line(action, LINE_CHARS))

    def no_cluster(self) -> Check:
        """What an item that asks the cluster says when kubectl or the cluster is missing: it was not run."""
        return self.unknown(
            "no cluster: not checked", "make kubectl reach the cluster (above), then run labctl doctor again"
        )


PULUMI_CLI = Item("pulumi-cli", "Pulumi CLI")
POLICY_VIRTUALENV = Item("policy-virtualenv", "policy pack virtualenv")
KUBECTL = Item("kubectl", "kubectl")
CLUSTER = Item("cluster", "cluster")
POD_SECURITY = Item("pod-security", "Pod Security admission")
NETWORK_POLICY = Item("network-policy", "NetworkPolicy enforcement")
STORAGE_CLASS = Item("default-storage-class", "default StorageClass")
CAPACITY = Item("capacity", "cpu and memory for the quotas")
IMPERSONATION = Item("impersonation", "student ServiceAccount impersonation")
ITEMS = (
    PULUMI_CLI,
    POLICY_VIRTUALENV,
    KUBECTL,
    CLUSTER,
    POD_SECURITY,
    NETWORK_POLICY,
    STORAGE_CLASS,
    CAPACITY,
    IMPERSONATION,
)
CLUSTER_ITEMS = (POD_SECURITY, NETWORK_POLICY, STORAGE_CLASS, CAPACITY, IMPERSONATION)
"""The items that ask the cluster: not run without kubectl or an answering cluster."""


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]
    context: str | None
    """kubectl's current context (printable), or None when there is none or no kubectl."""
    stack: str | None

    @property
    def unavailable(self) -> list[str]:
        return [check.unavailable for check in self.checks if check.unavailable]

    @property
    def exit_code(self) -> Exit:
        # A missing tool or cluster outranks a problem: the items it would have judged were not run.
        if self.unavailable:
            return Exit.UNAVAILABLE
        if any(check.status == "problem" for check in self.checks):
            return Exit.FINDINGS
        return Exit.OK

    def count(self, status: Status) -> int:
        return sum(check.status == status for check in self.checks)


def render(report: Report, output_format: str) -> str:
    return render_json(report) if output_format == "json" else render_text(report)


def render_text(report: Report) -> str:
    """A header, one line per check plus its what-to-do unless it is ok, and a summary: at most 20 lines."""
    lines = [f"labctl doctor: kubectl context {report.context or '(none)'}, stack {report.stack or '(none)'}"]
    for check in report.checks:
        lines.append(f"{check.status.upper():<8} {check.title}: {check.finding}")
        if check.status != "ok":
            lines.append(f"{'':<8} to do: {check.action}")
    counts = f"{report.count('ok')} ok, {report.count('problem')} problem(s), {report.count('unknown')} unknown"
    why = f": unavailable: {', '.join(report.unavailable)}" if report.unavailable else ""
    lines.append(f"{counts}; exit {int(report.exit_code)}{why}")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    document = {
        "context": report.context,
        "stack": report.stack,
        "exitCode": int(report.exit_code),
        "unavailable": report.unavailable,
        "counts": {status: report.count(status) for status in ("ok", "problem", "unknown")},
        "checks": [
            {
                "id": check.id,
                "title": check.title,
                "status": check.status,
                "finding": check.finding,
                "action": check.action,
            }
            for check in report.checks
        ],
    }
    return json.dumps(document, indent=2) + "\n"
