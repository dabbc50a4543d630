"""Exemption annotations: which rules may be exempted at all, and what a reason must say.

An object exempts itself from a rule with `exempt.k8s-labs.dev/<rule-id>: <reason>`. The rules:
- A Pod Security Standards rule cannot be exempted on an object whose namespace enforces that
  rule's level (`pod-security.kubernetes.io/enforce`; restricted includes baseline): Pod Security
  Admission rejects the pod whatever the annotation says, so an exemption would only hide a pod
  that never starts. Elsewhere (a privileged namespace, or one outside the reviewed objects) it may.
- `exemption-well-formed` itself cannot be exempted.
- Every other rule may be, with a reason of substance: a sentence of at least MIN_REASON_WORDS
  words (counting only words with a letter) and MIN_REASON_CHARS characters, saying what the lab
  shows by breaking the rule. "Lab 2.5" or "on purpose" is not a reason.
An exemption that may not be given is not honoured: the finding it names still counts.
`exemption-well-formed` reports every annotation that names no rule, may not be given, or gives
too thin a reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from labs.metadata import EXEMPT_PREFIX

from .judging import RULES as JUDGING_RULES
from .manifest import exemption, keys, namespace, object_annotations, text
from .model import Enforcement, Manifest, Params, Rule, Severity, Violation
from .psa import Level, NamespacePolicy, namespace_policies, policy_of
from .pss_baseline import CONTROLS as BASELINE_CONTROLS
from .pss_restricted import CONTROLS as RESTRICTED_CONTROLS

RULE_ID = "exemption-well-formed"
MIN_REASON_WORDS = 6
MIN_REASON_CHARS = 30
PSS_LEVELS: dict[str, Level] = {control.rule_id: control.level for control in BASELINE_CONTROLS + RESTRICTED_CONTROLS}


def thin_reason(reason: str) -> bool:
    words = [word for word in reason.split() if any(char.isalpha() for char in word)]
    return len(words) < MIN_REASON_WORDS or len(reason.strip()) < MIN_REASON_CHARS


def refusal(rule_id: str, obj: Manifest, policies: Mapping[str, NamespacePolicy]) -> str | None:
    """Why no exemption from `rule_id` can be given on `obj`, or None when one can."""
    if rule_id == RULE_ID:
        return "the check on exemptions cannot itself be exempted"
    level = PSS_LEVELS.get(rule_id)
    if level is None:
        return None
    policy = policy_of(obj, policies)
    if policy.enforces(level):
        where = namespace(obj) or "default"
        return (
            f"namespace {where} enforces Pod Security {policy.enforce}, which includes this {level} rule: "
            "the cluster rejects the pod whatever the annotation says"
        )
    return None


def honoured(obj: Manifest, rule_id: str, policies: Mapping[str, NamespacePolicy]) -> str | None:
    """The reason of the object's exemption from `rule_id`, if it gives one that may be given."""
    reason = exemption(obj, rule_id)
    if reason is None or refusal(rule_id, obj, policies) is not None:
        return None
    return reason


def well_formed(objects: Sequence[Manifest], _: Params) -> Iterator[Violation]:
    known = {rule.id for rule in JUDGING_RULES} | {RULE_ID}
    policies = namespace_policies(objects)
    for subject, obj in enumerate(objects):
        for key in sorted(keys(object_annotations(obj))):
            if not key.startswith(EXEMPT_PREFIX):
                continue
            rule_id = key.removeprefix(EXEMPT_PREFIX)
            path = f"metadata.annotations[{key}]"
            reason = text(object_annotations(obj).get(key)) or ""
            if rule_id not in known:
                problem = "names no rule (known: see `labctl review --list-rules`)"
            elif (refused := refusal(rule_id, obj, policies)) is not None:
                problem = f"cannot exempt {rule_id}: {refused}"
            elif thin_reason(reason):
                problem = (
                    f"gives too thin a reason ({reason.strip()!r}): say in a sentence of at least "
                    f"{MIN_REASON_WORDS} words what the lab shows by breaking {rule_id}"
                )
            else:
                continue
            yield Violation(subject, f"{path}: {problem}", path=path)


RULE = Rule(
    id=RULE_ID,
    title="Exemptions name a rule and a reason",
    description=(
        f"Every {EXEMPT_PREFIX}<rule> annotation names an existing rule that may be exempted there "
        "and says in a sentence what the lab shows by breaking it."
    ),
    severity=Severity.LOW,
    enforcement=Enforcement.MANDATORY,
    standard="k8s-labs exemption annotations",
    url="https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/",
    check_stack=well_formed,
)
