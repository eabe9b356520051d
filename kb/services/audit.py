"""Audit events and the notification outbox (operations that only flush, never commit)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import or_, select

from kb.extensions import db
from kb.models import (
    ContributionOffer,
    Event,
    Exchange,
    Match,
    Modality,
    Notification,
    NotificationStatus,
    Offer,
    Organisation,
    Request,
    Role,
    Sector,
    User,
    utcnow,
)
from kb.services.mail import SUBJECT_MAX, body_text, header_text
from kb.workflow import recipients as rcp

RECORD_TYPES = {Request: "request", Offer: "offer", Match: "match", Exchange: "exchange",
                Organisation: "organisation", User: "user", Sector: "sector", Modality: "modality",
                ContributionOffer: "contribution_offer"}


def record_type(record: object) -> str:
    """The audit name of a record's type (request, offer, expert, ...)."""
    for cls, name in RECORD_TYPES.items():
        if isinstance(record, cls):
            return name
    return type(record).__tablename__.rstrip("s")  # type: ignore[attr-defined]


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
        for kind, users in recipients(event, record, actor).items():
            queue_notifications(event, record, users, kind)
    return event


def party_organisations(record: Any) -> dict[str, set[int]]:
    """The organisations in each party of a record (kb/workflow/recipients.py); the secretariat is a role."""
    if isinstance(record, (Request, Offer)):
        return {rcp.OWNER: {record.organisation_id}}
    if isinstance(record, Match):
        return {rcp.REQUESTER: {record.request.organisation_id}, rcp.PROVIDER: {record.offer.organisation_id}}
    if isinstance(record, Exchange):
        parties: dict[str, set[int]] = {}
        for p in record.parties:
            parties.setdefault(str(p.role), set()).add(p.organisation_id)
        return parties
    if isinstance(record, ContributionOffer):  # the partner that offered it
        return {rcp.OWNER: {record.organisation_id}}
    return {}


def recipients(event: Event, record: Any, actor: User | None) -> dict[str, list[User]]:
    """Who is told about event, grouped by kind of notification: the move's parties (kb/workflow/recipients.py)
    resolved to active users, each user once (the kind of their first party in PRECEDENCE), never the actor."""
    table = rcp.recipients(event.record_type, event.action)
    if not table:
        return {}
    orgs = party_organisations(record)
    org_ids = {org for party in table for org in orgs.get(party, ())}
    conditions = [User.organisation_id.in_(org_ids)] if org_ids else []
    if rcp.SECRETARIAT in table:
        conditions.append(User.role == Role.SECRETARIAT)
    if not conditions:
        return {}
    users = db.session.scalars(select(User).where(User.active.is_(True), or_(*conditions)).order_by(User.id)).all()
    grouped: dict[str, list[User]] = {}
    for user in users:
        if actor is not None and user.id == actor.id:
            continue
        mine = {party for party in table if user.organisation_id in orgs.get(party, ())}
        if user.role == Role.SECRETARIAT and rcp.SECRETARIAT in table:
            mine.add(rcp.SECRETARIAT)
        if mine:
            party = next(p for p in rcp.PRECEDENCE if p in mine)
            grouped.setdefault(table[party], []).append(user)
    return grouped


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


def record_title(record: Any) -> str:
    """A record's title on one line: a match's is its request's and offer's."""
    if isinstance(record, Match):
        return header_text(f"{record.request.title} ↔ {record.offer.title}", 300)
    return header_text(getattr(record, "title", None) or getattr(record, "name", "") or "", 300)


def queue_notifications(event: Event, record: Any, users: Iterable[User], kind: str = rcp.RECORD_UPDATE) -> None:
    """Add one notification per user: an inbox entry, and an e-mail as the user chose for this kind (sent now,
    kept for the daily digest, or none: `skipped`)."""
    from kb.services.preferences import choices_of

    users = list(users)
    if not users:
        return
    subject, body = describe(event, record)
    title = record_title(record) or None
    choices = choices_of(u.id for u in users)
    mail_now = False
    for user in users:
        choice = choices.get((user.id, kind), rcp.IMMEDIATELY)
        n = Notification(event_id=event.id, user_id=user.id, kind=kind, record_type=event.record_type,
                         record_id=event.record_id, title=title, subject=subject, body=body,
                         delivery="digest" if choice == rcp.DAILY else "now")
        if choice == rcp.NEVER:
            n.status = NotificationStatus.SKIPPED
        mail_now = mail_now or choice == rcp.IMMEDIATELY
        db.session.add(n)
    if mail_now:
        from kb.jobs import after_commit, send_outbox

        after_commit(send_outbox)  # a worker delivers them as soon as the transaction has committed
