"""Use cases. Services are the only code that commits: one public function, one unit of work."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kb.errors import Conflict, ValidationFailed
from kb.extensions import db


def changed_fields(current: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The names in an edit (data) whose value differs from the record's (current), sorted.

    Every edit goes through this: an edit that changes nothing (no field, or only the values the record
    already has) changes nothing either: no new version, no audit event. Lists are compared as sets
    (their order carries no meaning here); a name missing from current always counts as a change.
    An empty edit is refused (422), as a client sending nothing has made a mistake."""
    if not data:
        raise ValidationFailed({"json": ["Nothing to change: send at least one field."]})

    def same(name: str, value: Any) -> bool:
        if name not in current:
            return False
        old = current[name]
        if isinstance(value, (list, tuple)) and isinstance(old, (list, tuple)):
            return set(value) == set(old)
        return old == value

    return sorted(name for name, value in data.items() if not same(name, value))


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit on success; roll back on any error, turning races into 409 Conflict."""
    session = db.session
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("The record was changed by someone else; reload it and try again.") from None
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("The change conflicts with existing data.",
                       {"database": [str(exc.orig).splitlines()[0][:200]]}) from None
    except BaseException:
        session.rollback()
        raise


def discard_changes() -> None:
    """Throw away what the current unit of work left unflushed or uncommitted (an error page is about to show)."""
    db.session.rollback()
