"""A director's requests, a centre's offers and expert roster: lists, forms, workflow buttons, suggestions."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema

from kb import i18n, permissions
from kb import workflow as wf
from kb.errors import Conflict, DomainError, Forbidden, NotFound
from kb.models import Offer, Request, Role
from kb.schemas.common import TransitionSchema
from kb.schemas.exchanges import MatchInSchema
from kb.schemas.matching import SuggestionQuerySchema
from kb.schemas.records import (
    ExpertInSchema,
    ExpertPatchSchema,
    OfferInSchema,
    OfferPatchSchema,
    RequestInSchema,
    RequestPatchSchema,
)
from kb.services import access, exchanges, matching, unmet, workspace
from kb.services import records as svc
from kb.web import display
from kb.web import helpers as h
from kb.web.display import viewer

bp = Blueprint("records", __name__)
bp.context_processor(display.context)


class Kind:
    """What differs between a director's requests and a centre's offers."""

    def __init__(self, name: str, model, role: Role, in_schema, patch_schema, noun: str) -> None:
        self.name, self.model, self.role, self.noun = name, model, role, noun
        self.in_schema, self.patch_schema = in_schema, patch_schema
        self.machine = wf.REQUEST if model is Request else wf.OFFER


KINDS = {
    "requests": Kind("requests", Request, Role.DIRECTOR, RequestInSchema, RequestPatchSchema, "request"),
    "offers": Kind("offers", Offer, Role.CENTRE, OfferInSchema, OfferPatchSchema, "offer"),
}
LIST_FIELDS = ("sectors", "modalities", "sdgs", "languages", "expert_ids")
SUGGESTION_FILTERS = ("sector", "modality", "language", "region", "include_own_country", "include_weak")


def _user_for(kind: Kind):
    """The signed-in user if their role keeps this kind of record, else 403."""
    user = viewer()
    if user is None or user.role != kind.role:
        raise Forbidden(_("These pages are for the organisation's own staff of the right role."))
    return user


def _my_record(kind: Kind, record_id: int):
    """A record of the user's own organisation (someone else's is 404, even when published)."""
    user = _user_for(kind)
    record = access.get_visible_record(kind.model, record_id, user)
    if record.organisation_id != user.organisation_id:
        raise NotFound(i18n.not_found(kind.model.__name__, record_id))
    return user, record


def _field_errors(exc: DomainError) -> dict[str, list[str]]:
    return h.messages(exc.errors)


def _parse(schema: Schema, list_fields: tuple[str, ...] = LIST_FIELDS):
    """The form through the API schema; a field left blank clears its stored value."""
    data = h.form_data(schema, list_fields)
    for name, field in schema.fields.items():
        if name in request.form and name not in data and name not in list_fields and field.allow_none:
            data[name] = None
    return h.load(schema, data)


# --- lists ------------------------------------------------------------------------------------

@bp.route("/my/<any(requests, offers):kind>")
@login_required
def mine(kind: str):
    """My organisation's requests or offers with their status at a glance."""
    k = KINDS[kind]
    user = _user_for(k)
    status = request.args.get("status") or None
    if status not in k.machine.states:
        status = None
    page = h.page_number()
    f = svc.RecordFilters(organisation_id=user.organisation_id, status=status)
    found = svc.list_records(k.model, user, f, page, 50)
    return render_template("records/mine.html", kind=kind, items=found.items, total=found.total, page=page,
                           pages=found.pages, status=status,
                           states=k.machine.states)


# --- create and edit ---------------------------------------------------------------------------

def _values_from(record) -> dict[str, Any]:
    names = svc.SIMPLE_FIELDS[type(record)]
    values: dict[str, Any] = {n: getattr(record, n) for n in names}
    for n, v in values.items():
        if hasattr(v, "isoformat"):
            values[n] = v.isoformat()
        elif v is not None and not isinstance(v, (str, int)):
            values[n] = str(v)
    values.update(sectors=record.sector_codes, modalities=record.modality_codes,
                  sdgs=[str(n) for n in record.sdg_numbers], languages=record.language_codes,
                  version=record.version)
    if isinstance(record, Offer):
        values["expert_ids"] = [str(e.id) for e in record.experts]
    return values


def _values_from_form() -> dict[str, Any]:
    return {k: (request.form.getlist(k) if k in LIST_FIELDS else request.form.get(k, "")) for k in request.form}


def _roster(user) -> list[tuple[str, str]]:
    """(id, name) of the experts on a centre's roster, for linking them to an offer."""
    return [(str(e.id), e.name + ("" if e.active else f" ({_('inactive')})")) for e in svc.roster(user)]


def _date_passed(value: Any) -> bool:
    """True for a date (or an ISO date string, as the form holds it) before today."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return False
    return isinstance(value, date) and value < date.today()


def _render_form(k: Kind, user, values, errors, record=None, message=None, status=200):
    return render_template("records/form.html", kind=k.name, values=values, errors=errors, record=record,
                           message=message, roster=_roster(user),
                           valid_until_passed=k.model is Offer and _date_passed(values.get("valid_until"))), status


@bp.route("/my/<any(requests, offers):kind>/new", methods=["GET", "POST"])
@login_required
def new(kind: str):
    """A form to create a draft request (director) or offer (centre)."""
    k = KINDS[kind]
    user = _user_for(k)
    if request.method == "GET":
        return _render_form(k, user, {"terms": "in-kind"}, {})  # text_lang left blank: detected from the text
    data, errors = _parse(k.in_schema())
    if errors:
        return _render_form(k, user, _values_from_form(), errors, status=422)
    try:
        record = svc.create_record(k.model, user, data)
    except DomainError as exc:
        return _render_form(k, user, _values_from_form(), _field_errors(exc), message=h.message(exc.message),
                            status=h.form_status(exc))
    flash(_("Draft saved. Submit it when it is ready for review."), "ok")
    if "text_lang" not in data:
        flash(_("Language of the text detected: %(language)s. If that is wrong, correct it below and save.",
                language=display.language_name(record.text_lang)), "ok")
        return redirect(url_for("records.edit", kind=kind, record_id=record.id, detected=record.text_lang))
    return redirect(url_for("records.record", kind=kind, record_id=record.id))


@bp.route("/my/<any(requests, offers):kind>/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(kind: str, record_id: int):
    """Edit one of my drafts (or a returned record); a stale form is refused with 409."""
    k = KINDS[kind]
    user, record = _my_record(k, record_id)
    if permissions.EDIT not in permissions.capabilities(user, record):
        if "recall" in permissions.transitions(user, record):  # the record page offers to take it back
            return _render_record(k, user, record, _("A submitted record cannot be edited: recall it to draft "
                                                     "first (it leaves the review queue until you submit it again)."),
                                  status=409)
        raise Conflict(_("A record can be edited only while it is a draft or returned."))
    if request.method == "GET":
        values = _values_from(record)
        values["text_lang_detected"] = request.args.get("detected") == record.text_lang
        return _render_form(k, user, values, {}, record=record)
    data, errors = _parse(k.patch_schema())
    if errors:
        return _render_form(k, user, _values_from_form(), errors, record=record, status=422)
    version = data.pop("version", None)
    try:
        svc.update_record(k.model, user, record_id, data, version)
    except DomainError as exc:
        return _render_form(k, user, _values_from_form(), _field_errors(exc), record=record,
                            message=h.message(exc.message), status=h.form_status(exc))
    flash(_("Changes saved."), "ok")
    return redirect(url_for("records.record", kind=kind, record_id=record_id))


# --- one record: details, workflow buttons, suggestions ---------------------------------------

def _suggestions(k: Kind, user, record) -> tuple[list[dict[str, Any]] | None, dict[str, Any], dict[str, list[str]]]:
    """Ranked candidates for a published, unexpired record (None when it cannot be matched now)."""
    values = {n: request.args.get(n, "") for n in SUGGESTION_FILTERS}
    if record.status != "published" or (isinstance(record, Offer) and record.is_expired()):
        return None, values, {}
    args, errors = h.load(SuggestionQuerySchema(), h.form_data(SuggestionQuerySchema(), form=request.args))
    if errors:
        return [], values, errors
    args.pop("k", None)
    return matching.suggest(user, k.noun, record.id, matching.SuggestionArgs(k=10, **args)), values, {}


def _render_record(k: Kind, user, record, message: str | None = None, errors=None, status: int = 200):
    suggestions, filters, filter_errors = _suggestions(k, user, record)
    can = permissions.capabilities(user, record)
    # Before it is submitted, the author is warned of records that say nearly the same thing.
    duplicates = matching.find_duplicates(record, user) if permissions.EDIT in can else []
    return render_template(
        "records/record.html", kind=k.name, record=record, actions=permissions.transitions(user, record),
        reason_required=wf.REASON_REQUIRED, editable=permissions.EDIT in can, duplicates=duplicates,
        suggestions=suggestions, filters=filters, filter_errors=filter_errors,
        notice=unmet.notice(user, record) if suggestions is not None and not filter_errors else None,
        can_express_interest=(user.role == Role.CENTRE and suggestions is not None),
        open_matches=(exchanges.open_matches_of(user, offer_id=record.id)
                      if user.role == Role.CENTRE and suggestions else {}),
        message=message, errors=errors or {}, return_reason=workspace.return_reason(record),
        exchange=workspace.exchange_of(user, record) if str(record.status) == "matched" else None,
    ), (422 if filter_errors and status == 200 else status)


@bp.route("/my/<any(requests, offers):kind>/<int:record_id>")
@login_required
def record(kind: str, record_id: int):
    """One of my records: details, the actions I may take, suggested counterparts with explanations."""
    k = KINDS[kind]
    user, rec = _my_record(k, record_id)
    return _render_record(k, user, rec)


@bp.route("/my/<any(requests, offers):kind>/<int:record_id>/transition", methods=["POST"])
@login_required
def transition(kind: str, record_id: int):
    """Submit, withdraw, renew or archive one of my records (the workflow decides what is allowed)."""
    k = KINDS[kind]
    user, rec = _my_record(k, record_id)
    form = {key: v for key, v in request.form.items() if key in TransitionSchema().fields and v.strip()}
    data, errors = h.load(TransitionSchema(), form)
    if errors:
        return _render_record(k, user, rec, _("Please check your input."), errors, 422)
    action, reason, version = data.pop("action"), data.pop("reason"), data.pop("version")
    before = str(rec.status)
    try:
        moved = svc.transition_record(k.model, user, record_id, action, reason, version, data)
    except DomainError as exc:
        _user, rec = _my_record(k, record_id)
        return _render_record(k, user, rec, h.message(exc.message), _field_errors(exc), h.form_status(exc))
    if str(moved.status) != before:  # where the record is now, as the review queue says it ("Done: Archive." did not)
        flash(_("“%(title)s” is now %(state)s.", title=moved.title, state=h.state(moved.status)), "ok")
    else:
        flash(_("Done: %(action)s.", action=h.action(action)), "ok")
    return redirect(url_for("records.record", kind=kind, record_id=record_id))


@bp.route("/my/offers/<int:record_id>/interest", methods=["POST"])
@login_required
def interest(record_id: int):
    """Express interest in a published request with one of my offers (a match accepted on our side)."""
    return _express_interest(record_id)


@bp.route("/my/interest", methods=["POST"])
@login_required
def interest_from_catalogue():
    """The same, from a request's catalogue page where the centre picks which of its offers answers it."""
    offer_id = h.record_id(request.form.get("offer_id"))
    if offer_id is None:
        _user_for(KINDS["offers"])
        raise NotFound("Offer not found.")
    return _express_interest(offer_id)


def _express_interest(offer_id: int):
    k = KINDS["offers"]
    user, rec = _my_record(k, offer_id)
    form = {key: v for key, v in request.form.items() if key in ("request_id", "note") and v.strip()}
    data, errors = h.load(MatchInSchema(), {**form, "offer_id": offer_id})
    if errors:
        return _render_record(k, user, rec, _("Please check your input."), errors, 422)
    try:
        match = exchanges.propose_match(user, data["request_id"], offer_id, data["note"])
    except DomainError as exc:
        _user, rec = _my_record(k, offer_id)
        return _render_record(k, user, rec, h.message(exc.message), _field_errors(exc), h.form_status(exc))
    flash(_("Interest expressed (match %(id)s): the requester and the secretariat will answer.", id=match.id), "ok")
    return redirect(url_for("records.record", kind="offers", record_id=offer_id))


# --- expert roster -----------------------------------------------------------------------------

EXPERT_FIELDS = ("name", "email", "phone", "expertise", "languages", "availability", "active", "sex",
                 "nationality_code", "sectors", "years_experience", "cv")
EXPERT_LISTS = ("languages", "sectors")


def _centre():
    user = viewer()
    if user is None or user.role != Role.CENTRE:
        raise Forbidden(_("The expert roster is kept by the competence centre's staff."))
    return user


def _render_expert_form(values, errors, expert=None, message=None, status=200):
    return render_template("records/expert_form.html", values=values, errors=errors, expert=expert,
                           message=message), status


@bp.route("/my/experts")
@login_required
def experts():
    """The centre's expert roster."""
    user = _centre()
    page = h.page_number()
    found = svc.list_experts(user, svc.ExpertFilters(organisation_id=user.organisation_id), page, 50)
    return render_template("records/experts.html", items=found.items, total=found.total, page=page,
                           pages=found.pages)


@bp.route("/my/experts/new", methods=["GET", "POST"])
@login_required
def new_expert():
    """Add a person to the roster."""
    user = _centre()
    if request.method == "GET":
        return _render_expert_form({"active": "true", "languages": [], "sectors": []}, {})
    data, errors = _parse(ExpertInSchema(), EXPERT_LISTS)
    if errors:
        return _render_expert_form(_values_from_form(), errors, status=422)
    try:
        svc.create_expert(user, data)
    except DomainError as exc:
        return _render_expert_form(_values_from_form(), _field_errors(exc), message=h.message(exc.message),
                                   status=h.form_status(exc))
    flash(_("Expert added to the roster."), "ok")
    return redirect(url_for("records.experts"))


@bp.route("/my/experts/<int:expert_id>/edit", methods=["GET", "POST"])
@login_required
def edit_expert(expert_id: int):
    """Edit a roster entry of my centre."""
    user = _centre()
    expert = svc.get_expert(user, expert_id)
    if expert.organisation_id != user.organisation_id:
        raise NotFound(i18n.not_found("expert", expert_id))
    if request.method == "GET":
        values = {n: getattr(expert, n) for n in EXPERT_FIELDS}
        values.update(active="true" if expert.active else "false", version=expert.version,
                      sex=expert.sex.value if expert.sex else "", sectors=list(expert.sectors or []))
        return _render_expert_form(values, {}, expert)
    data, errors = _parse(ExpertPatchSchema(), EXPERT_LISTS)
    if errors:
        return _render_expert_form(_values_from_form(), errors, expert, status=422)
    version = data.pop("version", None)
    try:
        svc.update_expert(user, expert_id, data, version)
    except DomainError as exc:
        return _render_expert_form(_values_from_form(), _field_errors(exc), expert, h.message(exc.message), h.form_status(exc))
    flash(_("Changes saved."), "ok")
    return redirect(url_for("records.experts"))
