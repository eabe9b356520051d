"""E-mail-first answers: a "match proposed" message carries signed, expiring, single-use links to accept or
decline the match, for people who live in their mail. The link is the authority (no sign-in): it names the
notification, hence the user and the match, and the answer is theirs, checked by the same workflow rules as
any other (kb/workflow). Using one of the two links uses both."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update

from kb.errors import Conflict, NotFound, ValidationFailed
from kb.extensions import db
from kb.i18n import N_
from kb.models import Match, Notification, utcnow
from kb.services import unit_of_work
from kb.services.exchanges import move_match
from kb.workflow import recipients as rcp

SALT = "kb-match-answer"
ACTIONS = ("accept", "decline")


class LinkExpired(Conflict):
    """The link is genuine but too old."""


class LinkUsed(Conflict):
    """The link (or its twin) was used already."""


@dataclass
class Answer:
    """What a link is about: its notification, the match, the action it offers; used says when it was used."""

    notification: Notification
    match: Match
    action: str
    used_at: datetime | None
    used_action: str | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(notification_id: int, action: str) -> str:
    """The signed token of an accept or decline link of a notification."""
    return _serializer().dumps([notification_id, action])


def _max_age() -> int:
    return int(timedelta(days=max(1, int(current_app.config.get("KB_ANSWER_LINK_DAYS") or 14))).total_seconds())


def read(token: str) -> Answer:
    """The answer a token offers; 404 for a token that is not ours, LinkExpired when too old."""
    try:
        notification_id, action = _serializer().loads(token, max_age=_max_age())
    except SignatureExpired:
        raise LinkExpired(N_("This link has expired. Sign in to answer.")) from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound(N_("This link is not valid.")) from None
    n = db.session.get(Notification, notification_id) if isinstance(notification_id, int) else None
    if n is None or action not in ACTIONS or n.kind != rcp.MATCH_PROPOSED or n.record_type != "match" \
            or not n.user.active:
        raise NotFound(N_("This link is not valid."))
    match = db.session.get(Match, n.record_id)
    if match is None:
        raise NotFound(N_("This link is not valid."))
    return Answer(n, match, action, n.answered_at, n.answered_action)


def answer(token: str, reason: str | None = None) -> Answer:
    """Take the link's action as the notification's user, once: a second use (of either link) is LinkUsed and
    changes nothing. Declining needs a reason (422). The workflow's refusals (the match moved on meanwhile: 409)
    leave the link unused."""
    reason = (reason or "").strip() or None
    with unit_of_work():
        a = read(token)
        if a.used_at is not None:
            raise LinkUsed(N_("This link was already used."))
        if a.action == "decline" and not reason:
            raise ValidationFailed({"reason": [N_("Say why you decline.")]})
        done = db.session.execute(update(Notification).where(Notification.id == a.notification.id,
                                                             Notification.answered_at.is_(None))
                                  .values(answered_at=utcnow(), answered_action=a.action)
                                  .execution_options(synchronize_session=False))
        if done.rowcount != 1:  # the twin link was used at the same moment
            raise LinkUsed(N_("This link was already used."))
        move_match(a.notification.user, a.match.id, a.action, reason)
    db.session.refresh(a.notification)
    return Answer(a.notification, a.match, a.action, a.notification.answered_at, a.notification.answered_action)
