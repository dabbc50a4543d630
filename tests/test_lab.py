"""Given a lab descriptor without a grader (a lab students do not write themselves), when
`labctl check` asks it what to grade, then it asks for no object and reports nothing."""

from __future__ import annotations

from labs.grading import Work
from labs.lab import Lab
from labs.pod import LabArgs


def test_a_lab_without_a_grader_asks_for_nothing_and_grades_nothing() -> None:
    lab = Lab(
        key="secureWriterPod",
        component="SecureWriterPod",
        title="a lab shown, never handed in",
        file_stem="shown",
        args_type=LabArgs,
        builder=lambda args, password: [],
        checker=lambda args: [],
        sheet_writer=lambda args: [],
    )
    pod = {"kind": "Pod", "metadata": {"name": "shown"}, "spec": {"containers": []}}
    work = Work({("Pod", "shown"): pod})
    assert lab.asks(LabArgs()) == []
    assert lab.made_by_commands(LabArgs()) == []
    assert lab.grade(LabArgs(), work) == []
