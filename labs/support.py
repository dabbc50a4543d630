"""The Kubernetes releases this project is validated against: one definition for the schema tests,
`labctl doctor` and the e2e workflow's kind node image."""

from __future__ import annotations

OLDEST_MINOR = 33
NEWEST_MINOR = 37
KUBERNETES_MINORS = tuple(f"1.{minor}" for minor in range(OLDEST_MINOR, NEWEST_MINOR + 1))
"""Minor versions, oldest first; tests/test_schema.py validates every manifest against each."""


def supported(major: int, minor: int) -> bool:
    return major == 1 and OLDEST_MINOR <= minor <= NEWEST_MINOR


def supported_range() -> str:
    return f"{KUBERNETES_MINORS[0]} to {KUBERNETES_MINORS[-1]}"
