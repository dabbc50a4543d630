"""Any stack config either fails with problems that name their keys, or builds manifests that pass
strict schema validation and the sanity rules; labctl turns bad input into exit 2, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import config
from config import ConfigError
from labctl import cli
from labs.environment import build_environment

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES_VERSIONS = ("1.33.0", "1.37.0")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
PORT_FIELDS = {"port", "containerPort", "targetPort"}
TIMING_FIELDS = {"initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"}

# Values near and across each field's bounds, of the right type and of wrong ones.
NAMES = st.one_of(
    st.sampled_from(["web", "a", "x-1", "a.b", "Bad", "under_score", "-lead", "trail-", "", "n" * 63, "n" * 64]),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True),
)
INTS = st.one_of(st.integers(-3, 70000), st.sampled_from([0, 1, 3600, 3601, 65535, 65536, 2**31]))
ODD: st.SearchStrategy[Any] = st.sampled_from([None, "abc", 1.5, [], {}, True])
PROBE = st.fixed_dictionaries(
    {},
    optional={
        "initialDelaySeconds": INTS,
        "periodSeconds": INTS,
        "timeoutSeconds": INTS,
        "failureThreshold": INTS,
        "successThreshold": st.integers(0, 3),
        "httpGet": st.fixed_dictionaries({}, optional={"path": st.sampled_from(["/", "/x", "x"]), "port": INTS}),
        "tcpSocket": st.fixed_dictionaries({}, optional={"port": INTS}),
        "exec": st.fixed_dictionaries({"command": st.lists(st.sampled_from(["ls", "x"]), max_size=2)}),
        "bogus": ODD,
    },
)
QUANTITY = st.sampled_from(["1", "100m", "0.1", "64Mi", "1Gi", "0", "-1", "abc", "1.5m", 2])
RESOURCES = st.fixed_dictionaries(
    {}, optional={"cpuRequest": QUANTITY, "cpuLimit": QUANTITY, "memoryRequest": QUANTITY, "memoryLimit": QUANTITY}
)
LAB_PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "probedWebServer": st.fixed_dictionaries(
        {},
        optional={
            "stage": st.sampled_from(["lab-2.2", "exercise-2.1", "lab-9"]),
            "name": NAMES,
            "port": INTS,
            "delayStart": INTS,
            "readinessProbe": st.one_of(PROBE, st.none()),
            "livenessProbe": st.one_of(PROBE, st.none()),
            "startupProbe": st.one_of(PROBE, st.none()),
            "terminationGracePeriodSeconds": INTS,
            "runAsUser": INTS,
            "resources": RESOURCES,
            "awaitMode": st.sampled_from(["auto", "ready", "running", "none", "later"]),
        },
    ),
    "secureWriterPod": st.fixed_dictionaries(
        {},
        optional={
            "runAsUser": INTS,
            "runAsGroup": st.one_of(INTS, st.none()),
            "fsGroup": INTS,
            "interval": INTS,
            "mountPath": st.sampled_from(["/etc/directory", "/data/", "relative", "/a:b"]),
            "fileName": st.sampled_from(["file.txt", "a b", "x/y"]),
            "name": NAMES,
        },
    ),
    "redisWithConfigMap": st.fixed_dictionaries(
        {},
        optional={
            "port": INTS,
            "config": st.fixed_dictionaries(
                {},
                optional={
                    "maxmemory": st.sampled_from(["2mb", "4MB", "100", "1gb", "2 mb", "lots", ""]),
                    "maxmemoryPolicy": st.sampled_from(["allkeys-lru", "noeviction", "sometimes"]),
                    "extra": st.dictionaries(
                        st.sampled_from(["maxmemory-samples", "port", "Bad", "appendonly"]),
                        st.sampled_from(["5", "yes", "a # b", "x\ny"]),
                        max_size=2,
                    ),
                },
            ),
            "resources": RESOURCES,
        },
    ),
    "mysqlWithSecret": st.fixed_dictionaries(
        {},
        optional={
            "port": INTS,
            "secretName": NAMES,
            "existingSecret": st.booleans(),
            "storage": st.fixed_dictionaries(
                {"type": st.sampled_from(["emptyDir", "persistentVolumeClaim", "tape"])},
                optional={"size": QUANTITY, "claimName": NAMES},
            ),
            "image": st.sampled_from(["mysql:8.4", "mysql", "mysql:latest", "MySQL:8"]),
        },
    ),
    "configMapEnvPod": st.fixed_dictionaries(
        {},
        optional={
            "data": st.dictionaries(
                st.sampled_from(["LAB_MODE", "_x", "1BAD", "with-dash", "a.b"]), st.text(max_size=5), max_size=3
            ),
            "prefix": st.sampled_from(["", "APP_", "1_", "a-b"]),
            "configMapName": NAMES,
            "port": INTS,
        },
    ),
}
CLASSROOM = st.fixed_dictionaries(
    {"students": st.one_of(st.integers(-1, 2), st.lists(NAMES, min_size=0, max_size=2), ODD)},
    optional={
        "namespacePrefix": st.sampled_from(["lab-", "", "Lab-", "x" * 60]),
        "budget": st.fixed_dictionaries({}, optional={"pods": INTS, "requestsCpu": QUANTITY, "limitsMemory": QUANTITY}),
        "podSecurity": st.fixed_dictionaries({}, optional={"enforce": st.sampled_from(["baseline", "strict"])}),
        "bogus": ODD,
    },
)
STACKS = st.fixed_dictionaries(
    {"labs": st.fixed_dictionaries({}, optional={k: st.one_of(p, st.none()) for k, p in LAB_PARAMS.items()})},
    optional={"classroom": CLASSROOM, "namespace": NAMES, "labz": ODD},
)  # fmt: skip


def walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    yield key, node
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from walk(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from walk(child, key)


def sanity_problems(manifest: dict[str, Any]) -> list[str]:
    problems = []
    meta = manifest["metadata"]
    if not (len(meta["name"]) <= 253 and DNS_SUBDOMAIN.match(meta["name"])):
        problems.append(f"name {meta['name']!r}")
    if "namespace" in meta and not (len(meta["namespace"]) <= 63 and DNS_LABEL.match(meta["namespace"])):
        problems.append(f"namespace {meta['namespace']!r}")
    for key, value in walk(manifest):
        if key in PORT_FIELDS and isinstance(value, int) and not 1 <= value <= 65535:
            problems.append(f"{key} {value}")
        if key in TIMING_FIELDS | {"terminationGracePeriodSeconds"} and not (isinstance(value, int) and value >= 0):
            problems.append(f"{key} {value!r}")
        if key in {"periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"} and value < 1:
            problems.append(f"{key} {value!r}")
        if key == "containers" and isinstance(value, list):
            problems += [f"container {c['name']!r}" for c in value if not DNS_LABEL.match(c["name"])]
    return problems


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STACKS)
def test_any_config_gives_named_problems_or_valid_manifests(raw: dict[str, Any]) -> None:
    try:
        plan = config.load(raw)
    except ConfigError as error:
        event("config error")
        # every problem starts with the key path it is about, rooted at a key of the input
        assert error.problems
        for problem in error.problems:
            path = problem.split(":", 1)[0]
            assert path.split(".")[0] in set(raw) | {"classroom"}, problem
        return
    event("manifests built")
    for env in plan.environments[:1]:
        for manifest in build_environment(env, "a-password"):
            for version in KUBERNETES_VERSIONS:
                kubernetes_validate.validate(manifest, version, strict=True)
            assert sanity_problems(manifest) == [], manifest["kind"]


BAD_SETS = {
    "classroom.students": "0",
    "labs.probedWebServer.port": "70000",
    "labs.probedWebServer.readinessProbe.periodSeconds": "-1",
    "labs.secureWriterPod.runAsUser": "-5",
    "labs.redisWithConfigMap.config.maxmemory": "lots",
    "labs.configMapEnvPod.data": "{1BAD: x}",
}


def test_labctl_lists_every_bad_value_and_exits_2_without_a_traceback(tmp_path: Path) -> None:
    # given several bad --set values at once, in a real process
    sets = [f"--set={path}={value}" for path, value in BAD_SETS.items()]
    result = subprocess.run(
        [sys.executable, "-m", "labctl", "render", "--stack", "dev", "--out", str(tmp_path / "out"), *sets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then it exits 2, names each key, and writes nothing
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lab_problems = [path for path in BAD_SETS if path.startswith("labs.")]
    for path in lab_problems:
        assert path.rsplit(".", 1)[0] in result.stderr, path
    assert not (tmp_path / "out").exists()


MALFORMED = ["--set", "noequals", "--set", "=3", "--set", "mysqlRootPassword=x"]


def test_malformed_sets_are_all_listed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "labctl", "render", "--stack", "dev", "--out", str(tmp_path / "out"), *MALFORMED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'noequals'" in result.stderr and "'=3'" in result.stderr and "mysqlRootPassword" in result.stderr


SET_PATHS = st.sampled_from(
    [*BAD_SETS, "classroom", "labs", "labs.mysqlWithSecret.storage", "classroom.budget.pods", "namespace", "x.y"]
)
SET_VALUES = st.one_of(
    st.sampled_from(["", "null", "[", "{a: 1}", "[1, 2]", "-1", "1e9", "yes", "!!python/object:os.system x"]),
    st.text(max_size=12),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(SET_PATHS, SET_VALUES), min_size=1, max_size=3))
def test_any_set_value_renders_or_exits_2_and_never_raises(sets: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        argv = ["render", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(Path(folder) / "out")]
        code = cli.main(argv + [f"--set={path}={value}" for path, value in sets])
        assert code in (0, 2)
        assert (Path(folder) / "out").exists() == (code == 0)
