from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopdb.plugins.toolkit import BasePlugin, ensure_asset_type

from . import demo, rules
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
        return {"asset_validate": rules.validate_asset_write}

    def on_install(self) -> None:
        ensure_asset_type("usb_device", "USB device", plugin=self.name)


    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
