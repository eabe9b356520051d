"""Audit events and the notification outbox (operations that only flush, never commit)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from kb.extensions import db
from kb.models import (
    ContributionOffer,
    Event,
    Exchange,
    Match,
    Modality,
    Notification,
    Offer,
    Organisation,
    Request,
    Role,
    Sector,
    User,
    utcnow,
)
from kb.services.mail import SUBJECT_MAX, body_text, header_text

RECORD_TYPES = {Request: "request", Offer: "offer", Match: "match", Exchange: "exchange",
                Organisation: "organisation", User: "user", Sector: "sector", Modality: "modality",
                ContributionOffer: "contribution_offer"}


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
    if isinstance(record, ContributionOffer):  # the partner hears the secretariat's answer
        return {record.organisation_id}
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


def page_link(endpoint: str, **values: Any) -> str:
    """An absolute link to a page for an e-mail: KB_BASE_URL (never a Host header anyone can forge). Only
    development and tests may run without it (kb.config.base_url); their links follow the request's address."""
    base = (current_app.config.get("KB_BASE_URL") or "").rstrip("/")
    if base or not has_request_context():
        return (base or "http://localhost") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _record_page(event: Event, record: Any) -> str | None:
    """The page a notification about this record opens, when it has one (an application: its card in the list of
    its state, the queue for a new one)."""
    if event.record_type == "application":
        return page_link("application_queue.applications", status=str(record.status),
                         _anchor=f"application-{record.id}")
    return None


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
    page = _record_page(event, record)
    if page:
        lines.append(f"Open: {page}")
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
