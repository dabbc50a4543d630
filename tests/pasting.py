"""What a shell makes of a command line labctl prints: the words the program would get, once pasted.

bash runs the line with `cd`, `kubectl` and `pulumi` replaced by functions that print their own
name and arguments, so a path with a space, a quote or a `$` shows up split, cut or expanded
exactly as it would in the user's terminal, and nothing runs.
"""

from __future__ import annotations

import subprocess

STAND_INS = "".join(f'{name}() {{ printf "%s\\0" {name} "$@"; }}; ' for name in ("cd", "kubectl", "pulumi"))


def pasted(line: str) -> list[str]:
    """The argv bash gives the command on `line`; AssertionError when bash cannot parse it."""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", STAND_INS + line],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"HOME": "/expanded-home", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, f"bash refused {line!r}: {result.stderr}"
    return result.stdout.split("\0")[:-1]
