"""Reminders, sent by a periodic job (each once: reminders_sent), all periods KB_* settings:

- a proposed match a party has not answered after KB_REMIND_MATCH_DAYS: that party's users; after twice as
  long: the secretariat;
- an offer whose validity ends within KB_REMIND_EXPIRY_DAYS, and one whose validity has passed: its owner's
  users (the reminder links to the offer's own page, where the signed-in owner renews it in one click). This
  changes nothing in the data: the catalogue already stops matching expired offers;
- an exchange in progress without an activity report for KB_REMIND_ACTIVITY_DAYS: its parties' users;
- a published request never proposed after KB_UNMET_WAIT_DAYS: the secretariat, once per request (unless it was
  told already, when the request was published without a strong match: kb/services/unmet.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from kb.extensions import db
from kb.i18n import N_
from kb.models import (
    Activity,
    Event,
    Exchange,
    ExchangeState,
    Match,
    MatchState,
    Offer,
    OfferState,
    ReminderSent,
    Role,
    User,
    utcnow,
)
from kb.services import unit_of_work
from kb.services.audit import queue_notifications, record_event
from kb.workflow import recipients as rcp


@dataclass
class ReminderReport:
    matches: int = 0
    offers: int = 0
    exchanges: int = 0
    requests: int = 0  # published requests waiting too long without a proposal: the secretariat told (once)
    users: int = 0


def _days(name: str) -> timedelta:
    return timedelta(days=max(1, int(current_app.config[name])))


def send_reminders(now: datetime | None = None) -> ReminderReport:
    """Every reminder due now that was not sent before, each in its own transaction."""
    now = now or utcnow()
    today = now.date()
    report = ReminderReport()
    waiting = (MatchState.PROPOSED, MatchState.ACCEPTED_BY_REQUESTER, MatchState.ACCEPTED_BY_PROVIDER)
    ids = db.session.scalars(select(Match.id).where(Match.status.in_(waiting),
                                                    Match.created_at <= now - _days("KB_REMIND_MATCH_DAYS"))).all()
    for match_id in ids:
        report.matches += _match(report, match_id, now)
    horizon = today + _days("KB_REMIND_EXPIRY_DAYS")
    ids = db.session.scalars(select(Offer.id).where(Offer.status == OfferState.PUBLISHED,
                                                    Offer.valid_until.is_not(None), Offer.valid_until <= horizon)).all()
    for offer_id in ids:
        report.offers += _offer(report, offer_id, today)
    ids = db.session.scalars(select(Exchange.id).where(Exchange.status == ExchangeState.IN_PROGRESS)).all()
    for exchange_id in ids:
        report.exchanges += _exchange(report, exchange_id, now)
    from kb.services import unmet

    report.requests = unmet.tell_about_waiting(now)
    db.session.rollback()
    return report


def _remind(report: ReminderReport, record: Any, record_type: str, stage: str, users: list[User],
            what: str) -> int:
    """Record the reminder (once: 0 when it was sent already), audit it and notify users; 1 when sent."""
    with unit_of_work():
        seen = db.session.scalar(select(ReminderSent.id).where(ReminderSent.record_type == record_type,
                                                               ReminderSent.record_id == record.id,
                                                               ReminderSent.stage == stage))
        if seen is not None:
            return 0
        db.session.add(ReminderSent(record_type=record_type, record_id=record.id, stage=stage))
        event = record_event(None, record, "remind", details={"stage": stage, "about": what}, notify=False,
                             reason=what)
        queue_notifications(event, record, users, rcp.REMINDER)
        report.users += len(users)
    return 1


def _org_users(org_ids: set[int]) -> list[User]:
    return list(db.session.scalars(select(User).where(User.organisation_id.in_(org_ids), User.active.is_(True))
                                   .order_by(User.id)))


def _match(report: ReminderReport, match_id: int, now: datetime) -> int:
    match = db.session.get(Match, match_id)
    waiting = set()
    if match.requester_answer is None:
        waiting.add(match.request.organisation_id)
    if match.provider_answer is None:
        waiting.add(match.offer.organisation_id)
    sent = _remind(report, match, "match", "party", _org_users(waiting), N_("Your answer to this proposed match is awaited."))
    if match.created_at <= now - 2 * _days("KB_REMIND_MATCH_DAYS"):
        secretariat = list(db.session.scalars(select(User).where(User.role == Role.SECRETARIAT,
                                                                 User.active.is_(True))))
        sent += _remind(report, match, "match", "secretariat", secretariat,
                        N_("This proposed match is still unanswered by a party."))
    return min(sent, 1)


def _offer(report: ReminderReport, offer_id: int, today: date) -> int:
    offer = db.session.get(Offer, offer_id)
    until = offer.valid_until
    users = _org_users({offer.organisation_id})
    if until < today:
        return _remind(report, offer, "offer", f"expired:{until.isoformat()}", users,
                       f"This offer's validity ended on {until.isoformat()}; renew it to keep it in the catalogue.")
    return _remind(report, offer, "offer", f"expiring:{until.isoformat()}", users,
                   f"This offer's validity ends on {until.isoformat()}; renew it to keep it in the catalogue.")


def _exchange(report: ReminderReport, exchange_id: int, now: datetime) -> int:
    exchange = db.session.get(Exchange, exchange_id)
    last = db.session.scalar(select(func.max(Activity.created_at)).where(Activity.exchange_id == exchange.id))
    if last is None:
        last = db.session.scalar(select(func.max(Event.at)).where(
            Event.record_type == "exchange", Event.record_id == exchange.id, Event.action == "start"))
    last = last or exchange.created_at
    if last > now - _days("KB_REMIND_ACTIVITY_DAYS"):
        return 0
    users = _org_users({p.organisation_id for p in exchange.parties})
    return _remind(report, exchange, "exchange", f"quiet:{last.date().isoformat()}", users,
                   f"No activity has been reported since {last.date().isoformat()}.")
