"""The README documents every stack-config key the models accept, and the two commands."""

from __future__ import annotations

from pydantic import BaseModel

from config.models import Classroom, StackConfig
from labs.catalog import LABS
from labs.isolation import Budget, PodSecurity
from labs.mysql import PersistentStorage
from labs.pod import Resources
from labs.probes import Probe
from labs.redis import RedisSettings
from tests.conftest import ROOT

DOCUMENTED: list[type[BaseModel]] = [
    StackConfig, Classroom, PodSecurity, Budget, Probe, RedisSettings, PersistentStorage, Resources,
    *(lab.args_type for lab in LABS.values()),
]  # fmt: skip


def test_every_config_key_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"{model.__name__}.{field.alias or name}"
        for model in DOCUMENTED
        for name, field in model.model_fields.items()
        if f"`{field.alias or name}`" not in readme
    ]
    assert missing == []


def test_every_lab_key_and_the_two_commands_are_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert all(f"`labs.{key}`" in readme for key in LABS)
    assert "make run" in readme and "make test" in readme
