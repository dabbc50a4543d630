"""The k8s-labs CrossGuard pack: `pulumi preview --policy-pack policy`. It only builds the PolicyPack.

Run as `python policy/__main__.py`, this folder is first on sys.path, so the rules import as `rules`
(the same package labctl imports as `policy.rules`).
"""

from rules.crossguard import serve  # type: ignore[import-not-found]  # resolved from policy/ at run time

serve()
