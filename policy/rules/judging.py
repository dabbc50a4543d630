"""The rules that judge the lab objects, in the order reports list them.

The catalogue lists them and then `exemption-well-formed`, which judges the exemption annotations
against their ids: it reads this list, so that no module imports the catalogue that lists it.
"""

from __future__ import annotations

from . import (
    images,
    liveness,
    placement,
    pss_baseline,
    pss_restricted,
    references,
    secrets,
    storage,
    students,
    workload,
)
from .model import Rule

RULES: list[Rule] = [
    *pss_baseline.RULES,
    *pss_restricted.RULES,
    *workload.RULES,
    *liveness.RULES,
    *images.RULES,
    *secrets.RULES,
    *storage.RULES,
    *placement.RULES,
    *references.RULES,
    *students.RULES,
]
