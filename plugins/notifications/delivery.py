"""Delivery channels for new notices: a webhook and e-mail, each off until configured.

Configuration (environment, or the app's config mapping which wins):

    SHOPDB_NOTIFY_WEBHOOK_URL   http(s) URL; POSTs {"event": "notifications.created", "notification": {...}}
    SHOPDB_NOTIFY_SMTP_HOST     with FROM and TO set, mails every new notice
    SHOPDB_NOTIFY_SMTP_PORT     default 25
    SHOPDB_NOTIFY_SMTP_FROM     sender address
    SHOPDB_NOTIFY_SMTP_TO       recipients, comma-separated

Each configured channel is an outbox channel of the core (``notifications.webhook``,
``notifications.email``): a new notice writes one outbox row per channel in its own transaction,
and ``shopdb worker`` sends them, retrying with backoff while a receiver is down. A notice exists
whether or not anyone was told; a delivery is never lost with a worker.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

from flask import Flask, current_app

from shopdb.plugins.toolkit import outbox

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5
EVENT = "notifications.created"
WEBHOOK, EMAIL = "notifications.webhook", "notifications.email"
CHANNELS_KEY = "shopdb.notifications.channels"
CONFIG_DEFAULTS = {
    "SHOPDB_NOTIFY_WEBHOOK_URL": None, "SHOPDB_NOTIFY_SMTP_HOST": None, "SHOPDB_NOTIFY_SMTP_PORT": "25",
    "SHOPDB_NOTIFY_SMTP_FROM": None, "SHOPDB_NOTIFY_SMTP_TO": None,
}
Send = Callable[[outbox.Message], None]


def load_config(app: Flask) -> None:
    """Fill the settings the app's config does not hold from the environment (config "" turns one off)."""
    for key, default in CONFIG_DEFAULTS.items():
        if key not in app.config:
            app.config[key] = os.environ.get(key) or default


def webhook_sender(url: str) -> Send:
    def send(message: outbox.Message) -> None:
        body = json.dumps({"event": EVENT, "notification": message.payload}).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "ShopDB-notifications",
            # The same id on every attempt: a receiver that saw it already can drop the repeat.
            "X-ShopDB-Delivery": str(message.id)})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            response.read()  # 4xx/5xx raise HTTPError: a failed attempt, retried

    return send


def email_sender(host: str, port: int, sender: str, recipients: list[str]) -> Send:
    def send(delivery: outbox.Message) -> None:
        notification = delivery.payload
        message = EmailMessage()
        message["Subject"] = f"[ShopDB {notification['severity']}] {notification['title']}"
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        message["X-ShopDB-Delivery"] = str(delivery.id)
        where = f"site {notification['site_id']}" if notification.get("site_id") else "all sites"
        message.set_content(f"{notification.get('message') or notification['title']}\n\n"
                            f"Severity: {notification['severity']}\nFor: {where}\n"
                            f"From: {notification['starts_at']}\nSource: {notification['source']}\n")
        with smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS) as smtp:
            smtp.send_message(message)

    return send


def senders_from_config(config: dict[str, Any]) -> dict[str, Send]:
    """The configured channels by outbox name; a misconfigured one is logged and left out (the app still starts)."""
    senders: dict[str, Send] = {}
    url = config.get("SHOPDB_NOTIFY_WEBHOOK_URL")
    if url:
        if urlparse(url).scheme in ("http", "https") and urlparse(url).netloc:
            senders[WEBHOOK] = webhook_sender(url)
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
            senders[EMAIL] = email_sender(host, port, sender, [a.strip() for a in to.split(",") if a.strip()])
    elif host:
        log.error("notifications: SHOPDB_NOTIFY_SMTP_HOST is set without FROM and TO; e-mail off")
    return senders


def register_channels(app: Flask) -> list[str]:
    """Read the channel settings once at start-up and register each configured one with the outbox.

    Returns the channel names (empty: delivery off). The worker runs the same start-up, so it sends
    with the settings of its own environment.
    """
    load_config(app)
    senders = senders_from_config(app.config)
    for name, send in senders.items():
        outbox.register_channel(name, send, app=app)
    app.extensions[CHANNELS_KEY] = sorted(senders)
    return sorted(senders)


def enqueue_notice(notification: dict[str, Any]) -> None:
    """One outbox row per configured channel, in the caller's transaction (the notice's own)."""
    for name in current_app.extensions.get(CHANNELS_KEY, ()):
        outbox.enqueue(name, notification)
