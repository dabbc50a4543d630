"""docs/rules.md: the policy rules, read from the rule catalogue both `labctl review` and the pack run."""

from __future__ import annotations

from pydantic import BaseModel

from labctl.docgen.markdown import as_json, code, heading, link, table
from labctl.docgen.types import Describer
from policy.rules import RULES, Rule

SOURCES = "the rule catalogue in policy/rules/ (policy/rules/catalog.py)"
SCOPES = {"object": "each object", "stack": "the whole stack"}

INTRO = """\
One rule library (`policy/rules/`) runs offline as `labctl review` and inside the CrossGuard pack
(`pulumi preview --policy-pack policy`). How to run it, set levels and parameters, and exempt an
object: [policy.md](policy.md).

A rule that looks at each object is a CrossGuard resource policy; one that needs the whole stack
(references, namespaces) is a stack policy. The default level is the rule's own; a policy config
file changes it. Parameter names and defaults are shown as the policy config file (JSON) takes them."""


def _no_nested_models(model: type[BaseModel]) -> str:
    raise TypeError(f"rule parameters are plain values, not models: {model.__name__}")


def _parameter_heading(rule: Rule) -> str:
    return code(rule.id)


def _has_parameters(rule: Rule) -> bool:
    return bool(rule.params.model_fields)


def _summary_row(rule: Rule) -> list[str]:
    parameters = ", ".join(code(info.alias or name) for name, info in rule.params.model_fields.items())
    if parameters:
        parameters = link(parameters, _parameter_heading(rule))
    return [
        code(rule.id),
        rule.severity.value,
        rule.enforcement.value,
        SCOPES[rule.scope],
        rule.description,
        f"[{rule.standard}]({rule.url})",
        parameters or "none",
    ]


def _parameter_rows(rule: Rule, describer: Describer) -> list[list[str]]:
    rows = []
    for name, info in rule.params.model_fields.items():
        if not info.description:
            raise ValueError(f"rule {rule.id}: parameter {name} has no Field(description=...)")
        default = code(as_json(info.get_default(call_default_factory=True)))
        rows.append([code(info.alias or name), describer.field(info), default, info.description])
    return rows


def render() -> str:
    describer = Describer(_no_nested_models)
    header = ["rule", "severity", "default level", "looks at", "what it checks", "standard", "parameters"]
    parts = [heading(1, "Policy rules"), INTRO, table(header, [_summary_row(rule) for rule in RULES])]
    parts.append(heading(2, "Parameters"))
    for rule in filter(_has_parameters, RULES):
        parts += [
            heading(3, _parameter_heading(rule)),
            table(["parameter", "type and allowed values", "default", "meaning"], _parameter_rows(rule, describer)),
        ]
    return "\n\n".join(parts) + "\n"
