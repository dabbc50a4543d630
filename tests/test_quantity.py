"""Given Kubernetes resource quantities, when they are parsed or shown, then the numbers are the API
server's (millicores, bytes) and a bad quantity is refused with a message saying why."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from labs.quantity import format_cpu, format_memory, parse_cpu, parse_memory


@pytest.mark.parametrize(
    ("text", "millicores"),
    [
        ("1m", 1),
        ("100m", 100),
        ("0.1", 100),  # the lab text's Redis limit
        ("1", 1000),
        ("2.5", 2500),
        (".5", 500),
        ("1k", 1_000_000),
        (" 250m ", 250),
    ],
)
def test_cpu_is_counted_in_millicores(text: str, millicores: int) -> None:
    assert parse_cpu(text) == millicores


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("64Mi", 64 * 2**20),
        ("1Gi", 2**30),
        ("1.5Ki", 1536),
        ("2Ti", 2 * 2**40),
        ("1Pi", 2**50),
        ("1Ei", 2**60),
        ("1k", 1000),
        ("128M", 128 * 10**6),
        ("1G", 10**9),
        ("1T", 10**12),
        ("1P", 10**15),
        ("1E", 10**18),
        ("167772159", 167772159),
        ("1000m", 1),
    ],
)
def test_memory_is_counted_in_bytes(text: str, size: int) -> None:
    assert parse_memory(text) == size


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_cpu, "lots", "'lots' is not a Kubernetes quantity (examples: 100m, 0.5, 64Mi, 1Gi)"),
        (parse_memory, "64MB", "'64MB' is not a Kubernetes quantity (examples: 100m, 0.5, 64Mi, 1Gi)"),
        (parse_cpu, "0", "cpu '0' must be greater than zero"),
        (parse_cpu, "0.0001", "cpu '0.0001' is finer than 1m"),
        (parse_cpu, "1.5m", "cpu '1.5m' is finer than 1m"),
        (parse_memory, "0Mi", "'0Mi' must be greater than zero"),
        (parse_memory, "0.5", "'0.5' is not a whole number of bytes"),
        (parse_memory, "100m", "'100m' is not a whole number of bytes"),
    ],
)
def test_a_bad_quantity_is_refused_saying_why(parse: Callable[[str], int], text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse(text)


@pytest.mark.parametrize(("millicores", "shown"), [(2000, "2"), (1000, "1"), (1500, "1500m"), (100, "100m")])
def test_cpu_is_shown_in_whole_cores_when_it_can_be(millicores: int, shown: str) -> None:
    assert format_cpu(millicores) == shown
    assert parse_cpu(shown) == millicores


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (3 * 2**30, "3Gi"),
        (2**30 + 2**20, "1025Mi"),
        (2**20, "1Mi"),
        (2048, "2Ki"),
        (1536, "1536"),
        (1000, "1000"),
    ],
)
def test_memory_is_shown_in_the_largest_binary_unit_that_divides_it(size: int, shown: str) -> None:
    assert format_memory(size) == shown
    assert parse_memory(shown) == size
