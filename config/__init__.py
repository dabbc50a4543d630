"""Stack configuration: pydantic models of `k8s-labs:*` keys and the loaders that read them."""

from config.errors import ConfigError
from config.loader import Plan, load

__all__ = ["ConfigError", "Plan", "load"]
