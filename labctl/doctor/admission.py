"""Is Pod Security admission enforced? Asked of the API server in a namespace of the check's own.

A namespace named `k8s-labs-doctor-<16 hex digits>` is created, labelled to enforce the
restricted level, and a privileged pod is submitted to it as a server-side dry run: admission
runs in full and nothing is stored. Refused by PodSecurity: enforced. Accepted: not enforced.
The namespace is deleted afterwards, also when the dry run fails, on Ctrl-C and on SIGTERM;
no other namespace is ever touched, and one that existed before (AlreadyExists) is left alone.
"""

from __future__ import annotations

import json
import secrets
import shlex
import time
from typing import Any

from labctl.doctor.programs import Kubectl, Outcome
from labctl.doctor.report import POD_SECURITY, Check
from labctl.interruptions import signals_deferred, sigterm_raises

NAMESPACE_PREFIX = "k8s-labs-doctor-"
MANAGED_BY = "labctl-doctor"
PROBE_POD = "k8s-labs-doctor-privileged"
# Pod admission looks up the namespace's default ServiceAccount, which its controller creates
# a moment after the namespace; a refusal for that reason is asked again, this often.
SERVICE_ACCOUNT_TRIES = 3
SERVICE_ACCOUNT_WAIT_SECONDS = 2.0


def probe_namespace_name() -> str:
    # 64 random bits: no namespace of anyone else can carry the name.
    return NAMESPACE_PREFIX + secrets.token_hex(8)


def namespace_manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
                "app.kubernetes.io/managed-by": MANAGED_BY,
            },
        },
    }


def privileged_pod_manifest(namespace: str) -> dict[str, Any]:
    """A pod every Pod Security level but privileged refuses; the dry run never pulls its image."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": PROBE_POD, "namespace": namespace},
        "spec": {
            "containers": [
                {"name": "main", "image": "registry.k8s.io/pause:3.10", "securityContext": {"privileged": True}}
            ]
        },
    }


def refused_by_server(outcome: Outcome) -> bool:
    """kubectl exited with the API server's own refusal: the request was answered, not lost on the way."""
    return outcome.code not in (0, None) and "Error from server" in outcome.stderr


def pod_security(kubectl: Kubectl, read_only: bool) -> Check:
    if read_only:
        return POD_SECURITY.unknown(
            "not checked: --read-only creates nothing on the cluster",
            "run without --read-only to let it create, and delete, a namespace of its own",
        )
    name = probe_namespace_name()
    # True: created; False: the server refused to create it; None: not known (no answer in time, Ctrl-C).
    created: bool | None = None
    with sigterm_raises():
        try:
            creation = kubectl("create", "-f", "-", stdin=json.dumps(namespace_manifest(name)))
            created = True if creation.code == 0 else False if refused_by_server(creation) else None
            verdict = dry_run(kubectl, name) if created else not_created(creation)
        finally:
            left = delete_namespace(kubectl, name) if created is not False else None
    if left:
        return POD_SECURITY.problem(
            f"{verdict.finding}; but the namespace {name} could not be deleted: {left}",
            f"delete it: {shlex.join(('kubectl', 'delete', 'namespace', name))}",
        )
    return verdict


def not_created(creation: Outcome) -> Check:
    return POD_SECURITY.unknown(
        f"could not create a namespace to test in: {creation.problem}",
        "run labctl doctor with a context allowed to create and delete namespaces, as `pulumi up` needs",
    )


def dry_run(kubectl: Kubectl, namespace: str) -> Check:
    manifest = json.dumps(privileged_pod_manifest(namespace))
    for attempt in range(SERVICE_ACCOUNT_TRIES):
        if attempt:
            time.sleep(SERVICE_ACCOUNT_WAIT_SECONDS)
        answer = kubectl("create", "--dry-run=server", "-f", "-", "-n", namespace, stdin=manifest)
        if "service account" not in answer.stderr.lower():
            break
    if answer.code == 0:
        return POD_SECURITY.problem(
            "a privileged pod was accepted (server-side dry run) in a namespace labelled enforce=restricted: "
            "Pod Security admission does not enforce",
            "enable the PodSecurity admission plugin (on by default since Kubernetes 1.25) or an equivalent policy",
        )
    if "PodSecurity" in answer.stderr:
        return POD_SECURITY.ok(
            "a privileged pod was refused by PodSecurity (server-side dry run) in a namespace labelled "
            "enforce=restricted"
        )
    return POD_SECURITY.unknown(
        f"the privileged pod's dry run gave no PodSecurity verdict: {answer.problem}",
        "look at the message; an admission webhook may have answered first",
    )


def delete_namespace(kubectl: Kubectl, name: str) -> str | None:
    """Deletes the check's own namespace; None when done, else what kubectl said."""
    # Ctrl-C and SIGTERM wait for this call (a terminal's Ctrl-C does not reach kubectl in its own
    # session), so an interrupted check still leaves nothing behind.
    with signals_deferred():
        answer = kubectl("delete", "namespace", name, "--ignore-not-found", "--wait=false", own_session=True)
    return answer.problem
