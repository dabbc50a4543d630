"""Markdown pieces of the lab sheet."""

from __future__ import annotations


def block(text: str, language: str = "") -> list[str]:
    """A fenced code block and the blank line after it."""
    return [f"```{language}", text.rstrip("\n"), "```", ""]
