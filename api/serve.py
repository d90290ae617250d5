"""``kgdiag serve``: gunicorn serving the app factory, on gevent workers.

gunicorn, not Flask's development server: several workers, graceful
shutdown on SIGTERM (requests in flight finish, up to ``graceful_timeout``),
a worker that stops answering (a runaway request) killed after ``timeout``
and replaced. Each worker builds its own app and store connection; every
request compares the store's revision with the worker's cached snapshot, so
after an edit through any worker every worker serves the new revision,
without a restart.

Why gevent and not gthread (issue 20): a gthread worker gives a connection a
thread as soon as its first bytes arrive, and the thread then waits for the
rest of the header with no deadline, so eight clients that stop mid-header
held every thread of two workers and /healthz stopped answering. A gevent
worker gives each connection a greenlet (a few KB), so idle and slow clients
cost memory, not the workers' capacity, and gunicorn reads every request
header under a ``gevent.Timeout`` of ``keepalive`` seconds, so a client that
has not sent a whole header by then is dropped. ``worker_connections`` caps
the connections of one worker; in front of the internet a proxy that
buffers whole requests still belongs before it (README, deployment notes).
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

__all__ = ["HEADER_TIMEOUT_SECONDS", "serve"]

HEADER_TIMEOUT_SECONDS = 5
"""How long a client has to send a whole request header (gunicorn's ``keepalive``
bounds reading the header of every request on a gevent worker, the first too)."""


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, config: dict[str, Any], options: dict[str, Any]) -> None:
        self.config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app
        from .warm import start_warm_up
        from .watching import start_watch

        app = create_app(self.config)
        start_warm_up(app)  # the words model trains now, not on the first agent's request
        start_watch(app)  # only with KGDIAG_SHOP_DB; one runner across workers (a lease)
        return app


def serve(
    config: dict[str, Any],
    host: str,
    port: int,
    *,
    workers: int = 2,
    connections: int = 1000,
    timeout: int = 30,
) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C shuts down gracefully)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gevent",
        "worker_connections": connections,
        "keepalive": HEADER_TIMEOUT_SECONDS,
        "timeout": timeout,
        "graceful_timeout": 10,
        "accesslog": None,  # api.logs writes the request line (gunicorn's has the query)
    }
    _Server(config, options).run()
