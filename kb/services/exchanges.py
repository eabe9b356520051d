"""Matches and exchanges: proposing, answering, approving, and running an exchange to its results."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb import i18n, permissions
from kb import workflow as wf
from kb.errors import Conflict, Forbidden, ValidationFailed, unknown_reference
from kb.extensions import db
from kb.i18n import N_
from kb.models import (
    Activity,
    Contribution,
    Exchange,
    ExchangeExpert,
    ExchangeParty,
    ExchangeState,
    Expert,
    Match,
    MatchOrigin,
    MatchState,
    Offer,
    OfferState,
    Organisation,
    PartyRole,
    Request,
    RequestState,
    Result,
    Role,
    User,
    utcnow,
)
from kb.services import access, unit_of_work
from kb.services.audit import record_event
from kb.services.judgements import record_judgement
from kb.services.matching import explain_pair
from kb.services.pages import paginate
from kb.services.records import system_transition

OPEN_MATCH_STATES = (MatchState.PROPOSED, MatchState.ACCEPTED_BY_REQUESTER,
                     MatchState.ACCEPTED_BY_PROVIDER, MatchState.ACCEPTED)


def _check_matchable(request: Request, offer: Offer) -> None:
    errors: dict[str, list[str]] = {}
    if request.status != RequestState.PUBLISHED:
        errors["request_id"] = [lazy_gettext("Only published requests can be matched (this one is %(state)s).",
                                             state=i18n.state(request.status))]
    if offer.status != OfferState.PUBLISHED:
        errors["offer_id"] = [lazy_gettext("Only published offers can be matched (this one is %(state)s).",
                                           state=i18n.state(offer.status))]
    elif offer.is_expired():
        errors["offer_id"] = [N_("The offer has expired; it must be renewed before it can be matched.")]
    if request.country_code == offer.country_code:
        errors.setdefault("offer_id", []).append(
            N_("The offer comes from the requesting country; matches are between different countries."))
    if errors:
        raise Conflict(N_("These records cannot be matched."), errors)


def propose_match(actor: User, request_id: int, offer_id: int, note: str | None = None,
                  from_suggestion: bool = False) -> Match:
    """Propose a pairing: the secretariat for any offer, a centre for its own offer (interest).

    The match keeps the score and explanation the pair had when it was proposed.
    """
    with unit_of_work() as session:
        if actor.role not in (Role.SECRETARIAT, Role.CENTRE):
            raise Forbidden(N_("Only the secretariat or a competence centre may propose a match."))
        request = db.session.scalar(access.visible_records(Request, actor).where(Request.id == request_id))
        if request is None:
            raise unknown_reference("request_id", lazy_gettext("No visible request %(id)s.", id=request_id))
        offer = db.session.scalar(access.visible_records(Offer, actor).where(Offer.id == offer_id))
        if offer is None:
            raise unknown_reference("offer_id", lazy_gettext("No visible offer %(id)s.", id=offer_id))
        if actor.role == Role.CENTRE and offer.organisation_id != actor.organisation_id:
            raise Forbidden(N_("A centre may only propose its own offers."))
        _check_matchable(request, offer)
        existing = db.session.scalar(select(Match.id).where(
            Match.request_id == request.id, Match.offer_id == offer.id, Match.status.in_(OPEN_MATCH_STATES)))
        if existing:
            raise Conflict(lazy_gettext("Match %(id)s for this request and offer is already open.", id=existing),
                           {"offer_id": [lazy_gettext("Already proposed (match %(id)s).", id=existing)]})
        score, explanation = explain_pair(request, offer)
        match = Match(request_id=request.id, offer_id=offer.id, note=note, score=score,
                      explanation=explanation, proposed_by_id=actor.id, status=MatchState.PROPOSED)
        if actor.role == Role.CENTRE:
            # A centre proposing its own offer has already said yes on the provider side.
            match.origin = MatchOrigin.INTEREST
            match.status = MatchState.ACCEPTED_BY_PROVIDER
            match.provider_answer, match.provider_answered_at = "accepted", utcnow()
        else:
            match.origin = MatchOrigin.SUGGESTION if from_suggestion else MatchOrigin.MANUAL
        match.request, match.offer = request, offer
        session.add(match)
        session.flush()
        judged = record_judgement(actor, match, "propose", wf.PROVIDER if actor.role == Role.CENTRE else wf.SECRETARIAT)
        record_event(actor, match, "propose", None, match.status, note,
                     {"request_id": request.id, "offer_id": offer.id, "origin": str(match.origin),
                      "judged_pair_id": judged.id})
    return match


@dataclass
class MatchFilters:
    """Filters of the match list."""

    status: str | None = None
    request_id: int | None = None
    offer_id: int | None = None


def list_matches(actor: User | None, f: MatchFilters, page: int = 1, per_page: int = 20,
                 oldest_first: bool = False) -> Pagination:
    """One page of the matches the actor may see (newest first unless said), with the filters applied."""
    stmt = access.visible_matches(actor)
    for value, column in ((f.status, Match.status), (f.request_id, Match.request_id), (f.offer_id, Match.offer_id)):
        if value:
            stmt = stmt.where(column == value)
    stmt = stmt.options(selectinload(Match.exchange))  # each row shows its exchange's id: one query per page
    return paginate(stmt.order_by(Match.id if oldest_first else Match.id.desc()), page, per_page)


def open_matches_of(actor: User | None, request_id: int | None = None,
                    offer_id: int | None = None) -> dict[int, Match]:
    """The matches of one request (keyed by offer id) or of one offer (keyed by request id) that are still open or
    were approved, as the actor may see them: suggestions beside the record say so instead of offering the pair
    again (propose_match refuses an open one). Exactly one of request_id and offer_id; every such match, however many
    closed ones the record has (the states are filtered in SQL, no page)."""
    if (request_id is None) == (offer_id is None):
        raise ValueError("open_matches_of: give a request_id or an offer_id")
    stmt = access.visible_matches(actor).where(
        Match.request_id == request_id if request_id is not None else Match.offer_id == offer_id,
        Match.status.in_([*OPEN_MATCH_STATES, MatchState.APPROVED])).order_by(Match.id)
    return {(m.offer_id if request_id is not None else m.request_id): m for m in db.session.scalars(stmt)}


def proposable_offers(actor: User | None, request: Any) -> list[Offer]:
    """A centre's published, unexpired offers (its first 100) it could answer this published request with: not those
    already in an open or approved match with it (expressing interest again could only be refused). [] for anyone
    else or any other record."""
    from kb.services import records

    if (actor is None or actor.role != Role.CENTRE or not isinstance(request, Request)
            or request.status != RequestState.PUBLISHED):
        return []
    f = records.RecordFilters(organisation_id=actor.organisation_id, status="published", include_expired=False)
    taken = open_matches_of(actor, request_id=request.id)
    return [o for o in records.list_records(Offer, actor, f, 1, 100).items if o.id not in taken]


@dataclass
class ExchangeFilters:
    """Filters of the exchange list."""

    status: str | None = None
    organisation_id: int | None = None


def list_exchanges(actor: User | None, f: ExchangeFilters, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the exchanges the actor may see, newest first, with the filters applied."""
    stmt = access.visible_exchanges(actor).order_by(Exchange.id.desc())
    if f.status:
        stmt = stmt.where(Exchange.status == f.status)
    if f.organisation_id:
        stmt = stmt.where(Exchange.parties.any(ExchangeParty.organisation_id == f.organisation_id))
    # What each row shows (parties with their contributions, activities, results): one query per collection.
    stmt = stmt.options(selectinload(Exchange.parties).selectinload(ExchangeParty.contributions),
                        selectinload(Exchange.activities), selectinload(Exchange.results),
                        selectinload(Exchange.experts))
    return paginate(stmt, page, per_page)


def get_match(actor: User | None, match_id: int) -> Match:
    """One match the caller may see, else 404."""
    return access.get_or_404(access.visible_matches(actor).where(Match.id == match_id), "Match", match_id)


def transition_match(actor: User, match_id: int, action: str, reason: str | None = None,
                     version: int | None = None) -> Match:
    """accept / decline (each side), approve / reject (secretariat); approval creates the exchange."""
    with unit_of_work():
        return move_match(actor, match_id, action, reason, version)


def move_match(actor: User, match_id: int, action: str, reason: str | None = None,
               version: int | None = None) -> Match:
    """transition_match's work inside the caller's unit of work (e.g. an answer by e-mail link)."""
    match = get_match(actor, match_id)
    t = wf.MATCH.check(match.status, action, permissions.match_capacities(actor, match), reason)
    access.require_version(match, version)
    now = utcnow()
    if t.actor == wf.REQUESTER:
        match.requester_answer = "accepted" if action == "accept" else "declined"
        match.requester_reason, match.requester_answered_at = reason, now
    elif t.actor == wf.PROVIDER:
        match.provider_answer = "accepted" if action == "accept" else "declined"
        match.provider_reason, match.provider_answered_at = reason, now
    else:
        match.decision_reason, match.decided_by_id, match.decided_at = reason, actor.id, now
    from_state = match.status
    match.status = t.target
    match.updated_at = now
    judged = record_judgement(actor, match, action, t.actor, reason)  # the decision as a relevance judgement
    record_event(actor, match, action, from_state, t.target, reason, {"as": t.actor, "judged_pair_id": judged.id})
    if action == "approve":
        _check_matchable(match.request, match.offer)
        _create_exchange(actor, match)
    return match


def _create_exchange(actor: User, match: Match) -> Exchange:
    now = utcnow()
    exchange = Exchange(match_id=match.id, request_id=match.request_id, offer_id=match.offer_id,
                        title=match.request.title, status=ExchangeState.PLANNED)
    exchange.parties = [
        ExchangeParty(organisation_id=match.request.organisation_id, role=PartyRole.REQUESTER, joined_at=now),
        ExchangeParty(organisation_id=match.offer.organisation_id, role=PartyRole.PROVIDER, joined_at=now),
        ExchangeParty(organisation_id=actor.organisation_id, role=PartyRole.FACILITATOR, joined_at=now),
    ]
    db.session.add(exchange)
    db.session.flush()
    record_event(actor, exchange, "create", None, exchange.status, details={"match_id": match.id})
    system_transition(match.request, "match", actor)
    return exchange


def get_exchange(actor: User | None, exchange_id: int) -> Exchange:
    """One exchange the caller may see, else 404."""
    return access.get_or_404(access.visible_exchanges(actor).where(Exchange.id == exchange_id),
                             "Exchange", exchange_id)


def transition_exchange(actor: User, exchange_id: int, action: str, reason: str | None = None,
                        version: int | None = None, extra: dict[str, Any] | None = None) -> Exchange:
    """agree, start, complete, evaluate, close, cancel — with the data each step needs."""
    with unit_of_work():
        exchange = get_exchange(actor, exchange_id)
        t = wf.EXCHANGE.check(exchange.status, action, permissions.exchange_capacities(actor, exchange), reason)
        access.require_version(exchange, version)
        step = _STEPS.get(action)
        details = step(exchange, extra or {}) if step else None
        from_state = exchange.status
        exchange.status = t.target
        exchange.updated_at = utcnow()
        record_event(actor, exchange, action, from_state, t.target, reason, details or None)
        _follow_on_request(actor, exchange, action, reason)
    return exchange


def _agree(exchange: Exchange, extra: dict[str, Any]) -> dict[str, Any]:
    """The signed agreement: its reference (required) and date (today unless given)."""
    if not extra.get("agreement_ref"):
        raise ValidationFailed({"agreement_ref": [N_("The agreement reference is required to agree.")]})
    exchange.agreement_ref = extra["agreement_ref"]
    exchange.agreement_date = extra.get("agreement_date") or date.today()
    return {"agreement_ref": exchange.agreement_ref, "agreement_date": str(exchange.agreement_date)}


def _start(exchange: Exchange, extra: dict[str, Any]) -> None:
    """The start date (today unless given), never before the agreement."""
    start = extra.get("start_date") or date.today()
    if exchange.agreement_date and start < exchange.agreement_date:
        raise ValidationFailed({"start_date": [lazy_gettext(
            "The exchange cannot start before its agreement was signed (%(date)s).",
            date=i18n.date(exchange.agreement_date))]})
    exchange.start_date = start


def _complete(exchange: Exchange, extra: dict[str, Any]) -> None:
    """A completion report, at least one activity, and an end date that fits the activities."""
    if not (extra.get("completion_report") or "").strip():
        raise ValidationFailed({"completion_report": [N_("A completion report is required to complete.")]})
    if not exchange.activities:
        raise Conflict(N_("Record at least one activity before completing the exchange."))
    end = extra.get("end_date") or date.today()
    _check_end_date(exchange, end)
    exchange.completion_report = extra["completion_report"]
    exchange.end_date = end


def _evaluate(exchange: Exchange, extra: dict[str, Any]) -> None:
    """Evaluating needs the results and feedback to evaluate."""
    if not exchange.results:
        raise Conflict(N_("Record the results and each party's feedback before evaluating."))


# The data each step of an exchange needs and checks (the other steps need none); returns audit details.
_STEPS: dict[str, Callable[[Exchange, dict[str, Any]], dict[str, Any] | None]] = {
    "agree": _agree, "start": _start, "complete": _complete, "evaluate": _evaluate}


def _follow_on_request(actor: User, exchange: Exchange, action: str, reason: str | None) -> None:
    """Closing an exchange closes its matched request; cancelling it reopens the request for other offers."""
    if exchange.request.status != RequestState.MATCHED:
        return
    if action == "close":
        system_transition(exchange.request, "close", actor)
    elif action == "cancel":
        system_transition(exchange.request, "reopen", actor, reason)


def _check_end_date(exchange: Exchange, end: date) -> None:
    """An exchange ends neither before it started nor before its last activity."""
    if exchange.start_date and end < exchange.start_date:
        raise ValidationFailed({"end_date": [lazy_gettext("The exchange cannot end before it started (%(date)s).",
                                                          date=i18n.date(exchange.start_date))]})
    last = max((a.end_date for a in exchange.activities), default=None)
    if last and end < last:
        raise ValidationFailed({"end_date": [lazy_gettext(
            "An activity of this exchange lasts until %(date)s; the exchange cannot end before.",
            date=i18n.date(last))]})


def _party_for(actor: User, exchange: Exchange, party_id: int | None) -> ExchangeParty:
    if party_id is not None:
        party = next((p for p in exchange.parties if p.id == party_id), None)
        if party is None:
            raise unknown_reference("party_id", lazy_gettext("No party %(id)s in this exchange.", id=party_id))
        if permissions.refusal(actor, exchange, permissions.ACT_FOR_ANY_PARTY) and \
                party.organisation_id != actor.organisation_id:
            raise Forbidden(N_("You may only declare your own organisation's contributions."))
        return party
    own = [p for p in exchange.parties if p.organisation_id == actor.organisation_id]
    if not own:
        raise Forbidden(N_("Your organisation is not a party to this exchange."))
    return own[0]




def _contribution(party: ExchangeParty, data: dict[str, Any]) -> Contribution:
    kind = data["kind"]
    if kind == "money" and (data.get("amount") is None or not data.get("currency")):
        raise ValidationFailed({"amount": [N_("A money contribution needs an amount and a currency.")]})
    if kind == "expert-days" and not data.get("expert_days"):
        raise ValidationFailed({"expert_days": [N_("Give the number of expert-days.")]})
    contribution = Contribution(kind=kind, amount=data.get("amount"), currency=data.get("currency"),
                                expert_days=data.get("expert_days"), description=data.get("description"),
                                created_at=utcnow())
    party.contributions.append(contribution)
    return contribution


def join_exchange(actor: User, exchange_id: int, contribution: dict[str, Any],
                  organisation_id: int | None = None) -> ExchangeParty:
    """A partner joins an open exchange as co-financing party with a declared contribution."""
    with unit_of_work():
        exchange = get_exchange(actor, exchange_id)
        if actor.role == Role.SECRETARIAT and organisation_id is not None and \
                db.session.get(Organisation, organisation_id) is None:
            raise unknown_reference("organisation_id", lazy_gettext("Unknown organisation: %(id)s.", id=organisation_id))
        permissions.require(actor, exchange, permissions.JOIN, organisation_id=organisation_id)
        org_id = actor.organisation_id if actor.role == Role.PARTNER else organisation_id
        party = ExchangeParty(organisation_id=org_id, role=PartyRole.PARTNER, joined_at=utcnow())
        exchange.parties.append(party)
        _contribution(party, contribution)
        exchange.updated_at = utcnow()
        record_event(actor, exchange, "join", exchange.status, exchange.status,
                     details={"organisation_id": org_id, "contribution": _jsonable(contribution)})
    return party


def add_contribution(actor: User, exchange_id: int, data: dict[str, Any]) -> Contribution:
    """Declare what a party brings (its own party, or any party for the secretariat)."""
    with unit_of_work():
        exchange = get_exchange(actor, exchange_id)
        permissions.require(actor, exchange, permissions.CONTRIBUTE)
        party = _party_for(actor, exchange, data.get("party_id"))
        contribution = _contribution(party, data)
        db.session.flush()
        record_event(actor, exchange, "contribute", exchange.status, exchange.status,
                     details={"party_id": party.id, "contribution": _jsonable(data)})
    return contribution


ACTIVITY_FIELDS = ("kind", "title", "start_date", "end_date", "place", "virtual", "participants_female",
                   "participants_male", "participants_other", "participant_kinds", "expert_days", "description")


def add_activity(actor: User, exchange_id: int, data: dict[str, Any]) -> Activity:
    """Report an activity (secretariat or provider), while the exchange is in progress or completed."""
    with unit_of_work():
        exchange = get_exchange(actor, exchange_id)
        permissions.require(actor, exchange, permissions.REPORT_ACTIVITY)
        if data["end_date"] < data["start_date"]:
            raise ValidationFailed({"end_date": [N_("Must not be before start_date.")]})
        if exchange.agreement_date and data["start_date"] < exchange.agreement_date:
            raise ValidationFailed({"start_date": [lazy_gettext(
                "An activity cannot be dated before the exchange was agreed (%(date)s).",
                date=i18n.date(exchange.agreement_date))]})
        if exchange.status == ExchangeState.COMPLETED and exchange.end_date and data["end_date"] > exchange.end_date:
            raise ValidationFailed({"end_date": [lazy_gettext(
                "An activity cannot be dated after the exchange was completed (%(date)s).",
                date=i18n.date(exchange.end_date))]})
        if not data.get("virtual") and not (data.get("place") or "").strip():
            raise ValidationFailed({"place": [N_("Give the place, or mark the activity as virtual.")]})
        activity = Activity(exchange_id=exchange.id, reported_by_id=actor.id, created_at=utcnow(),
                            **{k: data[k] for k in ACTIVITY_FIELDS if k in data})
        exchange.activities.append(activity)
        db.session.flush()
        record_event(actor, exchange, "activity", exchange.status, exchange.status,
                     details={"activity_id": activity.id, "kind": str(activity.kind)})
    return activity


def add_expert(actor: User, exchange_id: int, data: dict[str, Any]) -> ExchangeExpert:
    """Record that an expert of the provider's roster took part, with the expert-days given (secretariat or
    provider, while the exchange is in progress or completed): what "experts mobilised" counts."""
    with unit_of_work():
        exchange = get_exchange(actor, exchange_id)
        permissions.require(actor, exchange, permissions.REPORT_ACTIVITY)
        expert = db.session.get(Expert, data["expert_id"])
        providers = {p.organisation_id for p in exchange.parties if p.role == PartyRole.PROVIDER}
        if expert is None or expert.organisation_id not in providers:
            raise unknown_reference("expert_id", lazy_gettext(
                "No expert %(id)s on the provider's roster.", id=data["expert_id"]))
        if any(e.expert_id == expert.id for e in exchange.experts):
            raise Conflict(N_("This expert is already recorded on the exchange."),
                           {"expert_id": [N_("This expert is already recorded on the exchange.")]})
        link = ExchangeExpert(expert_id=expert.id, expert_days=data["expert_days"], added_at=utcnow())
        exchange.experts.append(link)
        exchange.updated_at = utcnow()
        db.session.flush()
        record_event(actor, exchange, "expert", exchange.status, exchange.status,
                     details={"expert_id": expert.id, "expert_days": data["expert_days"]})
    return link


ROSTER_OPTIONS_LIMIT = 500


@dataclass
class ExpertsView:
    """The experts mobilised on an exchange as a reader sees them, and whom they may still record."""

    mobilised: list[tuple[ExchangeExpert, bool]]  # each link, and whether the reader may see the roster entry
    roster: list[Expert]  # the provider's active experts not yet recorded (empty when the reader may not record)


def experts_view(actor: User, exchange: Exchange) -> ExpertsView:
    """Roster entries are personal data: named only for readers who may see them (access.visible_experts); the
    roster to choose from only for those who may record experts (permissions.REPORT_ACTIVITY)."""
    ids = [e.expert_id for e in exchange.experts]
    visible = set(db.session.scalars(access.visible_experts(actor).where(Expert.id.in_(ids))
                                     .with_only_columns(Expert.id))) if ids else set()
    roster: list[Expert] = []
    if permissions.refusal(actor, exchange, permissions.REPORT_ACTIVITY) is None:
        providers = [p.organisation_id for p in exchange.parties if p.role == PartyRole.PROVIDER]
        roster = list(db.session.scalars(
            access.visible_experts(actor).where(Expert.organisation_id.in_(providers), Expert.active.is_(True),
                                                Expert.id.not_in(ids or [0]))
            .order_by(Expert.name, Expert.id).limit(ROSTER_OPTIONS_LIMIT)))
    return ExpertsView([(e, e.expert_id in visible) for e in exchange.experts], roster)


RESULT_FIELDS = ("people_trained", "women_trained", "policy_changes", "practice_changes", "feedback", "rating")


def add_result(actor: User, exchange_id: int, data: dict[str, Any]) -> Result:
    """Record results and a party's feedback (any party or the secretariat)."""
    with unit_of_work():
        exchange = get_exchange(actor, exchange_id)
        permissions.require(actor, exchange, permissions.REPORT_RESULT)
        if not any(data.get(k) not in (None, "") for k in RESULT_FIELDS):
            raise ValidationFailed({"feedback": [N_("Report at least one result or some feedback.")]})
        acts_for_any = permissions.refusal(actor, exchange, permissions.ACT_FOR_ANY_PARTY) is None
        party = _party_for(actor, exchange, data.get("party_id")) if not acts_for_any or data.get("party_id") else None
        _check_result_figures(exchange, party, data)
        result = Result(exchange_id=exchange.id, party=party, reported_by_id=actor.id, created_at=utcnow(),
                        **{k: data[k] for k in RESULT_FIELDS if k in data})
        exchange.results.append(result)
        db.session.flush()
        record_event(actor, exchange, "result", exchange.status, exchange.status,
                     details={"result_id": result.id, "party_id": party.id if party else None})
    return result


def _check_result_figures(exchange: Exchange, party: ExchangeParty | None, data: dict[str, Any]) -> None:
    """A party's figures stay consistent: the women trained are among the people trained, in this report and
    in all the party's reports together (the secretariat's own reports count as one more party)."""
    people, women = data.get("people_trained"), data.get("women_trained")
    if women is None:
        return
    if people is not None and women > people:
        raise ValidationFailed({"women_trained": [lazy_gettext(
            "Cannot be more than “%(field)s” (%(max)s).", field=i18n.field("people_trained"), max=i18n.number(people))]})
    party_id = party.id if party else None
    earlier = [r for r in exchange.results if r.party_id == party_id]
    known = [r.people_trained for r in earlier if r.people_trained is not None]
    if people is None and not known:
        return  # nobody has said how many people were trained: nothing to compare with
    total_people = sum(known) + (people or 0)
    total_women = sum(r.women_trained or 0 for r in earlier) + women
    if total_women > total_people:
        raise ValidationFailed({"women_trained": [lazy_gettext(
            "With this party's earlier reports, “%(women_field)s” would come to %(women)s, more than "
            "“%(people_field)s” (%(people)s).", women_field=i18n.field("women_trained"),
            women=i18n.number(total_women), people_field=i18n.field("people_trained"),
            people=i18n.number(total_people))]})


def exchange_totals(exchange: Exchange) -> dict[str, Any]:
    """One exchange's figures, by the definitions of kb/services/indicators.py (docs/INDICATORS.md): participants
    in its activities (women among them), people trained as its results report them, the roster experts
    recorded on it and their expert-days."""
    return {
        "participants": sum(a.participants_total for a in exchange.activities),
        "women": sum(a.participants_female for a in exchange.activities),
        "people_trained": sum(r.people_trained or 0 for r in exchange.results),
        "experts": len(exchange.experts),
        "expert_days": sum(e.expert_days for e in exchange.experts),
    }


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if not isinstance(v, (int, float, str, bool, type(None))) else v) for k, v in data.items()}
