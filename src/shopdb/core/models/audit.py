from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import db
from .base import BigIntPK, utcnow
from .scope import by_site


class AuditLog(db.Model):
    """One row per create/update/delete of any core or plugin row, written by the service layer.

    ``assetid`` is copied (not a foreign key) so an asset's history outlives the asset.
    """

    __tablename__ = "audit_log"
    # Strict: rows of no site (logins, user changes) are for admins of every site.
    __site_scope__ = by_site("site_id")
    __table_args__ = (
        Index("ix_audit_log_table_name_row_id", "table_name", "row_id"),
        Index("ix_audit_log_assetid_id", "assetid", "id"),
        Index("ix_audit_log_site_id_id", "site_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[str] = mapped_column(String(64), nullable=False)
    assetid: Mapped[int | None] = mapped_column()
    # The site the row belonged to when written (copied, like ``assetid``): site-limited users read
    # the history of their sites only, even after the asset is gone.
    site_id: Mapped[int | None] = mapped_column()
    address: Mapped[str | None] = mapped_column(String(45))  # the client's address, for logins and changes
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
