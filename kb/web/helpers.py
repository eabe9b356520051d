"""Small helpers for views and templates: form parsing through the API schemas, labels, formatting."""
from __future__ import annotations

import functools
from typing import Any

from flask import request
from flask_babel import format_date, format_decimal, format_percent, gettext, lazy_gettext
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from kb import i18n
from kb.models import ActivityKind, ContributionKind, PartyRole, Role, Terms
from kb.schemas.common import text_input
from kb.services import reference

# Workflow states and actions as people read them (the codes stay in URLs and the API).
STATE_LABELS = {
    "draft": lazy_gettext("Draft"), "submitted": lazy_gettext("Submitted"), "returned": lazy_gettext("Returned"),
    "published": lazy_gettext("Published"), "matched": lazy_gettext("Matched"), "closed": lazy_gettext("Closed"),
    "rejected": lazy_gettext("Rejected"), "withdrawn": lazy_gettext("Withdrawn"), "archived": lazy_gettext("Archived"),
    "proposed": lazy_gettext("Proposed"), "accepted_by_requester": lazy_gettext("Accepted by requester"),
    "accepted_by_provider": lazy_gettext("Accepted by provider"), "accepted": lazy_gettext("Accepted"),
    "approved": lazy_gettext("Approved"), "declined": lazy_gettext("Declined"), "planned": lazy_gettext("Planned"),
    "agreed": lazy_gettext("Agreed"), "in_progress": lazy_gettext("In progress"),
    "completed": lazy_gettext("Completed"), "evaluated": lazy_gettext("Evaluated"),
    "cancelled": lazy_gettext("Cancelled"), "offered": lazy_gettext("Offered"),
}
ACTION_LABELS = {
    "submit": lazy_gettext("Submit"), "publish": lazy_gettext("Publish"), "return": lazy_gettext("Return"),
    "reject": lazy_gettext("Reject"), "withdraw": lazy_gettext("Withdraw"), "archive": lazy_gettext("Archive"),
    "renew": lazy_gettext("Renew"), "close": lazy_gettext("Close"), "accept": lazy_gettext("Accept"),
    "decline": lazy_gettext("Decline"), "approve": lazy_gettext("Approve"), "agree": lazy_gettext("Record agreement"),
    "start": lazy_gettext("Start"), "complete": lazy_gettext("Complete"), "evaluate": lazy_gettext("Evaluate"),
    "cancel": lazy_gettext("Cancel"), "recall": lazy_gettext("Recall to draft"),
}
ROLE_LABELS = {
    "admin": lazy_gettext("Administrator"), "secretariat": lazy_gettext("Secretariat"),
    "director": lazy_gettext("Cooperation director"), "centre": lazy_gettext("Competence centre"),
    "partner": lazy_gettext("Partner"),
}
LANGUAGE_NAMES = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français"}
# The fixed vocabularies of the code (enums: no one edits them) as people read them, translated in the catalogues.
# Sectors, modalities, SDGs and regional groups are data: their labels are the database's (reference.labels).
TERM_LABELS = {
    Terms.IN_KIND.value: lazy_gettext("In kind"), Terms.COST_SHARED.value: lazy_gettext("Cost-shared"),
    Terms.PAID.value: lazy_gettext("Paid"),
}
ACTIVITY_KIND_LABELS = {
    ActivityKind.EXPERT_MISSION.value: lazy_gettext("Expert mission"),
    ActivityKind.TRAINING.value: lazy_gettext("Training"),
    ActivityKind.STUDY_VISIT.value: lazy_gettext("Study visit"),
    ActivityKind.VIRTUAL_SESSION.value: lazy_gettext("Virtual session"),
}
CONTRIBUTION_KIND_LABELS = {
    ContributionKind.MONEY.value: lazy_gettext("Financial contribution"),
    ContributionKind.EXPERT_DAYS.value: lazy_gettext("Expert days"),
    ContributionKind.HOSTING.value: lazy_gettext("Hosting (venue and logistics)"),
    ContributionKind.IN_KIND_OTHER.value: lazy_gettext("Other in-kind contribution"),
}
PARTY_ROLE_LABELS = {
    PartyRole.REQUESTER.value: lazy_gettext("Requester"), PartyRole.PROVIDER.value: lazy_gettext("Provider"),
    PartyRole.FACILITATOR.value: lazy_gettext("Facilitator"), PartyRole.PARTNER.value: lazy_gettext("Partner"),
}
# The pair features a suggestion's score is made of (kb.matching.ranking.FEATURES / SECOND_FEATURES), in the
# order the "Component scores" table of an explanation lists them.
COMPONENT_LABELS = {
    "dense_cosine": lazy_gettext("Meaning (cosine)"), "dense_z": lazy_gettext("Meaning (relative)"),
    "dense_z_e5": lazy_gettext("Meaning, second model (relative)"),
    "sibling_z": lazy_gettext("The institution's other offers (relative meaning)"),
    "dense_rc": lazy_gettext("Meaning (against the other requests)"), "keyword": lazy_gettext("Keywords"),
    "sectors": lazy_gettext("Sectors"), "modalities": lazy_gettext("Modalities"), "languages": lazy_gettext("Languages"),
    "same_text_lang": lazy_gettext("Texts in the same language (adjusted)"),
    "has_sectors": lazy_gettext("The request has sectors"), "has_modalities": lazy_gettext("The request has modalities"),
}
FIXED_VOCABULARIES = {"terms": TERM_LABELS, "activity_kinds": ACTIVITY_KIND_LABELS,
                      "contribution_kinds": CONTRIBUTION_KIND_LABELS, "party_roles": PARTY_ROLE_LABELS}


def here() -> str:
    """This page's address for a form that comes back to it (the language switcher). A page answering a form
    (a POST: a refused form shown again) has an address that takes forms only, where a GET is a 405 dead end:
    the page the form was sent from (same site) stands for it, else the front page."""
    from urllib.parse import urlsplit

    if request.method == "GET":
        return request.full_path.rstrip("?")
    ref = urlsplit(request.referrer or "")
    back = ref.path + (f"?{ref.query}" if ref.query else "")
    return back if ref.netloc == request.host and is_local_path(back) else "/"


def is_local_path(target: str | None) -> bool:
    """A path of this site to send a browser to (after a form): never another host, nor anything a browser reads as
    one ("//x", "/\\x": browsers take a backslash for a slash; control characters, which they drop)."""
    from urllib.parse import urlsplit

    return bool(target and target.startswith("/") and not target.startswith("//") and "\\" not in target
                and not any(ord(c) < 32 or ord(c) == 127 for c in target) and not urlsplit(target).netloc)


def state(code: Any) -> str:
    """A workflow state in the current language."""
    return str(STATE_LABELS.get(str(code), code))


def action(code: str) -> str:
    """A workflow action in the current language."""
    return str(ACTION_LABELS.get(code, code))


def notification_kind(code: str) -> str:
    """A kind of notification in the current language."""
    from kb.i18n import NOTIFICATION_KINDS

    return str(NOTIFICATION_KINDS.get(code, code))


def delivery(code: str) -> str:
    """immediately / daily / never, as the preferences page says them."""
    from kb.i18n import DELIVERIES

    return str(DELIVERIES.get(code, code))


def happened(n: Any) -> str:
    """What a notification's event did, in the current language ("published", "an activity was reported")."""
    from kb.i18n import EVENTS
    from kb.i18n import state as in_sentence

    event = n.event
    if event.to_state and event.from_state != event.to_state:  # inside the sentence, like the EVENTS below
        return str(in_sentence(event.to_state))
    return str(EVENTS.get(event.action) or ACTION_LABELS.get(event.action, event.action))


def event_reason(event: Any) -> str:
    """An event's reason as the reader should see it: a reminder's (a fixed message) in their language."""
    from kb.i18n import FIXED_REASONS

    if event.action in FIXED_REASONS and event.reason:
        return gettext(event.reason)
    return event.reason or ""


def record_type(code: str | None) -> str:
    """Request, Offer, Match, Exchange in the current language."""
    from kb.i18n import RECORD_TYPES

    return str(RECORD_TYPES.get(code or "", code or ""))


def role(code: Any) -> str:
    """A role in the current language."""
    return str(ROLE_LABELS.get(str(code), code))


def _lang() -> str:
    return i18n.current_language()


_FIXED_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def labels(name: str) -> dict[str, str]:
    """{code: label} of a vocabulary in the current language, in display order: sectors, modalities, sdgs and
    regional_groups from the database; terms, activity_kinds, contribution_kinds and party_roles from the catalogues."""
    lang = _lang()
    fixed = FIXED_VOCABULARIES.get(name)
    if fixed is not None:
        # The catalogues do not change while the process runs: each language's labels are translated once.
        key = (name, lang)
        found = _FIXED_LABELS.get(key)
        if found is None:
            found = _FIXED_LABELS[key] = {code: str(label) for code, label in fixed.items()}
        return found
    return reference.labels(name, lang)


def label(name: str, code: Any) -> str:
    """One code's label in the current language (the code itself when unknown)."""
    return labels(name).get(str(code), str(code))


def sector(code: str) -> str:
    """A sector label in the current language."""
    return label("sectors", code)


def modality(code: str) -> str:
    """A modality label in the current language."""
    return label("modalities", code)


def vocabulary(name: str, keep: Any = ()) -> list[tuple[str, str]]:
    """(code, label) pairs a form offers, in the current language (see labels): without the retired sectors and
    modalities, except those in keep (what the record has already, so that an edit keeps them)."""
    keep = {str(k) for k in keep or ()}
    retired = reference.retired_codes(name) if name in ("sectors", "modalities") else frozenset()
    return [(code, text) for code, text in labels(name).items() if code not in retired or code in keep]


def country(record_or_code: Any) -> str:
    """A country's name in the current language."""
    c = getattr(record_or_code, "country", None)
    if c is not None:
        return c.label(_lang())
    return reference.country_name(str(record_or_code), _lang()) or str(record_or_code)


def person(user: Any) -> str:
    """Who did something, for the signed-in viewer: the name, else the e-mail where the viewer may see it
    (kb.permissions.can_see_email_of: staff, or the same organisation), else nothing."""
    from flask_login import current_user

    from kb.permissions import can_see_email_of

    if user is None:
        return ""
    if user.name:
        return user.name
    viewer = current_user if getattr(current_user, "is_authenticated", False) else None
    return user.email if can_see_email_of(viewer, user) else ""


def date(value: Any) -> str:
    """A date in the current locale's medium format (each date formatted once per locale and time zone: a list
    page shows twenty)."""
    if not value:
        return ""
    from flask_babel import get_timezone

    return _date(value, str(i18n.current_locale()), str(get_timezone()))


@functools.lru_cache(maxsize=8192)
def _date(value: Any, _locale: str, _timezone: str) -> str:
    """format_date in the locale and time zone of the call (the key's)."""
    return format_date(value, "medium")


def number(value: Any) -> str:
    """A number in the current locale's format."""
    return format_decimal(value) if value is not None else ""


def percent(value: Any) -> str:
    """A 0-1 share as a whole percentage in the reader's locale ("87 %" in French)."""
    return format_percent(value, "#,##0%") if value is not None else ""


BANDS = {"strong": lazy_gettext("Strong match"), "possible": lazy_gettext("Possible match"),
         "weak": lazy_gettext("Weak match")}


def band(code: str | None) -> str:
    """The label of a fit band."""
    return str(BANDS.get(code or "", code or ""))


def pair_summary(explanation: Any) -> str:
    """The plain sentence of a pair's explanation in the reader's language (also for stored ones)."""
    from kb.services.matching import summary_sentence

    return summary_sentence(explanation) if explanation else ""


def plural_n(value: Any) -> int:
    """The whole number that picks a plural form (gettext wants an int): 2.5 expert-days take the plural."""
    value = value or 0
    return int(value) if value == int(value) else 2


def form_data(schema: Schema, list_fields: tuple[str, ...] = (), form: MultiDict | None = None) -> dict[str, Any]:
    """The submitted form as the dict the API schema expects: empty fields dropped, lists kept."""
    form = form if form is not None else request.form
    data: dict[str, Any] = {}
    for key in schema.fields:
        if key in list_fields:
            values = [v for v in form.getlist(key) if v.strip()]
            if values or key in form:
                data[key] = values
        elif key in form and form[key].strip() != "":
            data[key] = form[key].strip()
    return data


def message(msg: Any) -> str:
    """A message from a service, a schema or Werkzeug in the current language (kb.i18n.translate; the catalogue
    of the libraries' messages is kb/web/messages.py)."""
    return i18n.translate(msg)


def messages(errors: Any) -> dict[str, list[str]]:
    """Field errors {field: [messages]} in the current language (nested errors of list items flattened)."""
    def flat(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [m for v in value.values() for m in flat(v)]
        if isinstance(value, (list, tuple)):
            return [m for v in value for m in flat(v)]
        return [message(value)]

    return {str(k): flat(v) for k, v in (errors or {}).items()}


def form_status(exc: Any) -> int:
    """The status of a page showing a service's refusal on its form: a field naming a record that does not
    exist (the API's 404 with the field named) is the form's error, 422; otherwise the refusal's own status."""
    from kb.errors import NotFound

    return 422 if isinstance(exc, NotFound) and exc.errors else exc.status


def load(schema: Schema, data: dict[str, Any], partial: bool = False) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Validate a form or query string (text) with the API schema: (loaded data, {}) or (None, field errors
    in the current language)."""
    try:
        with text_input():
            return schema.load(data, partial=partial), {}
    except ValidationError as err:
        return None, messages(err.normalized_messages())


def page_number(name: str = "page") -> int:
    """The page a list page shows: its query parameter read with the API's rule (PageQuerySchema: a whole number
    from 1 to 100000), 1 when absent; anything else is a 422 naming the parameter (a larger number would overflow
    the database's OFFSET: a 500 on PostgreSQL and SQLite)."""
    from kb.errors import ValidationFailed
    from kb.schemas.common import PageQuerySchema

    raw = request.args.get(name)
    if raw is None:
        return 1
    page_field = PageQuerySchema().fields["page"]
    try:
        with text_input():
            return int(page_field.deserialize(raw))
    except ValidationError:
        limit = next(v.max for v in page_field.validators if getattr(v, "max", None))
        message = lazy_gettext("The page number must be a whole number from 1 to %(max)s.", max=limit)
        raise ValidationFailed({name: [message]}, message) from None


def record_id(text: str | None) -> int | None:
    """An id typed into a form (a select's value) as an int, None when it is not one any record can have (the
    schemas' ID rule: a database integer from 1): the caller answers as for an unknown record."""
    from kb.schemas.common import ID

    try:
        value = int((text or "").strip())
        ID(value)
    except (ValueError, ValidationError):
        return None
    return value


def record_url(record: Any) -> str | None:
    """Where the signed-in viewer reads a request or offer: their own organisation's record page, else its
    catalogue page when they may see it (published, or staff); None when they may not see it."""
    from flask import url_for
    from flask_login import current_user

    from kb.models import Offer, Request
    from kb.permissions import is_staff

    kind = "requests" if isinstance(record, Request) else "offers" if isinstance(record, Offer) else None
    if kind is None:
        return None
    viewer = current_user if getattr(current_user, "is_authenticated", False) else None
    owner_role = Role.DIRECTOR if kind == "requests" else Role.CENTRE
    if viewer is not None and viewer.role == owner_role and viewer.organisation_id == record.organisation_id:
        return url_for("records.record", kind=kind, record_id=record.id)
    if str(record.status) == "published" or is_staff(viewer) or \
            (viewer is not None and viewer.organisation_id == record.organisation_id):
        return url_for("catalogue.request_page" if kind == "requests" else "catalogue.offer", record_id=record.id)
    return None


def money(amount: Any, currency: str | None) -> str:
    """An amount with its currency in the current locale's format (the amount alone without a currency)."""
    from flask_babel import format_currency

    if amount is None:
        return ""
    return format_currency(amount, currency) if currency else number(amount)
