from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import BigIntPK, utcnow
from .scope import PLANT_WIDE


class LiveEventRecord(db.Model):
    """A live event on its way to every worker's open pages (``shopdb.live``, docs/adr/0021).

    Written by the database broker after the change it reports committed, read by each worker's
    poller in id order, deleted after a few minutes: a relay, not a history. The id is the event's
    SSE id, so it must never be handed out twice (SQLite: AUTOINCREMENT, set by the migrations).
    ``data`` is the event's JSON as sent; ``site_ids`` the sites it concerns, comma-separated (empty:
    every site); ``user_id`` the one user it concerns, without a foreign key: an insert here must not
    lock a user's row, and a deleted user's event is simply never delivered.
    """

    __tablename__ = "live_events"
    __site_scope__ = PLANT_WIDE  # never served as rows: the live package filters each event by its sites

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False)
    site_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(Integer)
