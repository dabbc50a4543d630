"""The MySQL root password, configured or generated, never leaks: not into rendered files,
stack outputs, logs, stdout/stderr, error messages or exception texts."""

from __future__ import annotations

import json
import logging
import runpy
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc

import config
from config import ConfigError
from config.sources import from_stack_file
from labctl import cli
from tests.harness import GENERATED_PASSWORD, LabMocks, RecordingMonitor, Run

ROOT = Path(__file__).resolve().parent.parent
CONFIGURED_PASSWORD = "Cfg-Pa55word-Never-Shown"
RENDER_PASSWORD = "Render-Generated-Pa55word"
SECRET_TYPE = "kubernetes:core/v1:Secret"


def dev_config() -> dict[str, Any]:
    raw = from_stack_file(ROOT / "Pulumi.dev.yaml")
    # A server that starts after the liveness probe gives up: the program warns, so logs are not empty.
    raw["labs"]["probedWebServer"]["delayStart"] = 100
    return raw


class OutputsMonitor(RecordingMonitor):
    """Also keeps what every resource, the stack included, registers as outputs."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.outputs: list[tuple[str, Any]] = []

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.outputs.append((request.urn, rpc.deserialize_properties(request.outputs, keep_unknowns=True)))
        return super().RegisterResourceOutputs(request)


def run_main(config: dict[str, Any], secret_keys: tuple[str, ...]) -> tuple[Run, list[tuple[str, Any]], dict[str, Any]]:
    """Registrations, component outputs and the stack's exports, all resolved."""
    mocks = LabMocks()
    monitor = OutputsMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="k8s-labs", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(
        {f"k8s-labs:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()},
        [f"k8s-labs:{key}" for key in secret_keys],
    )

    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="k8s_labs_program")
        stack = pulumi.runtime.settings.get_root_resource()
        return pulumi.Output.from_input(stack.outputs).apply(exports.update)  # type: ignore[union-attr]

    program()
    return Run(monitor.registrations), monitor.outputs, exports


@pytest.mark.parametrize(
    ("password", "config_extra", "secret_keys"),
    [
        (CONFIGURED_PASSWORD, {"mysqlRootPassword": CONFIGURED_PASSWORD}, ("mysqlRootPassword",)),
        (GENERATED_PASSWORD, {}, ()),
    ],
    ids=["configured", "generated"],
)
def test_program_marks_the_password_secret_and_never_outputs_or_logs_it(
    password: str,
    config_extra: dict[str, Any],
    secret_keys: tuple[str, ...],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # given the dev stack, with a secret password or none (one is generated per student)
    caplog.set_level(logging.DEBUG)
    # when the real program runs under mocks
    run, outputs, exports = run_main({**dev_config(), **config_extra}, secret_keys)
    # then every MySQL Secret carries the password, marked secret
    secrets = run.of_type(SECRET_TYPE)
    mysql_secrets = [r for r in secrets if r.name.endswith("-mysql-password")]
    assert len(mysql_secrets) == 2
    for registration in mysql_secrets:
        string_data = registration.inputs["stringData"]
        assert rpc.is_rpc_secret(string_data), registration.urn
        assert rpc.unwrap_rpc_secret(string_data) == {"password": password}
    # and no other input of any resource holds it in the clear
    for registration in run.registrations:
        if registration in mysql_secrets:
            continue
        assert password not in json.dumps(registration.inputs, default=str), registration.urn
    # and no output, the stack's exports included, holds it at all
    assert set(exports["environments"]) == {"student-1", "student-2"}
    assert password not in json.dumps(exports, default=str)
    assert any("MysqlWithSecret" in urn for urn, _ in outputs)
    assert password not in json.dumps(outputs, default=str)
    # and the logs and the process's output, which did get the program's warnings, do not either
    assert any("never become Ready" in record.getMessage() for record in caplog.records)
    assert all(password not in record.getMessage() for record in caplog.records)
    captured = capfd.readouterr()
    assert password not in captured.out + captured.err


def test_a_plaintext_password_in_the_config_is_refused_without_echoing_it() -> None:
    # given a password stored in the clear, next to another mistake
    raw = {**dev_config(), "mysqlRootPassword": CONFIGURED_PASSWORD, "classroom": {"students": 0}}
    # when the config is loaded
    with pytest.raises(ConfigError) as caught:
        config.load(raw, secret_keys=())
    # then both problems are named, the password key among them, and its value nowhere in the chain
    error = caught.value
    assert any(problem.startswith("mysqlRootPassword:") for problem in error.problems)
    assert any(problem.startswith("classroom.students") for problem in error.problems)
    texts = []
    current: BaseException | None = error
    while current is not None:
        texts += [str(current), repr(current), *map(str, current.args)]
        current = current.__cause__ or current.__context__
    assert all(CONFIGURED_PASSWORD not in text for text in texts)


def test_labctl_refuses_a_plaintext_password_in_the_stack_file_without_showing_it(tmp_path: Path) -> None:
    # given a stack file with the password in the clear
    stack = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["k8s-labs:mysqlRootPassword"] = CONFIGURED_PASSWORD
    (tmp_path / "Pulumi.leaky.yaml").write_text(yaml.safe_dump(stack))
    out = tmp_path / "out"
    # when labctl renders it, as a separate process
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "labctl",
            "render",
            "--stack",
            "leaky",
            "--project-dir",
            str(tmp_path),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then it exits 2 naming the key, prints no traceback, writes nothing, and never shows the value
    assert result.returncode == 2, result.stderr
    assert "mysqlRootPassword" in result.stderr
    assert "Traceback" not in result.stderr
    assert CONFIGURED_PASSWORD not in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()


def test_a_password_on_the_command_line_is_refused_without_echoing_it(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        [
            "render",
            "--stack",
            "dev",
            "--project-dir",
            str(ROOT),
            "--out",
            "/nonexistent/never",
            f"--set=mysqlRootPassword={CONFIGURED_PASSWORD}",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "mysqlRootPassword" in captured.err
    assert CONFIGURED_PASSWORD not in captured.out + captured.err


def rendered_files(root: Path) -> dict[Path, str]:
    return {path: path.read_text() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("include_secrets", [False, True], ids=["default", "include-secrets"])
def test_generated_render_passwords_stay_out_of_the_tree_unless_asked_and_then_only_in_0600_files(
    include_secrets: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a render whose password generator is recognisable
    counter = iter(range(1000))
    monkeypatch.setattr("labctl.render.command.secrets.token_urlsafe", lambda _: f"{RENDER_PASSWORD}-{next(counter)}")
    out = tmp_path / "out"
    argv = ["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]
    # when the dev stack is rendered
    assert cli.main(argv + (["--include-secrets"] if include_secrets else [])) == 0
    # then nothing printed shows a password
    captured = capsys.readouterr()
    assert RENDER_PASSWORD not in captured.out + captured.err
    files = rendered_files(out)
    holding = {path for path, text in files.items() if RENDER_PASSWORD in text}
    if not include_secrets:
        assert holding == set()
        return
    # and with --include-secrets each student's password is only in its own 05-secrets.yaml, mode 0600
    assert holding == {out / "student-1" / "05-secrets.yaml", out / "student-2" / "05-secrets.yaml"}
    for path in holding:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        (secret,) = yaml.safe_load_all(path.read_text())
        assert secret["kind"] == "Secret"
        assert secret["stringData"]["password"].startswith(RENDER_PASSWORD)
