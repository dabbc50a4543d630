"""Given the lab catalog, every lab has one descriptor, one component, and takes only its own args."""

from __future__ import annotations

from typing import get_args

import pytest

from components.catalog import COMPONENTS
from labs.catalog import LABS
from labs.lab import LabKey
from labs.mysql import MysqlWithSecretArgs
from labs.webserver import ProbedWebServerArgs


def test_every_lab_key_has_a_descriptor_and_a_component_in_one_order() -> None:
    assert list(LABS) == list(get_args(LabKey))
    assert list(COMPONENTS) == list(LABS)


@pytest.mark.parametrize("key", LABS)
def test_each_descriptor_and_its_checks_are_filed_under_its_own_key(key: LabKey) -> None:
    lab = LABS[key]
    assert lab.key == key
    assert {check.lab for check in lab.checks(lab.args_type())} == {key}


@pytest.mark.parametrize("key", LABS)
def test_a_lab_refuses_the_args_of_another_lab(key: LabKey) -> None:
    stranger = MysqlWithSecretArgs() if key != "mysqlWithSecret" else ProbedWebServerArgs()
    with pytest.raises(TypeError, match=f"{key} takes {LABS[key].args_type.__name__}"):
        LABS[key].build(stranger, "pw")


@pytest.mark.parametrize("key", LABS)
def test_testing_commands_are_the_looking_steps_then_each_check(key: LabKey) -> None:
    args = LABS[key].args_type.model_validate({"namespace": "lab-ann"})
    commands = LABS[key].testing_commands(args)
    checks = [check.shell for check in LABS[key].checks(args)]
    assert checks and commands[-len(checks) :] == checks
    assert all(command.startswith("kubectl describe ") for command in commands[: -len(checks)])
    assert all(" -n lab-ann" in command for command in commands)


@pytest.mark.parametrize("key", LABS)
def test_each_lab_names_the_component_class_that_deploys_it(key: LabKey) -> None:
    import components
    from components.base import LabComponent

    named = getattr(components, LABS[key].component)
    assert issubclass(named, LabComponent)
    assert named.__name__ == LABS[key].component
