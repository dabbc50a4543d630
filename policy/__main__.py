"""The k8s-labs CrossGuard pack: `pulumi preview --policy-pack policy`. It only builds the PolicyPack.

Run as `python policy/__main__.py`, this folder is first on sys.path, so the rules import as `rules`
(the same package labctl imports as `policy.rules`). The rules read the label keys and `$(VAR)`
expansion from labs/ (plain Python, nothing beyond the `policy` extra), so the project root
goes on the path right after this folder.
"""

import importlib
import sys
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
importlib.import_module("rules.crossguard").serve()
