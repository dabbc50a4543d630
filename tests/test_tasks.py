"""Given what a lab asks a student to write, when its task is put on the task sheet, then the
student reads the asks, the files to hand in, the commands that create the objects in their own
namespace, and the Testing steps as commands without their answers."""

from __future__ import annotations

import pytest

from labs.lab import Check
from labs.pod import LabArgs
from labs.tasks import apply_command, task_section


def check(*argv: str) -> Check:
    return Check("secureWriterPod", "a step", argv, "the answer stays off the task sheet", lambda output: None, 1.0)


def test_the_task_lists_the_asks_the_files_the_commands_and_the_testing_steps() -> None:
    lines = task_section(
        LabArgs(namespace="lab-ada"),
        asks=["`a.yaml`: Pod `one`", "ConfigMap `two`"],
        hand_in=["b.yaml", "a.yaml"],
        before=["kubectl create secret generic s -n lab-ada"],
        checks=[check("kubectl", "exec", "one", "-n", "lab-ada", "--", "ls", "-ln", "/data dir")],
        looks=["kubectl get pod one -n lab-ada"],
    )
    # the markdown as the student reads it: a blank line after each part
    assert "\n".join(lines) == "\n".join(
        [
            "Write:",
            "",
            "- `a.yaml`: Pod `one`",
            "- ConfigMap `two`",
            "",
            "Hand in: `b.yaml`, `a.yaml`.",
            "",
            "Create the objects:",
            "",
            "```console",
            "kubectl create secret generic s -n lab-ada",
            "kubectl apply -f b.yaml -n lab-ada",
            "kubectl apply -f a.yaml -n lab-ada",
            "```",
            "",
            "Testing: run these and explain what you see.",
            "",
            "```console",
            "kubectl get pod one -n lab-ada",
            "kubectl exec one -n lab-ada -- ls -ln '/data dir'",
            "```",
            "",
        ]
    )


@pytest.mark.parametrize(
    ("namespace", "command"),
    [
        ("lab-ada", "kubectl apply -f redis-pod.yaml -n lab-ada"),
        # no namespace: kubectl's own default, and nothing trails the file name
        (None, "kubectl apply -f redis-pod.yaml"),
    ],
)
def test_the_apply_command_creates_the_file_in_the_students_namespace(namespace: str | None, command: str) -> None:
    assert apply_command(LabArgs(namespace=namespace), "redis-pod.yaml") == command
