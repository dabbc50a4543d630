"""Exemption annotations must name a real rule and say why; a typo would otherwise exempt nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from labs.metadata import EXEMPT_PREFIX

from .manifest import object_annotations, text
from .model import Enforcement, Manifest, Params, Rule, Severity

RULE_ID = "exemption-well-formed"


def well_formed(known: Callable[[], frozenset[str]]) -> Callable[[Manifest, Params], Iterator[str]]:
    """`known` is called late: the catalog that lists this rule is not built yet when it is made."""

    def check(obj: Manifest, _: Params) -> Iterator[str]:
        for key, value in object_annotations(obj).items():
            if not key.startswith(EXEMPT_PREFIX):
                continue
            rule_id = key.removeprefix(EXEMPT_PREFIX)
            if rule_id not in known():
                yield f"annotation {key} names no rule (known: see `labctl review --list-rules`)"
            elif not (text(value) or "").strip():
                yield f"annotation {key} gives no reason"

    return check


def rule(known: Callable[[], frozenset[str]]) -> Rule:
    return Rule(
        id=RULE_ID,
        title="Exemptions name a rule and a reason",
        description=f"Every {EXEMPT_PREFIX}<rule> annotation names an existing rule and gives a reason.",
        severity=Severity.LOW,
        enforcement=Enforcement.ADVISORY,
        standard="k8s-labs exemption annotations",
        url="https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/",
        check_object=well_formed(known),
    )
