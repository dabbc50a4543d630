"""What a lab is: one descriptor that the program, the renderer, the lab sheet and `labctl verify` share.

A lab module defines its args model, its builder, its Testing steps and its lab-sheet section,
and ends with `LAB = Lab(...)` naming them. Adding a lab is that module, its key in LabKey and
one line in labs/catalog.py (plus its Pulumi component and one line in components/catalog.py).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from labs.grading import Grader, Issue, ObjectName, Work, grade_all
from labs.pod import LabArgs, Manifest

LabKey = Literal["probedWebServer", "secureWriterPod", "redisWithConfigMap", "mysqlWithSecret", "configMapEnvPod"]
"""A lab's key under `labs` in the stack config."""

Mode = Literal["solution", "exercise"]
"""solution: the stack deploys the lab's objects; exercise: the student writes them and the project checks them."""

Password = object
"""The class's MySQL root password as a lab writes it into its Secret: a str, a Pulumi Output, or None."""

ArgsT = TypeVar("ArgsT", bound=LabArgs)

Verdict = Callable[[str], str | None]
"""Reads a command's output; None when it is the expected answer, else what is wrong."""


@dataclass(frozen=True)
class Check:
    """One Testing step as a kubectl command, with the answer the lab's parameters call for."""

    lab: LabKey
    name: str
    argv: tuple[str, ...]
    expected: str
    """The answer as a student sees it, for the lab sheet and failure messages."""
    verdict: Verdict
    wait_seconds: float
    """How long after deployment the answer may take, from the lab's own timing."""

    @property
    def shell(self) -> str:
        return shlex.join(self.argv)


def without_password(build: Callable[[ArgsT], list[Manifest]]) -> Callable[[ArgsT, Password], list[Manifest]]:
    """The builder of a lab that creates no Secret: the class's password is none of its business."""
    return lambda args, _password: build(args)


def nothing(args: LabArgs) -> list[str]:
    return []


@dataclass(frozen=True)
class Lab(Generic[ArgsT]):
    """One lab: its key, its parameters and everything made from them."""

    key: LabKey
    component: str
    """The Pulumi component's class name, and its type token `k8s-labs:index:<component>`."""
    title: str
    """The lab sheet's heading for the lab."""
    file_stem: str
    """The seed's file name for the lab, used by the rendered tree."""
    args_type: type[ArgsT]
    builder: Callable[[ArgsT, Password], list[Manifest]]
    """Kubernetes manifests from the parameters (and the password, for a lab that creates a Secret)."""
    checker: Callable[[ArgsT], list[Check]]
    """The Testing steps, each with the answer the parameters call for."""
    sheet_writer: Callable[[ArgsT], list[str]]
    """The lab sheet's Markdown for the lab, up to its checks."""
    first_look: Callable[[ArgsT], list[str]] = nothing
    """The `kubectl describe` steps the lab has students look at before the checks."""
    warner: Callable[[ArgsT], list[str]] = nothing
    """Sentences about valid parameters that keep the lab from showing what it is meant to."""
    task_writer: Callable[[ArgsT], list[str]] = nothing
    """The task sheet's Markdown for the lab in exercise mode: parameters, files, commands; no answers."""
    grader: Grader[ArgsT] | None = None
    """What `labctl check` compares a student's objects with, for a lab students can write."""
    student_pods: int = 1
    """Pods a student creates for the lab as the lab text writes it (no resources: the LimitRange defaults apply)."""

    def own(self, args: LabArgs) -> ArgsT:
        """`args` as this lab's own type: the catalog hands each lab only the args of its key."""
        if isinstance(args, self.args_type):
            return args
        raise TypeError(f"{self.key} takes {self.args_type.__name__}, not {type(args).__name__}")

    def build(self, args: LabArgs, password: Password = None) -> list[Manifest]:
        return self.builder(self.own(args), password)

    def checks(self, args: LabArgs) -> list[Check]:
        return self.checker(self.own(args))

    def testing_commands(self, args: LabArgs) -> list[str]:
        """The Testing steps as shell commands, namespace filled in: the looking first, then the checks."""
        own = self.own(args)
        return self.first_look(own) + [check.shell for check in self.checker(own)]

    def sheet_section(self, args: LabArgs) -> list[str]:
        return self.sheet_writer(self.own(args))

    def warnings(self, args: LabArgs) -> list[str]:
        return self.warner(self.own(args))

    def task_section(self, args: LabArgs) -> list[str]:
        return self.task_writer(self.own(args))

    def asks(self, args: LabArgs) -> list[ObjectName]:
        return self.grader.asks(self.own(args)) if self.grader else []

    def made_by_commands(self, args: LabArgs) -> list[ObjectName]:
        return self.grader.made_by_commands(self.own(args)) if self.grader else []

    def grade(self, args: LabArgs, work: Work) -> list[Issue]:
        return grade_all(self.grader, self.own(args), work) if self.grader else []


class AnyLab(Protocol):
    """A lab as the catalog holds it, whatever its args type: every call checks the args are its own."""

    @property
    def key(self) -> LabKey: ...
    @property
    def component(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def file_stem(self) -> str: ...
    @property
    def args_type(self) -> type[LabArgs]: ...
    @property
    def student_pods(self) -> int: ...
    def build(self, args: LabArgs, password: Password = None) -> list[Manifest]: ...
    def checks(self, args: LabArgs) -> list[Check]: ...
    def testing_commands(self, args: LabArgs) -> list[str]: ...
    def sheet_section(self, args: LabArgs) -> list[str]: ...
    def warnings(self, args: LabArgs) -> list[str]: ...
    def task_section(self, args: LabArgs) -> list[str]: ...
    def asks(self, args: LabArgs) -> list[ObjectName]: ...
    def made_by_commands(self, args: LabArgs) -> list[ObjectName]: ...
    def grade(self, args: LabArgs, work: Work) -> list[Issue]: ...
