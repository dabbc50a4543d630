"""Given exemption annotations, the exempted findings stay in the result with their reason and stop blocking."""

from __future__ import annotations

from typing import Any

from labs.environment import build_environment
from policy.rules import EXEMPT_PREFIX, RULES_BY_ID, review
from tests.test_policy_rules import base_stack, container, edit

LAB_EXEMPTIONS = ("liveness-restarts", "secret-in-env", "database-on-emptydir")


def test_the_rule_ids_the_labs_use_exist() -> None:
    assert set(LAB_EXEMPTIONS) <= set(RULES_BY_ID)


def privileged_and_exempt(annotations: dict[str, str]) -> list[dict[str, Any]]:
    objects = container(lambda c: c["securityContext"].update(privileged=True))(base_stack())
    return edit(lambda p: p["metadata"].update(annotations=annotations))(objects)


def test_an_exempted_finding_is_kept_with_its_reason_and_does_not_block() -> None:
    objects = privileged_and_exempt({EXEMPT_PREFIX + "pss-baseline-privileged": "the lab shows privileged mode"})
    found = [f for f in review(objects) if f.rule.id == "pss-baseline-privileged"]
    assert len(found) == 1 and not found[0].blocking
    assert found[0].exemption is not None
    assert found[0].exemption.reason == "the lab shows privileged mode"
    assert found[0].exemption.source == f"annotation {EXEMPT_PREFIX}pss-baseline-privileged"


def test_an_exemption_covers_only_the_rule_it_names() -> None:
    objects = privileged_and_exempt({EXEMPT_PREFIX + "secret-in-env": "unrelated"})
    found = [f for f in review(objects) if f.rule.id == "pss-baseline-privileged"]
    assert len(found) == 1 and found[0].blocking and found[0].exemption is None


def test_an_exemption_covers_only_the_object_that_carries_it() -> None:
    objects = privileged_and_exempt({EXEMPT_PREFIX + "pss-baseline-privileged": "this pod only"})
    twin = {**objects[-2], "metadata": {**objects[-2]["metadata"], "name": "twin", "annotations": {}}}
    found = [f for f in review([*objects, twin]) if f.rule.id == "pss-baseline-privileged"]
    assert sorted(f.exemption is None for f in found) == [False, True]


def test_an_exemption_without_reason_is_reported() -> None:
    objects = privileged_and_exempt({EXEMPT_PREFIX + "pss-baseline-privileged": " "})
    assert [f.rule.id for f in review(objects) if f.rule.id == "exemption-well-formed"] == ["exemption-well-formed"]


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
