"""The network API: one blueprint; each api module adds its routes here, in this order, once."""

from . import interfaces, ip_addresses, routes, subnets
from .routes import blp

routes.register(blp)
subnets.register(blp)
ip_addresses.register(blp)
interfaces.register(blp)

__all__ = ["blp"]
