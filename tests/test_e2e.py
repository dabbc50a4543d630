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

from components.classroom import Classroom, ClassroomArgs
from config import load
from config.sources import read_stack
from labs.timeline import predict
from tests.conftest import ROOT
from tests.e2e import plan, steps, timing
from tests.harness import run_program
from tests.test_verify import ENV_OUTPUT, LS_OUTPUT

pytestmark = pytest.mark.slow

FAKES = ROOT / "tests" / "fakes"
TAG = "abc123"
PREFIX = f"e2e-{TAG}-"
OURS = [f"{PREFIX}student-1", f"{PREFIX}student-2", f"{PREFIX}k-student-1", f"{PREFIX}k-student-2"]
VERSION = json.dumps({"clientVersion": {"gitVersion": "v1.32.4"}, "serverVersion": {"gitVersion": "v1.33.1"}})
START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
CHAIN = "k8s-labs:index:Classroom$k8s-labs:index:StudentEnvironment$k8s-labs:index:ProbedWebServer"
PROBE_URNS = [f"urn:pulumi:e2e::k8s-labs::{CHAIN}$kubernetes:core/v1:Pod::{s}-liveness-readiness-pod" for s in
              ("student-1", "student-2")]  # fmt: skip
MYSQL_URN = (
    "urn:pulumi:e2e::k8s-labs::k8s-labs:index:Classroom$k8s-labs:index:StudentEnvironment$"
    "k8s-labs:index:MysqlWithSecret$kubernetes:apps/v1:Deployment::student-1-mysql"
)
OWN_MYSQL = f"mysql.{PREFIX}student-1.svc.cluster.local"
OTHER_MYSQL = f"mysql.{PREFIX}student-2.svc.cluster.local"
NO_CHANGES_STEP = "pulumi preview --expect-no-changes: no perpetual diff"
REFRESH_STEP = "pulumi refresh, then up and preview --expect-no-changes"
NETWORK_STEP = "network: student-1's pod reaches its own MySQL, not student-2's"
KUBECTL_STEP = "kubectl path (once the Pulumi class is gone): render, apply, verify, delete"


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


def events(*diagnostics: tuple[str, str], noise: str = "") -> str:
    """`pulumi refresh --json`'s output: one engine event a line; `diagnostics` are (urn, message) warnings."""
    lines = [{"sequence": 0, "timestamp": 1, "preludeEvent": {"config": {}}}]
    for index, (urn, message) in enumerate(diagnostics, start=1):
        diagnostic = {"urn": urn, "prefix": "warning: ", "message": message, "color": "never", "severity": "warning"}
        lines.append({"sequence": index, "timestamp": 2, "diagnosticEvent": diagnostic})
    lines.append({"sequence": 99, "timestamp": 3, "summaryEvent": {"resourceChanges": {"same": 52}}})
    return noise + "".join(json.dumps(line) + "\n" for line in lines)


def unhealthy(urn: str) -> tuple[str, str]:
    reason = "* containers with unready status: [server]"
    return urn, f"Refreshed resource is in an unhealthy state:\n{reason}\n"


def kubectl_rules(
    ready_offset: float = 3,
    restart_offset: float = 8,
    own: list[dict[str, Any]] | None = None,
    other: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """A healthy cluster running the e2e's class; the probe pod `offset` seconds behind the prediction.
    `own` and `other` answer the connects from student-1's pod to its own and to student-2's MySQL."""
    ready, restart = dev_prediction()
    rules: list[dict[str, Any]] = [
        # The NetworkPolicy lets student-1's pod reach its own MySQL and nothing in student-2's namespace.
        {"match": ["python", OWN_MYSQL], "answers": own or [{"stdout": "connected to 10.244.0.12\n"}]},
        {"match": ["python", OTHER_MYSQL], "answers": other or [{"stdout": "timed-out after 5.0 s to 10.244.0.19\n"}]},
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


NO_CHANGES = {"stdout": "Resources:\n    52 unchanged\n"}
CHANGES_PROPOSED = {"code": 255, "stdout": "  ~ kubernetes:core/v1:Pod student-1-redis update [diff: ~spec]\n",
                    "stderr": "error: no changes were expected but changes were proposed\n"}  # fmt: skip


def pulumi_rules(
    preview_sleep: float = 0,
    destroy_always_fails: bool = False,
    no_changes: list[dict[str, Any]] | None = None,
    refresh: list[dict[str, Any]] | None = None,
    up: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """`no_changes` answers each `preview --expect-no-changes` in turn (after the first up, after the refresh)."""
    refused = {"code": 255, "stderr": "error: resource urn:pulumi:e2e::k8s-labs::...::mysql-data cannot be deleted "
               "because it is protected. To unprotect the resource, run `pulumi state unprotect`\n"}  # fmt: skip
    return [
        {"match": ["version"], "answers": [{"stdout": "v3.190.0\n"}]},
        {"match": ["stack", "init"], "answers": [{"stdout": "Created stack 'e2e'\n"}]},
        {"match": ["preview", "--expect-no-changes"], "answers": no_changes or [NO_CHANGES]},
        {"match": ["preview"], "answers": [{"stdout": "Policies:\n    ✅ k8s-labs@v0.1.0\n", "sleep": preview_sleep}]},
        {"match": ["refresh"], "answers": refresh or [{"stdout": events(*map(unhealthy, PROBE_URNS))}]},
        {"match": ["up"], "answers": up or [{"stdout": "Resources:\n    52 created\n"}]},
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
        "preview",  # --expect-no-changes
        "up", "up", "up", "up",  # readiness delay, startup probe, envFrom data, Redis maxmemory
        "refresh", "up", "preview",  # the state read back, deployed again, then nothing left to change
        "destroy",  # refused: the claim is protected
        "state unprotect",
        "destroy",
    ]  # fmt: skip
    # The first preview runs the policy pack, the others expect no changes; every call names the throwaway stack.
    assert fakes.calls("pulumi")[2][1:3] == ["--policy-pack", "policy"]
    assert fakes.calls("pulumi")[4][1] == fakes.calls("pulumi")[11][1] == "--expect-no-changes"
    assert fakes.calls("pulumi")[9][1:5] == ["--yes", "--skip-preview", "--json", "--color"]
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
    # Each step has its row, the new ones with what they saw.
    assert all(f"| {name} |" in report for name, _ in steps.MAIN_STEPS)
    results = {step["name"]: step for step in fakes.report_json()["steps"]}
    assert results[REFRESH_STEP]["detail"] == (
        "unhealthy after refresh (expected): student-1-liveness-readiness-pod, student-2-liveness-readiness-pod"
    )
    assert results[NETWORK_STEP]["detail"] == (
        f"own MySQL: connected to 10.244.0.12; {PREFIX}student-2's MySQL: timed-out after 5.0 s to 10.244.0.19"
    )
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


# The steps added after the first deployment: each passes on a healthy cluster (above) and fails here.


def test_given_a_perpetual_diff_when_the_first_preview_expects_no_changes_then_the_run_fails_and_tears_down(
    fakes: Fakes,
) -> None:
    fakes.answer("pulumi", pulumi_rules(no_changes=[CHANGES_PROPOSED]))
    result = fakes.run_e2e()
    assert result.returncode == 1
    step = next(s for s in fakes.report_json()["steps"] if s["name"] == NO_CHANGES_STEP)
    assert step["result"] == "failed"
    assert "perpetual diff" in step["detail"] and "no changes were expected" in step["detail"]
    assert fakes.results()["labctl verify"] == "skipped"
    assert pulumi_commands(fakes)[-3:] == ["destroy", "state unprotect", "destroy"]
    assert fakes.results()["teardown: no namespace of the run is left"] == "passed"
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("rules", "detail", "after_refresh"),
    [
        pytest.param(
            {"refresh": [{"code": 255, "stderr": "error: refresh failed: the cluster is unreachable\n"}]},
            "`pulumi refresh --yes` exited 255: error: refresh failed",
            ["destroy"],
            id="refresh-exits-255",
        ),
        pytest.param(
            {"refresh": [{"stdout": events(unhealthy(PROBE_URNS[0]), unhealthy(MYSQL_URN))}]},
            f"unhealthy after refresh besides the probe pods: {MYSQL_URN}",
            ["destroy"],
            id="mysql-unhealthy",
        ),
        pytest.param(
            {"no_changes": [NO_CHANGES, CHANGES_PROPOSED]},
            "no changes were expected but changes were proposed",
            ["up", "preview", "destroy"],
            id="changes-after-the-refresh-and-up",
        ),
        pytest.param(
            {"up": [{"stdout": "ok\n"}] * 5 + [{"code": 255, "stderr": "error: Pod student-1/redis: timed out\n"}]},
            "pulumi up --yes ...` exited 255: error: Pod student-1/redis: timed out",
            ["up", "destroy"],
            id="the-up-after-refresh-fails",
        ),
    ],
)
def test_given_a_refresh_that_goes_wrong_when_the_refresh_step_runs_then_it_fails_saying_what(
    fakes: Fakes, rules: dict[str, Any], detail: str, after_refresh: list[str]
) -> None:
    fakes.answer("pulumi", pulumi_rules(**rules))
    result = fakes.run_e2e()
    assert result.returncode == 1
    step = next(s for s in fakes.report_json()["steps"] if s["name"] == REFRESH_STEP)
    assert step["result"] == "failed" and detail in step["detail"], step["detail"]
    commands = pulumi_commands(fakes)
    assert commands[commands.index("refresh") + 1 : commands.index("refresh") + 1 + len(after_refresh)] == after_refresh
    assert fakes.results()[NETWORK_STEP] == "skipped"
    assert fakes.results()["teardown: pulumi state unprotect, then destroy"] == "passed"


@pytest.mark.parametrize(
    ("stdout", "urns", "unnamed"),
    [
        pytest.param(events(), [], 0, id="nothing-unhealthy"),
        pytest.param(events(*map(unhealthy, PROBE_URNS)), PROBE_URNS, 0, id="the-probe-pods"),
        pytest.param(events(noise="warning: Refreshed resource is in an unhealthy state:\n"), [], 1, id="not-json"),
        pytest.param(events(("", "Refreshed resource is in an unhealthy state:\n* x")), [], 1, id="no-urn"),
        pytest.param(events((MYSQL_URN, "a deprecation warning")), [], 0, id="another-warning"),
    ],
)
def test_given_refresh_json_events_then_the_unhealthy_warnings_are_read_with_their_urns(
    stdout: str, urns: list[str], unnamed: int
) -> None:
    assert steps.unhealthy_after_refresh(stdout) == (urns, unnamed)


def test_given_a_urn_then_only_a_student_pod_named_as_the_probe_lab_counts_as_a_probe_pod() -> None:
    assert all(steps.probe_pod_urn(urn) for urn in PROBE_URNS)
    assert not steps.probe_pod_urn(MYSQL_URN)
    deployment = PROBE_URNS[0].replace("kubernetes:core/v1:Pod::", "kubernetes:apps/v1:Deployment::")
    other_pod = PROBE_URNS[0].replace("liveness-readiness-pod", "redis")
    assert not steps.probe_pod_urn(deployment) and not steps.probe_pod_urn(other_pod)


def test_given_the_e2e_class_under_mocks_then_exactly_its_probe_pods_urns_count_as_probe_pods(
    tmp_path: Path,
) -> None:
    config = plan.stack_config(plan.base_labs(ROOT), PREFIX, persistent=True)
    environments = load(read_stack(plan.write_stack(tmp_path, plan.STACK, config)).values).environments
    run = run_program(lambda: Classroom("classroom", ClassroomArgs(environments=environments)), stack="e2e")
    probes = [r.urn for r in run.kubernetes() if steps.probe_pod_urn(r.urn)]
    pods = {r.urn: r.inputs["metadata"]["name"] for r in run.of_type("kubernetes:core/v1:Pod")}
    assert len(probes) == 2 and {pods[urn] for urn in probes} == {"liveness-readiness-pod"}
    assert {urn for urn, name in pods.items() if name == "liveness-readiness-pod"} == set(probes)


def test_the_refresh_outcome_the_docs_quote_is_the_one_the_step_holds() -> None:
    lines = (ROOT / "docs" / "verification.md").read_text().splitlines()
    docs = " ".join(" ".join(line.strip().removeprefix(">").strip() for line in lines).split())
    assert " ".join(steps.REFRESH_OUTCOME.split()) in docs


def test_given_a_healthy_cluster_then_the_network_step_runs_python_in_student_1s_probe_container(
    fakes: Fakes,
) -> None:
    assert fakes.run_e2e().returncode == 0
    connects = [call for call in fakes.calls("kubectl") if "python" in call]
    assert [call[call.index("--") + 4] for call in connects] == [OWN_MYSQL, OTHER_MYSQL]  # the control first
    for call in connects:
        split = call.index("--")
        assert call[:split] == [
            "exec", "-n", f"{PREFIX}student-1", "liveness-readiness-pod", "-c", "server", "--request-timeout=30s"
        ]  # fmt: skip
        assert call[split + 1 : split + 3] == ["python", "-c"] and call[split + 5 :] == ["3306", "5"]
    # kubectl's own flags never reach the command a `kubectl exec` runs.
    for call in fakes.calls("kubectl"):
        if "--" in call:
            assert not any(word.startswith("--request-timeout") for word in call[call.index("--") :]), call


@pytest.mark.parametrize(
    ("own", "other", "detail"),
    [
        pytest.param(
            None,
            [{"stdout": "connected to 10.244.0.19\n"}],
            f"from {PREFIX}student-1, {OTHER_MYSQL}:3306 was not blocked: connected to 10.244.0.19",
            id="the-other-mysql-answers",
        ),
        pytest.param(
            None,
            [{"stdout": f"unresolved [Errno -2] Name does not resolve: {OTHER_MYSQL}\n"}],
            "was not blocked: unresolved",
            id="the-other-name-does-not-resolve",
        ),
        pytest.param(
            [{"stdout": "unresolved [Errno -3] Try again\n"}],
            None,
            f"positive control failed: {PREFIX}student-1 cannot reach its own MySQL ({OWN_MYSQL}:3306): unresolved",
            id="dns-broken",
        ),
        pytest.param(
            [{"stdout": "timed-out after 5.0 s to 10.244.0.12\n"}],
            None,
            "isolation cannot be told from a broken network",
            id="own-mysql-silent",
        ),
    ],
)
def test_given_a_network_that_does_not_isolate_or_does_not_work_when_the_network_step_runs_then_it_fails(
    fakes: Fakes, own: list[dict[str, Any]] | None, other: list[dict[str, Any]] | None, detail: str
) -> None:
    fakes.answer("kubectl", kubectl_rules(own=own, other=other))
    result = fakes.run_e2e()
    assert result.returncode == 1
    step = next(s for s in fakes.report_json()["steps"] if s["name"] == NETWORK_STEP)
    assert step["result"] == "failed" and detail in step["detail"], step["detail"]
    assert fakes.results()[KUBECTL_STEP] == "skipped"
    assert pulumi_commands(fakes)[-3:] == ["destroy", "state unprotect", "destroy"]


def test_given_the_probe_container_restarting_when_the_network_step_execs_then_it_tries_again(fakes: Fakes) -> None:
    restarting = {"code": 1, "stderr": 'error: unable to upgrade connection: container not found ("server")\n'}
    fakes.answer("kubectl", kubectl_rules(own=[restarting, {"stdout": "connected to 10.244.0.12\n"}]))
    assert fakes.run_e2e().returncode == 0
    assert fakes.results()[NETWORK_STEP] == "passed"
    assert len([call for call in fakes.calls("kubectl") if OWN_MYSQL in call]) == 2


def test_given_the_pulumi_class_still_terminating_then_the_kubectl_path_applies_only_once_it_is_gone(
    fakes: Fakes,
) -> None:
    rules = kubectl_rules()
    terminating = {
        "match": ["get", "namespace", f"{PREFIX}student-1"],
        # Free at the start, still there once the destroy returned, then gone.
        "answers": [{"stdout": ""}, {"stdout": f"namespace/{PREFIX}student-1\n"}, {"stdout": ""}],
    }
    fakes.answer("kubectl", [terminating, *rules])
    assert fakes.run_e2e().returncode == 0
    results = [step["name"] for step in fakes.report_json()["steps"]]
    assert results.index("pulumi state unprotect, then destroy") < results.index(KUBECTL_STEP)
    calls = fakes.calls("kubectl")
    looks = [index for index, call in enumerate(calls) if call[:3] == ["get", "namespace", f"{PREFIX}student-1"]]
    first_apply = next(index for index, call in enumerate(calls) if call[0] == "apply")
    assert len(looks) >= 3 and looks[2] < first_apply
