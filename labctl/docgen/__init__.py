"""The reference pages in docs/ that are generated from the code: `python -m labctl.docgen` (`make docs`)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
