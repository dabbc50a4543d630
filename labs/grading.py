"""Grading a student's own objects against what their lab asks: pure functions over plain manifests.

Each lab module has a `Grader`: the objects the lab asks for by kind and name, the ones the lab's
own commands create (`kubectl create configmap|secret ...`, not handed in), and a function that
compares the student's objects with the lab's parameters. An `Issue` points into one object by a
field path; `labctl check` turns it into file, line, found and asked.

Only what changes the lab's outcome is `required`: a value that makes a Testing step fail or
answer differently on a cluster (the reason is given beside each comparison). How the student
writes it (field order, flow style, JSON, extra fields, a newer image) is theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from labs.pod import LabArgs

Level = Literal["required", "advice"]
FieldPath = tuple[str | int, ...]
ObjectName = tuple[str, str]
"""(kind, metadata.name)."""

ArgsT = TypeVar("ArgsT", bound=LabArgs)

# Kubernetes' probe defaults: a field left out counts as these.
PROBE_DEFAULTS = {
    "initialDelaySeconds": 0,
    "periodSeconds": 10,
    "timeoutSeconds": 1,
    "failureThreshold": 3,
    "successThreshold": 1,
}


@dataclass(frozen=True)
class Issue:
    level: Level
    subject: ObjectName
    """The object at fault; for a missing object, the one the lab asks for."""
    path: FieldPath
    found: str
    asked: str
    why: str = ""
    """What goes differently on a cluster."""


@dataclass
class Work:
    """The student's objects for one lab, by kind and name (the first of each name wins)."""

    objects: dict[ObjectName, Mapping[str, Any]]
    known: set[ObjectName] = field(default_factory=set)
    """ConfigMaps and Secrets that exist without being handed in: the environment's and the lab's commands'."""

    def get(self, kind: str, name: str) -> Mapping[str, Any] | None:
        return self.objects.get((kind, name))


@dataclass(frozen=True)
class Grader(Generic[ArgsT]):
    asks: Callable[[ArgsT], list[ObjectName]]
    """The objects the student hands in, by kind and name."""
    grade: Callable[[ArgsT, Work], list[Issue]]
    """Compares the objects present with the parameters; a missing one is reported by the caller."""
    made_by_commands: Callable[[ArgsT], list[ObjectName]] = lambda args: []
    """Objects the lab creates with kubectl commands; they belong to the lab when handed in too."""


def show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    # A list or a map in double quotes, as JSON writes it; a number or a boolean has no quotes to change.
    return str(value).replace("'", '"')


class Comparer:
    """Collects required issues for one object: `same(path, found, asked, why)` and friends."""

    def __init__(self, subject: ObjectName) -> None:
        self.subject = subject
        self.issues: list[Issue] = []

    def add(self, path: FieldPath, found: Any, asked: Any, why: str, level: Level = "required") -> None:
        self.issues.append(Issue(level, self.subject, path, show(found), show(asked), why))

    def same(self, path: FieldPath, found: Any, asked: Any, why: str) -> None:
        if found != asked:
            self.add(path, found, asked, why)


def at(obj: Any, path: FieldPath) -> Any:
    """The value at `path`, or None where the path leads nowhere."""
    node = obj
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
        elif not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def pod_spec_path(obj: Mapping[str, Any]) -> FieldPath:
    return ("spec", "template", "spec") if obj.get("kind") in ("Deployment", "StatefulSet", "ReplicaSet") else ("spec",)


def container(obj: Mapping[str, Any], name: str | None) -> tuple[FieldPath, Mapping[str, Any]] | None:
    """The container called `name` (or the first one, when none has it), with its path."""
    spec = pod_spec_path(obj)
    found = at(obj, (*spec, "containers"))
    if not isinstance(found, list) or not found:
        return None
    for index, item in enumerate(found):
        if isinstance(item, Mapping) and item.get("name") == name:
            return (*spec, "containers", index), item
    first = found[0]
    return ((*spec, "containers", 0), first) if isinstance(first, Mapping) else None


def container_name(c: Comparer, obj: Mapping[str, Any], name: str, why: str) -> tuple[FieldPath, Mapping[str, Any]]:
    """The lab's container; its name is required where a Testing step names it (`-c NAME`)."""
    found = container(obj, name)
    if found is None:
        c.add((*pod_spec_path(obj), "containers"), None, f"a container named {name}", why)
        return (*pod_spec_path(obj), "containers", 0), {}
    path, item = found
    c.same((*path, "name"), item.get("name"), name, why)
    return path, item


def env_value(item: Mapping[str, Any], name: str) -> tuple[int, Mapping[str, Any]] | None:
    for index, entry in enumerate(item.get("env") or []):
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return index, entry
    return None


def command_text(item: Mapping[str, Any]) -> str:
    words = [*(item.get("command") or []), *(item.get("args") or [])]
    return " ".join(str(word) for word in words)


def as_number(value: Any) -> Any:
    """An integer field's value by what it says: `"30"` is 30.

    The API server refuses a string where the schema wants an integer; the schema layer of `labctl
    check` says so. A lab's comparison reads the number the student meant, so it adds no second
    reason (the timeline or the owner changing) when only the type is wrong.
    """
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def as_text(value: Any) -> Any:
    """A string field's value by what it says: `30` is "30" (the schema layer refuses the number)."""
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


def named_port(item: Mapping[str, Any], port: Any) -> Any:
    """A probe's port as a number: a port name is looked up among the container's ports.

    A name the container does not declare stays a name: the kubelet finds no such port and the
    probe fails, so it differs from any port the lab asks for.
    """
    if isinstance(port, str) and not port.isdigit():
        for entry in item.get("ports") or []:
            if isinstance(entry, Mapping) and entry.get("name") == port:
                return entry.get("containerPort")
        return port
    return int(port) if isinstance(port, str) else port


def probe_issues(
    c: Comparer,
    path: FieldPath,
    item: Mapping[str, Any],
    key: str,
    asked: Mapping[str, Any] | None,
    why: str,
    working_dir: str | None = None,
) -> None:
    """A probe compared field by field: action, its target, and each timing field with its default."""
    probe = item.get(key)
    here = (*path, key)
    if asked is None:
        if probe is not None:
            c.add(here, "a probe", "no probe", why)
        return
    if not isinstance(probe, Mapping):
        c.add(here, None, "a probe", why)
        return
    actions = [name for name in ("httpGet", "tcpSocket", "exec", "grpc") if probe.get(name) is not None]
    asked_action = next(name for name in ("httpGet", "tcpSocket", "exec") if name in asked)
    if actions == ["tcpSocket"] and asked_action == "httpGet" and same_port(item, probe, "tcpSocket", asked):
        # Decision: the sheet words the probe as "httpGet on path ..., port ...", and the kind of
        # probe is what the lab teaches. A tcpSocket probe on the same port of a server that
        # answers every path turns Ready at the same time, so the timeline is no reason: the
        # finding says what really differs, the probe the task asks for.
        c.add(here, "tcpSocket", "httpGet", f"the task asks for an HTTP GET probe ({HTTP_GET_WORDS})")
    elif actions != [asked_action]:
        c.add(here, " and ".join(actions) or "no action", asked_action, why)
    elif asked_action == "exec":
        found_command = at(probe, ("exec", "command"))
        # Decision: the sheet asks for exec `ls index.html` in the working directory it names, so an
        # absolute path to that same file (`ls /tmp/index.html`) is the same check, and passes.
        if not same_exec(found_command, item.get("workingDir"), asked["exec"]["command"], working_dir):
            c.same((*here, "exec", "command"), found_command, asked["exec"]["command"], why)
    else:
        if asked_action == "httpGet":
            c.same((*here, "httpGet", "path"), at(probe, ("httpGet", "path")) or "/", asked["httpGet"]["path"], why)
            scheme = at(probe, ("httpGet", "scheme"))
            if isinstance(scheme, str) and scheme.upper() == "HTTPS":
                c.add((*here, "httpGet", "scheme"), scheme, "HTTP", https_why(key))
        port = named_port(item, at(probe, (asked_action, "port")))
        c.same((*here, asked_action, "port"), port, asked[asked_action]["port"], why)
    for name, default in PROBE_DEFAULTS.items():
        found = as_number(probe.get(name, default))
        c.same((*here, name), found, asked.get(name, default), why)


HTTP_GET_WORDS = "a tcpSocket probe only sees that the port accepts a connection"
HTTPS_OUTCOME = {
    "readinessProbe": "the pod is never Ready",
    "livenessProbe": "the container is restarted again and again",
    "startupProbe": "the container is restarted and the other probes never run",
}


def https_why(key: str) -> str:
    return (
        "the lab's server speaks plain HTTP: an HTTPS probe fails its TLS handshake every time, "
        f"so {HTTPS_OUTCOME.get(key, 'the probe never succeeds')}"
    )


def same_port(item: Mapping[str, Any], probe: Mapping[str, Any], action: str, asked: Mapping[str, Any]) -> bool:
    asked_port = next((at(asked, (name, "port")) for name in ("httpGet", "tcpSocket") if name in asked), None)
    return asked_port is not None and named_port(item, at(probe, (action, "port"))) == asked_port


def _resolved(command: Any, working_dir: Any) -> list[str] | None:
    """An exec probe's argv with its relative file arguments made absolute against the working
    directory (options and the program itself stay as written); None when it cannot be told."""
    if not isinstance(command, list) or not command or not all(isinstance(part, str) for part in command):
        return None
    base = working_dir.rstrip("/") if isinstance(working_dir, str) and working_dir.startswith("/") else None
    out = [command[0]]
    for part in command[1:]:
        if part.startswith(("/", "-")) or base is None:
            out.append(part)
        else:
            out.append(f"{base}/{part}")
    return out


def same_exec(found: Any, found_dir: Any, asked: Sequence[str], asked_dir: str | None) -> bool:
    """The same exec probe, a file named relative to the working directory or by its absolute path."""
    if found == list(asked):
        return True
    if asked_dir is None:
        return False
    theirs = _resolved(found, found_dir)
    return theirs is not None and theirs == _resolved(list(asked), asked_dir)


def references(obj: Mapping[str, Any]) -> Iterator[tuple[FieldPath, ObjectName, bool]]:
    """Every ConfigMap and Secret a pod (or a pod template) needs: path, (kind, name), optional."""
    spec = pod_spec_path(obj)
    for group in ("initContainers", "containers"):
        for index, item in enumerate(at(obj, (*spec, group)) or []):
            if not isinstance(item, Mapping):
                continue
            base = (*spec, group, index)
            for number, source in enumerate(item.get("envFrom") or []):
                for ref, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    target = at(source, (ref,))
                    if isinstance(target, Mapping) and target.get("name"):
                        yield (
                            (*base, "envFrom", number, ref, "name"),
                            (kind, target["name"]),
                            bool(target.get("optional")),
                        )
            for number, entry in enumerate(item.get("env") or []):
                for ref, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    target = at(entry, ("valueFrom", ref))
                    if isinstance(target, Mapping) and target.get("name"):
                        where = (*base, "env", number, "valueFrom", ref, "name")
                        yield where, (kind, target["name"]), bool(target.get("optional"))
    for index, volume in enumerate(at(obj, (*spec, "volumes")) or []):
        here = (*spec, "volumes", index)
        for source, kind, key in (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName")):
            target = at(volume, (source,))
            if isinstance(target, Mapping) and target.get(key):
                yield (*here, source, key), (kind, target[key]), bool(target.get("optional"))
        # A projected volume's sources name their ConfigMap or Secret by `name`, a Secret included.
        for number, projected in enumerate(at(volume, ("projected", "sources")) or []):
            for source, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                target = at(projected, (source,))
                if isinstance(target, Mapping) and target.get("name"):
                    where = (*here, "projected", "sources", number, source, "name")
                    yield where, (kind, target["name"]), bool(target.get("optional"))


def missing_references(work: Work, subject: ObjectName) -> list[Issue]:
    """A ConfigMap or Secret that neither the student, the environment nor the lab's commands create
    keeps the pod from starting (CreateContainerConfigError, or a volume that never mounts)."""
    obj = work.objects[subject]
    issues = []
    for path, target, optional in references(obj):
        if optional or target in work.objects or target in work.known:
            continue
        issues.append(
            Issue(
                "required",
                subject,
                path,
                f"{target[0]} {target[1]}",
                f"a {target[0]} that is handed in or that the lab creates",
                f"no such {target[0]}: the pod never starts",
            )
        )
    return issues


def one_string_commands(work: Work, subject: ObjectName) -> list[Issue]:
    """A command whose first word holds a space: `["redis-server /redis-master/redis.conf"]`.

    The kubelet hands command and args to the runtime as an argv, with no shell between: the whole
    first string is the program's file name. No file has that name, so the container never starts
    (`exec: "redis-server /redis-master/redis.conf": stat ...: no such file or directory`, or
    `executable file not found in $PATH` when the string holds no `/`). A shell given the line
    (`["sh", "-c", "redis-server ..."]`) has no space in its first word and is not reported.
    """
    obj = work.objects[subject]
    spec = pod_spec_path(obj)
    issues = []
    for group in ("initContainers", "containers"):
        for index, item in enumerate(at(obj, (*spec, group)) or []):
            command = item.get("command") if isinstance(item, Mapping) else None
            if not isinstance(command, list) or not command or not isinstance(command[0], str):
                continue
            words = command[0].split()
            if len(words) < 2:
                continue
            split = show([*words, *command[1:]])
            issues.append(
                Issue(
                    "required",
                    subject,
                    (*spec, group, index, "command", 0),
                    show(command[0]),
                    f"the program and each argument as separate strings: {split}",
                    "no shell splits it: the runtime looks for a program file named the whole string, "
                    "finds none, and the container never starts",
                )
            )
    return issues


def grade_all(grader: Grader[Any], args: LabArgs, work: Work) -> list[Issue]:
    """The lab's comparison plus, for each pod it asks for, what keeps it from running as written:
    a command in one string, and the references nobody creates."""
    issues = grader.grade(args, work)
    for kind, name in grader.asks(args):
        if work.get(kind, name) is not None and kind in ("Pod", "Deployment"):
            issues += one_string_commands(work, (kind, name))
            issues += missing_references(work, (kind, name))
    return issues


def by_name(objects: Sequence[Mapping[str, Any]]) -> dict[ObjectName, Mapping[str, Any]]:
    found: dict[ObjectName, Mapping[str, Any]] = {}
    for obj in objects:
        key = (str(obj.get("kind")), str(at(obj, ("metadata", "name"))))
        found.setdefault(key, obj)
    return found
