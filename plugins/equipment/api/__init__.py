from . import maintenance  # noqa: F401 - adds the maintenance and downtime routes to blp
from .routes import blp

__all__ = ["blp"]
