"""Every rule, in the order reports list them."""

from __future__ import annotations

from . import (
    exemptions,
    images,
    liveness,
    placement,
    pss_baseline,
    pss_restricted,
    references,
    secrets,
    storage,
    students,
    workload,
)
from .model import Rule


def _ids() -> frozenset[str]:
    return frozenset(RULES_BY_ID)


RULES: list[Rule] = [
    *pss_baseline.RULES,
    *pss_restricted.RULES,
    *workload.RULES,
    *liveness.RULES,
    *images.RULES,
    *secrets.RULES,
    *storage.RULES,
    *placement.RULES,
    *references.RULES,
    *students.RULES,
    exemptions.rule(_ids),
]
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
if len(RULES_BY_ID) != len(RULES):
    raise RuntimeError("two rules share an id")
