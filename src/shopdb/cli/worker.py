"""``shopdb worker`` sends the outbox's due deliveries; ``shopdb outbox`` shows and requeues them.

The worker is stateless: every claim, success and failure is in the ``outbox`` table, so any number
of workers may run (on any host) and one may be killed at any moment (docs/adr/0006).
"""

from __future__ import annotations

import logging
import signal
import threading
import time

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..core.services import outbox
from .output import console, fail

log = logging.getLogger("shopdb.worker")
PURGE_EVERY_SECONDS = 3600
DB_RETRY_MAX_SECONDS = 60


def _describe(outcome: outbox.Outcome) -> str:
    head = f"#{outcome.id} {outcome.channel} (attempt {outcome.attempt})"
    if outcome.status == "delivered":
        return f"delivered {head}"
    if outcome.status == "retry":
        return f"failed {head}, retry at {outcome.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC: {outcome.error}"
    if outcome.status == "dead":
        return f"dead {head}, no more retries: {outcome.error}"
    return f"released {head}"


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, print what was done, and exit.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds to sleep when nothing is due.")
@click.option("--batch", type=click.IntRange(min=1, max=1000), default=50, show_default=True,
              help="Rows claimed at a time.")
@with_appcontext
def worker_command(once: bool, interval: float, batch: int) -> None:
    """Deliver the outbox (webhooks, e-mail, ...) with retries; stops cleanly on SIGTERM/SIGINT."""
    names = sorted(outbox.channels())
    if once:
        _run_once(batch, names)
        return
    logging.getLogger(outbox.__name__).setLevel(logging.INFO)  # each delivery and failure is logged
    log.setLevel(logging.INFO)
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        log.info("worker: %s received; finishing the delivery in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("worker: started (channels: %s; idle interval %ss)", ", ".join(names) or "none registered", interval)
    failures, last_purge = 0, 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
                purged = outbox.purge_delivered()
                if purged:
                    log.info("worker: removed %s delivered row(s) past their keeping time", purged)
                last_purge = time.monotonic()
            outcomes = outbox.deliver_due(batch, should_stop=stop.is_set)
            failures = 0
        except SQLAlchemyError as exc:  # database down or locked: wait and try again, never exit
            failures += 1
            pause = min(DB_RETRY_MAX_SECONDS, interval * 2 ** min(failures, 10))
            first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
            log.error("worker: database problem (%s); retrying in %.0f s", first, pause)
            stop.wait(pause)
            continue
        if not outcomes:
            stop.wait(interval)
    log.info("worker: stopped")


def _run_once(batch: int, names: list[str]) -> None:
    if not names:
        console.print("no outbox channel is registered in this configuration; nothing to send")
    last: dict[int, outbox.Outcome] = {}  # each row's latest outcome in this run
    while True:
        outcomes = outbox.deliver_due(batch)
        # Done when nothing is due, or only rows this run already tried (their retry fell due meanwhile).
        done = not outcomes or all(o.id in last for o in outcomes)
        for outcome in outcomes:
            console.print(_describe(outcome))
            last[outcome.id] = outcome
        if done:
            break
    counts = {status: sum(o.status == status for o in last.values()) for status in ("delivered", "retry", "dead")}
    purged = outbox.purge_delivered()
    console.print(f"outbox: {counts['delivered']} delivered, {counts['retry']} to retry, {counts['dead']} dead"
                  + (f", {purged} old delivered row(s) removed" if purged else ""))


@click.group("outbox", invoke_without_command=True)
@click.pass_context
@with_appcontext
def outbox_group(ctx: click.Context) -> None:
    """The outbox per channel: pending, due, dead, delivered, the last error (`retry` requeues dead rows)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = outbox.status()
    if not rows:
        console.print("outbox: empty")
        return
    for row in rows:
        sender = "" if row.registered or not row.pending else "  (no sender in this configuration: they wait)"
        console.print(f"{row.channel}: {row.pending} pending ({row.due} due now), {row.dead} dead, "
                      f"{row.delivered} delivered{sender}")
        if row.last_error:
            console.print(f"  last error (#{row.last_error_id}): {row.last_error}")
    dead = outbox.dead_messages()
    if dead:
        console.print("dead (newest first; `shopdb outbox retry --all` or `--id N` sends them again):")
        for message in dead:
            console.print(f"  #{message.id} {message.channel} created {message.created_at:%Y-%m-%d %H:%M:%S}, "
                          f"{message.attempts} attempts: {message.last_error}")


@outbox_group.command("retry")
@click.option("--id", "ids", type=int, multiple=True, help="A dead row to send again (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every dead row.")
@with_appcontext
def retry_command(ids: tuple[int, ...], everything: bool) -> None:
    """Give dead deliveries a fresh set of attempts; the worker sends them at once."""
    if not ids and not everything:
        fail("say which: --id N (repeatable) or --all")
    count = outbox.retry_dead(None if everything else list(ids))
    console.print(f"outbox: {count} dead row(s) queued again")
