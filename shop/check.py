"""``kgdiag shop check``: is kgdiag's account read-only, are the lookups indexed, how fast.

An operator runs it once after setting ``KGDIAG_SHOP_DB``: it reads the
account's grants (``SHOW GRANTS``; only privilege names are shown, never
the password hash the server prints with them), finds the indexes the
lookups need in ``information_schema``, and times lookups by number and by
contact on the newest order.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .database import ShopDatabase, ShopUnavailable

__all__ = ["READ_PRIVILEGES", "CheckReport", "check_shop", "privileges"]

READ_PRIVILEGES = frozenset({"SELECT", "USAGE", "SHOW VIEW", "SHOW DATABASES"})
_GRANT = re.compile(r"^GRANT (.+?) ON ", re.IGNORECASE)


def privileges(grant: str) -> set[str]:
    """The privilege names of one ``SHOW GRANTS`` line (``GRANT SELECT, INSERT ON …``)."""
    found = _GRANT.match(grant.strip())
    if not found:  # GRANT PROXY, roles: not a table privilege
        return set()
    names = re.sub(r"\([^)]*\)", "", found.group(1))  # column lists: SELECT (a, b)
    return {name.strip().upper() for name in names.split(",") if name.strip()}


@dataclass
class CheckReport:
    source: str
    writable: list[str] = field(default_factory=list)
    indexes: list[tuple[str, tuple[str, ...], str, bool]] = field(default_factory=list)
    timings_ms: dict[str, tuple[float, float]] = field(default_factory=dict)
    sample: str | None = None
    problem: str | None = None

    @property
    def read_only(self) -> bool:
        return not self.writable

    @property
    def ok(self) -> bool:
        return self.problem is None and self.read_only and all(i[3] for i in self.indexes)

    def lines(self, prefix: str) -> list[str]:
        """The report an operator reads, with the statements that fix what is missing."""
        out = [f"shop database: {self.source}"]
        if self.problem:
            return [*out, f"UNAVAILABLE: {self.problem}"]
        if self.read_only:
            out.append("account: read-only (SELECT only)")
        else:
            out.append("account: CAN WRITE (" + ", ".join(sorted(self.writable)) + ")")
            out.append("  kgdiag never writes, but give it an account with SELECT only")
        for table, columns, why, present in self.indexes:
            cols = ", ".join(columns)
            state = "ok" if present else "MISSING"
            out.append(f"index {prefix}{table} ({cols}): {state} - {why}")
            if not present:
                name = "kgdiag_" + "_".join(columns)
                out.append(f"  CREATE INDEX `{name}` ON `{prefix}{table}` ({cols});")
        for what, (p50, p99) in self.timings_ms.items():
            out.append(f"lookup {what}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        if self.sample is None:
            out.append("lookups not timed: the order table is empty")
        return out


def _index_present(database: ShopDatabase, table: str, columns: tuple[str, ...]) -> bool:
    rows = database.read(
        "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        (database.prefix + table,),
    )
    by_index: dict[str, list[str]] = {}
    for row in rows:
        by_index.setdefault(str(row["INDEX_NAME"]), []).append(str(row["COLUMN_NAME"]).lower())
    want = [c.lower() for c in columns]
    return any(cols[: len(want)] == want for cols in by_index.values())


def _timed(call: Any, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    return statistics.median(samples), p99


def check_shop(database: ShopDatabase, rounds: int = 50) -> CheckReport:
    """Grants, indexes and lookup timings of ``database`` (ShopUnavailable is reported)."""
    report = CheckReport(database.source)
    statements = database.statements
    try:
        for row in database.read("SHOW GRANTS", ()):
            for grant in row.values():
                report.writable += sorted(privileges(str(grant)) - READ_PRIVILEGES)
        report.writable = sorted(set(report.writable))
        for table, columns, why in statements.indexes:
            report.indexes.append((table, columns, why, _index_present(database, table, columns)))
        newest = database.read(
            f"SELECT {statements.number_column} AS n, {statements.contact_column} AS c"
            f" FROM {{p}}{statements.order_table} ORDER BY id DESC LIMIT 1",
            (),
        )
        if newest:
            number, contact = str(newest[0]["n"]), str(newest[0]["c"] or "")
            report.sample = number
            report.timings_ms["by order number"] = _timed(
                lambda: database.order_by_number(number), rounds
            )
            since = datetime(1970, 1, 2)
            report.timings_ms["by contact (recent orders)"] = _timed(
                lambda: database.orders_by_contact(contact, since, 50), rounds
            )
    except ShopUnavailable as err:
        report.problem = str(err)
    return report
