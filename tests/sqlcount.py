"""Counting the SQL statements an HTTP request issues (SQLAlchemy's before_cursor_execute event)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from kb.extensions import db


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The statements sent to the database inside the block, in order (pool pings and savepoints included)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def count_get(app, client, url: str, headers: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """(number of statements, statements) of one GET, which must answer 200."""
    with statements(app) as seen:
        resp = client.get(url, headers=headers or {})
    assert resp.status_code == 200, (url, resp.status_code, resp.get_data(as_text=True)[:500])
    return len(seen), seen
