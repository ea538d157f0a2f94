from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, or_, select

from shopdb.api import LIKE_ESCAPE, like_pattern
from shopdb.core.services.assets import ensure_asset_type
from shopdb.extensions import db
from shopdb.plugins.base import BasePlugin

from . import custody, demo
from .api import blp
from .models import UsbCheckout, UsbDevice


class UsbPlugin(BasePlugin):
    demo_priority = 40  # after equipment, whose machines the sticks carry programs to

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [UsbDevice, UsbCheckout]

    def get_event_handlers(self) -> dict[str, Callable[..., Any]]:
        # Custody rules hold for /api/v1/assets too: status lost only via the reports, no deleting history.
        return {"asset_validate": custody.validate_asset_write}

    def on_install(self) -> None:
        ensure_asset_type("usb_device", "USB device", plugin=self.name)

    def search_assets(self, q: str, limit: int) -> list[tuple[int, str]]:
        needle = q.lower()
        pattern = like_pattern(q)  # '_' and '%' in q match themselves, not any character
        rows = db.session.execute(
            select(UsbDevice.assetid, UsbDevice.serial, UsbDevice.label)
            .where(or_(func.lower(UsbDevice.serial).like(pattern, escape=LIKE_ESCAPE),
                       func.lower(UsbDevice.label).like(pattern, escape=LIKE_ESCAPE)))
            .limit(limit)
        ).all()
        return [(r.assetid, "serial" if needle in (r.serial or "").lower() else "label") for r in rows]

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
