"""Secretariat pages: the review queue and the matching desk."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb.errors import DomainError
from kb.models import Match, MatchState, Offer, OfferState, Request, RequestState, Role
from kb.schemas.common import TransitionSchema
from kb.schemas.exchanges import MatchInSchema
from kb.schemas.matching import DeskSelectionSchema, SuggestionQuerySchema, WaitingQuerySchema
from kb.services import access, matching, partner_fit, records, unmet
from kb.services import desk as waiting_list
from kb.services import exchanges as svc
from kb.web import display, forms
from kb.web import helpers as h

bp = Blueprint("secretariat", __name__, url_prefix="/secretariat")
bp.context_processor(display.context)  # `d`: language names as the record pages say them
MODELS = {"request": Request, "offer": Offer}
REVIEW_ACTIONS = ("publish", "return", "reject")
QUEUE_LIMIT = 200


@bp.before_request
@login_required
def _secretariat_only():  # type: ignore[no-untyped-def]
    forms.require_role(Role.SECRETARIAT)


# --- review queue ----------------------------------------------------------------------------

def _render_review(failure: forms.Failure | None = None):  # type: ignore[no-untyped-def]
    queue, duplicates = {}, {}
    for kind, model in MODELS.items():
        queue[kind] = records.list_records(model, current_user, records.RecordFilters(status="submitted"), 1,
                                           QUEUE_LIMIT).items
        for record in queue[kind]:
            duplicates[(kind, record.id)] = matching.find_duplicates(record, current_user)
    return render_template("secretariat/review.html", queue=queue, failure=failure, duplicates=duplicates,
                           terms=forms.vocab("terms")), (failure.status if failure else 200)


@bp.route("/compare/<any(request, offer):kind>/<int:first_id>/<int:second_id>")
def compare(kind: str, first_id: int, second_id: int):
    """Two records of the same kind side by side (a possible duplicate flagged in the review queue)."""
    model = MODELS[kind]
    first = access.get_visible_record(model, first_id, current_user)
    second = access.get_visible_record(model, second_id, current_user)
    similarity = next((d["similarity"] for d in matching.find_duplicates(first, current_user, limit=50) if d["id"] == second.id),
                      None)
    return render_template("secretariat/compare.html", kind=kind, first=first, second=second,
                           similarity=similarity, terms=forms.vocab("terms"))


@bp.route("/review")
def review():
    """Submitted requests and offers to publish, return or reject."""
    return _render_review()


@bp.route("/review/<kind>/<int:record_id>", methods=["POST"])
def review_action(kind: str, record_id: int):
    """Publish, return or reject one submitted record (a reason for return and reject)."""
    model = MODELS.get(kind)
    if model is None:
        abort(404)
    form = f"{kind}-{record_id}"
    data, errors = h.load(TransitionSchema(), h.form_data(TransitionSchema()))
    if errors:
        return _render_review(forms.invalid(form, errors, ("reason",)))
    if data["action"] not in REVIEW_ACTIONS:
        return _render_review(forms.invalid(form, {"action": [_("Not an action of the review queue.")]},
                                            ("reason",)))
    try:
        record = records.transition_record(model, current_user, record_id, data["action"], data["reason"],
                                           data["version"])
    except DomainError as exc:
        return _render_review(forms.refused(form, exc, ("reason",)))
    flash(_("“%(title)s” is now %(state)s.", title=record.title, state=h.state(record.status)), "ok")
    return redirect(url_for(".review"))


# --- matching desk ---------------------------------------------------------------------------

DESK_FIELDS = ("note",)


def _desk_args() -> tuple[dict, dict[str, list[str]]]:
    raw = {k: v for k, v in request.args.items() if k in SuggestionQuerySchema().fields and v.strip()}
    return h.load(SuggestionQuerySchema(), raw)


WAITING_PER_PAGE = 20


def _desk_selection() -> tuple[int | None, int | None]:
    """The record the desk works from: a published request (?request_id) or a published offer (?offer_id).
    A value that is not a record id selects nothing (the page then answers 422 naming it: `_selection_errors`)."""
    selection, errors = _selection_errors()
    request_id = None if "request_id" in errors else selection.get("request_id")
    offer_id = None if "offer_id" in errors else selection.get("offer_id")
    if request.method == "POST":  # a proposal names both: the side it was made from says which page to show
        return (None, offer_id) if request.form.get("side") == "offer" else (request_id, None)
    return (request_id, None) if request_id is not None else (None, offer_id)


def _selection_errors() -> tuple[dict, dict[str, list[str]]]:
    """?request_id / ?offer_id (or the proposal form's fields) checked as record ids: (values, field errors)."""
    raw = {k: request.values[k] for k in ("request_id", "offer_id") if request.values.get(k, "").strip()}
    selection, errors = h.load(DeskSelectionSchema(), raw)
    if errors:  # keep the valid one
        selection, _ = h.load(DeskSelectionSchema(), {k: v for k, v in raw.items() if k not in errors})
    return selection or {}, errors


def _render_desk(request_id: int | None, offer_id: int | None = None,  # type: ignore[no-untyped-def]
                 failure: forms.Failure | None = None):
    published = records.list_records(Request, current_user, records.RecordFilters(status=RequestState.PUBLISHED), 1,
                                     QUEUE_LIMIT).items
    published_offers = records.list_records(Offer, current_user, records.RecordFilters(
        status=OfferState.PUBLISHED, include_expired=False), 1, QUEUE_LIMIT).items
    args, arg_errors = _desk_args()
    selected = selected_offer = None
    suggestions, open_matches, notice, partners = [], {}, None, None
    if request_id is not None:
        selected = access.get_visible_record(Request, request_id, current_user)
        if not arg_errors:
            suggestions = matching.suggest(current_user, "request", request_id, matching.SuggestionArgs(**args))
            notice = unmet.notice(current_user, selected)
        if selected.seeks_cofinancing:
            partners = partner_fit.for_request(current_user, selected.id)
        open_matches = svc.open_matches_of(current_user, request_id=request_id)
    elif offer_id is not None:
        selected_offer = access.get_visible_record(Offer, offer_id, current_user)
        if not arg_errors:
            suggestions = matching.suggest(current_user, "offer", offer_id, matching.SuggestionArgs(**args))
        open_matches = svc.open_matches_of(current_user, offer_id=offer_id)
    ids = [s["id"] for s in suggestions]
    counterparts = records.visible_by_id(Offer if selected_offer is None else Request, current_user, ids)
    accepted = _matches(svc.MatchFilters(status=MatchState.ACCEPTED))
    # The waiting list's order and page, checked by the API's own schema: a bad value is a 422 naming the field.
    raw = {k: request.args[f"waiting_{k}"] for k in ("order", "page") if request.args.get(f"waiting_{k}", "").strip()}
    shown, waiting_errors = h.load(WaitingQuerySchema(), raw)
    if waiting_errors:
        shown = WaitingQuerySchema().load({})
    order = shown["order"]
    waiting = waiting_list.unproposed_requests(current_user, order, shown["page"], WAITING_PER_PAGE)
    selection_errors = _selection_errors()[1] if request.method == "GET" else {}  # a POST's are the form's errors
    return render_template(
        "secretariat/desk.html", selection_errors=selection_errors, published=published, published_offers=published_offers, selected=selected,
        selected_offer=selected_offer, suggestions=suggestions, counterparts=counterparts, notice=notice,
        partners=partners, open_matches=open_matches, accepted=accepted, waiting=waiting, waiting_order=order,
        waiting_errors=waiting_errors, failure=failure, args=request.args, arg_errors=arg_errors,
        sectors=h.vocabulary("sectors"),
        modalities=h.vocabulary("modalities"), languages=list(h.LANGUAGE_NAMES.items()), L=forms.labels(),
    ), (failure.status if failure else (422 if arg_errors or waiting_errors or selection_errors else 200))


def _matches(filters: svc.MatchFilters) -> list[Match]:
    """Matches the signed-in user may see, narrowed by filters, oldest first."""
    return svc.list_matches(current_user, filters, 1, QUEUE_LIMIT, oldest_first=True).items


@bp.route("/desk")
def desk():
    """The matching desk: a published request beside its suggested offers, or a published offer beside its
    suggested requests; the requests without a proposal yet; matches to decide."""
    return _render_desk(*_desk_selection())


@bp.route("/desk/propose", methods=["POST"])
def propose():
    """Propose a match from a suggestion (on either side of the desk), with an optional note."""
    schema = MatchInSchema()
    data, errors = h.load(schema, h.form_data(schema))
    request_id, offer_id = _desk_selection()
    form = f"propose-{request.form.get('offer_id' if offer_id is None else 'request_id', '')}"
    if errors:
        return _render_desk(request_id if "request_id" not in errors else None,
                            offer_id if "offer_id" not in errors else None, forms.invalid(form, errors, DESK_FIELDS))
    try:
        match = svc.propose_match(current_user, data["request_id"], data["offer_id"], data["note"],
                                  from_suggestion=data["from_suggestion"])
    except DomainError as exc:
        return _render_desk(request_id, offer_id, forms.refused(form, exc, DESK_FIELDS))
    flash(_("Match proposed: %(request)s ↔ %(offer)s. The two parties are asked to answer.",
            request=match.request.title, offer=match.offer.title), "ok")
    weak = "true" if request.form.get("include_weak") == "true" else None
    if offer_id is not None:
        return redirect(url_for(".desk", offer_id=data["offer_id"], include_weak=weak))
    return redirect(url_for(".desk", request_id=data["request_id"], include_weak=weak))


@bp.route("/desk/matches/<int:match_id>", methods=["POST"])
def decide(match_id: int):
    """Approve (creating the exchange) or reject, with a reason, a match both parties accepted."""
    form = f"match-{match_id}"
    request_id, offer_id = _desk_selection()
    data, errors = h.load(TransitionSchema(), h.form_data(TransitionSchema()))
    if errors:
        return _render_desk(request_id, offer_id, forms.invalid(form, errors, ("reason",)))
    if data["action"] not in ("approve", "reject"):
        return _render_desk(request_id, offer_id,
                            forms.invalid(form, {"action": [_("Not an action of the matching desk.")]}))
    try:
        match = svc.transition_match(current_user, match_id, data["action"], data["reason"], data["version"])
    except DomainError as exc:
        return _render_desk(request_id, offer_id, forms.refused(form, exc, ("reason",)))
    if match.exchange is not None:
        flash(_("Match approved: the exchange has been created."), "ok")
        return redirect(url_for("exch.exchange", exchange_id=match.exchange.id))
    flash(_("Match %(state)s.", state=h.state(match.status)), "ok")
    return redirect(url_for(".desk", request_id=request_id, offer_id=offer_id))
