"""When a recorded system status is still trusted (diagnoses, status pages, outages)."""

from __future__ import annotations

from datetime import datetime, timedelta

from diagnostics.conditions import parse_time
from graph.records import SystemStatus

__all__ = ["eta_of", "is_fresh"]


def eta_of(record: SystemStatus) -> datetime | None:
    """When the system should be back, if the record says."""
    return parse_time(record.eta) if record.eta else None


def is_fresh(record: SystemStatus, now: datetime, max_age: timedelta) -> bool:
    """Recent enough to trust, or announced to last until an ETA still ahead."""
    if now - parse_time(record.at) <= max_age:
        return True
    eta = eta_of(record)
    return eta is not None and eta > now
