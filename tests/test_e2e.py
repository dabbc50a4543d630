"""Given fake `pulumi` and `kubectl` executables, when the e2e runs, then its control flow holds.

The fakes record every call and answer as the real tools do: success, a refusal, a failing step,
a command that hangs. What the real tools answer on a real cluster is not seen here (see
docs/verification.md): these tests prove the script's order, its exit codes, that teardown
always runs and that it only touches namespaces of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from labs.timeline import predict
from tests.conftest import ROOT
from tests.e2e import timing
from tests.test_verify import ENV_OUTPUT, LS_OUTPUT

pytestmark = pytest.mark.slow

FAKES = ROOT / "tests" / "fakes"
TAG = "abc123"
PREFIX = f"e2e-{TAG}-"
OURS = [f"{PREFIX}student-1", f"{PREFIX}student-2", f"{PREFIX}k-student-1", f"{PREFIX}k-student-2"]
VERSION = json.dumps({"clientVersion": {"gitVersion": "v1.32.4"}, "serverVersion": {"gitVersion": "v1.33.1"}})
START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def probe_pod_snapshots(ready: float, restart: float) -> list[dict[str, Any]]:
    """The probe pod as the API server shows it: Ready at `ready`, then restarted at `restart`."""
    first = {
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": stamp(ready)}],
            "containerStatuses": [{"restartCount": 0, "state": {"running": {"startedAt": stamp(0)}}}],
        }
    }
    second = {
        "status": {
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": stamp(restart - 30)}],
            "containerStatuses": [
                {
                    "restartCount": 1,
                    "state": {"running": {"startedAt": stamp(restart)}},
                    "lastState": {"terminated": {"startedAt": stamp(0), "finishedAt": stamp(restart - 1)}},
                }
            ],
        }
    }
    return [{"stdout": json.dumps(first)}, {"stdout": json.dumps(second)}]


def dev_prediction() -> tuple[float, float]:
    prediction = predict(timing.probe_args(ROOT, "dev"))
    assert prediction.ready_at is not None and prediction.restarts
    return prediction.ready_at, prediction.restarts[0]


def kubectl_rules(ready_offset: float = 3, restart_offset: float = 8) -> list[dict[str, Any]]:
    """A healthy cluster running the e2e's class; the probe pod `offset` seconds behind the prediction."""
    ready, restart = dev_prediction()
    rules: list[dict[str, Any]] = [
        {"match": ["version"], "answers": [{"stdout": VERSION}]},
        {"match": ["config", "current-context"], "answers": [{"stdout": "kind-e2e\n"}]},
        # Namespaces: free before, gone after.
        {"match": ["get", "namespace"], "answers": [{"stdout": ""}]},
        {"match": ["get", "pod", "liveness-readiness-pod", "json"], "answers": probe_pod_snapshots(
            ready + ready_offset, restart + restart_offset)},
        {"match": ["jsonpath={.spec.containers[0].readinessProbe.initialDelaySeconds}"], "answers": [{"stdout": "7"}]},
        {"match": ["jsonpath={.spec.containers[0].startupProbe.periodSeconds}"], "answers": [{"stdout": "3"}]},
        # labctl verify's Testing steps (the values of the dev stack's labs).
        {"match": ["get", "pod", "liveness-readiness-pod"], "answers": [{"stdout": "true,1"}]},
        {"match": ["ls", "-ln", "/etc/directory"], "answers": [{"stdout": LS_OUTPUT}]},
        {"match": ["GET", "maxmemory-policy"], "answers": [{"stdout": "maxmemory-policy\nallkeys-lru\n"}]},
        {"match": ["deploy/mysql"], "answers": [{"stdout": "1\n"}]},
        # verify's envFrom step filters `env` to the ConfigMap's keys in a shell; the e2e reads all of `env`.
        {"match": ["pod-env-var", "sh", "-c"], "answers": [{"stdout": ENV_OUTPUT}]},
        {"match": ["env"], "answers": [{"stdout": ENV_OUTPUT + f"E2E_MARKER=m{TAG}\n"}]},
        # Admission and RBAC, as the student's ServiceAccount.
        {"match": ["create", "--dry-run=server"], "answers": [
            {"code": 1, "stderr": 'Error from server (Forbidden): pods "e2e-privileged" is forbidden: violates '
             'PodSecurity "baseline:latest": privileged (container "main" must not set privileged=true)\n'},
            {"code": 1, "stderr": 'Error from server (Forbidden): pods "e2e-over-quota" is forbidden: exceeded quota: '
             "student-quota, requested: limits.memory=64Gi, used: limits.memory=1Gi, limited: limits.memory=2Gi\n"},
        ]},
        {"match": ["auth", "can-i", f"{PREFIX}student-1"], "answers": [{"stdout": "yes\n"}]},
        {"match": ["auth", "can-i", f"{PREFIX}student-2"], "answers": [{"code": 1, "stdout": "no\n"}]},
        # The kubectl path waits for the quota's status: empty at first, then filled in.
        {"match": ["get", "resourcequota", "student-budget"], "answers": [{"stdout": ""}, {"stdout": "10"}]},
        {"match": ["apply", "-f"], "answers": [{"stdout": "configured\n"}]},
        {"match": ["delete", "-f"], "answers": [{"stdout": "deleted\n"}]},
    ]  # fmt: skip
    # Redis: the class's 2mb until the change, 3mb after it; the kubectl path's class keeps 2mb.
    for student in ("student-1", "student-2"):
        rules.append({"match": ["GET", "maxmemory", f"{PREFIX}k-{student}"], "answers": [
            {"stdout": "maxmemory\n2097152\n"}]})  # fmt: skip
        rules.append({"match": ["GET", "maxmemory", f"{PREFIX}{student}"], "answers": [
            {"stdout": "maxmemory\n2097152\n"}, {"stdout": "maxmemory\n3145728\n"}]})  # fmt: skip
    return rules


def pulumi_rules(preview_sleep: float = 0, destroy_always_fails: bool = False) -> list[dict[str, Any]]:
    refused = {"code": 255, "stderr": "error: resource urn:pulumi:e2e::k8s-labs::...::mysql-data cannot be deleted "
               "because it is protected. To unprotect the resource, run `pulumi state unprotect`\n"}  # fmt: skip
    return [
        {"match": ["version"], "answers": [{"stdout": "v3.190.0\n"}]},
        {"match": ["stack", "init"], "answers": [{"stdout": "Created stack 'e2e'\n"}]},
        {"match": ["preview"], "answers": [{"stdout": "Policies:\n    ✅ k8s-labs@v0.1.0\n", "sleep": preview_sleep}]},
        {"match": ["up"], "answers": [{"stdout": "Resources:\n    52 created\n"}]},
        {"match": ["state", "unprotect"], "answers": [{"stdout": ""}]},
        {"match": ["destroy"], "answers": [refused] if destroy_always_fails else [refused, {"stdout": "destroyed\n"}]},
    ]


class Fakes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.bin = folder / "bin"
        self.bin.mkdir()
        for tool in ("kubectl", "pulumi"):
            script = self.bin / tool
            script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKES / (tool + ".py")}" "$@"\n')
            script.chmod(script.stat().st_mode | stat.S_IXUSR)
        for tool in ("bash", "grep", "sleep"):  # what the lab sheet's set-up commands run besides kubectl
            found = shutil.which(tool)
            assert found, tool
            (self.bin / tool).symlink_to(found)
        self.report = folder / "report"

    def without(self, tool: str) -> None:
        (self.bin / tool).unlink()

    def answer(self, tool: str, rules: list[dict[str, Any]]) -> None:
        (self.folder / f"{tool}.rules").write_text(json.dumps(rules))

    def calls(self, tool: str) -> list[list[str]]:
        log = self.folder / f"{tool}.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def environments(self, tool: str) -> list[dict[str, str | None]]:
        log = self.folder / f"{tool}.log.env"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def run_e2e(self, *flags: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "PATH": str(self.bin),  # no real kubectl or pulumi can be reached
            "K8S_LABS_E2E_TAG": TAG,
            "FAKE_ENV_NAMES": "PULUMI_BACKEND_URL,PULUMI_CONFIG_PASSPHRASE",
        }
        for tool in ("kubectl", "pulumi"):
            env[f"FAKE_{tool.upper()}_RULES"] = str(self.folder / f"{tool}.rules")
            env[f"FAKE_{tool.upper()}_LOG"] = str(self.folder / f"{tool}.log")
        return subprocess.run(
            [sys.executable, "-m", "tests.e2e", "--report-dir", str(self.report), "--verify-wait", "5", *flags],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def report_json(self) -> dict[str, Any]:
        data = json.loads((self.report / "report.json").read_text())
        assert isinstance(data, dict)
        return data

    def results(self) -> dict[str, str]:
        return {step["name"]: step["result"] for step in self.report_json()["steps"]}


@pytest.fixture
def fakes(tmp_path: Path) -> Fakes:
    made = Fakes(tmp_path)
    made.answer("kubectl", kubectl_rules())
    made.answer("pulumi", pulumi_rules())
    return made


def pulumi_commands(fakes: Fakes) -> list[str]:
    """Each call's command words, up to its first flag."""
    commands = []
    for call in fakes.calls("pulumi"):
        flags = [index for index, word in enumerate(call) if word.startswith("--")]
        commands.append(" ".join(call[: flags[0] if flags else len(call)]))
    return commands


def test_a_healthy_cluster_is_proven_in_order_and_everything_is_torn_down(fakes: Fakes) -> None:
    result = fakes.run_e2e()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert set(fakes.results().values()) == {"passed"}
    assert fakes.report_json()["outcome"] == "proven"
    assert pulumi_commands(fakes) == [
        "version",
        "stack init e2e",
        "preview",
        "up",  # the first deployment
        "up", "up", "up", "up",  # readiness delay, startup probe, envFrom data, Redis maxmemory
        "destroy",  # refused: the claim is protected
        "state unprotect",
        "destroy",
    ]  # fmt: skip
    # The preview runs the policy pack; every call names the throwaway stack.
    assert fakes.calls("pulumi")[2][1:3] == ["--policy-pack", "policy"]
    assert all("e2e" in call for call in fakes.calls("pulumi")[1:])
    # Its own backend and passphrase, never `pulumi login`.
    backends = {env["PULUMI_BACKEND_URL"] for env in fakes.environments("pulumi")}
    assert len(backends) == 1
    assert str(next(iter(backends))).startswith("file:///")
    assert all(env["PULUMI_CONFIG_PASSPHRASE"] for env in fakes.environments("pulumi"))
    assert not any("login" in call for call in fakes.calls("pulumi"))
    report = (fakes.report / "report.md").read_text()
    assert "| cluster | v1.33.1 |" in report and "| Pulumi CLI | v3.190.0 |" in report
    assert "| Ready |" in report and "| first restart |" in report
    # The passphrase is in no report.
    passphrase = fakes.environments("pulumi")[0]["PULUMI_CONFIG_PASSPHRASE"]
    assert passphrase and passphrase not in report + json.dumps(fakes.report_json())


def test_the_kubectl_path_sets_up_in_the_lab_sheets_order(fakes: Fakes) -> None:
    assert fakes.run_e2e().returncode == 0
    setup = [call for call in fakes.calls("kubectl") if call[0] == "apply" or "resourcequota" in call]
    files = [" ".join(word for word in call if word.endswith(".yaml") or word == "resourcequota") for call in setup]
    quota_waits = files.count("resourcequota")
    assert quota_waits >= 3  # empty once, so the first environment asked again
    once = [name for index, name in enumerate(files) if name != "resourcequota" or files[index - 1] != name]
    labs = "10-liveready-pod.yaml 20-security-pod.yaml 30-redis-pod.yaml 40-secret-mysql.yaml 50-pod-env-var.yaml"
    assert once == ["00-environment.yaml", "resourcequota", "05-secrets.yaml", labs] * 2


def test_it_only_ever_names_namespaces_of_its_own(fakes: Fakes) -> None:
    assert fakes.run_e2e().returncode == 0
    named = []
    for call in fakes.calls("kubectl"):
        for index, word in enumerate(call[:-1]):
            if word in ("-n", "namespace"):
                named.append(call[index + 1])
            if word.startswith("--as=system:serviceaccount:"):
                named.append(word.split(":")[2])
    assert named and set(named) <= set(OURS)
    deletes = [call for call in fakes.calls("kubectl") if "delete" in call]
    assert deletes and all(any(word.rstrip("/").endswith(("student-1", "student-2")) for word in c) for c in deletes)


def test_no_pulumi_cli_skips_with_3_before_anything_is_touched(fakes: Fakes) -> None:
    fakes.without("pulumi")
    result = fakes.run_e2e()
    assert result.returncode == 3, result.stdout + result.stderr
    assert "no Pulumi CLI" in result.stdout
    assert fakes.calls("kubectl") == []
    assert fakes.report_json()["outcome"].startswith("skipped")


def test_no_reachable_cluster_skips_with_3(fakes: Fakes) -> None:
    fakes.answer("kubectl", [{"match": ["version"], "answers": [
        {"code": 1, "stdout": json.dumps({"clientVersion": {"gitVersion": "v1.32.4"}}),
         "stderr": "The connection to the server localhost:8080 was refused\n"}]}])  # fmt: skip
    result = fakes.run_e2e()
    assert result.returncode == 3
    assert "does not answer" in result.stdout
    assert [call[0] for call in fakes.calls("pulumi")] == ["version"]


def test_a_step_that_fails_exits_1_skips_the_rest_and_still_tears_down(fakes: Fakes) -> None:
    # Ready seen 100 s after the prediction: more than one period plus a kubelet sync.
    fakes.answer("kubectl", kubectl_rules(ready_offset=100))
    result = fakes.run_e2e()
    assert result.returncode == 1, result.stdout[-2000:]
    results = fakes.results()
    assert results["probe lab: observed against the timeline"] == "failed"
    assert results["change: readiness probe delay (replaces the Pod)"] == "skipped"
    assert results["teardown: pulumi state unprotect, then destroy"] == "passed"
    assert results["teardown: no namespace of the run is left"] == "passed"
    assert pulumi_commands(fakes)[-3:] == ["destroy", "state unprotect", "destroy"]
    assert "| Ready |" in (fakes.report / "report.md").read_text()
    assert "NO" in (fakes.report / "report.md").read_text()


def test_a_command_that_hangs_fails_its_step_and_nothing_deployed_is_not_destroyed(fakes: Fakes) -> None:
    fakes.answer("pulumi", pulumi_rules(preview_sleep=30))
    result = fakes.run_e2e("--deploy-timeout", "2")
    assert result.returncode == 1
    step = next(s for s in fakes.report_json()["steps"] if s["name"] == "pulumi preview --policy-pack policy")
    assert step["result"] == "failed" and "did not finish within 2s" in step["detail"]
    assert "up" not in pulumi_commands(fakes) and "destroy" not in pulumi_commands(fakes)
    assert fakes.results()["teardown: no namespace of the run is left"] == "passed"


def test_a_destroy_that_never_succeeds_keeps_the_state_and_says_how_to_finish(fakes: Fakes) -> None:
    fakes.answer("pulumi", pulumi_rules(destroy_always_fails=True))
    result = fakes.run_e2e()
    assert result.returncode == 1
    assert fakes.report_json()["outcome"] == "failed: teardown incomplete"
    assert "PULUMI_BACKEND_URL=file://" in result.stdout and "pulumi destroy --stack e2e" in result.stdout
    backend = fakes.environments("pulumi")[0]["PULUMI_BACKEND_URL"]
    assert backend is not None
    kept = Path(backend.removeprefix("file://"))
    try:
        assert kept.is_dir()
        assert stat.S_IMODE((kept.parent / "passphrase").stat().st_mode) == 0o600
    finally:
        shutil.rmtree(kept.parent)


def test_namespaces_that_already_exist_stop_the_run_and_are_left_alone(fakes: Fakes) -> None:
    rules = kubectl_rules()
    taken = {
        "match": ["get", "namespace", f"{PREFIX}student-2"],
        "answers": [{"stdout": f"namespace/{PREFIX}student-2\n"}],
    }
    fakes.answer("kubectl", [rules[0], taken, *rules[1:]])
    result = fakes.run_e2e()
    assert result.returncode == 1
    assert fakes.results()["the run's namespaces are free"] == "failed"
    assert "stack init e2e" not in pulumi_commands(fakes)
    assert not [call for call in fakes.calls("kubectl") if "delete" in call]
    assert fakes.report_json()["outcome"] == "failed"
