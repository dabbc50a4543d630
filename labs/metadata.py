"""Object metadata every builder writes, and the label and annotation keys the policy rules read back.

The CrossGuard pack imports this module too (policy/rules), so it stays plain Python: one place
for each key, whichever side writes or reads it.
"""

from __future__ import annotations

from typing import Any

PART_OF = "k8s-labs"
LAB_LABEL = "k8s-labs.dev/lab"
STUDENT_LABEL = "k8s-labs.dev/student"
# On a claim: the UID and group its files belong to; a change replaces the (protected) claim, so it is refused.
DATA_OWNER = "k8s-labs.dev/data-owner"
EXEMPT_PREFIX = "exempt.k8s-labs.dev/"
# Namespaces every cluster creates for itself and fills with system objects: never a lab's. A lab
# Namespace of that name would take over their labels (Pod Security levels included).
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

# pulumi-kubernetes' await annotations (components/provider_rules.py says what each one does).
SKIP_AWAIT = "pulumi.com/skipAwait"
WAIT_FOR = "pulumi.com/waitFor"
TIMEOUT_SECONDS = "pulumi.com/timeoutSeconds"
# A `waitFor` condition met as soon as the object exists: no readiness wait, while the wait for a
# replaced object's deletion, which `skipAwait` would also drop for a Pod, stays.
EXISTS = "jsonpath={.metadata.name}"
RUNNING = "jsonpath={.status.phase}=Running"


def metadata(
    name: str,
    namespace: str | None,
    lab: str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`lab` labels the objects of one lab; what isolates an environment belongs to no lab."""
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    lab_label = {LAB_LABEL: lab} if lab is not None else {}
    meta["labels"] = {"app.kubernetes.io/part-of": PART_OF, **lab_label, **(labels or {})}
    if annotations:
        meta["annotations"] = dict(sorted(annotations.items()))
    return meta


def exemptions(reasons: dict[str, str]) -> dict[str, str]:
    """Annotations that tell the policy rules a lab breaks a rule on purpose, and why."""
    return {EXEMPT_PREFIX + rule: reason for rule, reason in reasons.items()}
