"""The equipment API: one blueprint; each api module adds its routes here, in this order, once."""

from . import floor_plans, maintenance, routes
from .routes import blp

routes.register(blp)
maintenance.register(blp)
floor_plans.register(blp)

__all__ = ["blp"]
