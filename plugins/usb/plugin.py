from __future__ import annotations

from sqlalchemy import func, or_, select

from shopdb.core.services.assets import ensure_asset_type
from shopdb.extensions import db
from shopdb.plugins.base import BasePlugin

from . import demo
from .api import blp
from .models import UsbCheckout, UsbDevice


class UsbPlugin(BasePlugin):
    demo_priority = 40  # after equipment, whose machines the sticks carry programs to

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [UsbDevice, UsbCheckout]

    def on_install(self) -> None:
        ensure_asset_type("usb_device", "USB device", plugin=self.name)

    def search_assets(self, q: str, limit: int) -> list[tuple[int, str]]:
        needle = q.lower()
        pattern = f"%{needle}%"
        rows = db.session.execute(
            select(UsbDevice.assetid, UsbDevice.serial, UsbDevice.label)
            .where(or_(func.lower(UsbDevice.serial).like(pattern), func.lower(UsbDevice.label).like(pattern)))
            .limit(limit)
        ).all()
        return [(r.assetid, "serial" if needle in (r.serial or "").lower() else "label") for r in rows]

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
