"""The state machines of DESIGN.md section 4 as pure transition tables.

Each row says: in state S, action A taken by an actor in capacity C moves the record to state T.
Capacities are relations between a user and a record, computed by the services:
``owner`` (the record's own organisation), ``secretariat``, ``requester`` / ``provider`` (the two
sides of a match or exchange), ``partner`` (a co-financing party) and ``system`` (moves the
service makes as a consequence of another, never requested through the API).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext

from kb import i18n
from kb.errors import Forbidden, InvalidTransition, ValidationFailed
from kb.models.enums import ExchangeState as X
from kb.models.enums import MatchState as M
from kb.models.enums import OfferState as O
from kb.models.enums import RequestState as R

OWNER, SECRETARIAT, REQUESTER, PROVIDER, PARTNER, SYSTEM = (
    "owner", "secretariat", "requester", "provider", "partner", "system",
)
REASON_REQUIRED = frozenset({"return", "reject", "decline", "cancel"})
# What an action needs besides itself (the services check it; the OpenAPI document says it).
NEEDS: dict[str, tuple[str, ...]] = {
    **{action: ("reason",) for action in REASON_REQUIRED},
    "agree": ("agreement_ref",), "complete": ("completion_report",), "renew": ("valid_until",),
}


@dataclass(frozen=True)
class Transition:
    """One allowed move."""

    source: str
    action: str
    actor: str
    target: str

    @property
    def reason_required(self) -> bool:
        return self.action in REASON_REQUIRED


class Machine:
    """A named table of transitions with lookup helpers (no side effects)."""

    def __init__(self, name: str, rows: Iterable[tuple[object, str, str | tuple[str, ...], object]]) -> None:
        self.name = name
        table: list[Transition] = []
        for source, action, actors, target in rows:
            for actor in (actors,) if isinstance(actors, str) else actors:
                table.append(Transition(str(source), action, actor, str(target)))
        self.transitions: tuple[Transition, ...] = tuple(table)
        self.actions = sorted({t.action for t in table})
        # What a caller may ask for (the others are the service's own consequential moves).
        self.requestable = sorted({t.action for t in table if t.actor != SYSTEM})
        self.states = sorted({t.source for t in table} | {t.target for t in table})

    def find(self, state: str, action: str, capacities: Iterable[str]) -> Transition | None:
        """The transition the actor may take, or None."""
        caps = set(capacities)
        for t in self.transitions:
            if t.source == str(state) and t.action == action and t.actor in caps:
                return t
        return None

    def available(self, state: str, capacities: Iterable[str]) -> list[str]:
        """Actions the actor may take from state (for showing buttons, never for authorising)."""
        caps = set(capacities) - {SYSTEM}
        return sorted({t.action for t in self.transitions if t.source == str(state) and t.actor in caps})

    def check(self, state: str, action: str, capacities: Iterable[str], reason: str | None = None) -> Transition:
        """Return the allowed transition or raise: unknown action (422), wrong state (409), role (403)."""
        caps = set(capacities)
        if action not in self.actions:
            raise ValidationFailed({"action": [lazy_gettext("Unknown action for %(record)s: %(action)s.",
                                                          record=i18n.a_record(self.name), action=action)]})
        t = self.find(state, action, caps)
        if t is None:
            if not any(x.action == action and x.actor in caps for x in self.transitions):
                raise Forbidden(lazy_gettext("You may not %(action)s %(record)s.", action=i18n.action(action),
                                             record=i18n.this_record(self.name)))
            raise InvalidTransition(lazy_gettext("Cannot %(action)s %(record)s that is %(state)s.", action=i18n.action(action),
                                                 record=i18n.a_record(self.name), state=i18n.state(state)))
        if t.reason_required and not (reason or "").strip():
            raise ValidationFailed({"reason": [lazy_gettext("A reason is required to %(action)s.", action=i18n.action(action))]})
        return t


_BEFORE_MATCH = (R.DRAFT, R.SUBMITTED, R.RETURNED, R.PUBLISHED)

REQUEST = Machine("request", [
    (R.DRAFT, "submit", (OWNER, SECRETARIAT), R.SUBMITTED),
    (R.RETURNED, "submit", (OWNER, SECRETARIAT), R.SUBMITTED),
    (R.SUBMITTED, "publish", SECRETARIAT, R.PUBLISHED),
    (R.SUBMITTED, "return", SECRETARIAT, R.RETURNED),
    (R.SUBMITTED, "reject", SECRETARIAT, R.REJECTED),
    (R.SUBMITTED, "recall", OWNER, R.DRAFT),  # the owner takes it back to fix it before the review
    *[(s, "withdraw", OWNER, R.WITHDRAWN) for s in _BEFORE_MATCH],
    (R.PUBLISHED, "match", SYSTEM, R.MATCHED),
    (R.MATCHED, "reopen", SYSTEM, R.PUBLISHED),
    (R.MATCHED, "close", (SECRETARIAT, SYSTEM), R.CLOSED),
    (R.PUBLISHED, "close", SECRETARIAT, R.CLOSED),
])

OFFER = Machine("offer", [
    (O.DRAFT, "submit", (OWNER, SECRETARIAT), O.SUBMITTED),
    (O.RETURNED, "submit", (OWNER, SECRETARIAT), O.SUBMITTED),
    (O.SUBMITTED, "publish", SECRETARIAT, O.PUBLISHED),
    (O.SUBMITTED, "return", SECRETARIAT, O.RETURNED),
    (O.SUBMITTED, "reject", SECRETARIAT, O.REJECTED),
    (O.SUBMITTED, "recall", OWNER, O.DRAFT),
    (O.PUBLISHED, "renew", (OWNER, SECRETARIAT), O.PUBLISHED),
    (O.PUBLISHED, "archive", (OWNER, SECRETARIAT), O.ARCHIVED),
    (O.DRAFT, "archive", OWNER, O.ARCHIVED),
    (O.RETURNED, "archive", OWNER, O.ARCHIVED),
])

_OPEN_MATCH = (M.PROPOSED, M.ACCEPTED_BY_REQUESTER, M.ACCEPTED_BY_PROVIDER)

MATCH = Machine("match", [
    (M.PROPOSED, "accept", REQUESTER, M.ACCEPTED_BY_REQUESTER),
    (M.PROPOSED, "accept", PROVIDER, M.ACCEPTED_BY_PROVIDER),
    (M.ACCEPTED_BY_PROVIDER, "accept", REQUESTER, M.ACCEPTED),
    (M.ACCEPTED_BY_REQUESTER, "accept", PROVIDER, M.ACCEPTED),
    *[(s, "decline", (REQUESTER, PROVIDER), M.DECLINED) for s in _OPEN_MATCH],
    (M.ACCEPTED, "approve", SECRETARIAT, M.APPROVED),
    *[(s, "reject", SECRETARIAT, M.REJECTED) for s in (*_OPEN_MATCH, M.ACCEPTED)],
])

EXCHANGE = Machine("exchange", [
    (X.PLANNED, "agree", SECRETARIAT, X.AGREED),
    (X.AGREED, "start", (SECRETARIAT, PROVIDER), X.IN_PROGRESS),
    (X.IN_PROGRESS, "complete", SECRETARIAT, X.COMPLETED),
    (X.COMPLETED, "evaluate", SECRETARIAT, X.EVALUATED),
    (X.EVALUATED, "close", SECRETARIAT, X.CLOSED),
    *[(s, "cancel", SECRETARIAT, X.CANCELLED) for s in (X.PLANNED, X.AGREED, X.IN_PROGRESS)],
])

MACHINES = {m.name: m for m in (REQUEST, OFFER, MATCH, EXCHANGE)}
