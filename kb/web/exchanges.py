"""Matches to answer and decide, the exchanges board, and the page of one exchange with its forms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kb import permissions
from kb import workflow as wf
from kb.errors import DomainError
from kb.models import Exchange, ExchangeState, PartyRole, Role
from kb.schemas.common import TransitionSchema
from kb.schemas.exchanges import (
    ActivityInSchema,
    ContributionInSchema,
    ExchangeExpertInSchema,
    ExchangeQuerySchema,
    MatchQuerySchema,
    PartnerContributionSchema,
    ResultInSchema,
)
from kb.services import events, partner_fit, partners
from kb.services import exchanges as svc
from kb.services.pages import filters_from
from kb.web import display, forms
from kb.web import helpers as h

bp = Blueprint("exch", __name__)
bp.context_processor(display.context)  # `d`: language names as the record pages say them

MATCH_ROLES = (Role.DIRECTOR, Role.CENTRE, Role.SECRETARIAT)
BOARD_ORDER = [s.value for s in (ExchangeState.PLANNED, ExchangeState.AGREED, ExchangeState.IN_PROGRESS,
                                 ExchangeState.COMPLETED, ExchangeState.EVALUATED, ExchangeState.CLOSED,
                                 ExchangeState.CANCELLED)]
# What each exchange action asks for besides the button (fields of the API's TransitionSchema).
TRANSITION_FIELDS = {"agree": ("agreement_ref", "agreement_date"), "start": ("start_date",),
                     "complete": ("completion_report", "end_date"), "cancel": ("reason",)}
TIMELINE_LIMIT = 500


@bp.before_request
@login_required
def _signed_in():  # type: ignore[no-untyped-def]
    return None


def _query(schema, defaults: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    raw = dict(defaults or {})
    raw.update({k: v for k, v in request.args.items() if k in schema.fields and v.strip()})
    data, errors = h.load(schema, raw)
    if errors:
        data, _ignored = h.load(schema, {k: v for k, v in raw.items() if k not in errors})
    return data or {}, errors


# --- matches ---------------------------------------------------------------------------------

def _awaits(actions: list[str]) -> bool:
    """A match waits for the user when an answer or decision of theirs moves it on (not merely ending it)."""
    return bool({"accept", "approve"} & set(actions))


def _render_matches(failure: forms.Failure | None = None):  # type: ignore[no-untyped-def]
    forms.require_role(*MATCH_ROLES)
    args, arg_errors = _query(MatchQuerySchema(), {"per_page": "50"})
    page = svc.list_matches(current_user, filters_from(svc.MatchFilters, args), args["page"], args["per_page"])
    rows = [(m, wf.MATCH.available(m.status, permissions.match_capacities(current_user, m))) for m in page.items]
    return render_template(
        "exchanges/matches.html", waiting=[r for r in rows if _awaits(r[1])], others=[r for r in rows if not _awaits(r[1])],
        total=page.total, args=args, arg_errors=arg_errors, failure=failure, L=forms.labels(),
        states=[(s, h.state(s)) for s in wf.MATCH.states], pages=page.pages,
        # the list's query rides on each form's address: a refused answer comes back on the same filtered page
        listed={k: v for k, v in request.args.items() if k in MatchQuerySchema().fields},
    ), (failure.status if failure else 200)


@bp.route("/matches")
def matches():
    """Matches I can see: answer the proposed ones (parties), approve or reject accepted ones (secretariat)."""
    return _render_matches()


@bp.route("/matches/<int:match_id>", methods=["POST"])
def match_action(match_id: int):
    """accept / decline (with reason) for a party; approve / reject (with reason) for the secretariat."""
    forms.require_role(*MATCH_ROLES)
    form = f"match-{match_id}"
    data, errors = h.load(TransitionSchema(), h.form_data(TransitionSchema()))
    if errors:
        return _render_matches(forms.invalid(form, errors, ("reason",)))
    try:
        match = svc.transition_match(current_user, match_id, data["action"], data["reason"], data["version"])
    except DomainError as exc:
        return _render_matches(forms.refused(form, exc, ("reason",)))
    if match.exchange is not None:
        flash(_("Match approved: the exchange has been created."), "ok")
        return redirect(url_for(".exchange", exchange_id=match.exchange.id))
    flash(_("“%(request)s” ↔ “%(offer)s”: %(state)s.", request=match.request.title, offer=match.offer.title,
            state=h.state(match.status)), "ok")
    return redirect(url_for(".matches", **{k: v for k, v in request.args.items()}))


# --- exchanges board ---------------------------------------------------------------------------

@bp.route("/exchanges")
def board():
    """Exchanges by state: all for the secretariat, a party's own, and for partners those open to co-financing."""
    args, arg_errors = _query(ExchangeQuerySchema(), {"per_page": "100"})
    page = svc.list_exchanges(current_user, filters_from(svc.ExchangeFilters, args), args["page"], args["per_page"])
    columns: dict[str, list[Exchange]] = {s: [] for s in BOARD_ORDER}
    for x in page.items:
        columns[str(x.status)].append(x)
    return render_template("exchanges/board.html", columns=columns, total=page.total, args=args,
                           arg_errors=arg_errors, pages=page.pages, L=forms.labels(),
                           own_org=current_user.organisation_id), (422 if arg_errors else 200)


# --- one exchange ------------------------------------------------------------------------------

def _timeline(exchange: Exchange) -> list[Any]:
    """The exchange's audit trail with its match's and request's, where the user may read them."""
    return events.timeline(current_user, [("request", exchange.request_id), ("match", exchange.match_id),
                                          ("exchange", exchange.id)], TIMELINE_LIMIT)


def _render_exchange(exchange_id: int, failure: forms.Failure | None = None):  # type: ignore[no-untyped-def]
    exchange = svc.get_exchange(current_user, exchange_id)
    can = permissions.capabilities(current_user, exchange)
    status = str(exchange.status)
    L = forms.labels()
    party_options = [(p.id, f"{p.organisation.name} · {L['party_roles'].get(str(p.role), p.role)}")
                     for p in exchange.parties]
    facilitator = next((p.id for p in exchange.parties if p.role == PartyRole.FACILITATOR), None)
    totals = svc.exchange_totals(exchange)
    experts = svc.experts_view(current_user, exchange)
    return render_template(
        "exchanges/exchange.html", x=exchange, status=status, can=can, P=permissions,
        actions=sorted(permissions.transitions(current_user, exchange), key=lambda a: a == "cancel"),  # cancel last
        transition_fields=TRANSITION_FIELDS,
        reason_required=wf.REASON_REQUIRED, party_options=party_options, facilitator=facilitator,
        timeline=_timeline(exchange), totals=totals, failure=failure, L=L, event_label=forms.event_label,
        activity_kinds=h.vocabulary("activity_kinds"), contribution_kinds=h.vocabulary("contribution_kinds"),
        ratings=[(n, h.number(n)) for n in range(1, 6)],
        offers=partners.list_offers(current_user, partners.OfferFilters(exchange_id=exchange.id), 1, 100).items,
        experts=experts, expert_options=[(e.id, f"{e.name} · {e.organisation.name}") for e in experts.roster],
        suggested=(partner_fit.for_exchange(current_user, exchange.id)
                   if permissions.is_staff(current_user) and exchange.status in permissions.OPEN_EXCHANGE else None),
    ), (failure.status if failure else 200)


@bp.route("/exchanges/<int:exchange_id>")
def exchange(exchange_id: int):
    """Parties and contributions, agreement, activities, results, completion report and the timeline."""
    return _render_exchange(exchange_id)


def _done(exchange_id: int, message: str, anchor: str):  # type: ignore[no-untyped-def]
    flash(message, "ok")
    return redirect(url_for(".exchange", exchange_id=exchange_id, _anchor=anchor))


@bp.route("/exchanges/<int:exchange_id>/transitions", methods=["POST"])
def transition(exchange_id: int):
    """agree (reference and date), start, complete (report), evaluate, close, cancel (reason)."""
    action = request.form.get("action", "")
    form = f"t-{action}"
    names = TRANSITION_FIELDS.get(action, ())
    data, errors = h.load(TransitionSchema(), h.form_data(TransitionSchema()))
    if errors:
        return _render_exchange(exchange_id, forms.invalid(form, errors, names))
    action, reason, version = data.pop("action"), data.pop("reason"), data.pop("version")
    try:
        x = svc.transition_exchange(current_user, exchange_id, action, reason, version, data)
    except DomainError as exc:
        return _render_exchange(exchange_id, forms.refused(form, exc, names))
    return _done(exchange_id, _("The exchange is now %(state)s.", state=h.state(x.status)), "status")


def _post(exchange_id: int, form: str, schema, call, message: str, anchor: str):  # type: ignore[no-untyped-def]
    posted = request.form.copy()
    if posted.get("currency"):
        posted["currency"] = posted["currency"].strip().upper()  # ISO 4217 codes are upper case
    data, errors = h.load(schema, h.form_data(schema, form=posted))
    names = tuple(schema.fields)
    if errors:
        return _render_exchange(exchange_id, forms.invalid(form, errors, names))
    try:
        call(data)
    except DomainError as exc:
        return _render_exchange(exchange_id, forms.refused(form, exc, names))
    return _done(exchange_id, message, anchor)


@bp.route("/exchanges/<int:exchange_id>/activities", methods=["POST"])
def add_activity(exchange_id: int):
    """Report an activity: kind, title, dates, place or virtual, participants by sex and kind, expert-days."""
    return _post(exchange_id, "activity", ActivityInSchema(),
                 lambda d: svc.add_activity(current_user, exchange_id, d), _("Activity recorded."), "activities")


@bp.route("/exchanges/<int:exchange_id>/experts", methods=["POST"])
def add_expert(exchange_id: int):
    """Record an expert of the provider's roster who took part, with the expert-days given."""
    return _post(exchange_id, "expert", ExchangeExpertInSchema(),
                 lambda d: svc.add_expert(current_user, exchange_id, d), _("Expert recorded."), "experts")


@bp.route("/exchanges/<int:exchange_id>/results", methods=["POST"])
def add_result(exchange_id: int):
    """Report results and feedback: people trained, women trained, policy and practice changes, rating."""
    return _post(exchange_id, "result", ResultInSchema(),
                 lambda d: svc.add_result(current_user, exchange_id, d), _("Results recorded."), "results")


@bp.route("/exchanges/<int:exchange_id>/contributions", methods=["POST"])
def add_contribution(exchange_id: int):
    """Declare what a party brings."""
    return _post(exchange_id, "contribution", ContributionInSchema(),
                 lambda d: svc.add_contribution(current_user, exchange_id, d), _("Contribution declared."),
                 "parties")


@bp.route("/exchanges/<int:exchange_id>/join", methods=["POST"])
def join(exchange_id: int):
    """A partner offers a contribution (the secretariat accepts or declines it: joining is not unilateral)."""
    return _post(exchange_id, "join", PartnerContributionSchema(),
                 lambda d: partners.offer_contribution(current_user, exchange_id, d),
                 _("Your offer is sent: the secretariat accepts it or declines it with a reason."), "parties")
