"""Lab 2.3: a pod whose security context decides who owns the file it writes."""

from __future__ import annotations

from pydantic import Field

from labs.checks import START_SLACK_SECONDS, kubectl_exec, output_lines
from labs.grading import Comparer, Grader, Issue, Work, as_number, at, command_text, container_name
from labs.lab import Check, Lab, without_password
from labs.metadata import metadata
from labs.model import DnsLabel, DnsSubdomain, GroupId, Image, UserId
from labs.pod import LabArgs, Manifest, Resources, container_security_context, pod_security_context
from labs.probes import exec_command, probe_manifest
from labs.tasks import task_section

LABEL = "secure-writer-pod"
LAB_FILE = "security-pod.yaml"


class SecureWriterPodArgs(LabArgs):
    """An alpine container appending `date` to a file on a shared emptyDir."""

    name: DnsSubdomain = Field("security-context-pod", description="Pod name")
    container_name: DnsLabel = Field("example-container", description="container name")
    image: Image = Field("alpine:3.22", description="image with /bin/sh and date")
    run_as_user: UserId = Field(45, description="UID of every container: the file's owner")
    run_as_group: GroupId | None = Field(None, description="primary GID; unset keeps the image's (root, 0)")
    fs_group: GroupId = Field(231, description="GID that owns the volume and the files written to it")
    interval: int = Field(5, ge=1, le=3600, description="seconds between two `date` lines")
    mount_path: str = Field("/etc/directory", pattern=r"^/[^:]*$", description="where the volume is mounted")
    file_name: str = Field("file.txt", pattern=r"^[A-Za-z0-9._-]+$", description="file the writer appends to")
    volume_name: DnsLabel = Field("simple-directory", description="name of the emptyDir volume")
    resources: Resources = Field(
        default_factory=lambda: Resources(
            cpu_request="10m", cpu_limit="100m", memory_request="8Mi", memory_limit="16Mi"
        ),
        description="requests and limits",
    )

    @property
    def file_path(self) -> str:
        return f"{self.mount_path.rstrip('/')}/{self.file_name}"


def writer_script(args: SecureWriterPodArgs) -> str:
    return f"while true; do date >> {args.file_path}; sleep {args.interval}; done"


def build(args: SecureWriterPodArgs) -> list[Manifest]:
    container: Manifest = {
        "name": args.container_name,
        "image": args.image,
        "command": ["/bin/sh"],
        "args": ["-c", writer_script(args)],
        "volumeMounts": [{"name": args.volume_name, "mountPath": args.mount_path}],
        # The file appears within one interval of the start; later lines prove the loop lives on.
        "livenessProbe": probe_manifest(
            exec_command("test", "-s", args.file_path),
            initial_delay_seconds=args.interval + 5,
            period_seconds=max(args.interval, 10),
            timeout_seconds=1,
            failure_threshold=3,
            success_threshold=1,
        ),
        "resources": args.resources.manifest(),
        "securityContext": container_security_context(),
    }
    spec: Manifest = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(args.run_as_user, args.run_as_group, args.fs_group),
        "volumes": [{"name": args.volume_name, "emptyDir": {}}],
        "containers": [container],
    }
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata(args.name, args.namespace, LABEL), "spec": spec}
    return [pod]


def checks(args: SecureWriterPodArgs) -> list[Check]:
    uid, gid = str(args.run_as_user), str(args.fs_group)

    def owned(output: str) -> str | None:
        for line in output_lines(output):
            fields = line.split()
            if len(fields) >= 9 and fields[-1] == args.file_name:
                if (fields[2], fields[3]) == (uid, gid):
                    return None
                return f"{args.file_name} belongs to {fields[2]}:{fields[3]}, expected {uid}:{gid}"
        return f"no {args.file_name} in {args.mount_path} yet"

    return [
        Check(
            "secureWriterPod",
            "file owner and group",
            kubectl_exec(args, args.name, args.container_name, "ls", "-ln", args.mount_path),
            f"-rw-r--r--    1 {uid:<8} {gid:<8} ... {args.file_name}",
            owned,
            args.interval + START_SLACK_SECONDS,
        )
    ]


def sheet_section(args: SecureWriterPodArgs) -> list[str]:
    group = "" if args.run_as_group is None else f", runAsGroup {args.run_as_group}"
    return [
        f"Pod `{args.name}` appends `date` to `{args.file_path}` every {args.interval} s, running as "
        f"runAsUser {args.run_as_user}{group} with fsGroup {args.fs_group}. The volume belongs to group "
        f"{args.fs_group} and passes that group on to new files, so the file is {args.run_as_user}:{args.fs_group}. "
        f"The file exists from the first `date`, as soon as the container runs; before that `ls` shows no "
        f"`{args.file_name}`.",
        "",
    ]


def task(args: SecureWriterPodArgs) -> list[str]:
    group = [] if args.run_as_group is None else [f"pod `securityContext.runAsGroup: {args.run_as_group}`"]
    asks = [
        f"`{LAB_FILE}`: Pod `{args.name}` with container `{args.container_name}` (image `{args.image}` or any "
        "image with `/bin/sh` and `date`)",
        f"pod `securityContext`: `runAsUser: {args.run_as_user}`, `fsGroup: {args.fs_group}`",
        *group,
        f"an `emptyDir` volume `{args.volume_name}` mounted at `{args.mount_path}`",
        f"command `/bin/sh`, args `-c` and `{writer_script(args)}`",
    ]
    return task_section(args, asks, [LAB_FILE], [], checks(args), [])


def grade(args: SecureWriterPodArgs, work: Work) -> list[Issue]:
    pod = work.get("Pod", args.name)
    if pod is None:
        return []
    c = Comparer(("Pod", args.name))
    path, item = container_name(c, pod, args.container_name, "the Testing step runs `ls` in it by name (-c)")
    owner = "ls -ln shows the file's owner and group: they come from runAsUser and fsGroup"
    # A string UID or GID is refused by the API server (the schema layer says so): compared by what it says.
    user = as_number(at(item, ("securityContext", "runAsUser")))
    if user is not None:  # a container's own value wins over the pod's
        c.same((*path, "securityContext", "runAsUser"), user, args.run_as_user, owner)
    else:
        c.same(
            ("spec", "securityContext", "runAsUser"),
            as_number(at(pod, ("spec", "securityContext", "runAsUser"))),
            args.run_as_user,
            owner,
        )
    c.same(
        ("spec", "securityContext", "fsGroup"),
        as_number(at(pod, ("spec", "securityContext", "fsGroup"))),
        args.fs_group,
        owner,
    )
    entries = item.get("volumeMounts")
    # Indexes count in the list as written, so the path points at the entry the student wrote.
    mounts = [(i, m) for i, m in enumerate(entries if isinstance(entries, list) else []) if isinstance(m, dict)]
    found = next(((i, m) for i, m in mounts if m.get("mountPath") == args.mount_path), None)
    where = "the Testing step lists the mount path: nothing is there to list"
    if found is None:
        c.add(
            (*path, "volumeMounts"),
            [m.get("mountPath") for _, m in mounts] or None,
            f"a volume at {args.mount_path}",
            where,
        )
    else:
        index, mount = found
        if mount.get("readOnly") is True and args.file_path in command_text(item):
            c.add(
                (*path, "volumeMounts", index, "readOnly"),
                "readOnly: true",
                "a writable mount",
                f"the command appends to {args.file_path} with `>>`: on a read-only mount each append fails "
                "with 'Read-only file system', so the file is never written",
            )
        volumes = [str(v.get("name")) for v in at(pod, ("spec", "volumes")) or [] if isinstance(v, dict)]
        if mount.get("name") not in volumes:
            c.add(
                (*path, "volumeMounts", index, "name"),
                mount.get("name"),
                f"one of the pod's volumes ({', '.join(volumes) or 'it declares none'})",
                "the pod is refused: a mount needs its volume",
            )
    if args.file_path not in command_text(item):
        c.add(
            (*path, "args"),
            command_text(item) or None,
            f"appends to {args.file_path}",
            "the Testing step looks for that file",
        )
    return c.issues


GRADER = Grader(asks=lambda args: [("Pod", args.name)], grade=grade)


LAB = Lab(
    key="secureWriterPod",
    component="SecureWriterPod",
    title="Lab 2.3: pod security context",
    file_stem="security-pod",
    args_type=SecureWriterPodArgs,
    builder=without_password(build),
    checker=checks,
    sheet_writer=sheet_section,
    task_writer=task,
    grader=GRADER,
)
