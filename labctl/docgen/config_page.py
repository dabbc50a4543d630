"""docs/configuration.md: every stack-config key, read from the pydantic models that validate it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from config import ConfigError, load
from config.loader import PASSWORD_DESCRIPTION, PASSWORD_KEY
from config.models import MAX_STUDENTS, KubernetesMinor, StackConfig, Students
from labctl.docgen.markdown import as_yaml, code, heading, link, table
from labctl.docgen.types import Describer
from labs.catalog import LABS
from labs.lab import LabKey
from labs.model import Cpu, DnsLabel, DnsSubdomain, Image, Memory
from labs.support import KUBERNETES_MINORS

SOURCES = "the pydantic models in config/models.py and labs/"
# The loader refuses these in a lab's parameters: the environment decides them (config/loader.py).
SET_BY_ENVIRONMENT = {"namespace"}
TOP_LEVEL = "Top-level keys"
LABS_HEADING = "Labs"


def _validator(alias: Any) -> Any:
    """The validator an `Annotated` alias carries; fields of that type keep the same object."""
    return next(item for item in get_args(alias)[1:] if hasattr(item, "func"))


NAMED_TYPES = {
    _validator(DnsLabel): "DNS-1123 label: at most 63 of `a-z`, `0-9`, `-`, starting and ending alphanumeric",
    _validator(DnsSubdomain): "DNS-1123 subdomain: at most 253 of `a-z`, `0-9`, `-`, `.`",
    _validator(Image): "image reference pinned to a tag or digest (not `:latest`)",
    _validator(Cpu): "cpu quantity such as `100m`, `0.5` or `2`",
    _validator(Memory): "memory quantity such as `64Mi` or `1Gi`",
    _validator(Students): f"a count from 1 to {MAX_STUDENTS}, or a list of distinct DNS-1123 labels",
    _validator(
        KubernetesMinor
    ): f"Kubernetes minor as text, one of {', '.join(code(as_yaml(minor)) for minor in KUBERNETES_MINORS)}",
}

EXAMPLES = {
    "A single environment (no `classroom`):": """\
config:
  k8s-labs:namespace: probes-demo
  k8s-labs:labs:
    probedWebServer:
      stage: exercise-2.1         # readiness after 5 s, 1 failure, no liveness probe
    redisWithConfigMap:
      config: {maxmemory: 100mb, maxmemoryPolicy: allkeys-lfu}
      resources: {memoryLimit: 160Mi}  # Redis needs 16 MiB + 1.25 x maxmemory (141 MiB here)
""",
    "A class (the dev stack, `Pulumi.dev.yaml`, is two students with every lab at the seed's final values):": """\
config:
  k8s-labs:labs:
    probedWebServer: {delayStart: 45}
    secureWriterPod: {runAsUser: 45, fsGroup: 231}
    redisWithConfigMap: null           # null: the lab's defaults
    mysqlWithSecret: null
    configMapEnvPod: null
  k8s-labs:classroom:
    students: [ada, grace, linus]      # or a count: 30 gives student-1 .. student-30
    labs: [probedWebServer, redisWithConfigMap]   # optional subset of `labs`
    overrides:
      grace:
        probedWebServer: {livenessProbe: {initialDelaySeconds: 90}}
    budget: {limitsCpu: "4", limitsMemory: 3Gi}
""",
}
BAD_EXAMPLE: dict[str, Any] = {
    "labs": {"probedWebServer": {"port": 0}, "redisWithConfigMap": {"config": {"maxmemory": "2xb"}}},
    "classroom": {"students": 0, "namespacePrefx": "ws-"},
}

INTRO = """\
Every key lives under the `k8s-labs:` namespace of a `Pulumi.<stack>.yaml`, camelCase like the rest
of Pulumi config. `pulumi up` and `labctl` read the same keys (`labctl --set path=value` overrides
one). `Pulumi.yaml` declares none of them: the Pulumi CLI would require a declared key that has no
default, and a secret one cannot have a default (`components/pulumi_rules.py`), so every key is
checked by the models this page is generated from instead.

Values below are written as YAML. `null` is the same as leaving an optional key out, with two
exceptions: a lab under `labs` (`null`: the lab with its defaults; left out of a `labs` mapping:
not deployed) and a probe of `probedWebServer` (`null`: no probe; left out: the stage's)."""

MERGING = """\
A bad config is rejected before anything is registered or written, with every problem listed
and each naming its key path (a misspelt key with the allowed key closest to it), for example:

```
{error}
```

How lab parameters combine:

- A lab's block (`labs.<lab>`) gives the lab's parameters; keys left out take the defaults in the
  tables below, and `null` for the whole block means every default.
- A student's block in `classroom.overrides` is merged into the class-wide block key by key,
  nested mappings too; a `null` value there sets the key to `null`.
- A nested block that is given (`resources`, `config`, `storage`) is merged into the lab's own
  default block key by key: keys it leaves out keep the lab's defaults (the `default` column of
  the lab's table), not the generic ones of the block's table. For example
  `secureWriterPod: {{resources: {{cpuLimit: 200m}}}}` keeps the writer's `memoryRequest` and
  `memoryLimit` (`8Mi`, `16Mi`). A `storage` block of another `type` than the default starts from
  that type's own table.
- The probes of `probedWebServer` are merged the same way into the stage's probe, key by key
  (`readinessProbe: {{httpGet: null, tcpSocket: {{}}}}` changes only its action).
- With a classroom, the summed requests and limits of each student's labs plus one ad-hoc pod at
  the LimitRange defaults (the lab's `kubectl run ... mysql-client`) must fit
  `classroom.budget`, or the class is rejected with the numbers. This check runs once the rest
  of the config is valid.
- Values that cannot run together are refused with the numbers: a Redis `maxmemory` whose data,
  Redis's own 16 MiB and the allocator's fragmentation (1.25 x maxmemory, measured) would not fit
  its `resources.memoryLimit`, and a MySQL `memoryLimit` below the 512Mi MySQL 8.4 needs with its
  defaults (taken from its manual, not measured). Where the numbers come from is in
  [labs.md](labs.md#memory-minimums).
- A config under which the probe pod would never become Ready loads with a warning naming the
  parameters."""


@dataclass
class Section:
    """One table: a model and every config path where it appears."""

    model: type[BaseModel]
    paths: list[tuple[str, ...]] = field(default_factory=list)
    discriminator: str | None = None
    """The key whose value picks this model among the members of a union (`storage.type`)."""
    lab_key: LabKey | None = None

    @property
    def heading(self) -> str:
        if self.paths == [()]:
            return TOP_LEVEL
        text = code(".".join(_collapse(self.paths)))
        if self.discriminator is not None:
            text += f" with {code(self.discriminator_value)}"
        return text

    @property
    def discriminator_value(self) -> str:
        assert self.discriminator is not None
        value = _field_by_alias(self.model, self.discriminator).get_default()
        return f"{self.discriminator}: {value}"


def _field_by_alias(model: type[BaseModel], alias: str) -> FieldInfo:
    return next(info for name, info in model.model_fields.items() if (info.alias or name) == alias)


def _collapse(paths: list[tuple[str, ...]]) -> list[str]:
    """`labs.<lab>.resources` for a model every lab has; `{a,b}` where the paths differ otherwise."""
    if len({len(path) for path in paths}) != 1:
        raise ValueError(f"paths of different depths cannot share one heading: {paths}")
    segments = []
    for position in range(len(paths[0])):
        values = list(dict.fromkeys(path[position] for path in paths))
        if len(values) == 1:
            segments.append(values[0])
        elif values == list(LABS):
            segments.append("<lab>")
        else:
            segments.append("{" + ",".join(values) + "}")
    return segments


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)] if get_origin(annotation) else []


def _keys(section: Section) -> Iterator[tuple[str, str, FieldInfo]]:
    """(attribute, config key, field) of every key the stack config may set in this section."""
    for name, info in section.model.model_fields.items():
        if section.lab_key is not None and name in SET_BY_ENVIRONMENT:
            continue
        yield name, info.alias or name, info


def sections() -> list[Section]:
    """Every model reachable from the stack config, in the order a reader meets them."""
    found: dict[type[BaseModel], Section] = {StackConfig: Section(StackConfig, [()])}
    queue = [found[StackConfig]]
    for lab in LABS.values():
        found[lab.args_type] = Section(lab.args_type, [("labs", lab.key)], lab_key=lab.key)
        queue.append(found[lab.args_type])
    for parent in queue:
        for _, key, info in _keys(parent):
            members = _models_in(info.annotation)
            discriminator = info.discriminator if len(members) > 1 else None
            if discriminator is not None and not isinstance(discriminator, str):
                raise TypeError(f"{parent.model.__name__}.{key}: only a discriminator key can be documented")
            for model in members:
                if model not in found:
                    found[model] = Section(model, discriminator=discriminator)
                    queue.append(found[model])
                found[model].paths += [(*path, key) for path in parent.paths]
    # Grouped by top-level key (labs, then classroom), in the order each group's keys are met.
    groups = [key for _, key, _ in _keys(found[StackConfig])]
    return sorted(queue, key=lambda section: groups.index(section.paths[0][0]) if section.paths[0] else -1)


def _default(info: FieldInfo, name: str, defaults: BaseModel | None) -> str:
    if info.is_required():
        return "*required*"
    value = getattr(defaults, name) if defaults is not None else info.get_default(call_default_factory=True)
    return code(as_yaml(value))


def _describer(by_model: dict[type[BaseModel], Section]) -> Describer:
    def model_link(model: type[BaseModel]) -> str:
        section = by_model[model]
        text = code(section.discriminator_value) if section.discriminator else "mapping"
        return link(text, section.heading)

    lab_keys = frozenset(LABS)
    return Describer(model_link, NAMED_TYPES, {lab_keys: link("lab key", LABS_HEADING)})


def _password_row() -> list[str]:
    kind = "string, stored encrypted (`pulumi config set --secret`); plaintext is refused"
    return [code(PASSWORD_KEY), kind, "unset: generated", PASSWORD_DESCRIPTION]


def _rows(section: Section, describer: Describer) -> list[list[str]]:
    try:
        # Defaults as the program sees them when a key is left out (a stage fills in the probes).
        defaults: BaseModel | None = section.model.model_validate({})
    except ValidationError:
        defaults = None
    rows = []
    for name, key, info in _keys(section):
        if not info.description:
            raise ValueError(f"{section.model.__name__}.{key} has no Field(description=...)")
        default = "*required*" if key == section.discriminator else _default(info, name, defaults)
        rows.append([code(key), describer.field(info), default, info.description])
    if section.paths == [()]:
        rows.append(_password_row())
    return rows


def _checked_examples() -> list[str]:
    """The examples, each loaded the way a stack file is, so the page never shows a config that fails."""
    parts = []
    for caption, text in EXAMPLES.items():
        raw = {key.split(":", 1)[1]: value for key, value in yaml.safe_load(text)["config"].items()}
        load(raw)
        parts += [caption, f"```yaml\n{text}```"]
    return parts


def _error_example() -> str:
    try:
        load(BAD_EXAMPLE)
    except ConfigError as error:
        return str(error)
    raise ValueError("the bad example config loaded without an error")


def render() -> str:
    found = sections()
    by_model = {section.model: section for section in found}
    describer = _describer(by_model)
    header = ["key", "type and allowed values", "default", "meaning"]
    parts = [
        heading(1, "Stack configuration"),
        INTRO,
        *_checked_examples(),
        MERGING.format(error=_error_example()),
    ]
    for section in found:
        if section.lab_key == next(iter(LABS)):
            parts += [
                heading(2, LABS_HEADING),
                "`labs` maps a lab key to that lab's parameters; a lab left out is not deployed. "
                f"The lab models' {', '.join(map(code, sorted(SET_BY_ENVIRONMENT)))} is set by the "
                "environment (`namespace` or `classroom.namespacePrefix`) and refused here.",
            ]
        # A top-level key opens a part of the page; lab tables sit under the Labs heading.
        level = 2 if len(section.paths[0]) <= 1 else 3
        parts.append(heading(level, section.heading))
        if section.lab_key is not None:
            lab = LABS[section.lab_key]
            parts.append(f"{lab.title} (Pulumi component `{lab.component}`).")
        doc = section.model.__dict__.get("__doc__")
        if doc and section.paths != [()]:
            parts.append(inspect.cleandoc(doc).split("\n\n")[0])
        if len(section.paths) > 1:
            parts.append("At " + ", ".join(code(".".join(path)) for path in section.paths) + ".")
        parts.append(table(header, _rows(section, describer)))
    return "\n\n".join(parts) + "\n"
