"""Run by `make` before it creates the project's virtualenv, with the interpreter it was given.

Says in one line when that Python is too old, and removes a virtualenv an older or other Python made,
so the next `make run` with the right one starts clean. Written to run on any Python from 3.6 on (annotations
are strings, so an old interpreter never evaluates them).
"""

import os
import shutil
import sys

NEEDED = (3, 11)


def venv_version(venv: str) -> "tuple[int, int] | None":
    """The major.minor a virtualenv was made with, from its pyvenv.cfg; None when it is not one."""
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), encoding="utf-8") as config:
            lines = config.read().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            parts = value.strip().split(".")
            if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
                return int(parts[0]), int(parts[1])
    return None


def main(argv: "list[str]") -> int:
    here = sys.version_info[:2]
    if here < NEEDED:
        sys.stderr.write(
            f"make: k8s-labs needs Python {NEEDED[0]}.{NEEDED[1]} or later, and {sys.executable} is Python "
            f"{here[0]}.{here[1]}; run make again with PYTHON=python3.11 (or any later python3)\n"
        )
        return 2
    venv = argv[1] if len(argv) > 1 else ".venv"
    made_with = venv_version(venv)
    if made_with is not None and made_with != here:
        sys.stderr.write(
            f"make: {venv} was made by Python {made_with[0]}.{made_with[1]}; making it again with Python "
            f"{here[0]}.{here[1]}\n"
        )
        shutil.rmtree(venv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
