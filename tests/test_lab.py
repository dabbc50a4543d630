"""Given a lab descriptor, when the program, the sheets or `labctl check` call it, then it hands
each part only its own args (and the password only to a builder that takes one), and a lab
without a grader (one students do not write themselves) asks for no object and reports nothing."""

from __future__ import annotations

from typing import Any

import pytest

from labs.catalog import LABS
from labs.grading import Work
from labs.lab import Lab, without_password
from labs.mysql import MysqlWithSecretArgs
from labs.pod import LabArgs


def test_a_lab_without_a_grader_asks_for_nothing_and_grades_nothing() -> None:
    lab = Lab(
        key="secureWriterPod",
        component="SecureWriterPod",
        title="a lab shown, never handed in",
        file_stem="shown",
        args_type=LabArgs,
        builder=lambda args, password: [],
        checker=lambda args: [],
        sheet_writer=lambda args: [],
    )
    pod = {"kind": "Pod", "metadata": {"name": "shown"}, "spec": {"containers": []}}
    work = Work({("Pod", "shown"): pod})
    assert lab.asks(LabArgs()) == []
    assert lab.made_by_commands(LabArgs()) == []
    assert lab.grade(LabArgs(), work) == []


def test_a_lab_given_another_labs_args_names_both_types() -> None:
    with pytest.raises(TypeError) as raised:
        LABS["redisWithConfigMap"].build(MysqlWithSecretArgs(), "pw")
    assert str(raised.value) == "redisWithConfigMap takes RedisWithConfigMapArgs, not MysqlWithSecretArgs"


def test_the_password_reaches_only_a_builder_that_takes_one() -> None:
    seen: list[object] = []

    def build(args: LabArgs, password: object) -> list[dict[str, Any]]:
        seen.append(password)
        return [{"kind": "Secret"}]

    built: list[LabArgs] = []

    def build_without(args: LabArgs) -> list[dict[str, Any]]:
        built.append(args)
        return [{"kind": "Pod"}]

    lab = Lab(
        key="mysqlWithSecret",
        component="MysqlWithSecret",
        title="t",
        file_stem="f",
        args_type=LabArgs,
        builder=build,
        checker=lambda args: [],
        sheet_writer=lambda args: ["section"],
        warner=lambda args: ["warning"],
    )
    assert lab.build(LabArgs(), "pw") == [{"kind": "Secret"}] and seen == ["pw"]
    assert (lab.sheet_section(LabArgs()), lab.warnings(LabArgs())) == (["section"], ["warning"])
    passwordless = without_password(build_without)
    args = LabArgs(namespace="lab-ann")
    assert passwordless(args, "pw") == [{"kind": "Pod"}] and built == [args]
