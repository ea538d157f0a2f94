"""End the open streams when a gunicorn worker is told to stop.

A stream never finishes by itself before its lifetime, so a stopping worker would wait out its
graceful timeout (30 s) for them, and the interpreter's exit would wait again for the threads that
serve them. Gunicorn offers no hook to a WSGI app, so the live package chains itself in front of the
worker's own handlers of SIGTERM (graceful stop), SIGQUIT and SIGINT (quick stop): it closes the
broker — every stream ends at once and the browsers reconnect, to a new worker after a reload — and
then calls the worker's handler as before.

Only in a gunicorn worker (the handler in place is a gunicorn worker's method) and only from the main
thread; elsewhere (``flask run``, tests, the CLI) nothing is touched.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
SIGNALS = (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT)


def _gunicorn_handler(handler: Any) -> bool:
    owner = getattr(handler, "__self__", None)
    return owner is not None and type(owner).__module__.startswith("gunicorn.workers")


def end_streams_on_worker_exit(stop: Callable[[], None]) -> bool:
    """Run ``stop`` before the gunicorn worker's handler of each stop signal; whether it was installed."""
    if threading.current_thread() is not threading.main_thread():
        return False
    installed = False
    for signum in SIGNALS:
        previous = signal.getsignal(signum)
        if not _gunicorn_handler(previous):
            continue

        def handler(number: int, frame: Any, _previous: Callable = previous) -> None:
            try:
                stop()
            except Exception:  # noqa: BLE001 - the worker must stop whatever happened to the streams
                log.exception("live events: closing the streams failed")
            _previous(number, frame)

        signal.signal(signum, handler)
        installed = True
    return installed
