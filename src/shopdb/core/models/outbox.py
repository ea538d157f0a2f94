from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import BigIntPK, utcnow
from .scope import PLANT_WIDE


class OutboxMessage(db.Model):
    """A delivery to the outside world (webhook, e-mail, an integration), written in the same
    transaction as the change that caused it and sent later by ``shopdb worker``.

    States, by column: pending (``next_attempt_at`` set), delivered (``delivered_at`` set) and
    dead (``dead_at`` set, kept for the operator). ``next_attempt_at`` is NULL once a row is
    delivered or dead, so its index holds exactly the rows still to send: "what is due" reads a
    short index range however many delivered rows the table keeps.
    """

    __tablename__ = "outbox"
    __site_scope__ = PLANT_WIDE  # read by the worker only

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    dead_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
