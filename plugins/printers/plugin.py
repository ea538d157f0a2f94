from __future__ import annotations

from sqlalchemy import func, or_, select

from shopdb.core.services.assets import ensure_asset_type
from shopdb.extensions import db
from shopdb.plugins.base import BasePlugin

from .api import blp
from .models import Printer


class PrintersPlugin(BasePlugin):
    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Printer]

    def on_install(self) -> None:
        ensure_asset_type("printer", "Printer", plugin=self.name)

    def search_assets(self, q: str, limit: int) -> list[tuple[int, str]]:
        pattern = f"%{q.lower()}%"
        rows = db.session.execute(
            select(Printer.assetid, Printer.hostname, Printer.ip_address)
            .where(or_(func.lower(Printer.hostname).like(pattern), Printer.ip_address.like(pattern)))
            .limit(limit)
        ).all()
        return [(r.assetid, "hostname" if r.hostname and q.lower() in r.hostname else "ip_address")
                for r in rows]
