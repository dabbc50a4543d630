"""The k8s-labs rule library: Kubernetes manifests in, findings out.

Imported as `policy.rules` by labctl and the tests, and as `rules` by the CrossGuard pack
(policy/__main__.py runs with policy/ first on sys.path), hence relative imports within it. The
label and annotation keys and `$(VAR)` expansion are imported from labs/, the side that writes
them: plain-Python modules, found through the project root that policy/__main__.py puts on the path.
"""

from labs.metadata import EXEMPT_PREFIX

from .catalog import RULES, RULES_BY_ID
from .config import PolicyConfigError, RuleSettings, load_settings
from .engine import Exemption, Finding, review, review_with_config
from .model import Enforcement, Manifest, Rule, Severity

__all__ = [
    "EXEMPT_PREFIX",
    "RULES",
    "RULES_BY_ID",
    "Enforcement",
    "Exemption",
    "Finding",
    "Manifest",
    "PolicyConfigError",
    "Rule",
    "RuleSettings",
    "Severity",
    "load_settings",
    "review",
    "review_with_config",
]
