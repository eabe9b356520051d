"""Pages with several forms: which form failed, its input kept, its errors by field, the HTTP status."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, request
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from kb.errors import DomainError, NotFound, ValidationFailed
from kb.models import Role
from kb.web import helpers as h

GENERIC_INVALID = "Invalid input."  # kb.errors.ValidationFailed's default message
MATCH_ORIGIN_LABELS = {
    "suggestion": lazy_gettext("Suggested by the matching engine"),
    "interest": lazy_gettext("Interest expressed by the centre"),
    "manual": lazy_gettext("Proposed by the secretariat"),
}
ANSWER_LABELS = {"accepted": lazy_gettext("Accepted"), "declined": lazy_gettext("Declined")}
EVENT_ACTION_LABELS = {
    "create": lazy_gettext("Created"), "update": lazy_gettext("Edited"), "propose": lazy_gettext("Proposed"),
    "join": lazy_gettext("Partner joined"), "contribute": lazy_gettext("Contribution declared"),
    "activity": lazy_gettext("Activity reported"), "result": lazy_gettext("Results reported"),
    "expert": lazy_gettext("Expert recorded"),
    "match": lazy_gettext("Matched"), "reopen": lazy_gettext("Reopened"),
}
RECORD_TYPE_LABELS = {"request": lazy_gettext("Request"), "offer": lazy_gettext("Offer"),
                      "match": lazy_gettext("Match"), "exchange": lazy_gettext("Exchange")}


@dataclass
class Failure:
    """A refused form: which one, what the user typed, and what went wrong."""

    form: str
    status: int
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None
    field_names: tuple[str, ...] = ()

    @property
    def other_errors(self) -> dict[str, list[str]]:
        """Errors about fields the form does not show (they go next to the message)."""
        return {k: v for k, v in self.errors.items() if k not in self.field_names}

    def values_for(self, form: str) -> dict[str, Any]:
        """The kept input when this is the failed form, else nothing."""
        return self.values if self.form == form else {}

    def errors_for(self, form: str) -> dict[str, list[str]]:
        """Field errors when this is the failed form, else none."""
        return self.errors if self.form == form else {}


def submitted_values() -> dict[str, Any]:
    """The posted form as plain values (lists only where a name repeats)."""
    out: dict[str, Any] = {}
    for key in request.form:
        values = request.form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def invalid(form: str, errors: dict[str, list[str]], field_names: tuple[str, ...] = ()) -> Failure:
    """A failure from schema validation (422)."""
    return Failure(form, 422, submitted_values(), errors, gettext("Please correct the fields marked below."),
                   field_names)


def refused(form: str, exc: DomainError, field_names: tuple[str, ...] = ()) -> Failure:
    """A failure from a service; a record the user may not see stays a plain 404 page, but a form field naming
    one (an unknown id the user typed) is an error on the form (422)."""
    if isinstance(exc, NotFound) and not exc.errors:
        abort(404)
    message = h.message(exc.message)
    if isinstance(exc, ValidationFailed) and exc.errors and str(exc.message) == GENERIC_INVALID:
        # The service's generic "Invalid input." says less than the page can: its fields are marked below.
        message = gettext("Please correct the fields marked below.")
    return Failure(form, h.form_status(exc), submitted_values(), h.messages(exc.errors), message, field_names)


def require_role(*roles: Role) -> None:
    """403 unless the signed-in user has one of the roles (the services check again)."""
    if current_user.role not in roles:
        abort(403)


def vocab(name: str) -> dict[str, str]:
    """{code: label} of a vocabulary in the current language (helpers.labels)."""
    return h.labels(name)


def labels() -> dict[str, Any]:
    """Label tables the exchange and matching templates use."""
    return {
        "activity_kinds": vocab("activity_kinds"), "contribution_kinds": vocab("contribution_kinds"),
        "party_roles": vocab("party_roles"), "terms": vocab("terms"),
        "origins": {k: str(v) for k, v in MATCH_ORIGIN_LABELS.items()},
        "answers": {k: str(v) for k, v in ANSWER_LABELS.items()},
        "record_types": {k: str(v) for k, v in RECORD_TYPE_LABELS.items()},
    }


def event_label(action: str, from_state: str | None = None, to_state: str | None = None) -> str:
    """An audit event as a history reads it, in the past: "Submitted", "Accepted by requester", not the button
    that made it ("Submit", "Accept"); a move between states is named by the state it reached."""
    if action in EVENT_ACTION_LABELS:
        return str(EVENT_ACTION_LABELS[action])
    if to_state and from_state != to_state:
        return h.state(to_state)
    return h.action(action)
