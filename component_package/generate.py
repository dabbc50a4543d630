"""Writes component_package/served.py: the served components, their args and outputs, from the code.

The component provider host infers the package schema from literal class annotations and reads each
property's description from the docstring below it in the source, so the args cannot be built at run
time: they are generated here from the pydantic models (fields, descriptions, defaults) and the Python
components (outputs), and tests/test_component_package.py fails when served.py differs from what this
module writes. Regenerate with `python -m component_package.generate`.

Mapped to what the host accepts: camelCase comes from the host; a field with a default is NotRequired;
Literal values are text (the description lists them); a union of scalars that includes text is text; a
union of models (the MySQL storage) is one object holding every member's fields; any other union, and a
field with a before-validator that accepts another shape (a student count), is Any.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import subprocess
import sys
import textwrap
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import pulumi
import pydantic
from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

import components
from components.base import LabComponent
from config.models import Classroom as ClassroomConfig
from config.models import StackConfig
from labs.catalog import LABS

TARGET = Path(__file__).with_name("served.py")
SCALARS = (str, int, float, bool)
PASSWORD_DOC = (
    "The MySQL root password, normally a secret. It is kept secret in every object that holds it; "
    "unset, a random one is generated."
)
NULL_FIELDS_DOC = (
    "Keys to set to null, as `key: null` does in a stack file (Pulumi drops null inputs, so this is how to "
    "say it): {fields}."
)


@dataclass(frozen=True)
class Served:
    name: str
    python_class: type[pulumi.ComponentResource]
    model: type[BaseModel]
    skip: frozenset[str] = frozenset()
    borrowed: tuple[tuple[str, type[BaseModel], str], ...] = ()
    """(input name, model, field): fields taken from another model under another name."""
    password: bool = False


def served_components() -> list[Served]:
    labs = [
        Served(lab.component, getattr(components, lab.component), lab.args_type, password=lab.key == "mysqlWithSecret")
        for lab in LABS.values()
    ]
    return [
        *labs,
        Served(
            "StudentEnvironment",
            components.StudentEnvironment,
            StackConfig,
            skip=frozenset({"classroom"}),
            password=True,
        ),
        Served(
            "Classroom",
            components.Classroom,
            ClassroomConfig,
            borrowed=(("lab_parameters", StackConfig, "labs"),),
            password=True,
        ),
    ]


def is_union(tp: Any) -> bool:
    return get_origin(tp) in (typing.Union, types.UnionType)


def is_model(tp: Any) -> bool:
    return inspect.isclass(tp) and issubclass(tp, BaseModel)


def unwrap(tp: Any) -> tuple[Any, bool]:
    """The type under Annotated, and whether a before-validator lets it accept another shape."""
    reshaped = False
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        reshaped = reshaped or any(isinstance(meta, pydantic.BeforeValidator) for meta in args[1:])
        tp = args[0]
    return tp, reshaped


def members(tp: Any) -> tuple[list[Any], bool]:
    """A union's members without None, and whether None was one."""
    args = [unwrap(arg)[0] for arg in get_args(tp)]
    return [arg for arg in args if arg is not type(None)], type(None) in args


def literal_values(tp: Any) -> list[Any]:
    tp, _ = unwrap(tp)
    if get_origin(tp) is Literal:
        return list(get_args(tp))
    if is_union(tp):
        return [value for member in members(tp)[0] for value in literal_values(member)]
    if get_origin(tp) in (list, tuple, dict):
        return literal_values(get_args(tp)[-1])
    return []


@dataclass
class Renderer:
    """Renders annotations and collects the TypedDicts of nested models, each once."""

    types: dict[str, str] = field(default_factory=dict)
    origins: dict[str, object] = field(default_factory=dict)

    def annotation(self, tp: Any, hint: str) -> str:
        tp, reshaped = unwrap(tp)
        if reshaped or tp is Any:
            return "Any"
        if tp in SCALARS:
            return str(tp.__name__)
        if get_origin(tp) is Literal:
            return "str"
        if is_union(tp):
            found, _ = members(tp)
            if len(found) == 1:
                return self.annotation(found[0], hint)
            if all(is_model(member) for member in found):
                return self.typed_dict(found, hint)
            if str in found and all(unwrap(m)[0] in SCALARS or get_origin(m) is Literal for m in found):
                return "str"
            return "Any"
        if get_origin(tp) in (list, tuple):
            return f"list[{self.annotation(get_args(tp)[0], hint)}]"
        if get_origin(tp) is dict:
            return f"dict[str, {self.annotation(get_args(tp)[1], hint)}]"
        if is_model(tp):
            return self.typed_dict([tp], tp.__name__)
        if inspect.isclass(tp) and tp.__module__.startswith("pydantic"):
            return "str"  # HttpUrl and friends: text that pydantic checks
        raise TypeError(f"no schema type for {tp!r} ({hint})")

    def field(self, info: FieldInfo, hint: str) -> str:
        """pydantic keeps a field's Annotated metadata beside its annotation."""
        if any(isinstance(meta, pydantic.BeforeValidator) for meta in info.metadata):
            return "Any"
        return self.annotation(info.annotation, hint)

    def typed_dict(self, models: list[type[BaseModel]], name: str) -> str:
        name = name[0].upper() + name[1:]
        if self.origins.get(name, models) != models:
            raise ValueError(f"two different types would be named {name} in the schema")
        if name in self.origins:
            return name
        self.origins[name] = models
        docs = [model.__doc__ for model in models if model.__doc__ and model.__module__ != "labs.model"]
        if len(models) > 1:
            keys = [owner_type(model) for model in models if "type" in model.model_fields]
            docs = [f"One of {', '.join(keys)}, chosen by `type`; each key says which it belongs to."]
        body = [f"class {name}(TypedDict):", indent(docstring(" ".join(docs) or f"The `{name}` block."))]
        merged: dict[str, tuple[FieldInfo, list[type[BaseModel]]]] = {}
        for model in models:
            for fname, info in model.model_fields.items():
                merged.setdefault(fname, (info, []))[1].append(model)
        for fname, (info, owners) in merged.items():
            required = info.is_required() and len(owners) == len(models)
            rendered = self.field(info, to_camel(fname))
            doc = describe(info)
            if len(owners) == len(models) > 1 and get_origin(info.annotation) is Literal:
                values = [value for owner in owners for value in get_args(owner.model_fields[fname].annotation)]
                doc = f"Which one: {', '.join(map(str, values))}. {default_text(info)}"
            elif len(owners) < len(models):
                doc += f" Only for type {', '.join(owner_type(owner) for owner in owners)}."
            body.append(indent(f"{fname}: {rendered if required else f'NotRequired[{rendered}]'}"))
            body.append(indent(docstring(doc)))
        self.types[name] = "\n".join(body)
        return name


def owner_type(model: type[BaseModel]) -> str:
    return str(model.model_fields["type"].get_default())


def describe(info: FieldInfo) -> str:
    text = (info.description or "").strip()
    text = text[0].upper() + text[1:] if text else ""
    text = text.rstrip(".") + "." if text else ""
    values = literal_values(info.annotation)
    if values:
        text += f" One of: {', '.join(str(value) for value in values)}."
    return f"{text} {default_text(info)}".strip()


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "Required."
    default = info.get_default(call_default_factory=True)
    if default is None:
        return "Default: unset."
    if isinstance(default, BaseModel):
        if default == type(default)():
            return "Default: every key at its default."
        default = default.model_dump(mode="json", by_alias=True)
    if isinstance(default, dict) and not default:
        return "Default: none."
    return f"Default: `{json.dumps(default, default=str)}`."


def null_fields(model: type[BaseModel]) -> list[str]:
    """The keys whose `null` means something else than leaving them out (a probe off, not the stage's)."""
    base = model.model_validate({})
    distinct = []
    for fname, info in model.model_fields.items():
        if not is_union(unwrap(info.annotation)[0]) or not members(unwrap(info.annotation)[0])[1]:
            continue
        alias = info.alias or fname
        if getattr(model.model_validate({alias: None}), fname) != getattr(base, fname):
            distinct.append(alias)
    return distinct


def docstring(text: str) -> str:
    wrapped = textwrap.fill(text, width=110, break_long_words=False, break_on_hyphens=False)
    return '"""' + wrapped.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'


def indent(text: str) -> str:
    return textwrap.indent(text, "    ")


def inputs_class(served: Served, renderer: Renderer) -> str:
    name = f"{served.name}Args"
    model_doc = (served.model.__doc__ or "").strip().splitlines()[0]
    body = [f"class {name}(TypedDict):", indent(docstring(f"The inputs of {served.name}. {model_doc}".strip()))]
    fields = [(fname, info) for fname, info in served.model.model_fields.items() if fname not in served.skip]
    fields += [(input_name, model.model_fields[source]) for input_name, model, source in served.borrowed]
    for fname, info in fields:
        rendered = renderer.field(info, to_camel(fname))
        body.append(indent(f"{fname}: {rendered if info.is_required() else f'NotRequired[{rendered}]'}"))
        body.append(indent(docstring(describe(info))))
    nulls = null_fields(served.model) if issubclass(served.python_class, LabComponent) else []
    if nulls:
        body.append(indent("null_fields: NotRequired[list[str]]"))
        body.append(indent(docstring(NULL_FIELDS_DOC.format(fields=", ".join(nulls)))))
    if served.password:
        body.append(indent("root_password: NotRequired[pulumi.Input[str]]"))
        body.append(indent(docstring(PASSWORD_DOC)))
    return "\n".join(body)


def output_annotation(tp: Any) -> str:
    if tp in SCALARS:
        return str(tp.__name__)
    if get_origin(tp) is Literal:
        return "str"
    if is_union(tp):
        found, optional = members(tp)
        inner = output_annotation(found[0]) if len(found) == 1 else "Any"
        return f"{inner} | None" if optional else inner
    if get_origin(tp) is pulumi.Output:
        return f"pulumi.Output[{output_annotation(get_args(tp)[0])}]"
    if get_origin(tp) in (list, tuple):
        return f"list[{output_annotation(get_args(tp)[0])}]"
    if get_origin(tp) is dict:
        return f"dict[str, {output_annotation(get_args(tp)[1])}]"
    if inspect.isclass(tp) and issubclass(tp, pulumi.CustomResource) and tp.__module__.startswith("pulumi_kubernetes"):
        return "k8s." + tp.__module__.removeprefix("pulumi_kubernetes.").rsplit(".", 1)[0] + "." + tp.__name__
    return "Any"  # a component or a manifest: the host has no type for it


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings under each annotated attribute, from the class and its bases in this project."""
    docs: dict[str, str] = {}
    for base in reversed(cls.__mro__):
        if not base.__module__.startswith("components"):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(base)))
        body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
            ):
                docs[node.target.id] = " ".join(str(after.value.value).split())
    return docs


def outputs(cls: type) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if base.__module__.startswith("components"):
            hints.update(inspect.get_annotations(base, eval_str=True))
    return {name: tp for name, tp in hints.items() if not name.startswith("_")}


def served_class(served: Served) -> str:
    cls = served.python_class
    python_doc = (cls.__doc__ or "").strip()
    doc = f"{served.name} from any Pulumi language: the Python component `{cls.__module__}.{cls.__name__}`."
    if python_doc and not python_doc.startswith("Object names are plain"):
        doc += " " + " ".join(python_doc.split())
    body = [f"class {served.name}(_{served.name}):", indent(docstring(doc))]
    docs = attribute_docs(cls)
    for name, tp in outputs(cls).items():
        body.append(indent(f"{name}: {output_annotation(tp)}"))
        body.append(indent(docstring(docs.get(name, name.replace("_", " ").capitalize() + "."))))
    body.append("")
    signature = f"name: str, args: {served.name}Args, opts: pulumi.ResourceOptions | None = None"
    body.append(indent(f"def __init__(self, {signature}) -> None:"))
    body.append(indent(indent(f"construct_{construct_kind(served)}(self, _{served.name}, name, args, opts)")))
    return "\n".join(body)


def construct_kind(served: Served) -> str:
    if served.name == "Classroom":
        return "classroom"
    if served.name == "StudentEnvironment":
        return "environment"
    return "lab"


HEADER = '''"""The served components: generated by `python -m component_package.generate`; do not edit.

Each class is the Python component of the same name with inputs the component provider host can read
(literal annotations, a docstring under each) and construction that validates them with the same pydantic
models as a stack file.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

'''


def render() -> str:
    renderer = Renderer()
    served = served_components()
    imports = sorted({(s.python_class.__module__, s.python_class.__name__) for s in served})
    lines = [HEADER.rstrip("\n")]
    lines += [f"from {module} import {name} as _{name}" for module, name in imports]
    lines.append("from component_package.inputs import construct_classroom, construct_environment, construct_lab")
    inputs = [inputs_class(s, renderer) for s in served]
    classes = [served_class(s) for s in served]
    chunks = [*renderer.types.values(), *inputs, *classes]
    listed = ", ".join(s.name for s in served)
    text = "\n".join(lines) + "\n\n\n" + "\n\n\n".join(chunks) + f"\n\n\nSERVED = [{listed}]\n"
    return formatted(text)


def formatted(text: str) -> str:
    """The project's own ruff settings applied, so served.py passes `ruff format --check` and `ruff check`."""
    ruff = str(Path(sys.executable).with_name("ruff"))
    for command in ([ruff, "check", "--fix", "--select", "I", "-"], [ruff, "format", "-"]):
        done = subprocess.run(
            [*command, "--stdin-filename", str(TARGET)], input=text, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")
        text = done.stdout
    return text


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args == ["--check"]:
        if TARGET.read_text() != text:
            print(f"{TARGET} is stale: run `python -m component_package.generate`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
