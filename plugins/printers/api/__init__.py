"""The printers API: one blueprint; its routes are added here, once."""

from . import routes
from .routes import blp

routes.register(blp)

__all__ = ["blp"]
