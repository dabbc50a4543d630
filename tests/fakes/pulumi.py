"""A stand-in for the Pulumi CLI: the fake kubectl's program, reading FAKE_PULUMI_RULES and FAKE_PULUMI_LOG."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    fake = runpy.run_path(str(Path(__file__).with_name("kubectl.py")))
    sys.exit(fake["main"]("FAKE_PULUMI"))
