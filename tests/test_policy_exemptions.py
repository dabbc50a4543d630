"""Given exemption annotations, the ones that may be given stay in the result with their reason and stop blocking.

A Pod Security Standards rule cannot be exempted where the namespace enforces its level, the check
on exemptions cannot be exempted, and a reason must be a sentence that says what the lab shows.
"""

from __future__ import annotations

from typing import Any

import pytest

from labs.environment import build_environment
from policy.rules import EXEMPT_PREFIX, RULES_BY_ID, review
from policy.rules.exemptions import MIN_REASON_CHARS, MIN_REASON_WORDS, thin_reason
from tests.test_policy_rules import NS, base_stack, container, edit

LAB_EXEMPTIONS = ("liveness-restarts", "secret-in-env", "database-on-emptydir")
REASON = "the lab shows what a privileged container can see of the node"
ENFORCE = "pod-security.kubernetes.io/enforce"


def test_the_rule_ids_the_labs_use_exist() -> None:
    assert set(LAB_EXEMPTIONS) <= set(RULES_BY_ID)


def enforcing(level: str | None) -> list[dict[str, Any]]:
    """The base stack with its namespace enforcing `level` (None: no enforce label at all)."""

    def relabel(namespace: dict[str, Any]) -> None:
        namespace["metadata"]["labels"].pop(ENFORCE)
        if level is not None:
            namespace["metadata"]["labels"][ENFORCE] = level

    return edit(relabel, kind="Namespace")(base_stack())


def breaking(objects: list[dict[str, Any]], annotations: dict[str, str], **security: Any) -> list[dict[str, Any]]:
    objects = container(lambda c: c["securityContext"].update(security))(objects)
    return edit(lambda p: p["metadata"].update(annotations=annotations))(objects)


def privileged_and_exempt(level: str | None, annotations: dict[str, str]) -> list[dict[str, Any]]:
    return breaking(enforcing(level), annotations, privileged=True)


def findings_of(objects: list[dict[str, Any]], rule_id: str) -> list[Any]:
    return [f for f in review(objects) if f.rule.id == rule_id]


def test_an_exempted_finding_is_kept_with_its_reason_and_does_not_block() -> None:
    objects = privileged_and_exempt("privileged", {EXEMPT_PREFIX + "pss-baseline-privileged": REASON})
    found = findings_of(objects, "pss-baseline-privileged")
    assert len(found) == 1 and not found[0].blocking
    assert found[0].exemption is not None
    assert found[0].exemption.reason == REASON
    assert found[0].exemption.source == f"annotation {EXEMPT_PREFIX}pss-baseline-privileged"
    assert findings_of(objects, "exemption-well-formed") == []


@pytest.mark.parametrize("level", ["baseline", "restricted", "no-such-level"])
def test_a_baseline_rule_cannot_be_exempted_where_the_namespace_enforces_baseline(level: str) -> None:
    """The cluster rejects the pod whatever the annotation says; an unparsable level fails closed."""
    objects = privileged_and_exempt(level, {EXEMPT_PREFIX + "pss-baseline-privileged": REASON})
    [finding] = findings_of(objects, "pss-baseline-privileged")
    assert finding.blocking and finding.exemption is None
    [refusal] = findings_of(objects, "exemption-well-formed")
    assert refusal.blocking
    assert f"cannot exempt pss-baseline-privileged: namespace {NS} enforces Pod Security" in refusal.message
    assert refusal.path == f"metadata.annotations[{EXEMPT_PREFIX}pss-baseline-privileged]"


def test_a_baseline_rule_may_be_exempted_where_nothing_is_enforced() -> None:
    objects = privileged_and_exempt(None, {EXEMPT_PREFIX + "pss-baseline-privileged": REASON})
    [finding] = findings_of(objects, "pss-baseline-privileged")
    assert finding.exemption is not None and not finding.blocking


def test_a_restricted_rule_may_be_exempted_where_only_baseline_is_enforced() -> None:
    annotations = {EXEMPT_PREFIX + "pss-restricted-run-as-user": "the lab shows a container that runs as root"}
    exempted = breaking(enforcing("baseline"), annotations, runAsUser=0)
    [finding] = findings_of(exempted, "pss-restricted-run-as-user")
    assert finding.exemption is not None and not finding.blocking
    refused = breaking(enforcing("restricted"), annotations, runAsUser=0)
    [finding] = findings_of(refused, "pss-restricted-run-as-user")
    assert finding.blocking and finding.exemption is None
    assert [f.rule.id for f in findings_of(refused, "exemption-well-formed")] == ["exemption-well-formed"]


def test_a_pod_outside_the_reviewed_namespaces_may_be_exempted() -> None:
    objects = edit(lambda p: p["metadata"].update(namespace="elsewhere"))(
        privileged_and_exempt("baseline", {EXEMPT_PREFIX + "pss-baseline-privileged": REASON})
    )
    [finding] = findings_of(objects, "pss-baseline-privileged")
    assert finding.exemption is not None


def test_the_check_on_exemptions_cannot_be_exempted() -> None:
    annotations = {
        EXEMPT_PREFIX + "exemption-well-formed": "the lab shows an annotation that is not well formed",
        EXEMPT_PREFIX + "secret-in-env": "typo",
    }
    objects = edit(lambda p: p["metadata"].update(annotations=annotations))(base_stack())
    found = findings_of(objects, "exemption-well-formed")
    assert sorted(f.path for f in found) == sorted(f"metadata.annotations[{key}]" for key in annotations)
    assert all(f.blocking for f in found)


@pytest.mark.parametrize(
    "reason", ["", " ", "Lab 2.5", "on purpose", "x" * 40, "a b c d e f", "Lab 2.5 shows a Secret"]
)
def test_a_reason_without_substance_is_reported_and_blocks(reason: str) -> None:
    objects = privileged_and_exempt("privileged", {EXEMPT_PREFIX + "pss-baseline-privileged": reason})
    [thin] = findings_of(objects, "exemption-well-formed")
    assert thin.blocking and "too thin a reason" in thin.message
    # The exemption itself is still listed, with the reason it gives.
    [finding] = findings_of(objects, "pss-baseline-privileged")
    assert finding.exemption is not None and finding.exemption.reason == reason


def test_the_substance_check_counts_words_with_letters_and_characters() -> None:
    six_words = "the lab shows a root shell"
    assert len(six_words.split()) == MIN_REASON_WORDS and len(six_words) < MIN_REASON_CHARS
    assert thin_reason(six_words)
    assert not thin_reason("the lab shows a root shell in a pod")
    assert thin_reason("Lab 2.5 : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15")


@pytest.mark.parametrize(
    ("reason", "words", "characters", "thin"),
    [
        # Exactly the minimum of each is enough; one short of either is not.
        ("the container keeps running as root", MIN_REASON_WORDS, 35, False),
        ("the container keeps running rootfully", MIN_REASON_WORDS - 1, 37, True),
        ("a pod runs as root on the node", 8, MIN_REASON_CHARS, False),
        ("a pod runs as root in the lab", 8, MIN_REASON_CHARS - 1, True),
    ],
)
def test_a_reason_of_exactly_the_minimum_words_and_characters_is_enough(
    reason: str, words: int, characters: int, thin: bool
) -> None:
    assert (len(reason.split()), len(reason)) == (words, characters)
    assert thin_reason(reason) is thin


def test_an_unknown_rule_is_reported() -> None:
    objects = edit(lambda p: p["metadata"].update(annotations={EXEMPT_PREFIX + "secret-in-envs": REASON}))(base_stack())
    [unknown] = findings_of(objects, "exemption-well-formed")
    assert "names no rule" in unknown.message and unknown.blocking


def test_an_exemption_covers_only_the_rule_it_names() -> None:
    objects = privileged_and_exempt("privileged", {EXEMPT_PREFIX + "secret-in-env": REASON})
    found = findings_of(objects, "pss-baseline-privileged")
    assert len(found) == 1 and found[0].blocking and found[0].exemption is None


def test_an_exemption_covers_only_the_object_that_carries_it() -> None:
    objects = privileged_and_exempt("privileged", {EXEMPT_PREFIX + "pss-baseline-privileged": REASON})
    pod = next(obj for obj in objects if obj["kind"] == "Pod")
    twin = {**pod, "metadata": {**pod["metadata"], "name": "twin", "annotations": {}}}
    found = findings_of([*objects, twin], "pss-baseline-privileged")
    assert sorted(f.exemption is None for f in found) == [False, True]


def test_every_exemption_a_lab_declares_is_used_by_a_finding(dev_plan: Any) -> None:
    """An exemption that exempts nothing means the lab and the rule disagree about what is wrong."""
    objects = [m for env in dev_plan.environments for m in build_environment(env, "stand-in")]
    declared = {
        (index, key.removeprefix(EXEMPT_PREFIX))
        for index, obj in enumerate(objects)
        for key in obj["metadata"].get("annotations", {})
        if key.startswith(EXEMPT_PREFIX)
    }
    exempted = {(f.subject, f.rule.id) for f in review(objects) if f.exemption is not None}
    assert declared and declared == exempted
    assert [f for f in review(objects) if f.rule.id == "exemption-well-formed"] == []


def test_each_annotation_that_cannot_stand_is_reported_on_its_own_path_with_why() -> None:
    annotations = {
        EXEMPT_PREFIX + "secret-in-envs": REASON,
        EXEMPT_PREFIX + "exemption-well-formed": REASON,
        EXEMPT_PREFIX + "secret-in-env": " on purpose ",
        EXEMPT_PREFIX + "pss-baseline-privileged": REASON,
        EXEMPT_PREFIX + "liveness-restarts": REASON,
    }
    objects = privileged_and_exempt("baseline", annotations)
    subject = next(index for index, obj in enumerate(objects) if obj["kind"] == "Pod")

    def at(rule_id: str, problem: str) -> tuple[int, str, str]:
        path = f"metadata.annotations[{EXEMPT_PREFIX}{rule_id}]"
        return subject, path, f"{path}: {problem}"

    found = findings_of(objects, "exemption-well-formed")
    assert [(f.subject, f.path, f.message) for f in found] == [
        at(
            "exemption-well-formed",
            "cannot exempt exemption-well-formed: the check on exemptions cannot itself be exempted",
        ),
        at(
            "pss-baseline-privileged",
            f"cannot exempt pss-baseline-privileged: namespace {NS} enforces Pod Security baseline, which includes "
            "this baseline rule: the cluster rejects the pod whatever the annotation says",
        ),
        at(
            "secret-in-env",
            "gives too thin a reason ('on purpose'): say in a sentence of at least 6 words what the lab shows by "
            "breaking secret-in-env",
        ),
        at("secret-in-envs", "names no rule (known: see `labctl review --list-rules`)"),
    ]


def test_a_pod_that_names_no_namespace_is_judged_by_the_default_namespace() -> None:
    default = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "default", "labels": {ENFORCE: "baseline"}},
    }
    objects = edit(lambda p: p["metadata"].pop("namespace"))(
        privileged_and_exempt("privileged", {EXEMPT_PREFIX + "pss-baseline-privileged": REASON})
    )
    [refusal] = findings_of([default, *objects], "exemption-well-formed")
    assert "cannot exempt pss-baseline-privileged: namespace default enforces Pod Security baseline" in refusal.message
    [finding] = findings_of([default, *objects], "pss-baseline-privileged")
    assert finding.blocking and finding.exemption is None


def test_exemptions_are_checked_whatever_annotations_sort_before_them() -> None:
    """Other annotations on the object (an AppArmor profile here, whose key sorts first) skip no exemption."""
    apparmor = "container.apparmor.security.beta.kubernetes.io/web"
    annotations = {apparmor: "runtime/default", EXEMPT_PREFIX + "secret-in-envs": REASON}
    objects = edit(lambda p: p["metadata"].update(annotations=annotations))(base_stack())
    subject = next(index for index, obj in enumerate(objects) if obj["kind"] == "Pod")
    path = f"metadata.annotations[{EXEMPT_PREFIX}secret-in-envs]"

    found = findings_of(objects, "exemption-well-formed")

    assert [(f.subject, f.path, f.message) for f in found] == [
        (subject, path, f"{path}: names no rule (known: see `labctl review --list-rules`)")
    ]


@pytest.mark.parametrize("value", ["", None], ids=["empty", "null"])
def test_an_exemption_without_a_reason_is_reported_as_giving_an_empty_one(value: str | None) -> None:
    """`exempt...: ""` and a bare `exempt...:` (YAML null) both give no reason; the message quotes it as empty."""
    objects = edit(lambda p: p["metadata"].update(annotations={EXEMPT_PREFIX + "secret-in-env": value}))(base_stack())
    path = f"metadata.annotations[{EXEMPT_PREFIX}secret-in-env]"

    [thin] = findings_of(objects, "exemption-well-formed")

    assert (thin.path, thin.message) == (
        path,
        f"{path}: gives too thin a reason (''): say in a sentence of at least 6 words what the lab shows by "
        "breaking secret-in-env",
    )
