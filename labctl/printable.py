"""Text another program printed (kubectl, pulumi, a virtualenv's python), made safe to show on one line.

What a cluster or a tool prints is not ours: an object name, an image or an error message can
hold terminal escape sequences that recolour, move the cursor, retitle the window or hide text,
and bidirectional or zero-width characters that make a line read differently from what it is.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \) and the two-byte escapes.
ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
SHOWN_CHARS = 160


def one_line(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` without escape sequences or control characters, each run of whitespace one space, `limit` long at most."""
    without_escapes = ESCAPE_SEQUENCE.sub("", text)
    # Unicode category C: controls, format characters (bidi overrides, zero-width), surrogates, unassigned.
    visible = "".join(" " if unicodedata.category(char).startswith("C") else char for char in without_escapes)
    flat = " ".join(visible.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
