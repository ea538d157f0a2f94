"""Delivery channels for new notices: a webhook and e-mail, each off until configured.

Configuration (environment, or the app's config mapping which wins):

    SHOPDB_NOTIFY_WEBHOOK_URL   http(s) URL; POSTs {"event": "notifications.created", "notification": {...}}
    SHOPDB_NOTIFY_SMTP_HOST     with FROM and TO set, mails every new notice
    SHOPDB_NOTIFY_SMTP_PORT     default 25
    SHOPDB_NOTIFY_SMTP_FROM     sender address
    SHOPDB_NOTIFY_SMTP_TO       recipients, comma-separated
    SHOPDB_NOTIFY_BACKGROUND    "0" delivers inline (tests); default: a background thread, so a slow
                                receiver never delays the write that raised the notice

A failing channel is logged, never raised: the notice exists whether or not anyone was told.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import threading
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

from flask import Flask

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5
CONFIG_DEFAULTS = {
    "SHOPDB_NOTIFY_WEBHOOK_URL": None, "SHOPDB_NOTIFY_SMTP_HOST": None, "SHOPDB_NOTIFY_SMTP_PORT": "25",
    "SHOPDB_NOTIFY_SMTP_FROM": None, "SHOPDB_NOTIFY_SMTP_TO": None, "SHOPDB_NOTIFY_BACKGROUND": "1",
}
Channel = Callable[[dict[str, Any]], None]


def load_config(app: Flask) -> None:
    """Fill the settings the app's config does not hold from the environment (config "" turns one off)."""
    for key, default in CONFIG_DEFAULTS.items():
        if key not in app.config:
            app.config[key] = os.environ.get(key) or default


def webhook_channel(url: str) -> Channel:
    def send(notification: dict[str, Any]) -> None:
        body = json.dumps({"event": "notifications.created", "notification": notification}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "ShopDB-notifications"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            response.read()

    send.__name__ = "webhook"
    return send


def email_channel(host: str, port: int, sender: str, recipients: list[str]) -> Channel:
    def send(notification: dict[str, Any]) -> None:
        message = EmailMessage()
        message["Subject"] = f"[ShopDB {notification['severity']}] {notification['title']}"
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        where = f"site {notification['site_id']}" if notification.get("site_id") else "all sites"
        message.set_content(f"{notification.get('message') or notification['title']}\n\n"
                            f"Severity: {notification['severity']}\nFor: {where}\n"
                            f"From: {notification['starts_at']}\nSource: {notification['source']}\n")
        with smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS) as smtp:
            smtp.send_message(message)

    send.__name__ = "email"
    return send


def channels_from_config(config: dict[str, Any]) -> list[Channel]:
    """The configured channels; a misconfigured one is logged and left out (the app still starts)."""
    channels: list[Channel] = []
    url = config.get("SHOPDB_NOTIFY_WEBHOOK_URL")
    if url:
        if urlparse(url).scheme in ("http", "https") and urlparse(url).netloc:
            channels.append(webhook_channel(url))
        else:
            log.error("notifications: SHOPDB_NOTIFY_WEBHOOK_URL %r is not an http(s) URL; webhook off", url)
    host, sender, to = (config.get(f"SHOPDB_NOTIFY_SMTP_{k}") for k in ("HOST", "FROM", "TO"))
    if host and sender and to:
        try:
            port = int(config.get("SHOPDB_NOTIFY_SMTP_PORT") or 25)
        except ValueError:
            log.error("notifications: SHOPDB_NOTIFY_SMTP_PORT %r is not a number; e-mail off",
                      config.get("SHOPDB_NOTIFY_SMTP_PORT"))
        else:
            channels.append(email_channel(host, port, sender, [a.strip() for a in to.split(",") if a.strip()]))
    elif host:
        log.error("notifications: SHOPDB_NOTIFY_SMTP_HOST is set without FROM and TO; e-mail off")
    return channels


class Delivery:
    """The ``notifications.created`` subscriber: hands the notice to every channel."""

    def __init__(self, channels: list[Channel], background: bool = True):
        self.channels = channels
        self.background = background

    def __call__(self, **notification: Any) -> None:
        if self.background:
            threading.Thread(target=self.send, args=(notification,), name="shopdb-notify", daemon=True).start()
        else:
            self.send(notification)

    def send(self, notification: dict[str, Any]) -> None:
        for channel in self.channels:
            try:
                channel(notification)
            except Exception as exc:  # noqa: BLE001 - a receiver's failure must never reach the writer
                log.error("notifications: %s delivery of notice %s failed: %s: %s",
                          channel.__name__, notification.get("id"), type(exc).__name__, exc)


def delivery_for(app: Flask) -> Delivery | None:
    """A Delivery when at least one channel is configured, else None (delivery off)."""
    load_config(app)
    channels = channels_from_config(app.config)
    if not channels:
        return None
    background = str(app.config.get("SHOPDB_NOTIFY_BACKGROUND")).lower() not in ("0", "false", "no")
    return Delivery(channels, background=background)
