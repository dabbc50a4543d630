"""The shape of the `k8s-labs:*` stack config; lab parameters are validated per environment."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, HttpUrl, ValidationInfo, field_validator

from labs.catalog import LABS
from labs.isolation import Budget, ClusterDns, PodSecurity, reserved_namespace_problem
from labs.lab import LabKey, Mode
from labs.model import DnsLabel, Model
from labs.support import KUBERNETES_MINORS

MAX_STUDENTS = 5000


def _expand_count(value: Any) -> Any:
    """A count N stands for student-1 .. student-N."""
    if isinstance(value, (bool, str)) or value is None:
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise ValueError(f"must be a count or a list of names (30 means student-1 .. student-30), not {shown}")
    if isinstance(value, int):
        if not 1 <= value <= MAX_STUDENTS:
            raise ValueError(f"a count must be from 1 to {MAX_STUDENTS}")
        return [f"student-{number}" for number in range(1, value + 1)]
    return value


def _kubernetes_minor(value: str) -> str:
    if value not in KUBERNETES_MINORS:
        raise ValueError(
            f"must be one of {', '.join(KUBERNETES_MINORS)}: the minors this project is validated against "
            "and labctl check has the API schemas of"
        )
    return value


KubernetesMinor = Annotated[str, AfterValidator(_kubernetes_minor)]
"""A supported Kubernetes minor version, written as text: `"1.37"`."""

Students = Annotated[list[DnsLabel], BeforeValidator(_expand_count), Field(min_length=1, max_length=MAX_STUDENTS)]
LabParams = dict[str, Any] | None


def _all_labs() -> dict[LabKey, LabParams]:
    return dict.fromkeys(LABS)


class Classroom(Model):
    """One isolated environment per student."""

    students: Students = Field(description="a count N (student-1 .. student-N) or a list of DNS-1123 names")
    labs: list[LabKey] | None = Field(
        None, min_length=1, description="labs every student gets; unset is all configured"
    )
    overrides: dict[str, dict[LabKey, dict[str, Any]]] = Field(
        default_factory=dict, description="per student, per lab: parameters that replace the class-wide ones"
    )
    mode: Mode = Field(
        "solution",
        description="solution: the stack deploys every lab's objects; exercise: students write them "
        "(the environment keeps its namespace, quota, access and kubeconfig)",
    )
    modes: dict[str, dict[LabKey, Mode]] = Field(
        default_factory=dict, description="per student, per lab: solution or exercise, replacing `mode`"
    )
    namespace_prefix: str = Field(
        "lab-",
        pattern=r"^([a-z0-9][-a-z0-9]*)?$",
        validate_default=True,  # so the length check below also runs with the default prefix
        description="namespace = prefix + student",
    )
    pod_security: PodSecurity = Field(default_factory=PodSecurity, description="Pod Security Admission levels")
    budget: Budget = Field(default_factory=Budget, description="ResourceQuota and LimitRange per student")
    cluster_dns: ClusterDns = Field(
        default_factory=ClusterDns, description="the DNS servers each namespace's NetworkPolicy lets pods query"
    )
    kubeconfig_server: HttpUrl | None = Field(
        None, description="API server URL; when set, each student gets a kubeconfig as a secret stack output"
    )
    kubernetes_version: KubernetesMinor = Field(
        KUBERNETES_MINORS[-1],
        description="the class's Kubernetes minor: `labctl check` validates hand-ins against its API schemas",
    )

    # Each check is a field validator reading the fields declared before it (`info.data` holds
    # only those that validated), so it is reported alongside any error in an unrelated field.
    @field_validator("students")
    @classmethod
    def _unique(cls, students: list[str]) -> list[str]:
        duplicates = sorted({s for s in students if students.count(s) > 1})
        if duplicates:
            raise ValueError(f"must be unique; repeated: {duplicates}")
        return students

    @field_validator("overrides", "modes")
    @classmethod
    def _known_students(cls, per_student: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        unknown = sorted(set(per_student) - set(info.data.get("students", per_student)))
        if unknown:
            raise ValueError(f"names students that are not in the class: {unknown}")
        return per_student

    @field_validator("namespace_prefix")
    @classmethod
    def _fits(cls, prefix: str, info: ValidationInfo) -> str:
        too_long = [s for s in info.data.get("students", []) if len(prefix + s) > 63]
        if too_long:
            raise ValueError(f"namespacePrefix + student must be at most 63 characters: {too_long[:5]}")
        reserved = [prefix + s for s in info.data.get("students", []) if reserved_namespace_problem(prefix + s)]
        if reserved:
            raise ValueError(f"namespacePrefix + student gives {reserved}: {reserved_namespace_problem(reserved[0])}")
        return prefix

    def namespace_of(self, student: str) -> str:
        return self.namespace_prefix + student

    def mode_of(self, student: str, lab: LabKey) -> Mode:
        return self.modes.get(student, {}).get(lab, self.mode)


class StackConfig(Model):
    """Everything under `k8s-labs:` except the MySQL password, which never enters a model."""

    namespace: DnsLabel = Field(
        "k8s-labs",
        description=(
            "namespace of the single environment (no classroom); "
            "never default, kube-system, kube-public or kube-node-lease"
        ),
    )
    labs: dict[LabKey, LabParams] = Field(
        default_factory=_all_labs, description="labs to deploy, each with its class-wide parameters (null: defaults)"
    )
    classroom: Classroom | None = Field(None, description="one environment per student instead of one in `namespace`")

    @field_validator("namespace")
    @classmethod
    def _not_reserved(cls, namespace: str) -> str:
        problem = reserved_namespace_problem(namespace)
        if problem:
            raise ValueError(problem)
        return namespace

    @field_validator("classroom")
    @classmethod
    def _chosen_labs_configured(cls, classroom: Classroom | None, info: ValidationInfo) -> Classroom | None:
        configured = info.data.get("labs")
        if classroom is None or configured is None:
            return classroom
        chosen = set(classroom.labs or configured)
        problems = []
        missing = sorted(chosen - set(configured))
        if missing:
            problems.append(f"labs names labs that the top-level `labs` does not configure: {missing}")
        for student, labs in classroom.overrides.items():
            extra = sorted(set(labs) - chosen)
            if extra:
                problems.append(f"overrides.{student} sets labs the class does not get: {extra}")
        for student, modes in classroom.modes.items():
            extra = sorted(set(modes) - chosen)
            if extra:
                problems.append(f"modes.{student} sets labs the class does not get: {extra}")
        if problems:
            raise ValueError("; ".join(problems))
        return classroom

    def chosen_labs(self) -> list[LabKey]:
        """In catalog order, so every environment lists its labs the same way."""
        chosen = set(self.classroom.labs or self.labs) if self.classroom else set(self.labs)
        return [key for key in LABS if key in chosen]
