"""Reading the audit trail and the notification outbox."""
from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select, update

from kb import permissions
from kb.errors import DomainError, Forbidden, NotFound
from kb.extensions import db
from kb.i18n import N_
from kb.models import (
    Event,
    Notification,
    NotificationStatus,
    Offer,
    Request,
    User,
    utcnow,
)
from kb.services import access, audit, change_log, mail, unit_of_work
from kb.services.pages import first, paginate

VISIBLE_TYPES = {"request": Request, "offer": Offer}


def visible_events(actor: User | None, record_type: str | None, record_id: int | None,
                   action: str | None = None) -> Select:
    """Audit events the caller may read, newest last, filtered by record type, record id and action.

    Staff read every event; others read the whole trail of one record they can see (record_type and
    record_id both given), else only their own actions."""
    if actor is None:
        raise Forbidden(N_("Sign in to read the audit trail."))
    stmt = select(Event).order_by(Event.at, Event.id)
    if record_type:
        stmt = stmt.where(Event.record_type == record_type)
    if record_id:
        stmt = stmt.where(Event.record_id == record_id)
    if action:
        stmt = stmt.where(Event.action == action)
    if permissions.is_staff(actor):
        return stmt
    if record_type is None or record_id is None:
        return stmt.where(Event.actor_id == actor.id)
    _check_record_visible(actor, record_type, record_id)
    return stmt


def list_events(actor: User | None, record_type: str | None, record_id: int | None, action: str | None = None,
                page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the audit events the caller may read (see visible_events), oldest first."""
    return paginate(visible_events(actor, record_type, record_id, action), page, per_page)


def timeline(actor: User, record_types_ids: list[tuple[str, int]], limit: int) -> list[Event]:
    """The audit trails of several records merged in time order, each where the actor may read it (others are
    left out: a centre may not read a matched request's trail, say, and its exchange's own trail is enough)."""
    entries: list[Event] = []
    for record_type, record_id in record_types_ids:
        try:
            stmt = visible_events(actor, record_type, record_id)
        except DomainError:
            continue
        entries += first(stmt, limit)
    return sorted(entries, key=lambda e: (e.at, e.id))


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


MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)  # doubled after each transient failure: 5, 10, 20, 40 minutes


@dataclass
class OutboxReport:
    """What one run of the outbox did; stopped says why it ended early (nothing was marked for that)."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    pending: int = 0
    stopped: str | None = None
    failures: list[str] = field(default_factory=list)
    configured: bool = False  # KB_SMTP_HOST is set (without it nothing is sent and nothing is worth retrying)

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "retrying": self.retrying, "pending": self.pending}


class _StopBatch(Exception):
    """The server (or our settings) cannot take any message now: end the run, mark nothing."""


def send_pending(limit: int = 200, now: datetime | None = None) -> OutboxReport:
    """Send the pending notifications that are due, when KB_SMTP_HOST is set: claim a batch with a lease, send
    it over one SMTP session, again until limit messages were handled or nothing is left to claim.

    Claiming (claim_due) makes several workers share the outbox without sending a message twice; a worker
    killed mid-batch leaves its claims to expire (KB_OUTBOX_LEASE_SECONDS) and another worker sends what it had
    not marked. Each message is marked in its own transaction right after the server answered for it: sent;
    failed for good (refused recipient, a message that cannot be built: error and attempts kept); or, for a
    transient answer (4xx), retried by a later run after a growing delay, until MAX_ATTEMPTS. A lost
    connection, a failed TLS or authentication step ends the run without marking the message it was on (its
    claim is released for the next run).
    """
    report = OutboxReport()
    now = now or utcnow()
    try:
        cfg = mail.settings(current_app.config)
    except mail.MailConfigError as exc:
        report.stopped = str(exc)
    else:
        if cfg is not None:
            report.configured = True
            token = uuid.uuid4().hex
            batch = max(1, int(current_app.config.get("KB_OUTBOX_BATCH") or 50))
            handled = 0
            try:
                while handled < limit and not report.stopped:
                    ids = claim_due(token, min(batch, limit - handled), now)
                    if not ids:
                        break
                    _send_batch(cfg, ids, now, report, token)
                    handled += len(ids)
            finally:  # an error here (not a kill: that leaves the claims to expire) gives the rest back now
                db.session.rollback()
                _release(token)
    report.pending = db.session.scalar(select(func.count()).select_from(Notification)
                                       .where(Notification.status == NotificationStatus.PENDING)) or 0
    db.session.rollback()
    return report


def _lease() -> timedelta:
    return timedelta(seconds=max(1, int(current_app.config.get("KB_OUTBOX_LEASE_SECONDS") or 300)))


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return (Notification.status == NotificationStatus.PENDING,
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            or_(Notification.lease_until.is_(None), Notification.lease_until < now))


def claim_due(token: str, limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to limit due, unclaimed (or expired) messages for the run token; their ids, oldest first.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent workers take different rows without waiting.
    SQLite (one writer at a time, no row locks): the UPDATE repeats the conditions, so a row another run claimed
    between our SELECT and our UPDATE is not taken again. Either way only the rows carrying token are ours."""
    now = now or utcnow()
    with unit_of_work():
        ids = db.session.scalars(select(Notification.id).where(*_due(now)).order_by(Notification.id).limit(limit)
                                 .with_for_update(skip_locked=True)).all()
        if ids:
            db.session.execute(update(Notification).where(Notification.id.in_(ids), *_due(now))
                               .values(claimed_by=token, lease_until=max(now, utcnow()) + _lease())
                               .execution_options(synchronize_session=False))
    if not ids:
        return []
    found = db.session.scalars(select(Notification.id).where(Notification.claimed_by == token,
                                                             Notification.status == NotificationStatus.PENDING)
                               .order_by(Notification.id)).all()
    db.session.rollback()  # no transaction stays open while we talk to the server
    return list(found)


def _release(token: str) -> None:
    """Give back what the run claimed and did not mark (it stopped early)."""
    with unit_of_work():
        db.session.execute(update(Notification).where(Notification.claimed_by == token)
                           .values(claimed_by=None, lease_until=None)
                           .execution_options(synchronize_session=False))


def next_outbox_run(now: datetime | None = None) -> float | None:
    """Seconds until a pending message may be claimed (a retry falls due, a lease expires); None when none is
    pending. 0 when one is due now."""
    now = now or utcnow()
    rows = db.session.execute(select(Notification.next_attempt_at, Notification.lease_until)
                              .where(Notification.status == NotificationStatus.PENDING)).all()
    db.session.rollback()
    if not rows:
        return None
    waits = [max([(t - now).total_seconds() for t in (retry, lease) if t is not None] + [0.0])
             for retry, lease in rows]
    return min(waits)


@dataclass
class OutboxOverview:
    """The outbox at a glance: messages per state, the claimed ones, the failed ones with their errors."""

    counts: dict[str, int]
    claimed: int
    failed: list[Notification]


def outbox_overview(actor: User | None, limit: int = 50) -> OutboxOverview:
    """Counts per state and the latest failed messages (administrators; None is the command line)."""
    _require_admin(actor)
    counts = {s.value: 0 for s in NotificationStatus}
    for status, n in db.session.execute(select(Notification.status, func.count()).group_by(Notification.status)):
        counts[NotificationStatus(status).value] = n
    claimed = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status == NotificationStatus.PENDING, Notification.lease_until > utcnow())) or 0
    failed = list(db.session.scalars(select(Notification).where(Notification.status == NotificationStatus.FAILED)
                                     .order_by(Notification.id.desc()).limit(limit)))
    return OutboxOverview(counts, claimed, failed)


def retry_failed(actor: User | None, notification_id: int | None = None) -> int:
    """Put failed messages (one, or all) back in the outbox with a fresh count of attempts; audited. How many."""
    _require_admin(actor)
    with unit_of_work():
        stmt = select(Notification).where(Notification.status == NotificationStatus.FAILED)
        if notification_id is not None:
            stmt = stmt.where(Notification.id == notification_id)
        rows = list(db.session.scalars(stmt.order_by(Notification.id)))
        if notification_id is not None and not rows:
            raise NotFound(N_("No failed message has this id."), {"notification_id": [N_("Not a failed message.")]})
        for n in rows:
            old = {"status": n.status.value, "attempts": n.attempts, "error": n.error}
            new = {"status": NotificationStatus.PENDING.value, "attempts": 0, "error": n.error}
            n.status, n.attempts, n.next_attempt_at, n.claimed_by, n.lease_until = (
                NotificationStatus.PENDING, 0, None, None, None)
            audit.record_event(actor, n, "retry", NotificationStatus.FAILED.value, NotificationStatus.PENDING.value,
                               details=change_log(old, new, ["status", "attempts"]), notify=False)
        if rows:
            from kb.jobs import after_commit, send_outbox

            after_commit(send_outbox)
    return len(rows)


def _require_admin(actor: User | None) -> None:
    if actor is not None and not permissions.can_manage_outbox(actor):
        raise Forbidden(N_("Only administrators manage the outbox."))


def _send_batch(cfg: mail.Settings, ids: list[int], now: datetime, report: OutboxReport, token: str) -> None:
    try:
        smtp = mail.connect(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        report.stopped = f"Cannot open the SMTP session with {cfg.host}:{cfg.port}: {_describe(exc)}"
        return
    try:
        for nid in ids:
            _send_one(smtp, cfg, nid, now, report, token)
    except _StopBatch as exc:
        report.stopped = str(exc)
    finally:
        mail.quit_quietly(smtp)


def _send_one(smtp: smtplib.SMTP, cfg: mail.Settings, nid: int, now: datetime, report: OutboxReport,
              token: str) -> None:
    n = db.session.get(Notification, nid)
    if n is None or n.status != NotificationStatus.PENDING or n.claimed_by != token:
        db.session.rollback()
        return  # sent, dropped or taken over meanwhile
    try:
        msg = mail.build(cfg, n.id, n.created_at, n.recipient, n.subject, n.body)
    except mail.BUILD_ERRORS as exc:
        return _mark(nid, report, permanent=f"The message cannot be made: {_describe(exc)}")
    db.session.rollback()  # the row is read; no transaction stays open during the delivery
    try:
        smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()), (550, b""))
        return _answered(nid, report, now, code, f"Recipient refused: {code} {_text(answer)}")
    except smtplib.SMTPSenderRefused as exc:
        raise _StopBatch(f"The server refuses the sender {exc.sender}: "
                         f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise _StopBatch(f"The SMTP server closed the connection: {_describe(exc)}") from None
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 421:  # the server is shutting the session down
            raise _StopBatch(f"The SMTP server ended the session: 421 {_text(exc.smtp_error)}") from None
        return _answered(nid, report, now, exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}")
    except smtplib.SMTPNotSupportedError as exc:  # e.g. an address that needs SMTPUTF8
        return _mark(nid, report, permanent=f"The server cannot take this message: {_describe(exc)}")
    except (OSError, smtplib.SMTPException) as exc:
        raise _StopBatch(f"The SMTP session failed: {_describe(exc)}") from None
    _mark(nid, report)


def _answered(nid: int, report: OutboxReport, now: datetime, code: int, error: str) -> None:
    """A refusal: 4xx is transient (retry later), anything else is final."""
    if 400 <= code < 500:
        _mark(nid, report, transient=error, now=now)
    else:
        _mark(nid, report, permanent=error)


def _mark(nid: int, report: OutboxReport, permanent: str | None = None, transient: str | None = None,
          now: datetime | None = None) -> None:
    """Record the outcome of one attempt in its own transaction."""
    with unit_of_work():
        n = db.session.get(Notification, nid)
        n.attempts += 1
        n.claimed_by, n.lease_until = None, None
        if permanent is None and transient is None:
            n.status, n.sent_at, n.error, n.next_attempt_at = NotificationStatus.SENT, utcnow(), None, None
            n.claimed_by, n.lease_until = None, None
            report.sent += 1
            return
        n.error = (permanent or transient or "")[:2000]
        if permanent is not None or n.attempts >= MAX_ATTEMPTS:
            n.status, n.next_attempt_at = NotificationStatus.FAILED, None
            report.failed += 1
            report.failures.append(f"notification {n.id} to {n.recipient}: {n.error}")
        else:
            n.next_attempt_at = (now or utcnow()) + RETRY_AFTER * 2 ** (n.attempts - 1)
            report.retrying += 1


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
