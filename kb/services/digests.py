"""The daily digest: for each user, one e-mail gathering the notifications they chose to receive daily.

Like the outbox: the rows are claimed with a lease (a killed worker loses nothing), the digest carries a
Message-ID derived from its first notification (the idempotency key), and the rows are marked sent together,
in one transaction, right after the server accepted the message.
"""
from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from kb.extensions import db
from kb.models import Notification, NotificationStatus, ReminderSent, User, utcnow
from kb.services import letters, mail, unit_of_work
from kb.services.events import claim_due, release

MAX_ITEMS = 200  # one digest lists at most this many notifications; the rest wait for the next one


@dataclass
class DigestReport:
    sent: int = 0          # digests (e-mails)
    notifications: int = 0  # notifications they gathered
    failed: int = 0
    stopped: str | None = None
    failures: list[str] = field(default_factory=list)


def send_digests() -> DigestReport:
    """Send every user with notifications waiting for the digest their digest (SMTP, or the mail log)."""
    report = DigestReport()
    try:
        cfg = mail.settings(current_app.config) or mail.log_settings(current_app.config)
    except mail.MailConfigError as exc:
        report.stopped = str(exc)
        return report
    user_ids = list(db.session.scalars(select(Notification.user_id).distinct().where(
        Notification.status == NotificationStatus.PENDING, Notification.delivery == "digest")))
    db.session.rollback()
    if not user_ids:
        return report
    try:
        smtp = mail.connect(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        report.stopped = f"Cannot open the SMTP session with {cfg.host}:{cfg.port}: {exc}"
        return report
    try:
        for user_id in user_ids:
            if not _send_one(smtp, cfg, user_id, report):
                break
    finally:
        mail.quit_quietly(smtp)
    return report


def _send_one(smtp: smtplib.SMTP, cfg: mail.Settings, user_id: int, report: DigestReport) -> bool:
    """One user's digest; False when the session cannot go on."""
    token = uuid.uuid4().hex
    ids = claim_due(token, MAX_ITEMS, delivery="digest", user_id=user_id)
    if not ids:
        return True
    try:
        user = db.session.get(User, user_id)
        items = list(db.session.scalars(select(Notification).where(Notification.id.in_(ids))
                                        .order_by(Notification.created_at, Notification.id)))
        msg = letters.digest(cfg, user, items)
        db.session.rollback()
        try:
            smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()), (550, b""))
            if 400 <= code < 500:
                return True  # released below; the next digest tries again
            _finish(ids, NotificationStatus.FAILED, f"Recipient refused: {code} {answer!r}"[:2000], None)
            report.failed += 1
            report.failures.append(f"digest to {user.email}: {code}")
            return True
        except (OSError, smtplib.SMTPException) as exc:
            report.stopped = f"The SMTP session failed: {type(exc).__name__}: {exc}"[:500]
            return False
        _finish(ids, NotificationStatus.SENT, None, "smtp" if cfg.host else "log")
        report.sent += 1
        report.notifications += len(ids)
        return True
    finally:
        db.session.rollback()
        release(token)


def _finish(ids: list[int], status: NotificationStatus, error: str | None, transport: str | None) -> None:
    with unit_of_work():
        db.session.execute(update(Notification).where(Notification.id.in_(ids)).values(
            status=status, error=error, transport=transport, sent_at=utcnow() if status == NotificationStatus.SENT
            else None, attempts=Notification.attempts + 1, claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False))


@dataclass
class WeeklyReport:
    sent: int = 0     # e-mails
    records: int = 0  # alerts they listed
    stopped: str | None = None


def send_weekly(now: datetime | None = None) -> WeeklyReport:
    """The weekly digest of new fitting records: to each user who had match alerts in the past 7 days (and does
    not refuse them: preference `never`), one e-mail listing them, once per ISO week (reminders_sent ledger,
    Message-ID from the user and the week: at least once, recognisable when repeated)."""
    from kb.services.preferences import choices_of
    from kb.workflow import recipients as rcp

    now = now or utcnow()
    week = f"weekly:{now.isocalendar().year}-W{now.isocalendar().week:02d}"
    report = WeeklyReport()
    try:
        cfg = mail.settings(current_app.config) or mail.log_settings(current_app.config)
    except mail.MailConfigError as exc:
        report.stopped = str(exc)
        return report
    rows = list(db.session.scalars(select(Notification).where(
        Notification.kind == rcp.MATCH_ALERT, Notification.created_at > now - timedelta(days=7),
        Notification.created_at <= now).order_by(Notification.user_id, Notification.created_at, Notification.id)))
    by_user: dict[int, list[Notification]] = {}
    for n in rows:
        by_user.setdefault(n.user_id, []).append(n)
    choices = choices_of(by_user)
    done = set(db.session.scalars(select(ReminderSent.record_id).where(ReminderSent.record_type == "user",
                                                                         ReminderSent.stage == week)))
    todo = [(uid, items) for uid, items in by_user.items()
            if uid not in done and choices.get((uid, rcp.MATCH_ALERT)) != rcp.NEVER and items[0].user.active]
    if not todo:
        db.session.rollback()
        return report
    try:
        smtp = mail.connect(cfg)
    except (OSError, smtplib.SMTPException) as exc:
        report.stopped = f"Cannot open the SMTP session with {cfg.host}:{cfg.port}: {exc}"
        return report
    try:
        for uid, items in todo:
            msg = letters.weekly(cfg, items[0].user, items[:MAX_ITEMS], week)
            try:
                smtp.send_message(msg)
            except smtplib.SMTPRecipientsRefused:
                pass  # that address refuses mail; the others go on (no retry: next week lists the new ones)
            except (OSError, smtplib.SMTPException) as exc:
                report.stopped = f"The SMTP session failed: {type(exc).__name__}: {exc}"[:500]
                break
            else:
                report.sent += 1
                report.records += len(items)
            with unit_of_work():
                db.session.add(ReminderSent(record_type="user", record_id=uid, stage=week))
    finally:
        mail.quit_quietly(smtp)
        db.session.rollback()
    return report
