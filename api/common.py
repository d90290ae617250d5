"""What every route module shares: the blueprints, the store, the settings, ETags."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, g

from diagnostics.casework import Settings
from graph.store import GraphStore

__all__ = ["author", "health", "settings", "store", "tagged", "v1"]

health = Blueprint("health", __name__)
v1 = Blueprint("v1", __name__, url_prefix="/v1")


def store() -> GraphStore:
    """The process's store (one per gunicorn worker, shared by its threads)."""
    found: GraphStore = current_app.extensions["kgdiag_store"]
    return found


def settings() -> Settings:
    """How far records are trusted, from the app's configuration."""
    config = current_app.config
    return Settings(
        status_max_age=timedelta(minutes=float(config["KGDIAG_STATUS_MAX_AGE_MINUTES"])),
        prior_weight=float(config["KGDIAG_PRIOR_WEIGHT"]),
    )


def author() -> str:
    """Who is calling, as the audit log and the records name them: the token's name."""
    return f"{g.kgdiag_token.name} ({g.kgdiag_token.role})"


def tagged(response: Response, revision: int) -> Response:
    """Mark a graph read with its revision, the value an edit sends back in If-Match."""
    response.set_etag(str(revision))
    return response
