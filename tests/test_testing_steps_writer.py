"""Given the writer lab's values, when its Testing step runs `ls -ln` in the pod, then the check passes only
on the lab's file owned by runAsUser and fsGroup, and otherwise says what it found.

The outputs are busybox `ls -ln` lines (alpine's): mode, links, UID, GID, size, month, day, time, name.
"""

from __future__ import annotations

import pytest

from labs.secure_writer import SecureWriterPodArgs, checks

# Scheduling, the image pull and the container start, before the first `date` is written.
START_SLACK = 120
OWNED = "-rw-r--r--    1 45       231             29 Nov 27 20:00 file.txt"


def test_the_writer_lists_the_volume_in_the_students_pod_and_waits_one_interval_past_the_start() -> None:
    args = SecureWriterPodArgs(
        namespace="lab-ada", name="writer", run_as_user=2000, fs_group=4000, interval=2, mount_path="/data"
    )
    [check] = checks(args)
    assert (check.lab, check.name, check.argv, check.expected, check.wait_seconds) == (
        "secureWriterPod",
        "file owner and group",
        ("kubectl", "exec", "writer", "-n", "lab-ada", "-c", "example-container", "--", "ls", "-ln", "/data"),
        "-rw-r--r--    1 2000     4000     ... file.txt",
        2 + START_SLACK,
    )


@pytest.mark.parametrize(
    ("output", "verdict"),
    [
        (f"total 4\n{OWNED}\n", None),
        # Other files in the volume do not matter, wherever they are listed.
        (f"-rw-r--r--    1 0        0               0 Nov 27 19:59 a.txt\n{OWNED}\n", None),
        # The image's own user wrote it: runAsUser is missing.
        (
            "-rw-r--r--    1 1000     231             29 Nov 27 20:00 file.txt\n",
            "file.txt belongs to 1000:231, expected 45:231",
        ),
        # Without fsGroup the file keeps the process's own group, root's.
        (
            "-rw-r--r--    1 45       0               29 Nov 27 20:00 file.txt\n",
            "file.txt belongs to 45:0, expected 45:231",
        ),
        ("total 0\n", "no file.txt in /etc/directory yet"),
        (
            "-rw-r--r--    1 45       231             29 Nov 27 20:00 file.txt.bak\n",
            "no file.txt in /etc/directory yet",
        ),
        # A bare name, as plain `ls` prints it, shows no owner.
        ("file.txt\n", "no file.txt in /etc/directory yet"),
        ("", "no file.txt in /etc/directory yet"),
    ],
)
def test_the_check_passes_only_on_the_file_owned_by_run_as_user_and_fs_group(output: str, verdict: str | None) -> None:
    [check] = checks(SecureWriterPodArgs())
    assert check.verdict(output) == verdict
