"""Per-process caches of what pages read on every view but the data changes rarely, each tied to a revision.

Three revisions, read together in one statement at most once per request (again after a commit):
- `index`: the newest `index_changes` id; moves with every committed change to a request or offer;
- `events`: the newest audit event id; moves with every audited change (exchanges, activities, results...);
- `reference`: `reference_revision.value`; moves with every committed change to countries, regional groups,
  sectors, modalities or SDGs (a before-flush hook below bumps it in the same transaction).
A cached value is used while the revisions it depends on have not moved and it is younger than its time to
live: so another process's change is seen by the next request, and figures are never older than the TTL.

`cached(key, compute)` wraps any function at its call site (e.g. the front page's headline figures), so the
function behind it can change without touching the cache.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from flask import g, has_app_context
from flask.globals import _cv_app
from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.models import SDG, Country, Event, IndexChange, Modality, ReferenceRevision, RegionalGroup, Sector

T = TypeVar("T")
DEFAULT_TTL = 60.0  # seconds: an upper bound on the age of a cached figure
MAX_ENTRIES = 2048  # least recently used entries beyond this are dropped (list counts are keyed by filters)
REVISIONS = ("index", "events", "reference")
REFERENCE_MODELS = (Country, RegionalGroup, Sector, Modality, SDG)
_G_KEY = "kb_revisions"
_G_MEMO = "kb_cached"

_store: OrderedDict[Hashable, tuple[tuple[int, ...], float, Any]] = OrderedDict()
_lock = threading.Lock()


def revisions() -> dict[str, int]:
    """The current revisions (one statement, remembered for the rest of the request until a commit)."""
    if has_app_context() and _G_KEY in g:
        return g.get(_G_KEY)
    row = db.session.execute(_revisions_statement()).one()
    value = dict(zip(REVISIONS, (int(v or 0) for v in row), strict=True))
    if has_app_context():
        setattr(g, _G_KEY, value)
    return value


@functools.cache
def _revisions_statement() -> Select:
    """The revisions' statement, built once: SQLAlchemy memoises a statement's cache key on the object, so the same
    object skips building the expression and its cache key on every request (a third of the statement's CPU)."""
    return select(
        select(func.max(IndexChange.id)).scalar_subquery(),
        select(func.max(Event.id)).scalar_subquery(),
        select(func.max(ReferenceRevision.value)).scalar_subquery())


def cached(key: Hashable, compute: Callable[[], T], depends: Iterable[str] = ("index", "events"),
           ttl: float = DEFAULT_TTL) -> T:
    """compute(), or its value cached under key while the `depends` revisions stand and for at most ttl seconds.

    Within a request (until a commit) a value is looked up once: a page asking for a label per badge pays
    one dict lookup each."""
    ctx = _cv_app.get(None)  # flask.g without its proxy: pages look labels up hundreds of times
    memo = ctx.g.__dict__.setdefault(_G_MEMO, {}) if ctx is not None else {}
    if key in memo:
        return memo[key]
    value = _cached(key, compute, depends, ttl)
    memo[key] = value
    return value


def _cached(key: Hashable, compute: Callable[[], T], depends: Iterable[str], ttl: float) -> T:
    current = revisions()
    stamp = tuple(current[name] for name in depends)
    now = time.monotonic()
    with _lock:
        hit = _store.get(key)
        if hit is not None and hit[0] == stamp and hit[1] > now:
            _store.move_to_end(key)
            return hit[2]
    value = compute()
    with _lock:
        _store[key] = (stamp, now + ttl, value)
        _store.move_to_end(key)
        while len(_store) > MAX_ENTRIES:
            _store.popitem(last=False)
    return value


def forget_revisions() -> None:
    """Read the revisions again at the next lookup of this request (after a change made in it)."""
    if has_app_context():
        g.pop(_G_KEY, None)


def clear() -> None:
    """Forget every cached value (tests; a process whose database was replaced)."""
    with _lock:
        _store.clear()
    if has_app_context():
        g.pop(_G_KEY, None)
        g.pop(_G_MEMO, None)


@event.listens_for(Session, "after_commit")
def _revisions_moved(_session: Session) -> None:
    if has_app_context():
        g.pop(_G_KEY, None)
        g.pop(_G_MEMO, None)


@event.listens_for(Session, "before_flush")
def _bump_reference_revision(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    """A flush writing reference data moves the reference revision in the same transaction."""
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, REFERENCE_MODELS) for obj in touched):
        table = ReferenceRevision.__table__
        session.connection().execute(table.update().values(value=table.c.value + 1))


__all__ = ["DEFAULT_TTL", "cached", "clear", "forget_revisions", "revisions"]
