"""Audit events and the notification outbox (operations that only flush, never commit)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from kb.extensions import db
from kb.models import (
    Event,
    Exchange,
    Match,
    Notification,
    Offer,
    Organisation,
    Request,
    Role,
    User,
    utcnow,
)
from kb.services.mail import SUBJECT_MAX, body_text, header_text

RECORD_TYPES = {Request: "request", Offer: "offer", Match: "match", Exchange: "exchange",
                Organisation: "organisation", User: "user"}


def record_type(record: object) -> str:
    """The audit name of a record's type (request, offer, expert, ...)."""
    for cls, name in RECORD_TYPES.items():
        if isinstance(record, cls):
            return name
    return type(record).__tablename__.rstrip("s")  # type: ignore[attr-defined]


def concerned_organisations(record: object) -> set[int]:
    """Organisations whose users hear about a change of record."""
    if isinstance(record, (Request, Offer)):
        return {record.organisation_id}
    if isinstance(record, Match):
        return {record.request.organisation_id, record.offer.organisation_id}
    if isinstance(record, Exchange):
        return {p.organisation_id for p in record.parties}
    return set()


def record_event(
    actor: User | None,
    record: Any,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    details: dict | None = None,
    notify: bool = True,
) -> Event:
    """Append an audit event for record and queue notifications for the parties concerned."""
    db.session.flush()  # the record needs its id
    event = Event(
        at=utcnow(), actor_id=actor.id if actor else None, record_type=record_type(record),
        record_id=record.id, action=action, from_state=str(from_state) if from_state else None,
        to_state=str(to_state) if to_state else None, reason=(reason or None), details=details,
    )
    db.session.add(event)
    db.session.flush()
    if notify:
        queue_notifications(event, record, _recipients(record, actor))
    return event


def _recipients(record: Any, actor: User | None) -> list[User]:
    orgs = concerned_organisations(record)
    stmt = select(User).where(User.active.is_(True)).where(
        (User.organisation_id.in_(orgs)) | (User.role == Role.SECRETARIAT)
    )
    users = db.session.scalars(stmt).all()
    return [u for u in users if actor is None or u.id != actor.id]


def describe(event: Event, record: Any) -> tuple[str, str]:
    """Subject and body of the notification for an event.

    Titles, names and states are user text: each is flattened to one line (no CR, LF or other control
    character can reach the Subject header or forge a body line) and the subject is capped."""
    title = header_text(getattr(record, "title", None) or getattr(record, "name", "") or f"#{record.id}", 300)
    label = f"{event.record_type} #{event.record_id}"
    if event.to_state and event.from_state != event.to_state:
        subject = f"[KB] {label} is now {event.to_state}: {title}"
    else:
        subject = f"[KB] {label}: {event.action}: {title}"
    lines = [f"{label} \"{title}\"", f"Action: {event.action}"]
    if event.from_state or event.to_state:
        lines.append(f"State: {event.from_state or '-'} -> {event.to_state or '-'}")
    if event.reason:
        lines.append(f"Reason: {event.reason}")
    if event.actor:
        who = header_text(event.actor.name or event.actor.email, 300)
        lines.append(f"By: {who} ({header_text(event.actor.organisation.name, 300)})")
    return header_text(subject, SUBJECT_MAX), body_text("\n".join(lines))


def queue_notifications(event: Event, record: Any, users: Iterable[User]) -> None:
    """Add one pending outbox message per user."""
    subject, body = describe(event, record)
    queued = False
    for user in users:
        db.session.add(Notification(event_id=event.id, user_id=user.id, subject=subject, body=body))
        queued = True
    if queued:
        from kb.jobs import after_commit, send_outbox

        after_commit(send_outbox)  # a worker delivers them as soon as the transaction has committed
