"""Given a student's Lab 2.3 pod, when it is graded, then each wrong answer gives exactly its finding:
the field, what was found, what the lab asks and why `ls -ln` shows it; and the task sheet asks for
the student's own user, groups and volume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from labs import secure_writer
from labs.grading import FieldPath, Issue, Work

WRITER = ("Pod", "security-context-pod")
C = ("spec", "containers", 0)
LOOP = "while true; do date >> /etc/directory/file.txt; sleep 5; done"

BY_NAME = "the Testing step runs `ls` in it by name (-c)"
OWNER = "ls -ln shows the file's owner and group: they come from runAsUser and fsGroup"
NOTHING_TO_LIST = "the Testing step lists the mount path: nothing is there to list"
REFUSED = "the pod is refused: a mount needs its volume"
LOOKS_FOR = "the Testing step looks for that file"
READ_ONLY = (
    "the command appends to /etc/directory/file.txt with `>>`: on a read-only mount each append fails "
    "with 'Read-only file system', so the file is never written"
)


def pod(edit: Callable[[dict[str, Any]], None] = lambda pod: None) -> dict[str, Any]:
    """Lab 2.3's pod as the lab text gives it; `edit` changes it."""
    answer: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "security-context-pod"},
        "spec": {
            "securityContext": {"runAsUser": 45, "fsGroup": 231},
            "volumes": [{"name": "simple-directory", "emptyDir": {}}],
            "containers": [
                {
                    "name": "example-container",
                    "image": "alpine:3.22",
                    "command": ["/bin/sh"],
                    "args": ["-c", LOOP],
                    "volumeMounts": [{"name": "simple-directory", "mountPath": "/etc/directory"}],
                }
            ],
        },
    }
    edit(answer)
    return answer


def container(answer: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = answer["spec"]["containers"][0]
    return found


Expected = list[tuple[FieldPath, str, str, str]]

# (what the student did, the pod, the findings: path, found, asked, why)


def scratch_first_and_a_mount_of_data(p: dict[str, Any]) -> None:
    p["spec"]["volumes"].insert(0, {"name": "scratch", "emptyDir": {}})
    container(p)["volumeMounts"][0].update(name="data")


CASES: list[tuple[str, dict[str, Any], Expected]] = [
    ("the lab's answer", pod(), []),
    (
        "another container name",
        pod(lambda p: container(p).update(name="writer")),
        [((*C, "name"), "'writer'", "'example-container'", BY_NAME)],
    ),
    (
        "the pod runs as another user",
        pod(lambda p: p["spec"]["securityContext"].update(runAsUser=1000)),
        [(("spec", "securityContext", "runAsUser"), "1000", "45", OWNER)],
    ),
    (
        "the container's own user wins over the pod's",
        pod(lambda p: container(p).update(securityContext={"runAsUser": 46})),
        [((*C, "securityContext", "runAsUser"), "46", "45", OWNER)],
    ),
    (
        "the seed's fsGroup typo",
        pod(lambda p: p["spec"]["securityContext"].update(fsGroup=213)),
        [(("spec", "securityContext", "fsGroup"), "213", "231", OWNER)],
    ),
    (
        "the volume mounted elsewhere",
        pod(lambda p: container(p)["volumeMounts"][0].update(mountPath="/data")),
        [((*C, "volumeMounts"), '["/data"]', "'a volume at /etc/directory'", NOTHING_TO_LIST)],
    ),
    (
        "a mount of a volume the pod does not have",
        pod(lambda p: container(p)["volumeMounts"][0].update(name="data")),
        [((*C, "volumeMounts", 0, "name"), "'data'", '"one of the pod\'s volumes (simple-directory)"', REFUSED)],
    ),
    (
        "the mount's index counts every entry as written, a malformed one before it included",
        pod(lambda p: container(p).update(volumeMounts=["junk", {"name": "data", "mountPath": "/etc/directory"}])),
        [((*C, "volumeMounts", 1, "name"), "'data'", '"one of the pod\'s volumes (simple-directory)"', REFUSED)],
    ),
    (
        "a mount in a pod that declares no volume",
        pod(lambda p: p["spec"].pop("volumes")),
        [
            (
                (*C, "volumeMounts", 0, "name"),
                "'simple-directory'",
                '"one of the pod\'s volumes (it declares none)"',
                REFUSED,
            )
        ],
    ),
    (
        "a container with no volumeMounts at all",
        pod(lambda p: container(p).pop("volumeMounts")),
        [((*C, "volumeMounts"), "nothing", "'a volume at /etc/directory'", NOTHING_TO_LIST)],
    ),
    (
        "the volumes it may name are listed in the pod's order",
        pod(scratch_first_and_a_mount_of_data),
        [
            (
                (*C, "volumeMounts", 0, "name"),
                "'data'",
                '"one of the pod\'s volumes (scratch, simple-directory)"',
                REFUSED,
            )
        ],
    ),
    (
        "the volume the writer appends to mounted read-only",
        pod(lambda p: container(p)["volumeMounts"][0].update(readOnly=True)),
        [((*C, "volumeMounts", 0, "readOnly"), "'readOnly: true'", "'a writable mount'", READ_ONLY)],
    ),
    (
        "readOnly: false written out",
        pod(lambda p: container(p)["volumeMounts"][0].update(readOnly=False)),
        [],
    ),
    (
        "runAsUser and fsGroup written as strings: the schema layer refuses the type, the lab adds no reason",
        pod(lambda p: p["spec"]["securityContext"].update(runAsUser="45", fsGroup="231")),
        [],
    ),
    (
        "another runAsUser written as a string",
        pod(lambda p: p["spec"]["securityContext"].update(runAsUser="1001")),
        [(("spec", "securityContext", "runAsUser"), "1001", "45", OWNER)],
    ),
    (
        "the container's own runAsUser written as a string",
        pod(lambda p: container(p).update(securityContext={"runAsUser": "45"})),
        [],
    ),
    (
        "the loop writes elsewhere",
        pod(lambda p: container(p).update(args=["-c", "while true; do date >> /tmp/file.txt; sleep 5; done"])),
        [
            (
                (*C, "args"),
                "'/bin/sh -c while true; do date >> /tmp/file.txt; sleep 5; done'",
                "'appends to /etc/directory/file.txt'",
                LOOKS_FOR,
            )
        ],
    ),
]


@pytest.mark.parametrize(("answer", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_each_writer_answer_gives_exactly_its_findings(answer: dict[str, Any], expected: Expected) -> None:
    found = secure_writer.grade(secure_writer.SecureWriterPodArgs(), Work({WRITER: answer}))
    assert found == [Issue("required", WRITER, path, was, asked, why) for path, was, asked, why in expected]


def bullets(lines: list[str]) -> list[str]:
    return [line.removeprefix("- ") for line in lines if line.startswith("- ")]


def test_the_task_asks_for_the_lab_values_and_no_group_by_default() -> None:
    assert bullets(secure_writer.task(secure_writer.SecureWriterPodArgs())) == [
        "`security-pod.yaml`: Pod `security-context-pod` with container `example-container` "
        "(image `alpine:3.22` or any image with `/bin/sh` and `date`)",
        "pod `securityContext`: `runAsUser: 45`, `fsGroup: 231`",
        "an `emptyDir` volume `simple-directory` mounted at `/etc/directory`",
        f"command `/bin/sh`, args `-c` and `{LOOP}`",
    ]


def test_the_task_asks_for_the_primary_group_when_the_lab_sets_one() -> None:
    args = secure_writer.SecureWriterPodArgs.model_validate({"runAsGroup": 3000, "fsGroup": 2000})
    assert bullets(secure_writer.task(args))[1:3] == [
        "pod `securityContext`: `runAsUser: 45`, `fsGroup: 2000`",
        "pod `securityContext.runAsGroup: 3000`",
    ]
