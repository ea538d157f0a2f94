from __future__ import annotations

from flask import Flask

from shopdb.plugins.toolkit import BasePlugin

from . import demo
from .api import blp
from .delivery import register_channels
from .models import Notification, NotificationAck
from .reactions import on_asset_deleted, on_equipment_status_changed


class NotificationsPlugin(BasePlugin):
    demo_priority = 60  # last: it raises notices about machines the other plugins made
    channels: list[str] = []  # the outbox channels init_app registered (none: delivery off)

    def init_app(self, app: Flask) -> None:
        # Channels are read once at start-up (in the web workers and in `shopdb worker` alike).
        self.channels = register_channels(app)

    def get_blueprint(self):
        return blp

    def get_models(self):
        return [Notification, NotificationAck]

    def get_event_handlers(self):
        return {"equipment.status_changed": on_equipment_status_changed, "asset_deleted": on_asset_deleted}

    def generate_demo(self, ctx) -> None:
        demo.generate(ctx)
