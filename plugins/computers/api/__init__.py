from . import controls  # noqa: F401 - registers /<assetid>/controls on the blueprint
from .routes import blp

__all__ = ["blp"]
