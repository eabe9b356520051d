"""Who hears about what: each move of a record (its type and action) mapped to the parties told, and in which
kind of notification (a pure table; kb/services/audit.py resolves the parties to users and leaves the actor out).

Parties: ``owner`` (the users of the request's or offer's organisation), ``secretariat`` (every secretariat
user), ``requester`` / ``provider`` (the users of the two sides of a match or exchange), ``facilitator`` and
``partner`` (the users of those parties of an exchange).

Kinds are what a user chooses how to receive (at once, in a daily digest, never): ``record_update`` (their own
request or offer moved), ``review`` (the secretariat has something to decide), ``match_proposed`` (a match asks
their answer), ``match_update``, ``exchange_update``, ``match_alert`` (a newly published record fits theirs) and
``reminder``.
"""
from __future__ import annotations

OWNER, SECRETARIAT, REQUESTER, PROVIDER, FACILITATOR, PARTNER = (
    "owner", "secretariat", "requester", "provider", "facilitator", "partner")
PARTIES = (OWNER, SECRETARIAT, REQUESTER, PROVIDER, FACILITATOR, PARTNER)

RECORD_UPDATE, REVIEW, MATCH_PROPOSED, MATCH_UPDATE, EXCHANGE_UPDATE, MATCH_ALERT, REMINDER = (
    "record_update", "review", "match_proposed", "match_update", "exchange_update", "match_alert", "reminder")
KINDS = (RECORD_UPDATE, REVIEW, MATCH_PROPOSED, MATCH_UPDATE, EXCHANGE_UPDATE, MATCH_ALERT, REMINDER)
# Messages about one's account (a password-reset link, an invitation, an application's confirmation and answer):
# written whole when queued (kb/services/accounts.py), always sent at once, never in an inbox or a digest, and
# not a choice in the preferences (nobody can turn off the link they asked for).
ACCOUNT = "account"

_NOBODY: dict[str, str] = {}
_OWNER = {OWNER: RECORD_UPDATE}
_TO_REVIEW = {OWNER: RECORD_UPDATE, SECRETARIAT: REVIEW}
_OWNER_AND_SECRETARIAT = {OWNER: RECORD_UPDATE, SECRETARIAT: RECORD_UPDATE}
_SIDES = {REQUESTER: MATCH_UPDATE, PROVIDER: MATCH_UPDATE}
_SIDES_AND_SECRETARIAT = {**_SIDES, SECRETARIAT: MATCH_UPDATE}
_EXCHANGE = {REQUESTER: EXCHANGE_UPDATE, PROVIDER: EXCHANGE_UPDATE, FACILITATOR: EXCHANGE_UPDATE,
             PARTNER: EXCHANGE_UPDATE, SECRETARIAT: EXCHANGE_UPDATE}

_RECORD_MOVES = {
    "create": _NOBODY,           # a draft concerns nobody else yet
    "import": _NOBODY,           # bulk imports are published by the secretariat itself
    "update": _OWNER,            # colleagues see edits; the secretariat reviews on submission
    "submit": _TO_REVIEW,
    "publish": _OWNER,
    "recall": _OWNER_AND_SECRETARIAT,  # the owner took it back to draft: the review queue loses it
    "return": _OWNER,
    "reject": _OWNER,
}

TABLE: dict[str, dict[str, dict[str, str]]] = {
    "request": {**_RECORD_MOVES, "withdraw": _OWNER_AND_SECRETARIAT, "match": _OWNER, "reopen": _OWNER,
                "close": _OWNER,
                # published without a strong match, or waiting too long without a proposal (kb/services/unmet.py)
                "unmet": {SECRETARIAT: REMINDER}},
    "offer": {**_RECORD_MOVES, "renew": _OWNER, "archive": _OWNER_AND_SECRETARIAT},
    # "alert" (a newly published record fits another organisation's) is addressed by kb/services/alerts.py
    # to the organisation of each fitting record, as MATCH_ALERT; no party of the record itself is told.
    "match": {
        "propose": {REQUESTER: MATCH_PROPOSED, PROVIDER: MATCH_PROPOSED},
        "accept": _SIDES_AND_SECRETARIAT,
        "decline": _SIDES_AND_SECRETARIAT,
        "approve": _SIDES,
        "reject": _SIDES,
    },
    # An institution confirmed its application to join: the secretariat decides (kb/services/accounts.py
    # writes the applicant's own messages itself, as ACCOUNT messages).
    "application": {"confirm": {SECRETARIAT: REVIEW}},
    # A partner's offer of a contribution: the secretariat decides; the partner hears the answer.
    "contribution_offer": {"offer": {SECRETARIAT: REVIEW}, "accept": {OWNER: EXCHANGE_UPDATE},
                           "decline": {OWNER: EXCHANGE_UPDATE}, "withdraw": {SECRETARIAT: EXCHANGE_UPDATE}},
    "exchange": {action: _EXCHANGE for action in (
        "create", "agree", "start", "complete", "evaluate", "close", "cancel",
        "join", "contribute", "activity", "result")},
}

# When a user belongs to several parties of a move, the kind of the first party in this order is theirs.
PRECEDENCE = (REQUESTER, PROVIDER, OWNER, FACILITATOR, PARTNER, SECRETARIAT)


def recipients(record_type: str, action: str) -> dict[str, str]:
    """The parties told about this move, each with its kind of notification; {} for a move nobody hears about
    (and for a record type without notifications: organisations, users, experts)."""
    return dict(TABLE.get(record_type, {}).get(action, {}))


# How a user receives a kind by e-mail (the inbox has everything whatever the choice).
IMMEDIATELY, DAILY, NEVER = "immediately", "daily", "never"
DELIVERIES = (IMMEDIATELY, DAILY, NEVER)
