"""Kubernetes resource quantities, parsed to integers so budgets can be summed exactly."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_QUANTITY = re.compile(r"^(?P<number>[0-9]+(\.[0-9]+)?|\.[0-9]+)(?P<suffix>m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")


def _parse(text: str) -> Decimal:
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError(f"'{text}' is not a Kubernetes quantity (examples: 100m, 0.5, 64Mi, 1Gi)")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as error:  # pragma: no cover - the regex admits only decimals
        raise ValueError(f"'{text}' is not a number") from error
    suffix = match["suffix"] or ""
    if suffix == "m":
        return number / 1000
    return number * (_BINARY.get(suffix) or _DECIMAL[suffix])


def parse_cpu(text: str) -> int:
    """CPU in millicores: '0.1' and '100m' both give 100."""
    value = _parse(text) * 1000
    if value <= 0:
        raise ValueError(f"cpu '{text}' must be greater than zero")
    if value != value.to_integral_value():
        raise ValueError(f"cpu '{text}' is finer than 1m")
    return int(value)


def parse_memory(text: str) -> int:
    """Memory in bytes: '64Mi' gives 67108864."""
    value = _parse(text)
    if value <= 0:
        raise ValueError(f"'{text}' must be greater than zero")
    if value != value.to_integral_value():
        raise ValueError(f"'{text}' is not a whole number of bytes")
    return int(value)


def format_cpu(millicores: int) -> str:
    return f"{millicores // 1000}" if millicores % 1000 == 0 else f"{millicores}m"


def format_memory(size: int) -> str:
    for suffix in ("Gi", "Mi", "Ki"):
        if size % _BINARY[suffix] == 0:
            return f"{size // _BINARY[suffix]}{suffix}"
    return str(size)
