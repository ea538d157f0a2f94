"""The domain every plugin stands on: models, schemas, services and the core API."""

from . import models  # noqa: F401
