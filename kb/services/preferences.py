"""Each user's e-mail choices per kind of notification (immediately, in a daily digest, never), and the signed
one-click unsubscribe links that e-mails carry (List-Unsubscribe)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from kb.errors import NotFound, Unauthorized, ValidationFailed
from kb.extensions import db
from kb.i18n import N_
from kb.models import NotificationPreference, User
from kb.services import change_log, unit_of_work
from kb.services.audit import record_event
from kb.workflow import recipients as rcp

UNSUBSCRIBE_SALT = "kb-unsubscribe"


def _require(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Sign in to choose your e-mails."))
    return actor


def choices_of(user_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(user id, kind) -> delivery for the choices made (no entry: immediately)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(NotificationPreference.user_id, NotificationPreference.kind,
                                     NotificationPreference.delivery)
                              .where(NotificationPreference.user_id.in_(ids))).all()
    return {(u, k): d for u, k, d in rows}


def get_preferences(actor: User | None) -> dict[str, str]:
    """The caller's choice for every kind."""
    user = _require(actor)
    made = choices_of([user.id])
    return {kind: made.get((user.id, kind), rcp.IMMEDIATELY) for kind in rcp.KINDS}


def set_preferences(actor: User | None, choices: Mapping[str, str]) -> dict[str, str]:
    """Change the caller's choices (the kinds named); audited with the old and new values. All of them back."""
    user = _require(actor)
    errors = {k: [N_("Not a kind of notification.")] for k in choices if k not in rcp.KINDS}
    errors |= {k: [N_("Choose immediately, daily or never.")] for k, v in choices.items()
               if k in rcp.KINDS and v not in rcp.DELIVERIES}
    if errors:
        raise ValidationFailed({"json": errors})
    with unit_of_work():
        _apply(user, choices)
    return get_preferences(user)


def _apply(user: User, choices: Mapping[str, str]) -> None:
    current = get_preferences(user)
    changed = sorted(k for k, v in choices.items() if current[k] != v)
    if not changed:
        return
    rows = {p.kind: p for p in db.session.scalars(select(NotificationPreference)
                                                  .where(NotificationPreference.user_id == user.id))}
    for kind in changed:
        if kind in rows:
            rows[kind].delivery = choices[kind]
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=choices[kind]))
    record_event(user, user, "preferences", details=change_log(current, choices, changed), notify=False)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """The signed token of a one-click "no more e-mails of this kind" link (it changes nothing else)."""
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The user and kind a token names; 404 for a token that is not ours or names nobody."""
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(N_("This unsubscribe link is not valid.")) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or kind not in rcp.KINDS:
        raise NotFound(N_("This unsubscribe link is not valid."))
    return user, kind


def unsubscribe(token: str) -> tuple[User, str]:
    """Stop the e-mails of the token's kind for its user (the inbox still lists them); idempotent."""
    with unit_of_work():
        user, kind = read_unsubscribe_token(token)
        _apply(user, {kind: rcp.NEVER})
    return user, kind
