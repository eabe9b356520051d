"""Each user's inbox: the notifications addressed to them, newest first, with a link to the record; read marks."""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, update

from kb.errors import NotFound, Unauthorized
from kb.extensions import db
from kb.i18n import N_
from kb.models import Notification, User, utcnow
from kb.services import unit_of_work
from kb.services.pages import paginate
from kb.workflow import recipients as rcp


def _require(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Sign in to read your notifications."))
    return actor


def list_notifications(actor: User | None, unread: bool = False, page: int = 1, per_page: int = 20) -> Pagination:
    """The caller's notifications, newest first (only the unread ones when unread)."""
    user = _require(actor)
    stmt = select(Notification).where(Notification.user_id == user.id, Notification.kind != rcp.ACCOUNT)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)


def unread_count(actor: User | None) -> int:
    """How many of the caller's notifications are unread (0 for an anonymous visitor)."""
    if actor is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.id, Notification.kind != rcp.ACCOUNT,
        Notification.read_at.is_(None))) or 0


def mark_read(actor: User | None, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read (again: nothing changes); another user's is a 404."""
    user = _require(actor)
    with unit_of_work():
        n = db.session.get(Notification, notification_id)
        if n is None or n.user_id != user.id or n.kind == rcp.ACCOUNT:
            raise NotFound(N_("No such notification."))
        if n.read_at is None:
            n.read_at = utcnow()
    return n


def mark_all_read(actor: User | None) -> int:
    """Mark every unread notification of the caller read; how many were."""
    user = _require(actor)
    with unit_of_work():
        done = db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.kind != rcp.ACCOUNT,
                                                             Notification.read_at.is_(None))
                                  .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return done.rowcount or 0
