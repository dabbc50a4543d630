"""The envFrom step's command, run by a real /bin/sh in an environment shaped like the container's.

The container holds far more variables than the ConfigMap's: the image's, the kubelet's Service
variables, PATH, HOSTNAME, and the checksum in `env`; the runtime passes envFrom's variables in
no fixed order. The step's command must print exactly the lines the lab sheet expects.
"""

from __future__ import annotations

import random
import subprocess

import pytest

from labs.envfrom import ConfigMapEnvPodArgs, build, checks
from labs.expansion import expand_env
from labs.pod import Manifest

# What the image and the kubelet put beside the ConfigMap's variables, near-misses of its names included.
NOISE = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOSTNAME": "pod-env-var",
    "HOME": "/",
    "NGINX_VERSION": "1.28.0",
    "KUBERNETES_SERVICE_HOST": "10.96.0.1",
    "KUBERNETES_PORT": "tcp://10.96.0.1:443",
    "LAB_MODE_SERVICE_HOST": "10.96.0.7",
    "XLAB_MODE": "not mine",
    "A10": "not mine either",
}


def container_environment(args: ConfigMapEnvPodArgs, seed: int) -> dict[str, str]:
    """The variables the kubelet gives the container: envFrom's in a shuffled order, then `env`, then the noise."""
    config_map, pod = build(args)
    (container,) = pod["spec"]["containers"]
    (source,) = container["envFrom"]
    assert source["configMapRef"]["name"] == config_map["metadata"]["name"]
    imported = [(source.get("prefix", "") + key, value) for key, value in config_map["data"].items()]
    random.Random(seed).shuffle(imported)
    literal = expand_env((entry["name"], entry["value"]) for entry in container["env"])
    return {**dict(imported), **literal, **NOISE}


def run_in_container(argv: tuple[str, ...], environment: dict[str, str]) -> str:
    command = list(argv[argv.index("--") + 1 :])
    assert command[:2] == ["sh", "-c"], command
    # The image's busybox has no locale: sort compares bytes, as LC_ALL=C makes it here.
    result = subprocess.run(
        ["/bin/sh", "-c", command[2]], env={**environment, "LC_ALL": "C"}, capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def step_of(args: ConfigMapEnvPodArgs) -> Manifest:
    (check,) = checks(args)
    return {"argv": check.argv, "expected": check.expected, "verdict": check.verdict}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"data": {"A": "1", "A1": "digit after the name", "A_B": "x=y=z", "B": ""}},
        {"data": {"MODE": "prefixed", "LEVEL": "3"}, "prefix": "APP_"},
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_command_prints_exactly_the_expected_lines_whatever_the_order(params: dict[str, object], seed: int) -> None:
    args = ConfigMapEnvPodArgs.model_validate({"namespace": "lab-a", **params})
    step = step_of(args)

    output = run_in_container(step["argv"], container_environment(args, seed))

    assert output == step["expected"] + "\n"
    assert step["verdict"](output) is None


def test_the_verdict_refuses_an_output_with_a_variable_missing() -> None:
    args = ConfigMapEnvPodArgs(namespace="lab-a")
    step = step_of(args)
    environment = container_environment(args, 1)
    del environment["LAB_MODE"]

    verdict = step["verdict"](run_in_container(step["argv"], environment))

    assert verdict == "missing LAB_MODE=classroom"
