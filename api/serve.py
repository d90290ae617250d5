"""``kgdiag serve``: gunicorn serving the app factory.

gunicorn, not Flask's development server: several workers, threads, graceful
shutdown on SIGTERM (requests in flight finish, up to ``graceful_timeout``).
Each worker builds its own app and store connection; every request compares
the store's revision with the worker's cached snapshot, so after an edit
through any worker every worker serves the new revision, without a restart.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

__all__ = ["serve"]


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

        return create_app(self.config)


def serve(
    config: dict[str, Any],
    host: str,
    port: int,
    *,
    workers: int = 2,
    threads: int = 4,
    timeout: int = 30,
) -> None:
    """Serve until stopped (SIGTERM or Ctrl-C shuts down gracefully)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 10,
        "accesslog": None,  # api.logs writes the request line (gunicorn's has the query)
    }
    _Server(config, options).run()
