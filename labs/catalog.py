"""Every lab by its stack-config key, in the order environments list them."""

from __future__ import annotations

from labs import envfrom, mysql, redis, secure_writer, webserver
from labs.lab import AnyLab, LabKey, Password
from labs.pod import LabArgs, Manifest

LABS: dict[LabKey, AnyLab] = {
    lab.key: lab for lab in (webserver.LAB, secure_writer.LAB, redis.LAB, mysql.LAB, envfrom.LAB)
}


def build_lab(key: LabKey, args: LabArgs, password: Password = None) -> list[Manifest]:
    return LABS[key].build(args, password)
