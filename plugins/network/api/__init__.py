from . import interfaces, ip_addresses, subnets  # noqa: F401 - each registers its routes on blp
from .routes import blp

__all__ = ["blp"]
