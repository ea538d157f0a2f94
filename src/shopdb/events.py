"""The event bus: plugins subscribe to named events and never import each other.

It sits below both the core (which emits) and the plugin framework (which subscribes each enabled
plugin's handlers), so neither has to import the other to talk.

Core events (``asset_created``, ``asset_updated``, ``asset_deleted``, ``relationship_created``)
and plugin events (``equipment.status_changed``, ...) are delivered after the writing transaction
commits. A handler that raises is logged with its plugin's name and does not stop the others or
undo the write. Validation events (``asset_validate``, ``relationship_validate``) run *before* the
write, and fail closed: a validator that crashes refuses the write. See docs/PLUGIN-HOOKS.md for
every event and its arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context

from .api.errors import ApiError, RuleFailed
from .extensions import db

log = logging.getLogger(__name__)
EXTENSION_KEY = "shopdb.hooks"


@dataclass
class Subscription:
    event: str
    handler: Callable[..., Any]
    plugin: str


@dataclass
class EventBus:
    subscriptions: dict[str, list[Subscription]] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (plugin, event, error)

    def subscribe(self, event: str, handler: Callable[..., Any], plugin: str) -> None:
        self.subscriptions.setdefault(event, []).append(Subscription(event, handler, plugin))

    def unsubscribe_plugin(self, plugin: str) -> None:
        for subs in self.subscriptions.values():
            subs[:] = [s for s in subs if s.plugin != plugin]

    def check(self, event: str, **payload: Any) -> None:
        """Call every handler of a *validation* event before a write; an ``ApiError`` refuses it.

        Any other exception is a plugin bug, and a rule that cannot run cannot vouch for the write:
        it is logged and the write is refused (``RuleFailed``, 500) — rules fail closed.
        """
        for sub in list(self.subscriptions.get(event, [])):
            try:
                sub.handler(**payload)
            except ApiError:
                raise
            except Exception as exc:
                log.exception("plugin %s: validator for %s failed", sub.plugin, event)
                self.errors.append((sub.plugin, event, f"{type(exc).__name__}: {exc}"))
                del self.errors[:-50]
                raise RuleFailed(sub.plugin, event, exc) from exc

    def emit(self, event: str, **payload: Any) -> list[Any]:
        """Call every handler of ``event``; returns their non-None results in subscription order."""
        results = []
        for sub in list(self.subscriptions.get(event, [])):
            try:
                result = sub.handler(**payload)
            except Exception as exc:  # a plugin's bug must not break the write or other plugins
                log.exception("plugin %s: handler for %s failed", sub.plugin, event)
                self.errors.append((sub.plugin, event, f"{type(exc).__name__}: {exc}"))
                del self.errors[:-50]
                _rollback_quietly()
                continue
            if result is not None:
                results.append(result)
        return results


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - best effort after a handler's failure
        log.debug("rollback after failed handler also failed", exc_info=True)


def init_app(app: Flask) -> EventBus:
    bus = EventBus()
    app.extensions[EXTENSION_KEY] = bus
    return bus


def bus() -> EventBus | None:
    return current_app.extensions.get(EXTENSION_KEY) if has_app_context() else None


def emit(event: str, **payload: Any) -> list[Any]:
    """Deliver ``event`` to subscribers of the current app (no app context: nobody listens)."""
    current = bus()
    return current.emit(event, **payload) if current is not None else []


def check(event: str, **payload: Any) -> None:
    """Run the validators of ``event`` in the current app; they may refuse with an ``ApiError``."""
    current = bus()
    if current is not None:
        current.check(event, **payload)


def subscribe(event: str, handler: Callable[..., Any], plugin: str) -> None:
    current = bus()
    if current is None:
        raise RuntimeError("subscribe() needs an application context")
    current.subscribe(event, handler, plugin)
