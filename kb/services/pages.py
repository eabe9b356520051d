"""Lists a page at a time: Flask-SQLAlchemy's pagination for selects, and the same object for ranked lists.

Every list service returns a `Pagination` (items, total, page, per_page, pages, has_next, ...), which the API
turns into its envelope and the web pages into their pager: one page arithmetic for the whole product.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, TypeVar

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from kb.extensions import db
from kb.services import cache

F = TypeVar("F")


class CountingPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination of a select, counting only when the page does not tell the total.

    A page with fewer rows than it could hold is the last one: the total is its offset plus its rows, with
    no COUNT. Otherwise the count runs, and with a `count_key` it is cached per process for the data revisions
    it depends on (kb.services.cache), so a busy catalogue does not count a whole table on every view."""

    def _query_count(self) -> int:
        if 0 < len(self.items) < self.per_page or (self.page == 1 and not self.items):
            return self._query_offset + len(self.items)
        key = self._query_args.get("count_key")
        if key is None:
            return super()._query_count()
        return cache.cached(("count", key), super()._query_count, depends=self._query_args["count_depends"])


def paginate(stmt: Select, page: int = 1, per_page: int = 20, count_key: Hashable | None = None,
             count_depends: tuple[str, ...] = ("index",)) -> Pagination:
    """One page of a select (its rows made unique) with the total count; a page past the end is empty.

    count_key: what identifies the select (its filters and the viewer's visibility) for caching its count
    until the `count_depends` revisions move; without one the count is read each time it is needed."""
    return CountingPagination(select=stmt, session=db.session(), page=page, per_page=per_page, max_per_page=None,
                              error_out=False, count=True, count_key=count_key, count_depends=count_depends)


def first(stmt: Select, limit: int) -> list[Any]:
    """The first `limit` rows of a select (a queue or a short list that is not paged)."""
    return list(db.session.scalars(stmt.limit(limit)).unique().all())


class ListPagination(Pagination):
    """A page of a list already in memory (e.g. ranked search hits), with the pagination of a select."""

    def __init__(self, items: Sequence[Any], page: int = 1, per_page: int = 20) -> None:
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False, count=True,
                         rows=list(items))

    def _query_items(self) -> list[Any]:
        rows = self._query_args["rows"]
        return rows[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def filters_from(cls: type[F], args: Mapping[str, Any]) -> F:
    """A filters dataclass from parsed query arguments (page, per_page and unknown keys left out)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in args.items() if k in names})
