"""The kubelet's `$(VAR)` expansion of env, command and args."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labs.expansion import container_argv, container_env, expand
from labs.webserver import ProbedWebServerArgs, build
from policy.rules.liveness import command_line
from policy.rules.manifest import Container

VARS = {"PORT": "8000", "HOST": "web", "EMPTY": "", "REF": "$(PORT)", "DOLLAR": "$"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("$(PORT)", "8000", id="whole string"),
        pytest.param("http://$(HOST):$(PORT)/", "http://web:8000/", id="several references"),
        pytest.param("$(PORT)$(PORT)", "80008000", id="adjacent references"),
        pytest.param("a$(EMPTY)b", "ab", id="defined but empty"),
        pytest.param("$(MISSING)", "$(MISSING)", id="undefined kept as written"),
        pytest.param("x-$(MISSING)-$(HOST)", "x-$(MISSING)-web", id="undefined beside defined"),
        pytest.param("$$(PORT)", "$(PORT)", id="escaped reference"),
        pytest.param("$$", "$", id="escaped operator alone"),
        pytest.param("cost $$5", "cost $5", id="escaped operator before text"),
        pytest.param("$$$(PORT)", "$8000", id="escape then reference"),
        pytest.param("$$$$(PORT)", "$$(PORT)", id="two escapes then literal parenthesis"),
        pytest.param("$$$$$(MISSING)", "$$$(MISSING)", id="odd run before undefined"),
        pytest.param("$PORT", "$PORT", id="shell form without parentheses"),
        pytest.param("${PORT}", "${PORT}", id="shell braces are not Kubernetes syntax"),
        pytest.param("$? and $!", "$? and $!", id="shell specials pass through"),
        pytest.param("end$", "end$", id="operator at the end"),
        pytest.param("$(PORT", "$(PORT", id="unterminated reference"),
        pytest.param("$(", "$(", id="bare opener at the end"),
        pytest.param("$(a $$b", "$(a $b", id="escapes after an unterminated reference still apply"),
        pytest.param("$($(PORT)", "$($(PORT)", id="name runs to the first closer"),
        pytest.param("$(HOST)..$(PO", "web..$(PO", id="complete then unterminated"),
        pytest.param("$($(HOST)", "$($(HOST)", id="opener swallows the next reference"),
        pytest.param("$(PO$(X))", "$(PO$(X))", id="nested reference is not expanded"),
        pytest.param("(PORT)", "(PORT)", id="parentheses without operator"),
        pytest.param("$(REF)", "$(PORT)", id="values are not expanded twice"),
        pytest.param("$(DOLLAR)(PORT)", "$(PORT)", id="a value's dollar is not re-read"),
        pytest.param("back\\$(PORT)", "back\\8000", id="backslash is no escape"),
        pytest.param("$(a b)", "$(a b)", id="any text up to the closer is a name"),
        pytest.param("\n", "\n", id="newline kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_expand_follows_the_kubelet_rules(text: str, expected: str) -> None:
    assert expand(text, VARS) == expected


@given(st.text(), st.dictionaries(st.text(min_size=1), st.text()))
def test_doubling_every_dollar_makes_any_text_literal(text: str, variables: dict[str, str]) -> None:
    assert expand(text.replace("$", "$$"), variables) == text


@given(st.text(alphabet=st.characters(blacklist_characters="$")), st.dictionaries(st.text(), st.text()))
def test_text_without_dollar_is_untouched(text: str, variables: dict[str, str]) -> None:
    assert expand(text, variables) == text


def test_env_values_expand_from_earlier_entries_only() -> None:
    container = {
        "env": [
            {"name": "FIRST", "value": "one"},
            {"name": "SECOND", "value": "$(FIRST)-two"},
            {"name": "EARLY", "value": "$(LATER)"},
            {"name": "THIRD", "value": "$(SECOND)-three"},
            {"name": "LATER", "value": "late"},
            {"name": "ESCAPED", "value": "$$(FIRST)"},
            {"name": "UNSET"},
        ]
    }

    env = container_env(container)

    assert env == {
        "FIRST": "one",
        "SECOND": "one-two",
        "EARLY": "$(LATER)",
        "THIRD": "one-two-three",
        "LATER": "late",
        "ESCAPED": "$(FIRST)",
        "UNSET": "",
    }


def test_a_redefined_variable_takes_its_last_value_and_may_use_its_previous_one() -> None:
    container = {"env": [{"name": "PATHS", "value": "/a"}, {"name": "PATHS", "value": "$(PATHS):/b"}]}

    assert container_env(container) == {"PATHS": "/a:/b"}


def test_command_and_args_expand_from_the_finished_env() -> None:
    container = {
        "command": ["/bin/$(SHELL_NAME)"],
        "args": ["-c", "echo $(GREETING) $$(GREETING) $(NOPE)"],
        "env": [{"name": "SHELL_NAME", "value": "sh"}, {"name": "GREETING", "value": "hi-$(SHELL_NAME)"}],
    }

    assert container_argv(container) == ["/bin/sh", "-c", "echo hi-sh $(GREETING) $(NOPE)"]


def test_the_web_server_sleeps_for_delay_start_seconds() -> None:
    (pod,) = build(ProbedWebServerArgs(delay_start=7, port=8123))
    (container,) = pod["spec"]["containers"]

    argv = container_argv(container)

    assert argv[:2] == ["/bin/sh", "-c"]
    assert "sleep 7;" in argv[2]
    assert "$(" not in argv[2]


def test_values_from_the_cluster_cannot_be_expanded_here() -> None:
    secret = {"secretKeyRef": {"name": "s", "key": "k"}}
    with pytest.raises(ValueError, match="valueFrom"):
        container_env({"env": [{"name": "P", "valueFrom": secret}]})
    with pytest.raises(ValueError, match="envFrom"):
        container_env({"envFrom": [{"configMapRef": {"name": "c"}}]})


def test_a_container_without_command_has_no_known_argv() -> None:
    with pytest.raises(ValueError, match="entrypoint"):
        container_argv({"args": ["x"]})


@pytest.mark.parametrize(
    "container",
    [
        pytest.param(
            {
                "command": ["/bin/$(SHELL_NAME)"],
                "args": ["-c", "sleep $(DELAY); echo $$(DELAY) $(NOPE)"],
                "env": [
                    {"name": "SHELL_NAME", "value": "sh"},
                    {"name": "BASE", "value": "30"},
                    {"name": "DELAY", "value": "$(BASE)"},
                ],
            },
            id="escapes and env chained in order",
        ),
        pytest.param(
            {"command": ["sh"], "args": ["-c", "$$$(A)$$(A)$(A"], "env": [{"name": "A", "value": "x"}]},
            id="runs of dollars and an unterminated reference",
        ),
        pytest.param(
            {"command": ["sh"], "args": ["-c", "echo $(EMPTY)."], "env": [{"name": "EMPTY"}]},
            id="an entry without a value is empty",
        ),
    ],
)
def test_the_policy_rules_read_a_command_as_the_kubelet_runs_it(container: dict[str, Any]) -> None:
    assert command_line(Container("containers", 0, container)) == container_argv(container)
