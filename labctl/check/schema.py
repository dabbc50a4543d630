"""`labctl check`'s first layer: what the API server would refuse, before any lab is graded.

Each handed-in object is validated strictly against the Kubernetes OpenAPI schemas of the class's
minor (`classroom.kubernetesVersion`), as kubernetes-validate ships them: the same schema files,
chosen the same way as `kubernetes_validate.validate(obj, version, strict=True)`, run by the same
JSON Schema validator (Draft 2020-12). Two things differ, both for the student and neither for the
verdict (tests/test_check_schema.py holds the verdicts equal): every error is reported, not only
the first, and each kind's validator is built once per process, where `validate` reads and parses
the 1.8 MB definitions file on every call.

The schema leaves out three rules the API server applies on every create, checked here too:
- `format: byte` values (a Secret's `data`, a ConfigMap's `binaryData`) are base64: the schema's
  own description of Secret.data says "The serialized form of the secret data is a base64 encoded
  string", and the API server decodes such a field as Go's encoding/json decodes a []byte, with
  base64.StdEncoding (line breaks ignored), refusing the object when that fails ("illegal base64
  data at input byte N");
- a port that may be a number or a name (probe and lifecycle handlers, a Service's targetPort) is
  a name when written as text, and a name is an IANA_SVC_NAME: at most 15 of a-z, 0-9 and '-',
  with a letter (k8s.io/apimachinery validation.IsValidPortName, through ValidatePortNumOrName);
  a number is from 1 to 65535;
- a Deployment's (ReplicaSet's, StatefulSet's, DaemonSet's) matchLabels must be among its pod
  template's labels ("`selector` does not match template `labels`").

What a layer like this cannot know: admission (Pod Security, quota, webhooks), feature gates, the
API server's validation beyond these rules, and the defaults it fills in. A key found nowhere at
its level is named with the closest key allowed there, or the level of the same object where
Kubernetes has it; the later layers read a misspelled key under its right name, so they grade
what the student meant and never report it as missing.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import difflib
import functools
import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from labctl.check.paths import field_path
from labs.grading import FieldPath, Level
from labs.support import KUBERNETES_MINORS

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

DEFAULT_VERSION = KUBERNETES_MINORS[-1]
MAX_ROUNDS = 4
MAX_MOVE = 6
"""Levels up and down from a misplaced key to where it belongs (fsGroup from a container's securityContext
to the pod's is 6), beyond which the same name is taken for another field, not the one meant."""
ANY_INDEX = -1
"""In a place where Kubernetes has a key: any item of that list."""
UNKNOWN_FIELD = "kubectl apply refuses an unknown field (strict field validation, its default)"
# Go's encoding/json reads JSON numbers and booleans only into numbers and booleans.
NOT_DECODED = "the API server cannot decode"
POD_SPECS: dict[str, FieldPath] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
SELECTING = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
# kubernetes_validate.validate's file name for an apiVersion: the group's first word, then the version.
GROUP_DOMAIN = re.compile(r"^([^./]*)(?:\.[^/]*)?/")
PORT_NAME_CHARSET = re.compile(r"^[-a-z0-9]+$")
TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
}


@dataclass(frozen=True)
class Problem:
    """One thing in one object the API server would refuse (`required`), or could not be checked."""

    level: Level
    path: FieldPath
    """Where the student wrote it (a key not allowed: the key itself; a missing field: where it goes)."""
    found: str
    asked: str
    why: str


@dataclass(frozen=True)
class Misplaced:
    """A key written where Kubernetes has no such field, that it has elsewhere in the same object."""

    written: FieldPath
    belongs: FieldPath
    """Where Kubernetes reads it; ANY_INDEX stands for any item of a list."""


@dataclass
class Checked:
    """An object after the first layer: its problems, and the object as the later layers read it."""

    obj: Mapping[str, Any]
    """The kind, apiVersion and misspelled keys put right (the student's own object when nothing was)."""
    problems: list[Problem] = field(default_factory=list)
    renamed: list[tuple[FieldPath, FieldPath]] = field(default_factory=list)
    """(path as read, path as written) for each misspelled key read under its right name."""
    misplaced: list[Misplaced] = field(default_factory=list)

    def written(self, path: FieldPath) -> FieldPath:
        """A path of the object as read, as the student wrote it (for its line): the longest renamed
        part it starts with, in the student's spelling."""
        longest = max(
            (pair for pair in self.renamed if path[: len(pair[0])] == pair[0]), key=lambda p: len(p[0]), default=None
        )
        if longest is None:
            return path
        read, spelled = longest
        return (*spelled, *path[len(read) :])


# ---------------------------------------------------------------------------------------------------
# The schemas, as kubernetes_validate.validate finds them, loaded once


@dataclass(frozen=True)
class Schemas:
    """One Kubernetes minor's strict schemas: the definitions every kind refers to, and the kinds."""

    minor: str
    folder: str
    definitions: Mapping[str, Any]
    names: Mapping[int, str]
    """Definition name by the id of its schema, to name the level an error is at."""
    kinds: Mapping[str, tuple[str, ...]]
    """Each kind's apiVersions."""


def _schema_folder(minor: str) -> str:
    """kubernetes_validate.validate's choice: the newest schema version not newer than the minor, strict."""
    from kubernetes_validate import utils

    if utils.major_minor(minor) > utils.latest_version():
        raise utils.VersionNotSupportedError(version=minor)
    version = [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(minor)][-1]
    return f"kubernetes-json-schema/v{version}-local-strict"


def _file_name(kind: str, api_version: str) -> str:
    """kubernetes_validate.validate's file for a kind: `rbac.authorization.k8s.io/v1` gives `rbac-v1`."""
    group_version = GROUP_DOMAIN.sub(r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


@functools.cache
def schemas(minor: str) -> Schemas:
    from kubernetes_validate import utils

    folder = _schema_folder(minor)
    loaded = utils.schema_contents(f"{folder}/_definitions.json", minor)
    definitions = loaded["$defs"]
    files = {path.name for path in importlib.resources.files("kubernetes_validate").joinpath(folder).iterdir()}
    kinds: dict[str, list[str]] = {}
    for schema in definitions.values():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            if _file_name(gvk["kind"], api_version) in files:
                kinds.setdefault(gvk["kind"], []).append(api_version)
    return Schemas(
        minor,
        folder,
        loaded,
        {id(schema): name for name, schema in definitions.items()},
        {kind: tuple(versions) for kind, versions in kinds.items()},
    )


@functools.cache
def _kind_schema(minor: str, kind: str, api_version: str) -> Any:
    """The kind's own schema file, read once (FileNotFoundError where kubernetes-validate has none)."""
    from kubernetes_validate import utils

    return utils.schema_contents(f"{schemas(minor).folder}/{_file_name(kind, api_version)}", minor)


@functools.cache
def _validator(minor: str, kind: str, api_version: str) -> Validator:
    """The validator kubernetes_validate.validate builds for the kind, built once."""
    import jsonschema
    import referencing

    found = schemas(minor)
    schema = _kind_schema(minor, kind, api_version)
    registry: referencing.Registry[Any] = referencing.Resource.from_contents(schema) @ referencing.Registry()
    registry = referencing.Resource.from_contents(found.definitions) @ registry
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("byte", raises=(binascii.Error, ValueError))(_is_base64)
    validator: Validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
    return validator


def _is_base64(value: object) -> bool:
    """What the API server accepts as a []byte: base64.StdEncoding, line breaks ignored (Go's decoder skips them)."""
    if isinstance(value, str):
        base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    return True


def _definition(schemas_: Schemas, schema: Any) -> tuple[Any, str | None]:
    """A schema with its `$ref` followed, and the definition's name."""
    name = None
    while isinstance(schema, Mapping) and "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        schema = schemas_.definitions["$defs"][name]
    return schema, name


def a(name: str) -> str:
    """`a Container`, `an EnvFromSource`, `an HTTPGetAction` (an initialism read letter by letter)."""
    initialism = name[1:2].isupper()
    return f"an {name}" if name[:1] in ("AEFHILMNORSX" if initialism else "AEIOUaeiou") else f"a {name}"


def short_name(name: str | None, kind: str) -> str:
    """`io.k8s.api.core.v1.PodSecurityContext` as PodSecurityContext; the object's own level as its kind."""
    return name.rsplit(".", 1)[-1] if name else kind


@functools.cache
def _places(minor: str, kind: str, api_version: str) -> Mapping[str, tuple[tuple[FieldPath, str], ...]]:
    """Every key of the kind's schema: the places it is a field (ANY_INDEX for a list's item), with the
    name of the definition it is a field of."""
    found = schemas(minor)
    root = _kind_schema(minor, kind, api_version)
    places: dict[str, list[tuple[FieldPath, str]]] = {}

    def walk(schema: Any, path: FieldPath, seen: frozenset[str], owner: str | None) -> None:
        schema, name = _definition(found, schema)
        if name is not None:
            if name in seen or len(path) > 16:
                return
            seen, owner = seen | {name}, name
        if not isinstance(schema, Mapping):
            return
        if isinstance(schema.get("items"), Mapping):
            walk(schema["items"], (*path, ANY_INDEX), seen, None)
            return
        for key, sub in (schema.get("properties") or {}).items():
            places.setdefault(key, []).append(((*path, key), short_name(owner, kind)))
            walk(sub, (*path, key), seen, None)

    walk(root, (), frozenset(), None)
    return {key: tuple(found) for key, found in places.items()}


# ---------------------------------------------------------------------------------------------------
# Words


def kind_of_value(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    if value is None:
        return "null"
    return type(value).__name__


def shown(value: Any) -> str:
    """A value as the student wrote it: text in quotes, the rest as JSON (YAML's dates as text)."""
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def as_text(value: Any) -> str:
    """What a scalar reads as, quoted: `true` for True, `2` for 2, `2024-01-01` for a date."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def where(path: FieldPath, kind: str) -> str:
    return field_path(path) if path else f"the {kind}'s top level"


def shown_path(path: FieldPath, written: FieldPath, obj: Mapping[str, Any]) -> FieldPath:
    """A place with ANY_INDEX filled in: the index the student wrote where the paths agree, else 0."""
    filled: list[str | int] = []
    for number, part in enumerate(path):
        if part == ANY_INDEX:
            same = number < len(written) and isinstance(written[number], int) and tuple(filled) == written[:number]
            filled.append(written[number] if same else 0)
        else:
            filled.append(part)
    return tuple(filled)


def matches(pattern: FieldPath, path: FieldPath) -> bool:
    """`path` is at or under the place `pattern` (ANY_INDEX matching any index)."""
    if len(path) < len(pattern):
        return False
    return all(
        part == given or (part == ANY_INDEX and isinstance(given, int))
        for part, given in zip(pattern, path, strict=False)
    )


def _common(pattern: FieldPath, path: FieldPath) -> int:
    count = 0
    for part, given in zip(pattern, path, strict=False):
        if not (part == given or (part == ANY_INDEX and isinstance(given, int))):
            break
        count += 1
    return count


def _nearest(places: Sequence[tuple[FieldPath, str]], written: FieldPath) -> list[tuple[FieldPath, str]]:
    """The one or two places nearest the written one, within MAX_MOVE levels up and down (a key that
    far away, such as a template's metadata.uid for a `uid` in a container, is no likely meaning)."""
    near = [place for place in places if _rank(place[0], written)[0] <= MAX_MOVE]
    if not near:
        return []
    ranked = sorted(near, key=lambda place: _rank(place[0], written))
    best = _rank(ranked[0][0], written)[:3]
    return [place for place in ranked if _rank(place[0], written)[:3] == best][:2]


def _rank(place: FieldPath, written: FieldPath) -> tuple[int, int, int, tuple[str, ...]]:
    """Nearest first: the fewest levels up from the written key and down to the place, then in a
    container rather than an init or ephemeral one (unless written there), then the shortest."""
    common = _common(place, written)
    moves = (len(written) - common) + (len(place) - common)
    rare = sum(part in ("initContainers", "ephemeralContainers") and part not in written for part in place)
    return moves, rare, len(place), tuple(map(str, place))


def explain(kind: str, path: FieldPath) -> str:
    words = [str(part) for part in path if not isinstance(part, int)]
    return "kubectl explain " + ".".join([kind.lower(), *words])


# ---------------------------------------------------------------------------------------------------
# The kind and apiVersion


def _preferred(versions: Sequence[str], written: str | None) -> str:
    """The apiVersion to suggest: the written one's group first, then stable before beta and alpha, newest."""
    group = written.rpartition("/")[0] if isinstance(written, str) else None

    def rank(version: str) -> tuple[bool, bool, int]:
        version_group, _, name = version.rpartition("/")
        number = re.match(r"v(\d+)", name)
        stable = "alpha" not in name and "beta" not in name
        return version_group == group, stable, int(number[1]) if number else 0

    return max(versions, key=rank)


def _kind_and_version(obj: Mapping[str, Any], found: Schemas, checked: Checked) -> tuple[str, str] | None:
    """The kind and apiVersion to validate against, with a problem for each one written wrong."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    minor = found.minor
    if not isinstance(kind, str) or not kind:
        checked.problems.append(
            Problem("required", ("kind",), shown(kind), "a kind such as Pod", "kubectl needs the kind as text")
        )
        return None
    known = kind if kind in found.kinds else next((k for k in found.kinds if k.lower() == kind.lower()), None)
    built_in = {version for versions in found.kinds.values() for version in versions}
    if known is None:
        if isinstance(api_version, str) and api_version not in built_in:
            checked.problems.append(
                Problem(
                    "advice",
                    ("kind",),
                    shown(kind),
                    f"a kind of Kubernetes {minor}",
                    f"not checked: Kubernetes {minor} has no kind {kind} in {api_version} (a custom resource's "
                    "schema comes with its CustomResourceDefinition)",
                )
            )
            return None
        same_group = [k for k, versions in found.kinds.items() if api_version in versions]
        close = difflib.get_close_matches(kind, same_group or list(found.kinds), n=1, cutoff=0.8)
        hint = f"; did you mean {close[0]}?" if close else ""
        checked.problems.append(
            Problem(
                "required",
                ("kind",),
                shown(kind),
                shown(close[0]) if close else f"a kind of {api_version}",
                f"Kubernetes {minor} has no kind {kind} in {api_version}{hint} "
                f'(kubectl: no matches for kind "{kind}" in version "{api_version}")',
            )
        )
        if not close:
            return None
        known = close[0]
    elif known != kind:
        checked.problems.append(
            Problem(
                "required",
                ("kind",),
                shown(kind),
                shown(known),
                f"Kubernetes {minor} has no kind {kind}: kinds are case-sensitive, {known} "
                f'(kubectl: no matches for kind "{kind}" in version "{api_version}")',
            )
        )
    versions = found.kinds[known]
    if api_version not in versions:
        right = _preferred(versions, api_version if isinstance(api_version, str) else None)
        others = [v for v in versions if v != right]
        also = f" (also {', '.join(others)})" if others else ""
        what = f"{api_version} has no kind {known}" if isinstance(api_version, str) else "no apiVersion is given"
        checked.problems.append(
            Problem(
                "required",
                ("apiVersion",),
                shown(api_version) if api_version is not None else "nothing",
                shown(right),
                f"{known} is in apiVersion {right}{also} in Kubernetes {minor}; {what} "
                f'(kubectl: no matches for kind "{known}" in version "{api_version}")',
            )
        )
        return known, right
    return known, str(api_version)


# ---------------------------------------------------------------------------------------------------
# Schema errors in words


def _unknown_keys(
    error: Any, found: Schemas, kind: str, api_version: str, root: Mapping[str, Any], checked: Checked
) -> None:
    path: FieldPath = tuple(error.path)
    schema = error.schema
    allowed = [str(key) for key in schema.get("properties") or {}]
    level = f"{where(path, kind)} ({a(short_name(found.names.get(id(schema)), kind))})"
    if not path:
        level = f"the {kind}'s top level"
    for key in [key for key in error.instance if key not in (schema.get("properties") or {})]:
        written = checked.written((*path, key))
        text = str(key)
        same_case = next((name for name in allowed if name.lower() == text.lower()), None)
        places = _places(found.minor, kind, api_version)
        elsewhere = places.get(text) or next(
            (places[name] for name in places if name.lower() == text.lower() and name != text), ()
        )
        close = difflib.get_close_matches(text, allowed, n=1, cutoff=0.8)
        here = (*path, key)
        nearest = _nearest(elsewhere, here)
        at = " or ".join(f"{field_path(shown_path(place, here, root))} ({a(owner)})" for place, owner in nearest)
        if same_case is not None or close:
            right = same_case or close[0]
            how = f"field names are case-sensitive: {right}." if same_case else f"did you mean {right}?"
            checked.problems.append(
                Problem(
                    "required",
                    written,
                    shown(key),
                    shown(right),
                    f"{level} has no field {text} in Kubernetes {found.minor}; {how} {UNKNOWN_FIELD}",
                )
            )
            if right not in error.instance:
                checked.renamed.append(((*path, right), written))
        elif nearest:
            right = str(nearest[0][0][-1])
            checked.problems.append(
                Problem(
                    "required",
                    written,
                    shown(key),
                    shown(field_path(shown_path(nearest[0][0], here, root))),
                    f"{level} has no field {text} in Kubernetes {found.minor}; {right} belongs at {at}. "
                    + UNKNOWN_FIELD,
                )
            )
            checked.misplaced += [Misplaced(written, place) for place, _ in nearest]
        else:
            fields = (
                f"its fields: {', '.join(allowed)}"
                if len(allowed) <= 12
                else f"`{explain(kind, path)}` lists its fields"
            )
            checked.problems.append(
                Problem(
                    "required",
                    written,
                    shown(key),
                    f"a field of {short_name(found.names.get(id(schema)), kind)}",
                    f"{level} has no field {text} in Kubernetes {found.minor} ({fields}). {UNKNOWN_FIELD}",
                )
            )


def _type_error(error: Any, kind: str, minor: str) -> Problem:
    path: FieldPath = tuple(error.path)
    value = error.instance
    types = [error.validator_value] if isinstance(error.validator_value, str) else error.validator_value
    expected = [t for t in types if t != "null"]
    wanted = " or ".join(TYPE_WORDS.get(t, t) for t in expected)
    plural = {"a string": "strings", "an integer": "integers", "a boolean": "booleans"}.get(wanted, wanted)
    in_map = len(error.relative_schema_path) >= 2 and error.relative_schema_path[-2] == "additionalProperties"
    if in_map and len(path) >= 1:
        rule = f"{kind} {field_path(path[:-1])} values are {plural}"
    else:
        rule = f"{kind} {field_path(path)} is {wanted}"
    fix = ""
    if expected == ["string"] and isinstance(value, (bool, int, float, datetime.date)):
        fix = f': write "{as_text(value)}"'
    elif expected in (["integer"], ["number"]) and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        fix = f": write {value.strip()} without quotes"
    elif expected == ["boolean"] and isinstance(value, str) and value.lower() in ("true", "false"):
        fix = f": write {value.lower()} without quotes"
    return Problem(
        "required",
        path,
        f"{shown(value)} ({kind_of_value(value)})",
        wanted,
        f"{rule}; {NOT_DECODED} {kind_of_value(value)} there{fix}",
    )


def _missing(error: Any, found: Schemas, kind: str, root: Mapping[str, Any]) -> Iterator[Problem]:
    path: FieldPath = tuple(error.path)
    properties = error.schema.get("properties") or {}
    for name in error.validator_value:
        if name in error.instance:
            continue
        target, definition = _definition(found, properties.get(name, {}))
        what = a(short_name(definition, kind)) if definition else TYPE_WORDS.get(_first_type(target), "a value")
        hint = ""
        labels = _at(root, ("spec", "template", "metadata", "labels"))
        if name == "selector" and path == ("spec",) and kind in SELECTING and isinstance(labels, Mapping) and labels:
            hint = f"; the pod template's labels give selector: {{matchLabels: {_flow(labels)}}}"
        owner = f"{a(kind)}'s {field_path(path)}" if path else a(kind)
        yield Problem(
            "required",
            (*path, name),
            "nothing",
            f"{name} ({what})",
            f"{owner} requires {name} in Kubernetes {found.minor}: the API server refuses the {kind} without it{hint}",
        )


def _first_type(schema: Any) -> str:
    types = schema.get("type") if isinstance(schema, Mapping) else None
    if isinstance(types, str):
        return types
    return next((t for t in types or () if t != "null"), "")


def _flow(mapping: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in mapping.items()) + "}"


def _other(error: Any, found: Schemas, kind: str) -> Problem:
    path: FieldPath = tuple(error.path)
    value = error.instance
    minor = found.minor
    if error.validator == "format":
        field_name = field_path(path[:-1]) if len(path) > 1 else field_path(path)
        encoded = base64.b64encode(str(value).encode()).decode()
        plain = ", or put the plain text under stringData" if kind == "Secret" and path[:1] == ("data",) else ""
        return Problem(
            "required",
            path,
            shown(value),
            f"base64, such as {encoded!r} (the base64 of {shown(value)})",
            f"{kind} {field_name} values are base64 (the schema's format: byte): the API server decodes each one and "
            f"refuses the {kind} when it cannot (illegal base64 data); write {encoded}{plain}",
        )
    if error.validator == "enum":
        choices = [choice for choice in error.validator_value if choice is not None]
        same = next((c for c in choices if isinstance(value, str) and str(c).lower() == value.lower()), None)
        hint = f" (values are case-sensitive: {same})" if same is not None else ""
        return Problem(
            "required",
            path,
            shown(value),
            "one of " + ", ".join(map(str, choices)),
            f"{kind} {field_path(path)} takes one of these values in Kubernetes {minor}{hint}",
        )
    if error.validator in ("oneOf", "anyOf") and _is_int_or_string(error.schema, found):
        return Problem(
            "required",
            path,
            f"{shown(value)} ({kind_of_value(value)})",
            "a number or a name",
            f"{kind} {field_path(path)} is a number or a name (text) in Kubernetes {minor}; "
            f"{NOT_DECODED} {kind_of_value(value)} there",
        )
    return Problem(
        "required",
        path,
        shown(value),
        f"what the schema allows ({error.validator}: {shown(error.validator_value)})",
        f"Kubernetes {minor}: {error.message}",
    )


def _is_int_or_string(schema: Any, found: Schemas) -> bool:
    return found.names.get(id(schema)) == "io.k8s.apimachinery.pkg.util.intstr.IntOrString"


# ---------------------------------------------------------------------------------------------------
# Rules the API server applies beyond the schema


def _port_problems(obj: Mapping[str, Any], kind: str) -> Iterator[Problem]:
    for path, value in _ports(obj, kind):
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            if not 1 <= value <= 65535:
                yield Problem(
                    "required",
                    path,
                    str(value),
                    "a port from 1 to 65535",
                    f"the API server refuses {field_path(path)}: must be between 1 and 65535, inclusive",
                )
            continue
        if not isinstance(value, str):
            continue
        reasons = port_name_problems(value)
        if not reasons:
            continue
        digits = value.strip().isdigit()
        fix = f": write {value.strip()} without quotes" if digits else ""
        yield Problem(
            "required",
            path,
            f"{value!r} (text)",
            f"{value.strip()} (a number)" if digits else "a port number, or a port name",
            f"a port written as text is a port name, and the API server refuses {value!r} as one "
            f"(it {'; it '.join(reasons)}){fix}",
        )


def port_name_problems(name: str) -> list[str]:
    """Why `name` is not an IANA_SVC_NAME, in k8s.io/apimachinery's words (IsValidPortName)."""
    reasons = []
    if len(name) > 15:
        reasons.append("must be no more than 15 characters")
    if not PORT_NAME_CHARSET.match(name):
        reasons.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", name):
        reasons.append("must contain at least one letter (a-z)")
    if "--" in name:
        reasons.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        reasons.append("must not begin or end with a hyphen")
    return reasons


def _ports(obj: Mapping[str, Any], kind: str) -> Iterator[tuple[FieldPath, Any]]:
    """Every port that may be a number or a name: handlers' ports and a Service's targetPorts."""
    if kind == "Service":
        for index, port in enumerate(_list(_at(obj, ("spec", "ports")))):
            if isinstance(port, Mapping) and "targetPort" in port:
                yield ("spec", "ports", index, "targetPort"), port["targetPort"]
        return
    spec = POD_SPECS.get(kind)
    if spec is None:
        return
    for group in ("initContainers", "containers"):
        for index, item in enumerate(_list(_at(obj, (*spec, group)))):
            if not isinstance(item, Mapping):
                continue
            base = (*spec, group, index)
            handlers: list[FieldPath] = [(key,) for key in ("livenessProbe", "readinessProbe", "startupProbe")]
            handlers += [("lifecycle", key) for key in ("postStart", "preStop")]
            for handler in handlers:
                for action in ("httpGet", "tcpSocket"):
                    target = _at(item, (*handler, action))
                    if isinstance(target, Mapping) and "port" in target:
                        yield (*base, *handler, action, "port"), target["port"]
            for number, port in enumerate(_list(item.get("ports"))):
                if isinstance(port, Mapping) and isinstance(port.get("name"), str):
                    yield (*base, "ports", number, "name"), port["name"]


def _selector_problems(obj: Mapping[str, Any], kind: str) -> Iterator[Problem]:
    if kind not in SELECTING:
        return
    wanted = _at(obj, ("spec", "selector", "matchLabels"))
    labels = _at(obj, ("spec", "template", "metadata", "labels"))
    if not isinstance(wanted, Mapping) or not wanted:
        return
    labels = labels if isinstance(labels, Mapping) else {}
    if all(labels.get(key) == value for key, value in wanted.items()):
        return
    yield Problem(
        "required",
        ("spec", "template", "metadata", "labels"),
        _flow(labels) if labels else "nothing",
        f"labels including {_flow(wanted)}",
        f"the API server refuses a {kind} whose selector does not match its pod template's labels "
        "(`selector` does not match template `labels`): spec.selector.matchLabels must be among them",
    )


def _at(obj: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(part, int):
            obj = obj[part] if isinstance(obj, list) and part < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, Mapping) else None
    return obj


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# ---------------------------------------------------------------------------------------------------
# The layer


def check(obj: Mapping[str, Any], minor: str = DEFAULT_VERSION) -> Checked:
    """The first layer for one object: what the API server of Kubernetes `minor` would refuse."""
    checked = Checked(obj)
    found = schemas(minor)
    target = _kind_and_version(obj, found, checked)
    if target is None:
        return checked
    kind, api_version = target
    read = dict(_as_sent(obj))
    read["kind"], read["apiVersion"] = kind, api_version
    validator = _validator(found.minor, kind, api_version)
    current: dict[str, Any] = read
    scope: list[FieldPath] | None = None
    # A misspelled key's own fields are validated once it is read under its right name: a few rounds.
    for _ in range(MAX_ROUNDS):
        before = len(checked.renamed)
        errors = sorted(validator.iter_errors(current), key=lambda e: ([str(p) for p in e.path], str(e.validator)))
        for error in errors:
            if scope is None or any(tuple(error.path)[: len(path)] == path for path in scope):
                _describe(error, found, kind, api_version, current, checked)
        if len(checked.renamed) == before:
            break
        scope = [path for path, _ in checked.renamed[before:]]
        current = _renamed(read, checked.renamed)
    for problem in [*_port_problems(current, kind), *_selector_problems(current, kind)]:
        checked.problems.append(replace(problem, path=checked.written(problem.path)))
    if checked.renamed or current != obj:
        checked.obj = current
    return checked


def _describe(
    error: Any, found: Schemas, kind: str, api_version: str, current: Mapping[str, Any], checked: Checked
) -> None:
    if error.validator == "additionalProperties":
        _unknown_keys(error, found, kind, api_version, current, checked)
        return
    if error.validator == "type":
        problems = [_type_error(error, kind, found.minor)]
    elif error.validator == "required":
        problems = list(_missing(error, found, kind, current))
    else:
        problems = [_other(error, found, kind)]
    checked.problems += [replace(problem, path=checked.written(problem.path)) for problem in problems]


def _as_sent(value: Any) -> Any:
    """The object as kubectl sends it: YAML's dates are text in JSON (the same object when it has none)."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = {key: _as_sent(item) for key, item in value.items()}
        return value if all(items[key] is value[key] for key in items) else items
    if isinstance(value, list):
        converted = [_as_sent(item) for item in value]
        return value if all(new is old for new, old in zip(converted, value, strict=True)) else converted
    return value


def _renamed(obj: dict[str, Any], renamed: Sequence[tuple[FieldPath, FieldPath]]) -> dict[str, Any]:
    """The object with each misspelled key under its right name (the deepest first, so paths hold)."""
    if not renamed:
        return obj
    result = copy.deepcopy(obj)
    for right, written in sorted(renamed, key=lambda pair: -len(pair[1])):
        parent = _at(result, written[:-1])
        if isinstance(parent, dict) and written[-1] in parent and right[-1] not in parent:
            parent[right[-1]] = parent.pop(written[-1])
    return result


class Refused(Exception):
    """The schema's own errors in one object."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def validate(obj: Mapping[str, Any], minor: str = DEFAULT_VERSION) -> None:
    """kubernetes_validate.validate(obj, minor, strict=True)'s verdict, from the validator built once:
    Refused with every error of the schema itself (not the rules beyond it), FileNotFoundError for a
    kind and apiVersion it has no schema for."""
    found = schemas(minor)
    validator = _validator(found.minor, str(obj["kind"]), str(obj["apiVersion"]))
    errors = [error.message for error in validator.iter_errors(obj) if error.validator != "format"]
    if errors:
        raise Refused(errors)
