"""The outbox: deliveries to the outside world that survive a crash (docs/adr/0006).

A plugin registers a sender per channel at start-up, and enqueues inside the writing transaction::

    def init_app(self, app):
        outbox.register_channel("myplugin.webhook", send, app=app)   # send(message) -> None, raises on failure

    with writes.transaction():
        thing = writes.create(Thing, ...)
        outbox.enqueue("myplugin.webhook", {"id": thing.id, ...})    # commits or rolls back with the thing

``shopdb worker`` calls ``deliver_due()`` in a loop: it claims due rows (two workers never claim the
same row), calls the channel's sender outside any transaction, then marks the row delivered, or
records the error and schedules a retry with exponential backoff and jitter; after
``SHOPDB_OUTBOX_MAX_ATTEMPTS`` failures the row is dead and kept for the operator (``shopdb outbox``).

Delivery is *at least once*: a worker killed after the receiver accepted a message but before it
recorded that, sends it again once the claim's lease ran out. Senders pass ``message.id`` along
(the webhook sends it as ``X-ShopDB-Delivery``) so receivers can drop a repeat.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from ...extensions import db
from ..models.base import utcnow
from ..models.outbox import OutboxMessage

log = logging.getLogger(__name__)
CHANNELS_KEY = "shopdb.outbox.channels"
MAX_CHANNEL_NAME = 64
MAX_ERROR_LENGTH = 1000

# Every setting has one environment variable; the app's config mapping wins (tests, embedding).
SETTINGS = {
    "SHOPDB_OUTBOX_MAX_ATTEMPTS": 20,  # 10 s, 20 s, ... 1 h, then hourly: about 12 h of trying
    "SHOPDB_OUTBOX_BACKOFF_SECONDS": 10.0,
    "SHOPDB_OUTBOX_BACKOFF_MAX_SECONDS": 3600.0,
    # A claimed row is left to its worker this long; a worker that died is replaced after it.
    # Keep it well above the slowest sender's timeout, or a slow send can overlap its retry.
    "SHOPDB_OUTBOX_LEASE_SECONDS": 120.0,
    "SHOPDB_OUTBOX_KEEP_DAYS": 7.0,  # delivered rows kept this long (dead rows are kept until handled)
}


@dataclass(frozen=True)
class Message:
    """What a sender receives: the row's id (a receiver's key to drop repeats), channel, payload and
    the attempt (1, 2, ...)."""

    id: int
    channel: str
    payload: dict[str, Any]
    attempt: int


Sender = Callable[[Message], None]


@dataclass(frozen=True)
class Outcome:
    """One claimed row after a send: ``delivered``, ``retry`` (at ``next_attempt_at``), ``dead`` or ``released``."""

    id: int
    channel: str
    attempt: int
    status: str
    error: str | None = None
    next_attempt_at: dt.datetime | None = None


@dataclass(frozen=True)
class Settings:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    lease_seconds: float
    keep_days: float


def settings(app: Flask | None = None) -> Settings:
    """The outbox settings of ``app`` (default: the current app): config, else environment, else default."""
    config = (app or current_app).config
    values = {}
    for key, default in SETTINGS.items():
        raw = config.get(key)
        if raw is None or raw == "":
            raw = os.environ.get(key) or default
        try:
            values[key] = type(default)(raw)
        except (TypeError, ValueError):
            log.error("outbox: %s=%r is not a number; using %s", key, raw, default)
            values[key] = default
    return Settings(max(1, values["SHOPDB_OUTBOX_MAX_ATTEMPTS"]), values["SHOPDB_OUTBOX_BACKOFF_SECONDS"],
                    values["SHOPDB_OUTBOX_BACKOFF_MAX_SECONDS"], values["SHOPDB_OUTBOX_LEASE_SECONDS"],
                    values["SHOPDB_OUTBOX_KEEP_DAYS"])


# -- channels -------------------------------------------------------------------------------------
def register_channel(name: str, send: Sender, app: Flask | None = None) -> None:
    """Make ``send`` the sender of channel ``name`` in ``app`` (default: the current app).

    Name channels ``<plugin>.<what>`` (``notifications.webhook``). ``send(message)`` returns when the
    receiver accepted the message and raises on any failure; it runs in the worker, outside any
    transaction. Registering another sender under a taken name is refused (``ValueError``).
    """
    if not name or len(name) > MAX_CHANNEL_NAME:
        raise ValueError(f"a channel name has 1 to {MAX_CHANNEL_NAME} characters, not {name!r}")
    registry = channels(app)
    if registry.get(name, send) is not send:
        raise ValueError(f"outbox channel {name!r} already has a sender")
    registry[name] = send


def channels(app: Flask | None = None) -> dict[str, Sender]:
    """The channels registered in ``app`` (default: the current app), by name."""
    return (app or current_app).extensions.setdefault(CHANNELS_KEY, {})


# -- writing --------------------------------------------------------------------------------------
def enqueue(channel: str, payload: Mapping[str, Any]) -> OutboxMessage:
    """Add a delivery to the current session: it commits or rolls back with the change that caused it.

    Call inside ``writes.transaction()``. The payload must be JSON (refused here, in the writer's
    transaction, rather than at the commit). An unregistered channel is a bug: ``LookupError``.
    """
    if channel not in channels():
        raise LookupError(f"no outbox channel {channel!r} is registered (see outbox.register_channel)")
    try:
        data = json.loads(json.dumps(dict(payload)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"outbox payload for {channel!r} is not JSON: {exc}") from None
    now = utcnow()
    row = OutboxMessage(channel=channel, payload=data, created_at=now, attempts=0, next_attempt_at=now)
    db.session.add(row)
    return row


# -- delivering -----------------------------------------------------------------------------------
def retry_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``attempt`` (1 after the first failure): base, 2*base, 4*base, ...
    capped, each shortened by up to a quarter at random so receivers coming back are not hit by every
    failed row at once. Never more than ``cap``."""
    exponent = min(max(attempt - 1, 0), 62)  # 2**62 * base is beyond any cap; avoids huge floats
    raw = min(cap, base * 2 ** exponent)
    return raw * (rng or random).uniform(0.75, 1.0)


def deliver_due(limit: int = 50, *, now: dt.datetime | None = None,
                should_stop: Callable[[], bool] | None = None) -> list[Outcome]:
    """Claim up to ``limit`` due rows of the registered channels, send each, record the outcome.

    Runs in its own sessions (never in the caller's transaction) and commits after each row, so a
    crash loses at most the outcome of the row being sent. When ``should_stop()`` turns true the
    rows claimed but not sent yet are released for the next worker. ``now`` is for tests.
    """
    registry = channels()
    if not registry:
        return []
    config = settings()
    claimed = _claim(limit, now or utcnow(), sorted(registry), config.lease_seconds)
    outcomes: list[Outcome] = []
    for index, message in enumerate(claimed):
        if should_stop is not None and should_stop():
            outcomes += _release(claimed[index:])
            break
        outcomes.append(_send(message, registry[message.channel], config, now))
    return outcomes


def _session() -> Session:
    return Session(db.engine, expire_on_commit=False)


def _claim(limit: int, now: dt.datetime, names: list[str], lease_seconds: float) -> list[Message]:
    """Take due rows for this worker: bump ``attempts`` and push ``next_attempt_at`` to the end of the
    lease, in one short transaction. A worker that dies leaves its rows to be claimed after the lease."""
    lease_until = now + dt.timedelta(seconds=lease_seconds)
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.next_attempt_at <= now, OutboxMessage.delivered_at.is_(None),
                  OutboxMessage.channel.in_(names))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    claim = dict(attempts=OutboxMessage.attempts + 1, next_attempt_at=lease_until)
    columns = (OutboxMessage.id, OutboxMessage.channel, OutboxMessage.payload, OutboxMessage.attempts)
    with _session() as session, session.begin():
        if session.bind.dialect.name == "sqlite":
            # The UPDATE comes first, so this transaction holds SQLite's single write lock before it
            # reads: a second worker waits for the commit and then sees the rows already leased.
            rows = session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
                                   .values(**claim).returning(*columns)).all()
        else:
            # Rows another worker is claiming right now are skipped, not waited for.
            ids = session.execute(due.with_for_update(skip_locked=True)).scalars().all()
            if not ids:
                return []
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**claim))
            rows = session.execute(select(*columns).where(OutboxMessage.id.in_(ids))).all()
    return [Message(id=r.id, channel=r.channel, payload=r.payload, attempt=r.attempts)
            for r in sorted(rows, key=lambda r: r.id)]


def _send(message: Message, send: Sender, config: Settings, now: dt.datetime | None) -> Outcome:
    try:
        send(message)
    except Exception as exc:  # noqa: BLE001 - any failure of a receiver is a failed attempt, never a crash
        return _record_failure(message, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH], config, now)
    at = now or utcnow()
    with _session() as session, session.begin():
        # Marked delivered even if the lease ran out meanwhile: it did arrive.
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                                    OutboxMessage.delivered_at.is_(None))
                        .values(delivered_at=at, next_attempt_at=None, last_error=None))
    log.info("outbox: delivered #%s %s (attempt %s)", message.id, message.channel, message.attempt)
    return Outcome(message.id, message.channel, message.attempt, "delivered")


def _record_failure(message: Message, error: str, config: Settings, now: dt.datetime | None) -> Outcome:
    at = now or utcnow()
    if message.attempt >= config.max_attempts:
        values, status, retry_at = {"dead_at": at, "next_attempt_at": None}, "dead", None
    else:
        retry_at = at + dt.timedelta(seconds=retry_delay(message.attempt, config.backoff_seconds,
                                                         config.backoff_max_seconds))
        values, status = {"next_attempt_at": retry_at}, "retry"
    with _session() as session, session.begin():
        # Only while the row is still this worker's claim (its lease may have run out and been re-claimed).
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                                    OutboxMessage.attempts == message.attempt,
                                                    OutboxMessage.delivered_at.is_(None))
                        .values(last_error=error, **values))
    if status == "dead":
        log.error("outbox: #%s %s is dead after %s attempts: %s", message.id, message.channel,
                  message.attempt, error)
    else:
        log.warning("outbox: #%s %s attempt %s failed, retry at %s UTC: %s", message.id, message.channel,
                    message.attempt, f"{retry_at:%Y-%m-%d %H:%M:%S}", error)
    return Outcome(message.id, message.channel, message.attempt, status, error, retry_at)


def _release(messages: list[Message]) -> list[Outcome]:
    """Hand claimed, unsent rows back (a worker stopping): due now, the claim not counted as an attempt."""
    at = utcnow()
    with _session() as session, session.begin():
        for message in messages:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id,
                                                        OutboxMessage.attempts == message.attempt,
                                                        OutboxMessage.delivered_at.is_(None))
                            .values(attempts=message.attempt - 1, next_attempt_at=at))
    return [Outcome(m.id, m.channel, m.attempt, "released") for m in messages]


# -- the operator's view ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    pending: int
    due: int
    dead: int
    delivered: int
    last_error: str | None
    last_error_id: int | None
    registered: bool


def status(now: dt.datetime | None = None) -> list[ChannelStatus]:
    """Per channel: rows pending (of which due now), dead, delivered (still kept), the latest error."""
    now = now or utcnow()
    row = OutboxMessage
    counts = select(
        row.channel,
        func.count(row.next_attempt_at),
        func.sum(case((row.next_attempt_at <= now, 1), else_=0)),
        func.count(row.dead_at),
        func.count(row.delivered_at),
    ).group_by(row.channel).order_by(row.channel)
    registry = channels()
    result = []
    with _session() as session:
        for channel, pending, due, dead, delivered in session.execute(counts).all():
            latest = session.execute(
                select(row.id, row.last_error)
                .where(row.channel == channel, row.last_error.is_not(None), row.delivered_at.is_(None))
                .order_by(row.id.desc()).limit(1)).first()
            result.append(ChannelStatus(channel, pending, int(due or 0), dead, delivered,
                                        latest.last_error if latest else None, latest.id if latest else None,
                                        channel in registry))
    return result


def dead_messages(limit: int = 20) -> list[OutboxMessage]:
    """The latest dead rows, newest first."""
    with _session() as session:
        return list(session.execute(select(OutboxMessage).where(OutboxMessage.dead_at.is_not(None))
                                    .order_by(OutboxMessage.id.desc()).limit(limit)).scalars())


def retry_dead(ids: list[int] | None = None) -> int:
    """Give dead rows (all, or those in ``ids``) a fresh set of attempts, due now. Returns how many."""
    stmt = update(OutboxMessage).where(OutboxMessage.dead_at.is_not(None))
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    with _session() as session, session.begin():
        return session.execute(stmt.values(dead_at=None, attempts=0, next_attempt_at=utcnow())).rowcount


def purge_delivered(now: dt.datetime | None = None) -> int:
    """Delete delivered rows older than ``SHOPDB_OUTBOX_KEEP_DAYS``; dead rows stay. Returns how many."""
    cutoff = (now or utcnow()) - dt.timedelta(days=settings().keep_days)
    with _session() as session, session.begin():
        return session.execute(OutboxMessage.__table__.delete()
                               .where(OutboxMessage.delivered_at < cutoff)).rowcount
