"""Given a policy config (CrossGuard's format), levels and parameters change, and bad keys are named."""

from __future__ import annotations

import pytest
from pydantic import Field

from policy.rules import RULES, RULES_BY_ID, Enforcement, PolicyConfigError, load_settings, review, review_with_config
from policy.rules.catalog import parameters
from policy.rules.images import EndOfLifeParams
from policy.rules.model import Params, Rule, Severity
from tests.test_policy_rules import base_stack, container, edit


def test_without_config_every_rule_keeps_its_default() -> None:
    settings = load_settings(None)
    assert {key: value.enforcement for key, value in settings.items()} == {r.id: r.enforcement for r in RULES}


def test_a_rule_entry_beats_all_which_beats_the_default() -> None:
    settings = load_settings({"all": "advisory", "image-pinned": {"enforcementLevel": "mandatory"}})
    assert settings["image-pinned"].enforcement is Enforcement.MANDATORY
    assert settings["pss-baseline-privileged"].enforcement is Enforcement.ADVISORY
    assert RULES_BY_ID["pss-baseline-privileged"].enforcement is Enforcement.MANDATORY


def test_all_as_a_mapping_sets_the_level_too() -> None:
    settings = load_settings({"all": {"enforcementLevel": "disabled"}})
    assert {value.enforcement for value in settings.values()} == {Enforcement.DISABLED}


def test_a_disabled_rule_reports_nothing() -> None:
    objects = container(lambda c: c.update(image="python:2.7-alpine"))(base_stack())
    assert any(f.rule.id == "image-end-of-life" for f in review(objects))
    quiet = review(objects, load_settings({"image-end-of-life": "disabled"}))
    assert not any(f.rule.id == "image-end-of-life" for f in quiet)


@pytest.mark.parametrize("disabled", [RULES[0].id, "image-end-of-life"])
def test_disabling_one_rule_leaves_every_other_rule_reporting(disabled: str) -> None:
    """The rules after a disabled one in the catalogue still run (the first rule is the hardest case)."""
    objects = container(lambda c: c.update(image="python:2.7", securityContext={"privileged": True}))(base_stack())
    others = [f for f in review(objects) if f.rule.id != disabled]
    assert others
    assert review(objects, load_settings({disabled: "disabled"})) == others


def test_a_level_set_to_advisory_stops_blocking() -> None:
    objects = container(lambda c: c.update(image="python:2.7-alpine"))(base_stack())
    assert any(f.blocking for f in review(objects))
    relaxed = review(objects, load_settings({"image-end-of-life": "advisory"}))
    assert relaxed and not any(f.blocking for f in relaxed)


def test_parameters_change_what_a_rule_reports() -> None:
    objects = base_stack()
    settings = load_settings({"image-end-of-life": {"patterns": ["nginxinc/nginx-unprivileged:1.2*"]}})
    assert isinstance(settings["image-end-of-life"].params, EndOfLifeParams)
    assert [f.rule.id for f in review(objects, settings)] == ["image-end-of-life"]


def test_an_advisory_secret_made_by_hand_is_reported_as_exempted_when_listed() -> None:
    objects = edit(lambda p: p["spec"]["volumes"][1]["secret"].update(secretName="mysql-password"))(base_stack())
    plain = [f for f in review(objects) if f.rule.id == "secret-ref-resolves"]
    assert len(plain) == 1 and plain[0].exemption is None and not plain[0].blocking
    listed = review(objects, load_settings({"secret-ref-resolves": {"external": ["lab-a/mysql-password"]}}))
    exempted = [f for f in listed if f.rule.id == "secret-ref-resolves"]
    assert len(exempted) == 1 and exempted[0].exemption is not None
    assert "outside the stack" in exempted[0].exemption.reason


@pytest.mark.parametrize(
    ("config", "names"),
    [
        ({"image-pined": "mandatory"}, ["image-pined", "image-pinned"]),
        ({"all": "strict"}, ["all", "advisory, mandatory, disabled"]),
        ({"image-pinned": {"enforcementLevel": "remediate"}}, ["image-pinned.enforcementLevel", "remediate"]),
        ({"image-end-of-life": {"pattern": ["x"]}}, ["image-end-of-life.pattern", "patterns"]),
        ({"plaintext-secret": {"namePattern": "(unclosed"}}, ["plaintext-secret.namePattern", "regular expression"]),
        ({"image-pinned": 3}, ["image-pinned", "level or a mapping"]),
        ({"all": {"patterns": []}}, ["all", "enforcementLevel"]),
    ],
)
def test_bad_config_names_the_key_and_what_is_allowed(config: dict[str, object], names: list[str]) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        load_settings(config)
    assert len(raised.value.problems) == 1
    assert all(name in raised.value.problems[0] for name in names)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PolicyConfigError) as raised:
        load_settings({"nope": "advisory", "all": "loud", "image-pinned": {"requireDigest": "maybe"}})
    assert len(raised.value.problems) == 3


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            {"image-pinned": "loud"},
            "image-pinned: 'loud' is not an enforcement level; allowed: advisory, mandatory, disabled",
        ),
        ({"image-pinned": 3}, "image-pinned: expected a level or a mapping, got int"),
        ({"image-pinned": ["mandatory"]}, "image-pinned: expected a level or a mapping, got list"),
        (
            {"plaintext-secret": {"names": []}},
            "plaintext-secret.names: Extra inputs are not permitted "
            "(parameters of plaintext-secret: namePattern, pointerPattern, valuePatterns, allowNames)",
        ),
        (
            {"image-end-of-life": {"patterns": ["python:2*", 3]}},
            "image-end-of-life.patterns.1: Input should be a valid string (parameters of image-end-of-life: patterns)",
        ),
        (
            {"secret-in-env": {"allowNames": ["TOKEN"]}},
            "secret-in-env.allowNames: Extra inputs are not permitted (parameters of secret-in-env: none)",
        ),
        ({"all": "loud"}, "all: 'loud' is not an enforcement level; allowed: advisory, mandatory, disabled"),
        (
            {"all": {"enforcementLevel": "advisory", "patterns": [], "external": []}},
            "all: only enforcementLevel may be set for every rule, not external, patterns",
        ),
        # Nothing close enough to suggest: no hint.
        ({"qqqq": "advisory"}, "qqqq: no such rule; allowed: all or a rule id (`labctl review --list-rules`)"),
    ],
)
def test_a_bad_entry_is_one_problem_naming_the_key_and_what_is_allowed(config: dict[str, object], problem: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        load_settings(config)
    assert raised.value.problems == [problem]


def test_a_review_with_a_config_applies_its_levels() -> None:
    objects = container(lambda c: c.update(image="python:2.7-alpine"))(base_stack())
    found = review_with_config(objects, {"image-end-of-life": "advisory"})
    end_of_life = [f for f in found if f.rule.id == "image-end-of-life"]
    assert [(f.subject, f.enforcement) for f in end_of_life] == [
        (f.subject, Enforcement.ADVISORY) for f in review(objects) if f.rule.id == "image-end-of-life"
    ]
    assert end_of_life and not any(f.blocking for f in found)


def test_a_parameter_is_listed_by_its_config_key_with_its_default_and_meaning() -> None:
    class Tunable(Params):
        max_restarts: int = Field(3, description="restarts allowed before the check fails")
        quiet: bool = False

    rule = Rule(
        id="tunable",
        title="Tunable",
        description="A rule with parameters.",
        severity=Severity.LOW,
        enforcement=Enforcement.ADVISORY,
        standard="none",
        url="https://kubernetes.io/",
        params=Tunable,
        check_object=lambda obj, params: [],
    )
    assert parameters(rule) == [
        {"name": "maxRestarts", "default": 3, "description": "restarts allowed before the check fails"},
        {"name": "quiet", "default": False, "description": ""},
    ]
