"""Given the real `labctl` process, when it is interrupted, piped, or given bad flags, then it behaves like a Unix tool.

Exit codes, signals, pipes and tracebacks belong to the process, so these tests start it as a
subprocess through its real entry points: `python -m labctl` and the `labctl` console script.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from labctl import cli
from labctl.errors import MEANINGS, Exit
from tests.conftest import ROOT
from tests.test_verify import SERVER, FakeCluster

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
CONSOLE_SCRIPT = Path(sys.executable).parent / "labctl"
STACK = ["--stack", "dev", "--project-dir", str(ROOT)]


def labctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "labctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Runs labctl with stdout a pipe whose reader has already gone, as `labctl ... | head` ends up."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-m", "labctl", *args], stdout=writer, stderr=subprocess.PIPE, cwd=ROOT, timeout=120
        )
    finally:
        os.close(writer)


@pytest.mark.parametrize(
    "args",
    [
        ["timeline", *STACK],
        ["timeline", *STACK, "--format", "json"],
        ["review", *STACK],
        ["review", "--list-rules"],
    ],
)
def test_a_reader_that_goes_away_ends_the_command_quietly(args: list[str]) -> None:
    # when the output goes into a pipe nobody reads any more
    result = into_a_closed_pipe(*args)
    # then the command stops with 128 + SIGPIPE, as a tool killed by SIGPIPE would, and says nothing
    assert result.returncode == Exit.BROKEN_PIPE == 128 + signal.SIGPIPE
    assert result.stderr == b""


def test_head_reads_the_first_line_and_the_shell_sees_no_error_text() -> None:
    pipeline = f"{sys.executable} -m labctl timeline --stack dev --project-dir {ROOT} --horizon 86400 | head -1"
    result = subprocess.run(["sh", "-c", pipeline], capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.startswith("liveness-readiness-pod for student-1, student-2")
    assert result.stderr == ""


def default_ctrl_c() -> None:
    """Run in the child before exec: Ctrl-C gets its default action back.

    A shell that starts a job in the background (`make mutants &`, nohup) sets SIGINT to ignored, and
    exec keeps an ignored signal ignored, so without this the child would never see the Ctrl-C sent.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(predicate: object, what: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"never saw {what}")


@pytest.mark.slow
def test_ctrl_c_during_a_large_render_exits_130_in_one_line_and_keeps_the_previous_tree(tmp_path: Path) -> None:
    # given an earlier render
    out = tmp_path / "out"
    assert labctl("render", *STACK, "--out", str(out)).returncode == 0
    before = sorted(str(path.relative_to(out)) for path in out.rglob("*"))
    # and a large render writing over it
    process = subprocess.Popen(
        [sys.executable, "-m", "labctl", "render", *STACK, "--out", str(out), "--set", "classroom.students=2000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )

    def writing() -> bool:
        staging = [entry for entry in tmp_path.iterdir() if ".new-" in entry.name]
        return bool(staging) and sum(1 for _ in staging[0].iterdir()) >= 20

    wait_for(writing, "the staging folder filling", process)
    # when Ctrl-C arrives
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    # then one line, exit 130, the previous tree as it was, and no staging folder
    assert process.returncode == Exit.INTERRUPTED == 128 + signal.SIGINT
    assert stderr.splitlines() == ["labctl render: interrupted"]
    assert sorted(str(path.relative_to(out)) for path in out.rglob("*")) == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["out"]


def test_ctrl_c_while_verify_waits_for_kubectl_exits_130_in_one_line(tmp_path: Path) -> None:
    # given a cluster that answers `kubectl version`, then never answers a lab's check
    cluster = FakeCluster(tmp_path)
    cluster.answer([SERVER, {"match": ["-n"], "answers": [{"sleep": 60}]}])
    env = {
        **os.environ,
        "PATH": f"{cluster.bin}{os.pathsep}{os.environ['PATH']}",
        "FAKE_KUBECTL_RULES": str(cluster.rules),
        "FAKE_KUBECTL_LOG": str(cluster.log),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "labctl", "verify", *STACK, "--student", "student-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=default_ctrl_c,
    )
    assert process.stderr is not None
    assert process.stderr.readline().startswith("checking ")
    wait_for(lambda: len(cluster.calls()) >= 2, "a check under way", process)
    # when Ctrl-C arrives
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    # then one line and exit 130, and no result table
    assert process.returncode == Exit.INTERRUPTED
    assert stderr.splitlines() == ["labctl verify: interrupted"]
    assert stdout == ""


@pytest.mark.parametrize("command", ["render", "review", "timeline", "verify"])
def test_every_command_turns_an_interrupt_into_one_line_and_130(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(f"labctl.{command}.command.run", interrupted)
    extra = ["--out", "/nonexistent/never"] if command == "render" else []
    assert cli.main([command, *STACK, *extra]) == 130
    assert capsys.readouterr().err == f"labctl {command}: interrupted\n"


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs, where nobody can create a folder")
def test_an_unwritable_out_exits_4_and_names_the_path_given() -> None:
    # given an --out in a folder where nobody, not even root, can create anything
    result = labctl("render", *STACK, "--out", "/sys/kernel/k8s-labs-out")
    # then the I/O error has its own code and names the user's path, not the hidden staging folder
    assert result.returncode == Exit.IO_ERROR
    assert result.stderr.startswith("labctl render: --out /sys/kernel/k8s-labs-out: cannot write there: ")
    assert ".new-" not in result.stderr and "Traceback" not in result.stderr


def test_a_write_failing_midway_names_the_out_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = Path.write_text
    calls = iter(range(10_000))

    def failing(self: Path, text: str, *args: object, **kwargs: object) -> int:
        if next(calls) == 5:
            raise OSError(28, "No space left on device", str(self))
        return real(self, text)

    monkeypatch.setattr(Path, "write_text", failing)
    assert cli.main(["render", *STACK, "--out", str(tmp_path / "out")]) == Exit.IO_ERROR
    err = capsys.readouterr().err
    assert f"--out {tmp_path / 'out'}: cannot write there: No space left on device" in err
    assert ".new-" not in err


def test_every_help_ends_with_the_one_exit_code_table() -> None:
    for args in ([], ["render"], ["review"], ["timeline"], ["verify"]):
        result = labctl(*args, "--help")
        assert result.returncode == 0
        table = result.stdout.split("exit codes (the same for every command):\n", 1)[1]
        for code in MEANINGS:
            assert any(line.strip().startswith(f"{int(code)}  ") for line in table.splitlines()), (args, code)


@pytest.mark.parametrize("command", ["render", "review", "timeline", "verify"])
def test_each_command_help_describes_it_in_a_paragraph_and_shows_its_defaults(command: str) -> None:
    text = labctl(command, "--help").stdout
    description = text.split("\n\n")[1]
    assert len(description.split()) >= 30, description
    # every option with a default worth showing shows it
    subparsers = cli.CommandParser(prog="labctl").add_subparsers()
    for module in cli.command_modules():
        module.add_parser(subparsers)
    parsed, _ = subparsers.choices[command].parse_known_args(["--stack", "dev", "--out", "x"])
    defaults = {key: value for key, value in vars(parsed).items() if value not in (None, False, []) and key != "run"}
    for key, value in defaults.items():
        if key not in ("stack", "out"):
            assert f"(default: {value})" in " ".join(text.split()), key


def test_version_prints_the_package_version() -> None:
    result = labctl("--version")
    assert (result.returncode, result.stdout) == (0, f"labctl {VERSION}\n")


def test_a_mistyped_command_gets_a_suggestion_and_exit_2() -> None:
    result = labctl("rendr", "--stack", "dev")
    assert result.returncode == Exit.BAD_INPUT
    assert "did you mean `labctl render`?" in result.stderr
    assert "Traceback" not in result.stderr


def test_main_returns_an_int_for_help_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert cli.main(["render"]) == Exit.BAD_INPUT
    assert cli.main([]) == Exit.BAD_INPUT
    capsys.readouterr()


def test_the_console_script_and_python_m_labctl_work_from_any_folder(tmp_path: Path) -> None:
    # given the installed command and a folder far from the project, without PYTHONPATH
    assert CONSOLE_SCRIPT.is_file(), "the bootstrap (`make`) installs the project, with its labctl command"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    for number, command in enumerate([[str(CONSOLE_SCRIPT)], [sys.executable, "-m", "labctl"]]):
        out = tmp_path / f"out-{number}"
        # when each renders the project's dev stack
        result = subprocess.run(
            [*command, "render", *STACK, "--out", str(out)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        # then the tree is written
        assert result.returncode == 0, result.stderr
        assert (out / "student-1" / "00-environment.yaml").is_file()
    assert subprocess.run([str(CONSOLE_SCRIPT), "--version"], capture_output=True, text=True).stdout == (
        f"labctl {VERSION}\n"
    )
