"""Given fake `pulumi` and `kubectl` on a PATH of their own, when `labctl doctor` runs, then each item is judged.

The fakes (tests/fakes) record every call and answer from rules each test writes; the project is
a copy holding Pulumi.yaml, the stack files and policy/PulumiPolicy.yaml, with a stand-in for the
policy pack's virtualenv python. Most tests run the command in this process (cli.main); the ones
about signals, pipes and what reaches a terminal run it as a process of its own.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from config import load
from config.sources import apply_sets, read_stack
from labctl import cli
from labctl.doctor.network import Container, judge
from labctl.errors import Exit
from labctl.printable import one_line
from labs.mysql import MysqlWithSecretArgs, PersistentStorage
from tests.conftest import ROOT

FAKES = ROOT / "tests" / "fakes"
SDK = metadata.version("pulumi")
CONTEXT = "kind-doctor"
VERSIONS = {
    "clientVersion": {"major": "1", "minor": "34", "gitVersion": "v1.34.2"},
    "kustomizeVersion": "v5.7.1",
    "serverVersion": {"major": "1", "minor": "33", "gitVersion": "v1.33.1"},
}
PSA_REFUSAL = (
    'Error from server (Forbidden): error when creating "STDIN": pods "k8s-labs-doctor-privileged" is forbidden: '
    'violates PodSecurity "restricted:latest": privileged (container "main" must not set '
    "securityContext.privileged=true)\n"
)
NOT_CHECKED = {"status": "unknown", "finding": "no cluster: not checked"}
NAMESPACE = re.compile(r"^k8s-labs-doctor-[0-9a-f]{16}$")
PVC_STACK = """\
config:
  k8s-labs:labs:
    mysqlWithSecret:
      storage:
        type: persistentVolumeClaim
  k8s-labs:classroom:
    students: 3
"""


DaemonSetEntry = tuple[str, str, str, list[str]]
"""namespace/name of a DaemonSet, its one container's name, image and args."""


def daemonsets(*containers: DaemonSetEntry) -> dict[str, Any]:
    """A DaemonSetList: one DaemonSet per (namespace/name, container, image, args)."""
    items = []
    for where, name, image, args in containers:
        namespace, _, daemonset = where.partition("/")
        items.append(
            {
                "metadata": {"namespace": namespace, "name": daemonset},
                "spec": {"template": {"spec": {"containers": [{"name": name, "image": image, "args": args}]}}},
            }
        )
    return {"kind": "DaemonSetList", "items": items}


KUBE_PROXY: DaemonSetEntry = ("kube-system/kube-proxy", "kube-proxy", "registry.k8s.io/kube-proxy:v1.33.1", [])
CALICO: DaemonSetEntry = ("kube-system/calico-node", "calico-node", "docker.io/calico/node:v3.28.0", [])
FLANNEL: DaemonSetEntry = ("kube-flannel/kube-flannel-ds", "kube-flannel", "ghcr.io/flannel-io/flannel:v0.26.1", [])


def node(
    name: str, cpu: str = "4", memory: str = "8Gi", ready: str = "True", taints: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"taints": taints or []},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
            "conditions": [{"type": "Ready", "status": ready}],
        },
    }


DEFAULT_CLASS = {
    "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}
}


def rule(match: list[str], *answers: dict[str, Any]) -> dict[str, Any]:
    return {"match": match, "answers": list(answers)}


def stdout(document: Any) -> dict[str, Any]:
    return {"stdout": json.dumps(document)}


def healthy_cluster() -> list[dict[str, Any]]:
    """A cluster where every item is ok for the dev stack; the dry run's rule comes before namespace creation's."""
    return [
        rule(["config", "current-context"], {"stdout": f"{CONTEXT}\n"}),
        rule(["version"], stdout(VERSIONS)),
        rule(["create", "--dry-run=server"], {"code": 1, "stderr": PSA_REFUSAL}),
        rule(["create", "-f", "-"], {"stdout": "namespace/k8s-labs-doctor created\n"}),
        rule(["delete", "namespace"], {"stdout": "namespace deleted\n"}),
        rule(["get", "daemonsets"], stdout(daemonsets(KUBE_PROXY, CALICO))),
        rule(["get", "storageclasses"], stdout({"items": [DEFAULT_CLASS]})),
        rule(["get", "nodes"], stdout({"items": [node("worker-1"), node("worker-2")]})),
        rule(["auth", "can-i"], {"stdout": "yes\n"}),
    ]


def replaced(rules: list[dict[str, Any]], *new: dict[str, Any]) -> list[dict[str, Any]]:
    """`rules` with each rule of the same match words replaced by the new one."""
    by_match = {tuple(item["match"]): item for item in new}
    return [by_match.get(tuple(item["match"]), item) for item in rules]


def write_script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def fake_python(virtualenv: Path, code: int = 0, stderr: str = "") -> None:
    """A virtualenv's bin/python that notes its folder and arguments, says `stderr` and exits `code`."""
    # printf is the shell's own: the fakes' PATH holds no other program.
    write_script(
        virtualenv / "bin" / "python",
        f'#!/bin/sh\nprintf "%s\\n" "$PWD" "$@" > "{virtualenv}/called"\nprintf "%s" {shlex.quote(stderr)} >&2\n'
        f"exit {code}\n",
    )


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def report(self) -> dict[str, Any]:
        document = json.loads(self.out)
        assert isinstance(document, dict)
        return document

    def check(self, item: str) -> dict[str, str]:
        (found,) = [check for check in self.report()["checks"] if check["id"] == item]
        return {key: found[key] for key in ("status", "finding", "action")}

    def seen(self, item: str) -> dict[str, str]:
        """Status and finding, for the items whose what-to-do another assertion covers."""
        found = self.check(item)
        return {"status": found["status"], "finding": found["finding"]}


class Doctor:
    """A project copy, fake pulumi and kubectl alone on PATH, and `labctl doctor` run against them."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.bin = folder / "bin"
        self.project = folder / "project"
        (self.project / "policy").mkdir(parents=True)
        for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "policy/PulumiPolicy.yaml"):
            shutil.copy(ROOT / name, self.project / name)
        fake_python(self.project / ".venv")
        for tool in ("kubectl", "pulumi"):
            write_script(self.bin / tool, f'#!/bin/sh\nexec "{sys.executable}" "{FAKES / (tool + ".py")}" "$@"\n')
        self.answer_pulumi([rule(["version"], {"stdout": f"v{SDK}\n"})])
        self.answer_kubectl(healthy_cluster())

    def answer_kubectl(self, rules: list[dict[str, Any]]) -> None:
        (self.folder / "kubectl-rules.json").write_text(json.dumps(rules))

    def answer_pulumi(self, rules: list[dict[str, Any]]) -> None:
        (self.folder / "pulumi-rules.json").write_text(json.dumps(rules))

    def remove(self, tool: str) -> None:
        (self.bin / tool).unlink()

    def set_virtualenv(self, value: str) -> None:
        settings = self.project / "policy" / "PulumiPolicy.yaml"
        settings.write_text(re.sub(r"virtualenv: \S+", f"virtualenv: {value}", settings.read_text()))

    def calls(self) -> list[list[str]]:
        log = self.folder / "kubectl.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def manifests(self) -> list[dict[str, Any]]:
        """What kubectl read from stdin, call by call."""
        log = self.folder / "kubectl.log.stdin"
        return [json.loads(json.loads(line)) for line in log.read_text().splitlines()] if log.exists() else []

    def environ(self) -> dict[str, str]:
        return {
            "PATH": str(self.bin),
            "FAKE_KUBECTL_RULES": str(self.folder / "kubectl-rules.json"),
            "FAKE_KUBECTL_LOG": str(self.folder / "kubectl.log"),
            "FAKE_PULUMI_RULES": str(self.folder / "pulumi-rules.json"),
            "FAKE_PULUMI_LOG": str(self.folder / "pulumi.log"),
        }

    def argv(self, *flags: str, stack: str | None = "dev") -> list[str]:
        chosen = ["--stack", stack] if stack else []
        return ["doctor", "--project-dir", str(self.project), *chosen, *flags]

    def run(self, *flags: str, stack: str | None = "dev") -> Result:
        """In this process: the fakes alone on PATH, the report as JSON unless --format is given."""
        for name, value in self.environ().items():
            self.monkeypatch.setenv(name, value)
        shown = flags if "--format" in flags else ("--format", "json", *flags)
        code = cli.main(self.argv(*shown, stack=stack))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def process(self, *flags: str, stack: str | None = "dev") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "labctl", *self.argv(*flags, stack=stack)],
            env={**os.environ, **self.environ()},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def doctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Doctor]:
    yield Doctor(tmp_path, monkeypatch, capsys)


# Every item ok, exit codes and the report's shape


def test_a_ready_project_and_cluster_give_every_item_ok_and_exit_0(doctor: Doctor) -> None:
    # given the healthy fakes; when the doctor runs
    result = doctor.run()
    # then every item is ok, each saying what it saw
    assert result.code == Exit.OK
    assert [(check["id"], check["status"]) for check in result.report()["checks"]] == [
        ("pulumi-cli", "ok"),
        ("policy-virtualenv", "ok"),
        ("kubectl", "ok"),
        ("cluster", "ok"),
        ("pod-security", "ok"),
        ("network-policy", "ok"),
        ("default-storage-class", "ok"),
        ("capacity", "ok"),
        ("impersonation", "ok"),
    ]
    assert result.check("pulumi-cli") == {
        "status": "ok",
        "finding": f"v{SDK}, the version of the pulumi SDK pin",
        "action": "nothing to do",
    }
    assert result.seen("policy-virtualenv") == {
        "status": "ok",
        "finding": ".venv imports pulumi_policy and policy.rules",
    }
    assert result.seen("kubectl") == {"status": "ok", "finding": "v1.34.2 against the server's 1.33: within one minor"}
    assert result.seen("cluster") == {
        "status": "ok",
        "finding": f"context {CONTEXT}: Kubernetes v1.33.1, within the validated 1.33 to 1.37",
    }
    assert result.seen("capacity") == {
        "status": "ok",
        "finding": "the class requests 2 cpu, 3Gi (2 student(s) x quota requests 1 cpu, 1536Mi); 2 schedulable "
        "node(s) allocate 8 cpu, 16Gi, before what already runs there",
    }


def test_the_json_report_has_one_shape(doctor: Doctor) -> None:
    # given a cluster refusing impersonation; when the doctor reports as JSON
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["auth", "can-i"], {"code": 1, "stdout": "no\n"})))
    report = doctor.run("--format", "json").report()
    # then the document has these keys and types, every check the same five strings
    assert set(report) == {"context", "stack", "exitCode", "unavailable", "counts", "checks"}
    assert (report["context"], report["stack"], report["exitCode"], report["unavailable"]) == (CONTEXT, "dev", 1, [])
    assert report["counts"] == {"ok": 8, "problem": 1, "unknown": 0}
    for check in report["checks"]:
        assert set(check) == {"id", "title", "status", "finding", "action"}
        assert all(isinstance(value, str) and value for value in check.values())
    assert report["checks"][-1]["title"] == "student ServiceAccount impersonation"


def test_the_text_report_gives_a_line_per_item_and_what_to_do_for_all_but_ok(doctor: Doctor) -> None:
    # given a cluster refusing impersonation; when the doctor reports as text
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["auth", "can-i"], {"code": 1, "stdout": "no\n"})))
    result = doctor.run("--format", "text")
    lines = result.out.splitlines()
    # then a header, nine items, one what-to-do line, and the summary with the exit code
    assert result.code == Exit.FINDINGS
    assert lines[0] == f"labctl doctor: kubectl context {CONTEXT}, stack dev"
    assert lines[1] == f"OK       Pulumi CLI: v{SDK}, the version of the pulumi SDK pin"
    assert lines[-3].startswith("PROBLEM  student ServiceAccount impersonation: `kubectl auth can-i impersonate")
    assert lines[-2] == (
        "         to do: bind yourself a ClusterRole with verb impersonate on serviceaccounts named student"
    )
    assert lines[-1] == "8 ok, 1 problem(s), 0 unknown; exit 1"
    assert len(lines) == 12


def test_an_unknown_is_printed_but_is_no_problem_and_exits_0(doctor: Doctor) -> None:
    # given no --stack: the two items about the class cannot be judged
    result = doctor.run(stack=None)
    # then they are unknown, and the command exits 0
    assert result.code == Exit.OK
    for item in ("default-storage-class", "capacity"):
        assert result.check(item) == {
            "status": "unknown",
            "finding": "no --stack given: the class's needs are not known",
            "action": "run labctl doctor --stack NAME",
        }
    assert result.report()["counts"] == {"ok": 7, "problem": 0, "unknown": 2}
    assert result.report()["stack"] is None


def test_every_kubectl_call_carries_a_request_timeout(doctor: Doctor) -> None:
    # when the doctor runs with --request-timeout 7
    doctor.run("--request-timeout", "7")
    # then each of its kubectl calls carries it, and they are these, in this order
    calls = doctor.calls()
    assert all(call[-1] == "--request-timeout=7s" for call in calls)
    assert [call[:2] for call in calls] == [
        ["config", "current-context"],
        ["version", "-o"],
        ["create", "-f"],
        ["create", "--dry-run=server"],
        ["delete", "namespace"],
        ["get", "daemonsets"],
        ["get", "nodes"],
        ["auth", "can-i"],
    ]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--format", "yaml"], "--format must be one of text, json (got 'yaml')"),
        (["--request-timeout", "0"], "--request-timeout must be above 0 and at most 600 seconds (got 0)"),
    ],
)
def test_a_bad_flag_exits_2_before_anything_runs(doctor: Doctor, flags: list[str], message: str) -> None:
    result = doctor.run(*flags)
    assert (result.code, result.err) == (Exit.BAD_INPUT, f"labctl doctor: {message}\n")
    assert doctor.calls() == []


def test_set_without_a_stack_exits_2(doctor: Doctor) -> None:
    result = doctor.run("--set", "classroom.students=3", stack=None)
    assert (result.code, result.err) == (Exit.BAD_INPUT, "labctl doctor: --set changes a stack: give --stack as well\n")


# 1. The Pulumi CLI


def test_a_pulumi_cli_older_than_the_sdk_pin_is_a_problem(doctor: Doctor) -> None:
    # given a CLI from before the pinned SDK
    doctor.answer_pulumi([rule(["version"], {"stdout": "v3.190.0\n"})])
    result = doctor.run()
    # then a problem saying so and which version to install
    assert result.code == Exit.FINDINGS
    assert result.check("pulumi-cli") == {
        "status": "problem",
        "finding": f"v3.190.0 is older than the pulumi SDK {SDK} the project pins",
        "action": f"install Pulumi CLI {SDK} or newer: https://www.pulumi.com/docs/install/",
    }


def test_a_pulumi_cli_newer_than_the_sdk_pin_is_ok_and_says_so(doctor: Doctor) -> None:
    major, minor, _ = SDK.split(".")
    newer = f"{major}.{int(minor) + 1}.0"
    doctor.answer_pulumi([rule(["version"], {"stdout": f"warning: a note first\nv{newer}\n"})])
    result = doctor.run()
    assert result.seen("pulumi-cli") == {
        "status": "ok",
        "finding": f"v{newer}, newer than the pulumi SDK pin {SDK}: a CLI runs older SDKs",
    }
    assert result.code == Exit.OK


def test_a_pulumi_version_that_is_no_version_is_unknown(doctor: Doctor) -> None:
    doctor.answer_pulumi([rule(["version"], {"stdout": "\x1b[31mhello\x1b[0m\n"})])
    result = doctor.run()
    assert result.check("pulumi-cli") == {
        "status": "unknown",
        "finding": "`pulumi version` printed 'hello', not a version",
        "action": f"check that `pulumi version` prints one, e.g. v{SDK}",
    }
    assert result.code == Exit.OK


def test_no_pulumi_cli_exits_3_and_the_cluster_items_still_run(doctor: Doctor) -> None:
    doctor.remove("pulumi")
    result = doctor.run()
    assert result.code == Exit.UNAVAILABLE
    assert result.check("pulumi-cli") == {
        "status": "problem",
        "finding": "not on PATH",
        "action": f"install Pulumi CLI {SDK} or newer: https://www.pulumi.com/docs/install/",
    }
    assert result.report()["unavailable"] == ["Pulumi CLI"]
    assert result.seen("pod-security")["status"] == "ok"


def test_a_pulumi_cli_that_fails_is_unavailable(doctor: Doctor) -> None:
    doctor.answer_pulumi([rule(["version"], {"code": 2, "stderr": "error: could not load plugin\n"})])
    result = doctor.run()
    assert result.code == Exit.UNAVAILABLE
    assert result.seen("pulumi-cli") == {
        "status": "problem",
        "finding": "`pulumi version` does not work: pulumi failed: error: could not load plugin",
    }


# 2. The policy pack's virtualenv


def test_the_policy_virtualenv_is_asked_to_import_the_pack_from_the_project(doctor: Doctor) -> None:
    doctor.run()
    called = (doctor.project / ".venv" / "called").read_text().splitlines()
    assert called == [str(doctor.project), "-c", "import pulumi_policy, policy.rules"]


def test_a_missing_project_virtualenv_is_a_problem_that_make_run_solves(doctor: Doctor) -> None:
    shutil.rmtree(doctor.project / ".venv")
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("policy-virtualenv") == {
        "status": "problem",
        "finding": ".venv (runtime.options.virtualenv '../.venv') does not exist",
        "action": "run `make run` (it creates .venv with the policy packages)",
    }


def test_a_virtualenv_of_the_packs_own_is_resolved_from_the_policy_folder(doctor: Doctor) -> None:
    # given PulumiPolicy.yaml naming `venv`, which is policy/venv and does not exist yet
    doctor.set_virtualenv("venv")
    result = doctor.run()
    assert result.check("policy-virtualenv") == {
        "status": "problem",
        "finding": "policy/venv (runtime.options.virtualenv 'venv') does not exist",
        "action": "create it from the project folder: python3 -m venv policy/venv && policy/venv/bin/pip install "
        "-e '.[policy]'",
    }
    # when it exists, then that is the python asked
    fake_python(doctor.project / "policy" / "venv")
    assert doctor.run().seen("policy-virtualenv") == {
        "status": "ok",
        "finding": "policy/venv imports pulumi_policy and policy.rules",
    }
    assert (doctor.project / "policy" / "venv" / "called").is_file()


def test_the_commands_that_create_a_virtualenv_with_a_space_paste_as_they_are(doctor: Doctor) -> None:
    # Given PulumiPolicy.yaml naming a virtualenv whose path has a space, a quote and a `$`, not there yet
    doctor.set_virtualenv("it's $my venv")
    # When the doctor looks at it
    action = doctor.run().check("policy-virtualenv")["action"]
    # Then the commands it gives quote that path, so bash gets it as one word
    assert action == (
        "create it from the project folder: python3 -m venv 'policy/it'\"'\"'s $my venv' && "
        "'policy/it'\"'\"'s $my venv/bin/pip' install -e '.[policy]'"
    )


def test_no_virtualenv_named_is_the_language_hosts_default_for_a_plugin(doctor: Doctor) -> None:
    settings = doctor.project / "policy" / "PulumiPolicy.yaml"
    settings.write_text("description: a pack\nruntime: python\n")
    assert doctor.run().seen("policy-virtualenv") == {
        "status": "problem",
        "finding": "policy/venv (runtime.options.virtualenv 'venv') does not exist",
    }


def test_a_virtualenv_that_cannot_import_the_pack_is_a_problem_naming_the_error(doctor: Doctor) -> None:
    fake_python(
        doctor.project / ".venv",
        code=1,
        stderr="Traceback (most recent call last):\n  File x\nModuleNotFoundError: No module named 'pulumi_policy'\n",
    )
    result = doctor.run()
    assert result.check("policy-virtualenv") == {
        "status": "problem",
        "finding": ".venv/bin/python cannot `import pulumi_policy, policy.rules`: ModuleNotFoundError: No "
        "module named 'pulumi_policy'",
        "action": "install the pack's packages from the project folder: .venv/bin/pip install -e '.[policy]'",
    }


@pytest.mark.slow
def test_the_project_venv_really_imports_the_pack(doctor: Doctor) -> None:
    # given a project whose packages are this repository's and whose .venv is the one `make` built
    for package in ("labs", "config"):
        (doctor.project / package).symlink_to(ROOT / package)
    for entry in ("__init__.py", "rules"):
        (doctor.project / "policy" / entry).symlink_to(ROOT / "policy" / entry)
    shutil.rmtree(doctor.project / ".venv")
    (doctor.project / ".venv").symlink_to(ROOT / ".venv")
    # then its python imports pulumi_policy and policy.rules
    assert doctor.run().seen("policy-virtualenv") == {
        "status": "ok",
        "finding": ".venv imports pulumi_policy and policy.rules",
    }


# 3 and 4. kubectl and the cluster


def with_versions(client: str, server: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {"clientVersion": {"gitVersion": client}}
    if server:
        document["serverVersion"] = {"gitVersion": server}
    return document


def test_a_kubectl_more_than_one_minor_from_the_server_is_a_problem(doctor: Doctor) -> None:
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["version"], stdout(with_versions("v1.31.0", "v1.33.1")))))
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("kubectl") == {
        "status": "problem",
        "finding": "v1.31.0 is older than the server's 1.33 by more than the one minor kubectl supports",
        "action": "install kubectl 1.32, 1.33, 1.34",
    }


def test_a_server_outside_the_validated_minors_is_a_problem_and_the_cluster_items_still_run(doctor: Doctor) -> None:
    doctor.answer_kubectl(
        replaced(healthy_cluster(), rule(["version"], stdout(with_versions("v1.38.0", "v1.38.0-eks-1234"))))
    )
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("cluster") == {
        "status": "problem",
        "finding": f"context {CONTEXT}: Kubernetes v1.38.0-eks-1234, outside the validated 1.33 to 1.37",
        "action": "use a cluster of Kubernetes 1.33 to 1.37 (labs/support.py)",
    }
    assert result.seen("kubectl")["status"] == "ok"
    assert result.seen("impersonation")["status"] == "ok"


def test_a_cluster_that_does_not_answer_exits_3_and_runs_no_cluster_item(doctor: Doctor) -> None:
    # given kubectl, whose current context's server refuses connections
    refused = "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n"
    doctor.answer_kubectl(
        replaced(
            healthy_cluster(),
            rule(["version"], {**stdout(with_versions("v1.34.2", None)), "code": 1, "stderr": refused}),
        )
    )
    result = doctor.run()
    # then exit 3, the cluster named as unavailable, and the items that ask it not run
    assert result.code == Exit.UNAVAILABLE
    assert result.report()["unavailable"] == ["cluster"]
    assert result.check("cluster") == {
        "status": "problem",
        "finding": f"context {CONTEXT} does not answer: kubectl failed: {refused.strip()}",
        "action": "select a reachable cluster (`kubectl config use-context NAME`) and check `kubectl cluster-info`",
    }
    assert result.seen("kubectl") == {"status": "unknown", "finding": "v1.34.2; no server version to compare with"}
    for item in ("pod-security", "network-policy", "default-storage-class", "capacity", "impersonation"):
        assert result.seen(item) == NOT_CHECKED
    assert [call[0] for call in doctor.calls()] == ["config", "version"]


def test_no_kubectl_exits_3_and_every_cluster_item_is_not_checked(doctor: Doctor) -> None:
    doctor.remove("kubectl")
    result = doctor.run()
    assert result.code == Exit.UNAVAILABLE
    assert result.report()["unavailable"] == ["kubectl"]
    assert result.report()["context"] is None
    assert result.check("kubectl") == {
        "status": "problem",
        "finding": "not on PATH",
        "action": "install kubectl and select the class's cluster",
    }
    for item in ("cluster", "pod-security", "network-policy", "default-storage-class", "capacity", "impersonation"):
        assert result.seen(item) == NOT_CHECKED


def test_no_pulumi_and_no_cluster_exit_3_naming_both_on_one_screen(doctor: Doctor) -> None:
    # given no Pulumi CLI and a kubectl whose cluster does not answer
    doctor.remove("pulumi")
    doctor.answer_kubectl([rule(["version"], {"code": 1, "stderr": "Unable to connect to the server: dial tcp\n"})])
    # when the doctor runs as a user would, in text
    result = doctor.process()
    lines = result.stdout.splitlines()
    # then exit 3, both named, all of it in 24 lines, nothing on stderr
    assert result.returncode == Exit.UNAVAILABLE
    assert lines[-1] == "1 ok, 2 problem(s), 6 unknown; exit 3: unavailable: Pulumi CLI, kubectl"
    assert "PROBLEM  Pulumi CLI: not on PATH" in lines
    assert any(line.startswith("PROBLEM  kubectl: `kubectl version` gave no client version") for line in lines)
    assert len(lines) <= 24
    assert result.stderr == ""


def test_no_pulumi_and_an_unreachable_cluster_exit_3_naming_both(doctor: Doctor) -> None:
    doctor.remove("pulumi")
    doctor.answer_kubectl(
        [rule(["version"], {**stdout(with_versions("v1.34.2", None)), "code": 1, "stderr": "Unable to connect\n"})]
    )
    result = doctor.run("--format", "text")
    assert result.code == Exit.UNAVAILABLE
    assert result.out.splitlines()[-1] == "1 ok, 2 problem(s), 6 unknown; exit 3: unavailable: Pulumi CLI, cluster"
    assert len(result.out.splitlines()) <= 24


# 5. Pod Security admission


def test_pod_security_is_judged_in_a_restricted_namespace_of_its_own_which_is_then_deleted(doctor: Doctor) -> None:
    result = doctor.run()
    assert result.check("pod-security") == {
        "status": "ok",
        "finding": "a privileged pod was refused by PodSecurity (server-side dry run) in a namespace labelled "
        "enforce=restricted",
        "action": "nothing to do",
    }
    namespace, pod = doctor.manifests()
    name = namespace["metadata"]["name"]
    assert NAMESPACE.match(name)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert pod["metadata"]["namespace"] == name
    assert pod["spec"]["containers"][0]["securityContext"] == {"privileged": True}
    (dry_run,) = [call for call in doctor.calls() if "--dry-run=server" in call]
    assert dry_run[dry_run.index("-n") + 1] == name
    deletions = [call for call in doctor.calls() if call[0] == "delete"]
    assert deletions == [["delete", "namespace", name, "--ignore-not-found", "--wait=false", "--request-timeout=10s"]]


def test_a_privileged_pod_accepted_is_a_problem(doctor: Doctor) -> None:
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["create", "--dry-run=server"], {"stdout": "created\n"})))
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("pod-security") == {
        "status": "problem",
        "finding": "a privileged pod was accepted (server-side dry run) in a namespace labelled enforce=restricted: "
        "Pod Security admission does not enforce",
        "action": "enable the PodSecurity admission plugin (on by default since Kubernetes 1.25) or an equivalent "
        "policy",
    }
    assert [call[0] for call in doctor.calls()].count("delete") == 1


def test_the_namespace_is_deleted_even_when_the_dry_run_fails(doctor: Doctor) -> None:
    # given a dry run that fails without a verdict, printing garbage
    doctor.answer_kubectl(
        replaced(healthy_cluster(), rule(["create", "--dry-run=server"], {"code": 1, "stderr": "\x00\xff\x1b]0;x\x07"}))
    )
    result = doctor.run()
    assert result.seen("pod-security") == {
        "status": "unknown",
        "finding": "the privileged pod's dry run gave no PodSecurity verdict: kubectl failed: ÿ",
    }
    name = doctor.manifests()[0]["metadata"]["name"]
    assert ["delete", "namespace", name] in [call[:3] for call in doctor.calls()]


def test_the_dry_run_is_asked_again_while_the_default_service_account_is_not_there(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("labctl.doctor.admission.SERVICE_ACCOUNT_WAIT_SECONDS", 0.01)
    not_yet = {"code": 1, "stderr": 'Error from server (Forbidden): error looking up service account x/default: '
               'serviceaccount "default" not found\n'}  # fmt: skip
    doctor.answer_kubectl(
        replaced(healthy_cluster(), rule(["create", "--dry-run=server"], not_yet, {"code": 1, "stderr": PSA_REFUSAL}))
    )
    result = doctor.run()
    assert result.seen("pod-security")["status"] == "ok"
    assert sum("--dry-run=server" in call for call in doctor.calls()) == 2


def test_a_namespace_that_may_not_be_created_is_unknown_and_nothing_is_deleted(doctor: Doctor) -> None:
    forbidden = 'Error from server (Forbidden): namespaces is forbidden: User "ta" cannot create resource\n'
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["create", "-f", "-"], {"code": 1, "stderr": forbidden})))
    result = doctor.run()
    assert result.code == Exit.OK
    assert result.check("pod-security") == {
        "status": "unknown",
        "finding": f"could not create a namespace to test in: kubectl failed: {forbidden.strip()}",
        "action": "run labctl doctor with a context allowed to create and delete namespaces, as `pulumi up` needs",
    }
    assert not [call for call in doctor.calls() if call[0] == "delete" or "--dry-run=server" in call]


def test_a_namespace_that_already_exists_is_never_deleted(doctor: Doctor) -> None:
    exists = 'Error from server (AlreadyExists): namespaces "k8s-labs-doctor-0" already exists\n'
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["create", "-f", "-"], {"code": 1, "stderr": exists})))
    assert doctor.run().seen("pod-security")["status"] == "unknown"
    assert not [call for call in doctor.calls() if call[0] == "delete"]


def test_a_namespace_creation_without_an_answer_is_still_cleaned_up(doctor: Doctor) -> None:
    # given a creation whose outcome is not known: the connection broke, no answer from the server
    lost = {"code": 1, "stderr": "Unable to connect to the server: net/http: request canceled\n"}
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["create", "-f", "-"], lost)))
    doctor.run()
    name = doctor.manifests()[0]["metadata"]["name"]
    assert ["delete", "namespace", name] in [call[:3] for call in doctor.calls()]


def test_a_namespace_that_cannot_be_deleted_is_a_problem_naming_it(doctor: Doctor) -> None:
    doctor.answer_kubectl(
        replaced(healthy_cluster(), rule(["delete", "namespace"], {"code": 1, "stderr": "Error from server: etcd\n"}))
    )
    result = doctor.run()
    name = doctor.manifests()[0]["metadata"]["name"]
    assert result.check("pod-security") == {
        "status": "problem",
        "finding": "a privileged pod was refused by PodSecurity (server-side dry run) in a namespace labelled "
        f"enforce=restricted; but the namespace {name} could not be deleted: kubectl failed: Error from server: etcd",
        "action": f"delete it: kubectl delete namespace {name}",
    }


def test_read_only_creates_nothing_and_leaves_pod_security_unknown(doctor: Doctor) -> None:
    result = doctor.run("--read-only")
    assert result.check("pod-security") == {
        "status": "unknown",
        "finding": "not checked: --read-only creates nothing on the cluster",
        "action": "run without --read-only to let it create, and delete, a namespace of its own",
    }
    assert not [call for call in doctor.calls() if call[0] in ("create", "delete")]


def default_ctrl_c() -> None:
    """In the child before exec: Ctrl-C gets its default action back (a background shell ignores it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_during_the_dry_run_still_deletes_the_namespace(doctor: Doctor, stop: int) -> None:
    # given a dry run that hangs
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["create", "--dry-run=server"], {"sleep": 60})))
    process = subprocess.Popen(
        [sys.executable, "-m", "labctl", *doctor.argv()],
        env={**os.environ, **doctor.environ()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )
    deadline = time.monotonic() + 60
    while not any("--dry-run=server" in call for call in doctor.calls()) and time.monotonic() < deadline:
        assert process.poll() is None
        time.sleep(0.05)
    # when Ctrl-C (or SIGTERM) arrives
    process.send_signal(stop)
    stdout, stderr = process.communicate(timeout=60)
    # then the namespace it made is deleted, the exit is the signal's, and no traceback
    name = doctor.manifests()[0]["metadata"]["name"]
    assert ["delete", "namespace", name] in [call[:3] for call in doctor.calls()]
    assert process.returncode == 128 + stop
    assert "Traceback" not in stderr
    assert stdout == ""
    if stop == signal.SIGINT:
        assert stderr == "labctl doctor: interrupted\n"


@pytest.mark.slow
def test_ctrl_c_during_the_namespace_deletion_waits_for_it_to_finish(doctor: Doctor) -> None:
    # given a deletion that takes a moment; FAKE_KUBECTL_SPANS notes each fake call that ran to its end
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["delete", "namespace"], {"sleep": 1.5})))
    finished = doctor.folder / "finished.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "labctl", *doctor.argv()],
        env={**os.environ, **doctor.environ(), "FAKE_KUBECTL_SPANS": str(finished)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
        start_new_session=True,  # a process group of its own, as a terminal gives a command
    )
    deadline = time.monotonic() + 60
    while not any(call[0] == "delete" for call in doctor.calls()) and time.monotonic() < deadline:
        assert process.poll() is None
        time.sleep(0.05)
    # when Ctrl-C arrives while it runs, to the whole process group as a terminal sends it
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    # then the deletion ran to its end (the one call that took 1.5 s), and the command exits 130 after it
    spans = [json.loads(line) for line in finished.read_text().splitlines()]
    assert max(end - start for start, end in spans) >= 1.5
    assert doctor.calls()[-1][:2] == ["delete", "namespace"]
    assert (process.returncode, stderr) == (Exit.INTERRUPTED, "labctl doctor: interrupted\n")


# 6. NetworkPolicy enforcement


def test_a_recognised_enforcing_plugin_is_ok_and_says_how_it_was_judged(doctor: Doctor) -> None:
    result = doctor.run()
    assert result.seen("network-policy") == {
        "status": "ok",
        "finding": "Calico enforces it (judged by the DaemonSets' containers and images: kube-system/calico-node "
        "runs docker.io/calico/node:v3.28.0)",
    }


def test_flannel_alone_is_a_problem(doctor: Doctor) -> None:
    doctor.answer_kubectl(
        replaced(healthy_cluster(), rule(["get", "daemonsets"], stdout(daemonsets(KUBE_PROXY, FLANNEL))))
    )
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("network-policy") == {
        "status": "problem",
        "finding": "flannel does not enforce it (judged by the DaemonSets' containers and images: "
        "kube-flannel/kube-flannel-ds runs ghcr.io/flannel-io/flannel:v0.26.1): students are not kept apart",
        "action": "add a plugin that enforces NetworkPolicy (Calico, Cilium, kube-network-policies) before the class",
    }


def test_no_recognised_plugin_is_unknown(doctor: Doctor) -> None:
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["get", "daemonsets"], stdout(daemonsets(KUBE_PROXY)))))
    result = doctor.run()
    assert result.code == Exit.OK
    assert result.check("network-policy") == {
        "status": "unknown",
        "finding": "no known network plugin among 1 DaemonSet(s) (judged by the DaemonSets' containers and images): "
        "there is no API that says",
        "action": "prove it: a connection a deny-all NetworkPolicy must refuse (docs/deploy.md, on labctl doctor)",
    }


def test_daemonsets_that_may_not_be_listed_are_unknown(doctor: Doctor) -> None:
    forbidden = 'Error from server (Forbidden): daemonsets.apps is forbidden: User "ta" cannot list\n'
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["get", "daemonsets"], {"code": 1, "stderr": forbidden})))
    assert doctor.run().seen("network-policy") == {
        "status": "unknown",
        "finding": "cannot list the DaemonSets to tell: `kubectl get daemonsets --all-namespaces`: kubectl failed: "
        f"{forbidden.strip()}",
    }


def containers(*entries: tuple[str, str, str, tuple[str, ...]]) -> list[Container]:
    found = []
    for daemonset, name, image, args in entries:
        repository, _, tag = image.rpartition(":")
        found.append(Container(daemonset, name, repository, tag, args))
    return found


@pytest.mark.parametrize(
    ("seen", "server", "status", "plugin"),
    [
        ((("kube-system/kindnet", "kindnet-cni", "docker.io/kindest/kindnetd:v20240813-c6f155d6", ()),), "v1.33.1",
         "ok", "kindnet enforces it"),
        ((("kube-system/kindnet", "kindnet-cni", "docker.io/kindest/kindnetd:v20240513-cd2ac642", ()),), "v1.33.1",
         "problem", "kindnet does not enforce it"),
        ((("kube-system/kindnet", "kindnet-cni", "example.com/kindnetd:latest", ()),), "v1.33.1",
         "unknown", "kindnet may or may not enforce it"),
        ((("kube-system/kube-router", "kube-router", "docker.io/cloudnativelabs/kube-router:v2.4.0", ()),),
         "v1.33.1", "ok", "kube-router enforces it"),
        ((("kube-system/kube-router", "kube-router", "docker.io/cloudnativelabs/kube-router:v2.4.0",
           ("--run-router=true", "--run-firewall=false")),), "v1.33.1", "problem", "kube-router does not enforce it"),
        ((("kube-system/canal", "calico-node", "docker.io/calico/node:v3.28.0", ()),
          ("kube-system/canal", "kube-flannel", "docker.io/flannel/flannel:v0.26.1", ())), "v1.33.1",
         "ok", "Calico enforces it"),
        ((("kube-system/cilium", "cilium-agent", "quay.io/cilium/cilium:v1.16.1", ()),), "v1.33.1",
         "ok", "Cilium enforces it"),
        ((("kube-system/weave-net", "weave", "ghcr.io/weaveworks/launcher/weave-kube:2.8.1", ()),
          ("kube-system/weave-net", "weave-npc", "ghcr.io/weaveworks/launcher/weave-npc:2.8.1", ())), "v1.33.1",
         "ok", "Weave Net (weave-npc) enforces it"),
        ((("kube-system/aws-node", "aws-node", "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.0",
           ()),
          ("kube-system/aws-node", "aws-eks-nodeagent", "602401143452.dkr.ecr.us-west-2.amazonaws.com/"
           "amazon/aws-network-policy-agent:v1.1.5", ("--enable-network-policy=false",))), "v1.33.1-eks-1",
         "problem", "Amazon VPC CNI does not enforce it"),
        ((), "v1.33.1+k3s1", "ok", "k3s (v1.33.1+k3s1) runs kube-router's NetworkPolicy controller"),
    ],
)  # fmt: skip
def test_the_network_plugin_heuristic(
    seen: tuple[tuple[str, str, str, tuple[str, ...]], ...], server: str, status: str, plugin: str
) -> None:
    # given these DaemonSet containers and server version; when judged
    check = judge(containers(*seen), len(seen), server)
    # then the status, and the finding names the plugin first
    assert (check.status, check.finding[: len(plugin)]) == (status, plugin)


# 7. A default StorageClass


def test_no_persistent_mysql_needs_no_storage_class(doctor: Doctor) -> None:
    result = doctor.run()
    assert result.seen("default-storage-class") == {
        "status": "ok",
        "finding": "not needed: no MySQL of the class keeps its data on a PersistentVolumeClaim",
    }
    assert not [call for call in doctor.calls() if "storageclasses" in call]


def test_a_claim_without_a_class_and_no_default_class_is_a_problem(doctor: Doctor) -> None:
    (doctor.project / "Pulumi.pvc.yaml").write_text(PVC_STACK)
    plain = {"metadata": {"name": "local-path", "annotations": {"storageclass.kubernetes.io/is-default-class": "no"}}}
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["get", "storageclasses"], stdout({"items": [plain]}))))
    result = doctor.run(stack="pvc")
    assert result.code == Exit.FINDINGS
    assert result.check("default-storage-class") == {
        "status": "problem",
        "finding": "the MySQL claim of student-1, student-2, student-3 names no storageClassName and the cluster has "
        "no default StorageClass: the claim would stay Pending",
        "action": "mark one default (annotation storageclass.kubernetes.io/is-default-class=true) or set "
        "labs.mysqlWithSecret.storage.storageClassName",
    }


def test_a_claim_without_a_class_and_a_default_class_is_ok(doctor: Doctor) -> None:
    (doctor.project / "Pulumi.pvc.yaml").write_text(PVC_STACK)
    assert doctor.run(stack="pvc").seen("default-storage-class") == {
        "status": "ok",
        "finding": "standard is the default, for the MySQL claim of student-1, student-2, student-3",
    }


def test_a_claim_naming_a_class_the_cluster_lacks_is_a_problem(doctor: Doctor) -> None:
    (doctor.project / "Pulumi.pvc.yaml").write_text(
        PVC_STACK.replace("persistentVolumeClaim", "persistentVolumeClaim\n        storageClassName: fast")
    )
    result = doctor.run(stack="pvc")
    assert result.check("default-storage-class") == {
        "status": "problem",
        "finding": "the MySQL claim of student-1, student-2, student-3 names storageClassName fast, which the cluster "
        "lacks",
        "action": "create StorageClass fast, or set labs.mysqlWithSecret.storage.storageClassName to one of: standard",
    }


# 8. Room for the quotas


def test_too_little_allocatable_on_schedulable_nodes_is_a_problem(doctor: Doctor) -> None:
    # given one small worker, and a control plane and a cordoned node that take no lab pod
    nodes = [
        node("worker-1", cpu="1500m", memory="4Gi"),
        node("control-plane", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]),
        {**node("worker-2"), "spec": {"unschedulable": True}},
        node("worker-3", ready="False"),
    ]
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["get", "nodes"], stdout({"items": nodes}))))
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("capacity") == {
        "status": "problem",
        "finding": "the class requests 2 cpu, 3Gi (2 student(s) x quota requests 1 cpu, 1536Mi); 1 schedulable "
        "node(s) allocate 1500m cpu, 4Gi (left out: 1 tainted NoSchedule/NoExecute, 1 cordoned, 1 not Ready): "
        "not enough cpu",
        "action": "add nodes, lower classroom.budget.requestsCpu/requestsMemory, or split the class (labctl shard)",
    }


def test_the_quota_sum_follows_the_class_and_its_budget(doctor: Doctor) -> None:
    result = doctor.run("--set", "classroom.students=30", "--set", "classroom.budget.requestsMemory=2Gi")
    assert result.seen("capacity") == {
        "status": "problem",
        "finding": "the class requests 30 cpu, 60Gi (30 student(s) x quota requests 1 cpu, 2Gi); 2 schedulable "
        "node(s) allocate 8 cpu, 16Gi: not enough cpu and memory",
    }


def test_nodes_that_cannot_be_read_are_unknown(doctor: Doctor) -> None:
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["get", "nodes"], {"stdout": "<html>proxy</html>"})))
    assert doctor.run().seen("capacity") == {
        "status": "unknown",
        "finding": "cannot list the nodes: `kubectl get nodes` printed no JSON: '<html>proxy</html>'",
    }


# 9. Impersonation for the e2e


def test_impersonating_the_student_service_account_is_asked_exactly(doctor: Doctor) -> None:
    result = doctor.run()
    (asked,) = [call for call in doctor.calls() if call[:2] == ["auth", "can-i"]]
    assert asked == ["auth", "can-i", "impersonate", "serviceaccounts/student", "--all-namespaces",
                     "--request-timeout=10s"]  # fmt: skip
    assert result.seen("impersonation") == {
        "status": "ok",
        "finding": "`kubectl auth can-i impersonate serviceaccounts/student --all-namespaces`: yes, as `make e2e` "
        "needs for its student checks",
    }


def test_no_impersonation_is_a_problem(doctor: Doctor) -> None:
    doctor.answer_kubectl(replaced(healthy_cluster(), rule(["auth", "can-i"], {"code": 1, "stdout": "no\n"})))
    result = doctor.run()
    assert result.code == Exit.FINDINGS
    assert result.check("impersonation") == {
        "status": "problem",
        "finding": "`kubectl auth can-i impersonate serviceaccounts/student --all-namespaces`: no; `make e2e` checks "
        "admission and RBAC as a student and would fail (`pulumi up` does not need it)",
        "action": "bind yourself a ClusterRole with verb impersonate on serviceaccounts named student",
    }


def test_an_impersonation_question_without_an_answer_is_unknown(doctor: Doctor) -> None:
    doctor.answer_kubectl(
        replaced(healthy_cluster(), rule(["auth", "can-i"], {"code": 1, "stderr": "error: the server is gone\n"}))
    )
    assert doctor.run().seen("impersonation") == {
        "status": "unknown",
        "finding": "`kubectl auth can-i impersonate serviceaccounts/student --all-namespaces` gave no yes or no: "
        "kubectl failed: error: the server is gone",
    }


# What reaches the terminal


def test_escape_sequences_from_the_cluster_never_reach_the_terminal(doctor: Doctor) -> None:
    # given object names and messages carrying terminal escapes and a bidi override
    sneaky: DaemonSetEntry = (
        "kube-system/\x1b]0;owned\x07calico\x1b[2J",
        "calico-node",
        "docker.io/calico/node:v3\u202e28",
        [],
    )
    doctor.answer_kubectl(
        replaced(
            healthy_cluster(),
            rule(["config", "current-context"], {"stdout": "kind-\x1b[31mred\x1b[0m\n"}),
            rule(["get", "daemonsets"], stdout(daemonsets(sneaky))),
        )
    )
    result = doctor.run("--format", "text")
    # then no control character is printed, the text around them is
    assert not [char for char in result.out if ord(char) < 32 and char != "\n"]
    assert "\u202e" not in result.out
    assert "kubectl context kind-red," in result.out
    assert "kube-system/calico runs docker.io/calico/node:v3 28" in result.out


def test_a_kubectl_that_prints_garbage_gives_no_traceback(doctor: Doctor) -> None:
    # given a kubectl that answers everything with bytes that are no UTF-8 and no JSON
    write_script(doctor.bin / "kubectl", "#!/bin/sh\nprintf '\\377\\000{{{\\033[6n'\nprintf '\\033[?1049h\\233' >&2\n")
    result = doctor.process("--format", "text")
    # then a report, no traceback, kubectl reported unusable
    assert result.returncode == Exit.UNAVAILABLE
    assert "Traceback" not in result.stderr + result.stdout
    assert "PROBLEM  kubectl: `kubectl version` gave no client version: `kubectl version` printed no JSON" in (
        result.stdout
    )


def test_a_cluster_that_prints_garbage_after_its_version_gives_unknowns_and_no_traceback(doctor: Doctor) -> None:
    rules = [rule(["version"], stdout(VERSIONS)), rule([], {"stdout": "[1, 2", "stderr": "\xff"})]
    doctor.answer_kubectl(rules)
    result = doctor.process("--format", "json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    statuses = {check["id"]: check["status"] for check in report["checks"]}
    assert statuses["network-policy"] == statuses["capacity"] == statuses["impersonation"] == "unknown"


def test_a_reader_that_goes_away_ends_the_command_with_141_and_says_nothing(doctor: Doctor) -> None:
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "labctl", *doctor.argv()],
            env={**os.environ, **doctor.environ()},
            stdout=writer,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(writer)
    assert result.returncode == Exit.BROKEN_PIPE
    assert result.stderr == b""


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words", "plain words"),
        ("\x1b[31mred\x1b[0m and \x1b]0;title\x07done", "red and done"),
        ("line one\nline two\r\n\tend", "line one line two end"),
        ("right\u202eleft\u200bjoined", "right left joined"),
        ("x" * 200, "x" * 157 + "..."),
    ],
)
def test_one_line_keeps_only_what_a_terminal_shows_as_it_is(text: str, shown: str) -> None:
    assert one_line(text) == shown


# `make e2e` asks the doctor first, about a class like the e2e's.


def test_make_e2e_runs_the_doctor_before_the_run_for_a_class_with_a_claim() -> None:
    done = subprocess.run(
        ["make", "-n", "--always-make", "e2e"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if "labctl doctor" in line or "tests.e2e" in line]
    assert len(lines) == 2 and "labctl doctor" in lines[0] and lines[1].endswith("-m tests.e2e"), lines
    words = shlex.split(lines[0])
    assignments = [words[index + 1] for index, word in enumerate(words) if word == "--set"]
    stack = words[words.index("--stack") + 1]
    raw = apply_sets(read_stack(ROOT / f"Pulumi.{stack}.yaml").values, assignments)
    plan = load(raw)
    mysql = [env.labs["mysqlWithSecret"] for env in plan.environments]
    assert mysql and all(isinstance(args, MysqlWithSecretArgs) for args in mysql)
    assert {type(args.storage) for args in mysql if isinstance(args, MysqlWithSecretArgs)} == {PersistentStorage}
