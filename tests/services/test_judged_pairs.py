"""Every decision on a request-offer pair is kept as a judged pair, in the decision's own transaction."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kb.errors import ValidationFailed
from kb.extensions import db
from kb.models import Event, JudgedPair, Offer, OrgKind, Request
from kb.services import admin, exchanges, records

PASSWORD = "correct-horse-battery"
REQUEST = {"title": "Cleaner production in tanneries", "description": "Help to cut chrome pollution from small "
           "tanneries and to train inspectors.", "text_lang": "en", "sectors": ["cleaner-production"],
           "modalities": ["expert-mission"], "languages": ["en", "es"], "sdgs": [6, 12]}
OFFER = {"title": "Cleaner production diagnostics", "description": "Audits of leather and textile SMEs and "
         "training of national advisers.", "text_lang": "en", "sectors": ["cleaner-production"],
         "modalities": ["expert-mission"], "languages": ["en"], "valid_until": date.today() + timedelta(days=365)}
OTHER_OFFER = {**OFFER, "title": "Solar pumping for irrigation", "description": "Design and maintenance of "
               "solar water pumps for smallholder irrigation schemes.", "sectors": ["renewable-energy"]}


def _user(role: str, kind: str, country: str, n: int):
    org = admin.create_organisation(None, {"name": f"{role} org {n}", "kind": OrgKind(kind), "country_code": country})
    return admin.create_user(None, {"email": f"{role}{n}@judged.example", "password": PASSWORD, "role": role,
                                    "organisation_id": org.id})


@pytest.fixture
def cast(app):
    with app.test_request_context():
        yield {"director": _user("director", "ministry", "EC", 1),
               "centre": _user("centre", "competence-centre", "CO", 2),
               "secretariat": _user("secretariat", "un-agency", "AT", 3)}


def _published(cast, offer=OFFER):
    sec = cast["secretariat"]
    req = records.create_record(Request, cast["director"], REQUEST)
    records.transition_record(Request, cast["director"], req.id, "submit")
    records.transition_record(Request, sec, req.id, "publish")
    offers = []
    for data in (offer, OTHER_OFFER):  # two offers: fits are relative to the catalogue
        off = records.create_record(Offer, cast["centre"], data)
        records.transition_record(Offer, cast["centre"], off.id, "submit")
        records.transition_record(Offer, sec, off.id, "publish")
        offers.append(off)
    return req, offers[0]


def _judged(match_id: int) -> list[tuple]:
    rows = db.session.scalars(select(JudgedPair).where(JudgedPair.match_id == match_id).order_by(JudgedPair.id))
    return [(j.decision, j.relevant, j.capacity, j.reason) for j in rows]


def test_each_step_of_an_approved_match_is_a_relevant_judgement_with_the_fit_it_was_proposed_with(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast["secretariat"], req.id, off.id, from_suggestion=True)
    exchanges.transition_match(cast["director"], match.id, "accept")
    exchanges.transition_match(cast["centre"], match.id, "accept")
    exchanges.transition_match(cast["secretariat"], match.id, "approve")
    assert _judged(match.id) == [("propose", True, "secretariat", None), ("accept", True, "requester", None),
                                 ("accept", True, "provider", None), ("approve", True, "secretariat", None)]
    rows = db.session.scalars(select(JudgedPair).where(JudgedPair.match_id == match.id)
                          .order_by(JudgedPair.id)).all()
    shown = match.explanation
    assert shown["fit"] is not None and shown["band"] in ("strong", "possible", "weak")
    for j in rows:
        assert (j.request_id, j.offer_id, j.origin) == (req.id, off.id, "suggestion")
        assert (j.fit, j.band, j.model, j.index_revision) == (shown["fit"], shown["band"], shown["model"],
                                                              shown["revision"])
        assert j.score == match.score and j.backfilled is False
    assert rows[1].decided_by_id == cast["director"].id
    # Each decision's audit event names the judged pair it left.
    events = db.session.scalars(select(Event).where(Event.record_type == "match", Event.record_id == match.id)
                                .order_by(Event.id)).all()
    assert [e.details["judged_pair_id"] for e in events] == [j.id for j in rows]


def test_a_decline_is_a_judgement_of_not_relevant_that_keeps_its_reason(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast["secretariat"], req.id, off.id)
    exchanges.transition_match(cast["centre"], match.id, "decline", reason="Our experts are booked this year.")
    assert _judged(match.id) == [("propose", True, "secretariat", None),
                                 ("decline", False, "provider", "Our experts are booked this year.")]


def test_a_rejection_by_the_secretariat_is_a_judgement_of_not_relevant(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast["secretariat"], req.id, off.id)
    exchanges.transition_match(cast["secretariat"], match.id, "reject", reason="Same need met by another exchange.")
    assert _judged(match.id)[-1] == ("reject", False, "secretariat", "Same need met by another exchange.")


def test_interest_a_centre_expresses_is_a_relevant_judgement_from_the_provider_side(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast["centre"], req.id, off.id)
    assert _judged(match.id) == [("interest", True, "provider", None)]
    assert db.session.scalar(select(JudgedPair.origin).where(JudgedPair.match_id == match.id)) == "interest"


def test_a_refused_decision_records_no_judgement(cast):
    req, off = _published(cast)
    match = exchanges.propose_match(cast["secretariat"], req.id, off.id)
    before = db.session.scalar(select(func.count()).select_from(JudgedPair))
    with pytest.raises(ValidationFailed):
        exchanges.transition_match(cast["director"], match.id, "decline")  # no reason
    assert db.session.scalar(select(func.count()).select_from(JudgedPair)) == before
