"""Use cases. Services are the only code that commits: one public function, one unit of work."""
from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kb.errors import Conflict, ValidationFailed
from kb.extensions import db
from kb.i18n import N_


def changed_fields(current: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The names in an edit (data) whose value differs from the record's (current), sorted.

    Every edit goes through this: an edit that changes nothing (no field, or only the values the record
    already has) changes nothing either: no new version, no audit event. Lists are compared as sets
    (their order carries no meaning here); a name missing from current always counts as a change.
    An empty edit is refused (422), as a client sending nothing has made a mistake."""
    if not data:
        raise ValidationFailed({"json": [N_("Nothing to change: send at least one field.")]})

    def same(name: str, value: Any) -> bool:
        if name not in current:
            return False
        old = current[name]
        if isinstance(value, (list, tuple)) and isinstance(old, (list, tuple)):
            return set(value) == set(old)
        return old == value

    return sorted(name for name, value in data.items() if not same(name, value))


def populate(record: Any, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Copy each of fields that data holds onto record (plain columns; the one loop every edit uses)."""
    for name in fields:
        if name in data:
            setattr(record, name, data[name])


SECRET_FIELDS = frozenset({"password"})


def _loggable(value: Any) -> Any:
    """A value as the audit trail keeps it (JSON): dates as ISO text, enums and decimals as text, lists sorted."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_loggable(v) for v in value]
        return sorted(items, key=str)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value.value if isinstance(value, enum.Enum) else value)


def change_log(current: Mapping[str, Any], data: Mapping[str, Any], changed: Iterable[str]) -> dict[str, Any]:
    """The details of an edit's audit event: the changed fields and each one's old and new value
    ({"fields": [...], "changes": {name: {"from": old, "to": new}}}); a secret (a password) is named nowhere."""
    names = [n for n in changed if n not in SECRET_FIELDS]
    return {"fields": names,
            "changes": {n: {"from": _loggable(current.get(n)), "to": _loggable(data[n])} for n in names}}


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit on success; roll back on any error, turning races into 409 Conflict."""
    session = db.session
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict(N_("The record was changed by someone else; reload it and try again.")) from None
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(N_("The change conflicts with existing data."),
                       {"database": [str(exc.orig).splitlines()[0][:200]]}) from None
    except BaseException:
        session.rollback()
        raise


def discard_changes() -> None:
    """Throw away what the current unit of work left unflushed or uncommitted (an error page is about to show)."""
    db.session.rollback()
