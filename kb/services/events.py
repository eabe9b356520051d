"""Reading the audit trail and the notification outbox."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import Select, select

from kb.errors import Forbidden
from kb.extensions import db
from kb.models import Event, Notification, NotificationStatus, Offer, Request, User, utcnow
from kb.services import access, unit_of_work

VISIBLE_TYPES = {"request": Request, "offer": Offer}


def visible_events(actor: User | None, record_type: str | None, record_id: int | None,
                   action: str | None = None) -> Select:
    """Audit events the caller may read, newest last, filtered by record type, record id and action.

    Staff read every event; others read the whole trail of one record they can see (record_type and
    record_id both given), else only their own actions."""
    if actor is None:
        raise Forbidden("Sign in to read the audit trail.")
    stmt = select(Event).order_by(Event.at, Event.id)
    if record_type:
        stmt = stmt.where(Event.record_type == record_type)
    if record_id:
        stmt = stmt.where(Event.record_id == record_id)
    if action:
        stmt = stmt.where(Event.action == action)
    if access.is_staff(actor):
        return stmt
    if record_type is None or record_id is None:
        return stmt.where(Event.actor_id == actor.id)
    _check_record_visible(actor, record_type, record_id)
    return stmt


def _check_record_visible(actor: User, record_type: str, record_id: int) -> None:
    from kb.services.exchanges import get_exchange, get_match

    if record_type in VISIBLE_TYPES:
        access.get_visible_record(VISIBLE_TYPES[record_type], record_id, actor)
    elif record_type == "match":
        get_match(actor, record_id)
    elif record_type == "exchange":
        get_exchange(actor, record_id)
    else:
        raise Forbidden(lazy_gettext("Only the secretariat reads the audit trail of %(kind)s records.",
                                     kind=record_type))


def send_pending(limit: int = 200) -> dict[str, int]:
    """Send pending outbox messages by SMTP when configured; otherwise leave them pending."""
    host = current_app.config["KB_SMTP_HOST"]
    counts = {"sent": 0, "failed": 0, "pending": 0}
    with unit_of_work():
        pending = db.session.scalars(
            select(Notification).where(Notification.status == NotificationStatus.PENDING)
            .order_by(Notification.id).limit(limit)).all()
        if not host:
            counts["pending"] = len(pending)
            return counts
        with smtplib.SMTP(host, current_app.config["KB_SMTP_PORT"], timeout=10) as smtp:
            for n in pending:
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = current_app.config["KB_MAIL_FROM"], n.user.email, n.subject
                msg.set_content(n.body)
                n.attempts += 1
                try:
                    smtp.send_message(msg)
                    n.status, n.sent_at = NotificationStatus.SENT, utcnow()
                    counts["sent"] += 1
                except smtplib.SMTPException as exc:
                    n.error = str(exc)[:500]
                    if n.attempts >= 5:
                        n.status = NotificationStatus.FAILED
                    counts["failed"] += 1
    return counts
