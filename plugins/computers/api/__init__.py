"""The computers API: one blueprint; each api module adds its routes here, in this order, once."""

from . import controls, routes
from .routes import blp

routes.register(blp)
controls.register(blp)

__all__ = ["blp"]
