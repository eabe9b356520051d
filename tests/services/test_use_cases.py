"""The main use cases, called as services (no HTTP client): fast tests of the rules the API and the web share.

As in Cosmic Python's service-layer tests, each test drives the use cases the way a view does — an actor, the
record id and the parsed data — and checks the outcome, the audit trail, and that a refused call changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kb.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from kb.extensions import db
from kb.models import (
    Event,
    Exchange,
    ExchangeState,
    Match,
    MatchState,
    Notification,
    Offer,
    OrgKind,
    PartyRole,
    Request,
    RequestState,
    Role,
    User,
)
from kb.services import admin, exchanges, records

PASSWORD = "correct-horse-battery"


@dataclass
class Cast:
    director: User
    centre: User
    partner: User
    secretariat: User
    stranger: User  # a director of another country


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _user(role: str, kind: str, country: str, n: int) -> User:
    org = admin.create_organisation(None, {"name": f"{role} org {n}", "kind": OrgKind(kind), "country_code": country})
    return admin.create_user(None, {"email": f"{role}{n}@svc.example", "password": PASSWORD, "role": role,
                                    "organisation_id": org.id})


@pytest.fixture
def cast(ctx) -> Cast:
    return Cast(_user("director", "ministry", "EC", 1), _user("centre", "competence-centre", "CO", 2),
                _user("partner", "fund-donor", "ES", 3), _user("secretariat", "un-agency", "AT", 4),
                _user("director", "ministry", "SN", 5))


REQUEST = {"title": "Cleaner production in tanneries", "description": "Help to cut chrome pollution from small "
           "tanneries and to train inspectors.", "text_lang": "en", "sectors": ["cleaner-production"],
           "modalities": ["expert-mission"], "languages": ["en", "es"], "sdgs": [6, 12]}
OFFER = {"title": "Cleaner production diagnostics", "description": "Audits of leather and textile SMEs and "
         "training of national advisers.", "text_lang": "en", "sectors": ["cleaner-production"],
         "modalities": ["expert-mission"], "languages": ["en"], "valid_until": date.today() + timedelta(days=365)}


def _events(record_type: str, record_id: int) -> list[tuple[str, str | None, str | None]]:
    rows = db.session.scalars(select(Event).where(Event.record_type == record_type, Event.record_id == record_id)
                              .order_by(Event.id)).all()
    return [(e.action, e.from_state, e.to_state) for e in rows]


def _published(cast: Cast) -> tuple[Request, Offer]:
    req = records.create_record(Request, cast.director, REQUEST)
    records.transition_record(Request, cast.director, req.id, "submit")
    records.transition_record(Request, cast.secretariat, req.id, "publish")
    off = records.create_record(Offer, cast.centre, OFFER)
    records.transition_record(Offer, cast.centre, off.id, "submit")
    records.transition_record(Offer, cast.secretariat, off.id, "publish")
    return req, off


def test_a_director_submits_and_the_secretariat_publishes(cast):
    req = records.create_record(Request, cast.director, REQUEST)
    assert req.status == RequestState.DRAFT and req.country_code == "EC"
    records.transition_record(Request, cast.director, req.id, "submit")
    published = records.transition_record(Request, cast.secretariat, req.id, "publish")
    assert published.status == RequestState.PUBLISHED and published.published_at is not None
    assert _events("request", req.id) == [("create", None, "draft"), ("submit", "draft", "submitted"),
                                          ("publish", "submitted", "published")]
    # Submitting told the secretariat; publishing told the director's organisation.
    told = db.session.scalars(select(Notification.user_id)).all()
    assert cast.secretariat.id in told and cast.director.id in told


def test_only_the_secretariat_publishes_and_a_refusal_changes_nothing(cast):
    req = records.create_record(Request, cast.director, REQUEST)
    records.transition_record(Request, cast.director, req.id, "submit")
    before = db.session.scalar(select(func.count()).select_from(Event))
    with pytest.raises((Forbidden, InvalidTransition)):
        records.transition_record(Request, cast.director, req.id, "publish")
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == RequestState.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(Event)) == before


def test_returning_needs_a_reason(cast):
    req = records.create_record(Request, cast.director, REQUEST)
    records.transition_record(Request, cast.director, req.id, "submit")
    with pytest.raises(ValidationFailed) as err:
        records.transition_record(Request, cast.secretariat, req.id, "return")
    assert "reason" in err.value.errors
    records.transition_record(Request, cast.secretariat, req.id, "return", reason="Name the tanneries' region.")
    assert db.session.get(Request, req.id).status == RequestState.RETURNED


def test_publishing_needs_a_sector(cast):
    req = records.create_record(Request, cast.director, {**REQUEST, "sectors": []})
    records.transition_record(Request, cast.director, req.id, "submit")
    with pytest.raises(Conflict) as err:  # the record, not the call, is at fault
        records.transition_record(Request, cast.secretariat, req.id, "publish")
    assert "sectors" in err.value.errors


def test_others_do_not_see_a_draft(cast):
    req = records.create_record(Request, cast.director, REQUEST)
    with pytest.raises(NotFound):
        records.transition_record(Request, cast.stranger, req.id, "submit")


def test_the_secretariat_proposes_both_sides_accept_and_approval_creates_the_exchange(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast.secretariat, req.id, off.id, note="Same sector, both in English.")
    assert match.status == MatchState.PROPOSED and match.origin == "manual"
    exchanges.transition_match(cast.director, match.id, "accept")
    exchanges.transition_match(cast.centre, match.id, "accept")
    approved = exchanges.transition_match(cast.secretariat, match.id, "approve")
    assert approved.status == MatchState.APPROVED
    exchange = db.session.scalar(select(Exchange).where(Exchange.match_id == match.id))
    roles = {p.role: p.organisation_id for p in exchange.parties}
    assert roles == {PartyRole.REQUESTER: cast.director.organisation_id, PartyRole.PROVIDER: cast.centre.organisation_id,
                     PartyRole.FACILITATOR: cast.secretariat.organisation_id}
    assert db.session.get(Request, req.id).status == RequestState.MATCHED
    assert [a for a, _f, _t in _events("match", match.id)] == ["propose", "accept", "accept", "approve"]


def test_a_match_cannot_be_proposed_twice_nor_within_one_country(cast):
    req, off = _published(cast)
    exchanges.propose_match(cast.secretariat, req.id, off.id)
    with pytest.raises(Conflict):
        exchanges.propose_match(cast.secretariat, req.id, off.id)
    same_country = records.create_record(Offer, cast.centre, OFFER)
    db.session.get(Offer, same_country.id).country_code = "EC"
    records.transition_record(Offer, cast.centre, same_country.id, "submit")
    records.transition_record(Offer, cast.secretariat, same_country.id, "publish")
    with pytest.raises(Conflict) as err:
        exchanges.propose_match(cast.secretariat, req.id, same_country.id)
    assert "offer_id" in err.value.errors


def test_a_centre_expressing_interest_has_already_accepted(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast.centre, req.id, off.id)
    assert match.origin == "interest" and match.status == MatchState.ACCEPTED_BY_PROVIDER
    with pytest.raises(Forbidden):
        exchanges.propose_match(cast.director, req.id, off.id)


def test_a_decline_needs_a_reason_and_ends_the_match(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast.secretariat, req.id, off.id)
    with pytest.raises(ValidationFailed):
        exchanges.transition_match(cast.director, match.id, "decline")
    exchanges.transition_match(cast.director, match.id, "decline", reason="We need Spanish-speaking experts.")
    db.session.expire_all()
    assert db.session.get(Match, match.id).status == MatchState.DECLINED
    assert db.session.get(Match, match.id).requester_reason == "We need Spanish-speaking experts."
    assert db.session.get(Request, req.id).status == RequestState.PUBLISHED  # still open for other offers


def test_an_exchange_runs_from_agreement_to_closure(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast.secretariat, req.id, off.id)
    for actor in (cast.director, cast.centre):
        exchanges.transition_match(actor, match.id, "accept")
    exchanges.transition_match(cast.secretariat, match.id, "approve")
    xid = db.session.scalar(select(Exchange.id).where(Exchange.match_id == match.id))
    exchanges.transition_exchange(cast.secretariat, xid, "agree", extra={"agreement_ref": "KB-2026-001"})
    exchanges.transition_exchange(cast.secretariat, xid, "start")
    with pytest.raises(Conflict):  # completing needs an activity
        exchanges.transition_exchange(cast.secretariat, xid, "complete", extra={"completion_report": "Done."})
    exchanges.add_activity(cast.centre, xid, {"kind": "training", "title": "Effluent treatment", "start_date":
                                              date.today(), "end_date": date.today(), "place": "Quito",
                                              "participants_female": 12, "participants_male": 15})
    exchanges.add_result(cast.director, xid, {"people_trained": 27, "women_trained": 12, "rating": 5,
                                              "feedback": "Inspectors now sample effluents."})
    exchanges.transition_exchange(cast.secretariat, xid, "complete", extra={"completion_report": "Done."})
    exchanges.transition_exchange(cast.secretariat, xid, "evaluate")
    exchanges.transition_exchange(cast.secretariat, xid, "close")
    db.session.expire_all()
    assert db.session.get(Exchange, xid).status == ExchangeState.CLOSED
    assert db.session.get(Request, req.id).status == RequestState.CLOSED
    actions = [a for a, _f, _t in _events("exchange", xid)]
    assert actions == ["create", "agree", "start", "activity", "result", "complete", "evaluate", "close"]


def test_only_the_parties_act_on_an_exchange(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast.secretariat, req.id, off.id)
    for actor in (cast.director, cast.centre):
        exchanges.transition_match(actor, match.id, "accept")
    exchanges.transition_match(cast.secretariat, match.id, "approve")
    xid = db.session.scalar(select(Exchange.id).where(Exchange.match_id == match.id))
    with pytest.raises(NotFound):
        exchanges.transition_exchange(cast.stranger, xid, "agree", extra={"agreement_ref": "X"})
    with pytest.raises((Forbidden, InvalidTransition)):
        exchanges.transition_exchange(cast.director, xid, "agree", extra={"agreement_ref": "X"})
    with pytest.raises(ValidationFailed) as err:
        exchanges.transition_exchange(cast.secretariat, xid, "agree")
    assert "agreement_ref" in err.value.errors
    db.session.expire_all()
    assert db.session.get(Exchange, xid).status == ExchangeState.PLANNED


def test_an_admin_creates_users_but_no_one_else_does(cast):
    with pytest.raises(Forbidden):
        admin.create_user(cast.secretariat, {"email": "x@svc.example", "password": PASSWORD, "role": "director",
                                             "organisation_id": cast.director.organisation_id})
    boss = _user("admin", "un-agency", "AT", 9)
    made = admin.create_user(boss, {"email": "new@svc.example", "password": PASSWORD, "role": "centre",
                                    "organisation_id": cast.centre.organisation_id})
    assert made.role == Role.CENTRE


def test_experts_are_listed_by_the_languages_they_speak(cast):
    made = [records.create_expert(cast.centre, {"name": name, "expertise": "Tanning", "languages": langs})
            for name, langs in (("Ana", ["es", "pt"]), ("Bruno", ["pt"]), ("Chloé", ["fr", "en"]), ("Dara", []))]
    speaks = {lang: [e.name for e in records.list_experts(cast.centre, records.ExpertFilters(language=lang)).items]
              for lang in ("es", "pt", "en", "e", "tet")}
    assert speaks == {"es": ["Ana"], "pt": ["Ana", "Bruno"], "en": ["Chloé"], "e": [], "tet": []}
    page = records.list_experts(cast.centre, records.ExpertFilters(), 2, 3)
    assert (page.total, page.pages, [e.name for e in page.items]) == (4, 2, ["Dara"])
    assert len(made) == 4
