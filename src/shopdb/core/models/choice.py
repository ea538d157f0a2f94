from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .scope import PLANT_WIDE

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
SLUG_MAX = 64


class Choice(db.Model):
    """One value of an open vocabulary (a *choice set*, e.g. ``equipment_type``): the slug rows store,
    the label people read (docs/adr/0013).

    ``built_in`` values were declared by the plugin named in ``plugin`` (``register_defaults``); the
    others an admin added. A built-in value an admin removed is kept ``hidden`` rather than deleted,
    so the next start-up does not bring it back.
    """

    __tablename__ = "choices"
    __site_scope__ = PLANT_WIDE
    __table_args__ = (UniqueConstraint("set_name", "slug", name="uq_choices_set_name_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_name: Mapped[str] = mapped_column(String(64), nullable=False)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), nullable=False)
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    plugin: Mapped[str | None] = mapped_column(String(64))
    built_in: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
