"""What "the database is unchanged" means in tests: row counts, versions and states of every table."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kb.extensions import db


def db_snapshot(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Row counts of every table, and the (id, version) and (id, status) pairs where tables have them."""
    with app.app_context():
        snap: dict[str, Any] = {}
        for table in db.metadata.sorted_tables:
            snap[table.name] = db.session.scalar(select(func.count()).select_from(table))
            for col in ("version", "status"):
                if col in table.c and "id" in table.c:
                    snap[f"{table.name}.{col}"] = sorted(db.session.execute(select(table.c.id, table.c[col])).all())
        db.session.rollback()
        return snap
