"""Given the envFrom and the writer labs' values, when their lab-sheet sections are written, then each line
names the student's objects and says what the Testing steps will show.

The web server's section is in tests/test_webserver_sheet.py, MySQL's and Redis's in
tests/test_testing_steps_mysql_redis.py.
"""

from __future__ import annotations

from labs.envfrom import ConfigMapEnvPodArgs
from labs.envfrom import sheet_section as envfrom_sheet
from labs.secure_writer import SecureWriterPodArgs
from labs.secure_writer import sheet_section as writer_sheet

# What the envFrom check filters away, and why the pod carries one more variable of its own.
OTHER_VARIABLES = (
    "The container has many more variables (`PATH`, `HOSTNAME`, the image's own, the Service variables, and "
    "`CONFIGMAP_SHA256`, which ties the pod to this data): the check below keeps only the ConfigMap's, "
    "sorted by name."
)


def test_the_envfrom_sheet_lists_the_variables_sorted_by_name_with_their_prefix() -> None:
    args = ConfigMapEnvPodArgs(
        namespace="lab-ada", name="env", config_map_name="settings", data={"b": "2", "A": "x y"}, prefix="LAB_"
    )
    assert envfrom_sheet(args) == [
        "Pod `env` imports every key of ConfigMap `settings` as a variable with the prefix `LAB_`:",
        "",
        "```text",
        # `sort` order: upper case before lower case.
        "LAB_A=x y\nLAB_b=2",
        "```",
        "",
        "```console",
        "kubectl describe configmap settings -n lab-ada",
        "```",
        "",
        OTHER_VARIABLES,
        "",
    ]


def test_the_envfrom_sheet_without_a_prefix_names_the_keys_as_they_are() -> None:
    assert envfrom_sheet(ConfigMapEnvPodArgs())[:6] == [
        "Pod `pod-env-var` imports every key of ConfigMap `example-configmap` as a variable:",
        "",
        "```text",
        "LAB_GREETING=hello from example-configmap\nLAB_MODE=classroom",
        "```",
        "",
    ]


def test_the_writer_sheet_says_who_owns_the_file_and_when_it_appears() -> None:
    assert writer_sheet(SecureWriterPodArgs()) == [
        "Pod `security-context-pod` appends `date` to `/etc/directory/file.txt` every 5 s, running as "
        "runAsUser 45 with fsGroup 231. The volume belongs to group 231 and passes that group on to new files, "
        "so the file is 45:231. The file exists from the first `date`, as soon as the container runs; before "
        "that `ls` shows no `file.txt`.",
        "",
    ]


def test_the_writer_sheet_names_a_primary_group_when_the_lab_sets_one() -> None:
    args = SecureWriterPodArgs(
        name="writer", run_as_user=2000, run_as_group=3000, fs_group=4000, interval=2, mount_path="/data"
    )
    # fsGroup, not runAsGroup, owns the file: the volume's set-group-ID directory passes its group on.
    assert writer_sheet(args)[0] == (
        "Pod `writer` appends `date` to `/data/file.txt` every 2 s, running as runAsUser 2000, runAsGroup 3000 "
        "with fsGroup 4000. The volume belongs to group 4000 and passes that group on to new files, so the file "
        "is 2000:4000. The file exists from the first `date`, as soon as the container runs; before that `ls` "
        "shows no `file.txt`."
    )
