"""A hand-built reporting scenario (see tests/services/test_indicators.py for the figures it gives)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from kb.extensions import db
from kb.models import (
    SDG,
    Activity,
    ActivityKind,
    Contribution,
    ContributionKind,
    Event,
    Exchange,
    ExchangeExpert,
    ExchangeParty,
    ExchangeState,
    Expert,
    Match,
    MatchOrigin,
    MatchState,
    Modality,
    Offer,
    OfferState,
    Organisation,
    OrgKind,
    PartyRole,
    Request,
    RequestState,
    Result,
    Sector,
    Sex,
)


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, 0, tzinfo=UTC)


def build(app):
    """Build the scenario; yields the ids (outside any app context: requests made by the test get their own)."""
    with app.test_request_context():
        s = db.session
        orgs = {}
        for key, kind, cc in (("ec", OrgKind.MINISTRY, "EC"), ("mz", OrgKind.MINISTRY, "MZ"),
                              ("co", OrgKind.COMPETENCE_CENTRE, "CO"), ("br", OrgKind.TRAINING_INSTITUTE, "BR"),
                              ("es", OrgKind.FUND_DONOR, "ES"), ("at", OrgKind.UN_AGENCY, "AT")):
            orgs[key] = Organisation(name=f"Org {key}", kind=kind, country_code=cc)
        s.add_all(orgs.values())
        s.flush()

        def tags(record, sector, sdg, modality):
            record.sectors = [s.get(Sector, sector)]
            record.sdgs = [s.get(SDG, sdg)]
            record.modalities = [s.get(Modality, modality)]

        req1 = Request(title="Agri", description="d", text_lang="es", organisation_id=orgs["ec"].id, country_code="EC",
                       status=RequestState.MATCHED, created_at=at(2025, 3, 1), published_at=at(2025, 3, 5))
        req2 = Request(title="Water", description="d", text_lang="pt", organisation_id=orgs["mz"].id,
                       country_code="MZ", status=RequestState.MATCHED, created_at=at(2026, 2, 1),
                       published_at=at(2026, 2, 3))
        req3 = Request(title="Draft", description="d", text_lang="es", organisation_id=orgs["ec"].id, country_code="EC",
                       status=RequestState.DRAFT, created_at=at(2026, 5, 1))
        tags(req1, "agriculture", 2, "expert-mission")
        tags(req2, "water", 6, "training-course")
        tags(req3, "water", 6, "expert-mission")
        off1 = Offer(title="Agri offer", description="d", text_lang="es", organisation_id=orgs["co"].id,
                     country_code="CO", status=OfferState.PUBLISHED, created_at=at(2025, 1, 1))
        off2 = Offer(title="Water offer", description="d", text_lang="pt", organisation_id=orgs["br"].id,
                     country_code="BR", status=OfferState.PUBLISHED, created_at=at(2026, 1, 1))
        tags(off1, "agriculture", 2, "expert-mission")
        tags(off2, "water", 6, "training-course")
        s.add_all([req1, req2, req3, off1, off2])
        s.flush()
        s.add_all([Event(at=at(2025, 3, 2), record_type="request", record_id=req1.id, action="submit"),
                   Event(at=at(2026, 2, 2), record_type="request", record_id=req2.id, action="submit")])
        m1 = Match(request_id=req1.id, offer_id=off1.id, status=MatchState.APPROVED, origin=MatchOrigin.MANUAL,
                   created_at=at(2025, 3, 10))
        m2 = Match(request_id=req2.id, offer_id=off2.id, status=MatchState.APPROVED, origin=MatchOrigin.MANUAL,
                   created_at=at(2026, 2, 10))
        m3 = Match(request_id=req2.id, offer_id=off1.id, status=MatchState.DECLINED, origin=MatchOrigin.MANUAL,
                   created_at=at(2026, 2, 11), requester_answer="declined", requester_reason="Too expensive")
        s.add_all([m1, m2, m3])
        s.flush()
        e1 = Expert(organisation_id=orgs["co"].id, name="E1", expertise="x", languages=[], sex=Sex.FEMALE)
        e2 = Expert(organisation_id=orgs["co"].id, name="E2", expertise="x", languages=[], sex=Sex.MALE)
        e3 = Expert(organisation_id=orgs["br"].id, name="E3", expertise="x", languages=[], sex=Sex.FEMALE)
        s.add_all([e1, e2, e3])
        s.flush()

        def exchange(match, req, off, state, created, agreed, partner=None):
            x = Exchange(match_id=match.id, request_id=req.id, offer_id=off.id, title=req.title, status=state,
                         created_at=created, agreement_date=agreed, agreement_ref="A")
            x.parties = [ExchangeParty(organisation_id=req.organisation_id, role=PartyRole.REQUESTER, joined_at=created),
                         ExchangeParty(organisation_id=off.organisation_id, role=PartyRole.PROVIDER, joined_at=created),
                         ExchangeParty(organisation_id=orgs["at"].id, role=PartyRole.FACILITATOR, joined_at=created)]
            if partner:
                x.parties.append(ExchangeParty(organisation_id=partner.id, role=PartyRole.PARTNER, joined_at=created))
            s.add(x)
            s.flush()
            return x

        x1 = exchange(m1, req1, off1, ExchangeState.CLOSED, at(2025, 3, 20), date(2025, 3, 25))
        x2 = exchange(m2, req2, off2, ExchangeState.IN_PROGRESS, at(2026, 2, 20), date(2026, 2, 25), orgs["es"])
        x1.experts = [ExchangeExpert(expert_id=e1.id, expert_days=5, added_at=at(2025, 4, 1)),
                      ExchangeExpert(expert_id=e2.id, expert_days=3, added_at=at(2025, 4, 1))]
        x2.experts = [ExchangeExpert(expert_id=e3.id, expert_days=4, added_at=at(2026, 3, 1))]
        partner_party = next(p for p in x2.parties if p.role == PartyRole.PARTNER)
        provider_party = next(p for p in x2.parties if p.role == PartyRole.PROVIDER)
        partner_party.contributions = [Contribution(kind=ContributionKind.MONEY, amount=Decimal("5000.00"),
                                                    currency="EUR", created_at=at(2026, 2, 21))]
        provider_party.contributions = [Contribution(kind=ContributionKind.EXPERT_DAYS, expert_days=10,
                                                     created_at=at(2026, 2, 21))]

        def activity(x, kind, f, m, o, d):
            return Activity(exchange_id=x.id, kind=kind, title="A", start_date=d, end_date=d, place="P",
                            participants_female=f, participants_male=m, participants_other=o, expert_days=1,
                            created_at=at(d.year, d.month, d.day))

        s.add_all([activity(x1, ActivityKind.TRAINING, 10, 5, 1, date(2025, 4, 2)),
                   activity(x1, ActivityKind.EXPERT_MISSION, 2, 3, 0, date(2025, 4, 5)),
                   activity(x2, ActivityKind.TRAINING, 7, 3, 0, date(2026, 3, 2)),
                   Result(exchange_id=x1.id, people_trained=12, women_trained=8, policy_changes="New regulation",
                          practice_changes="  ", rating=5, created_at=at(2025, 6, 1)),
                   Result(exchange_id=x2.id, people_trained=9, women_trained=6, practice_changes="New audits",
                          rating=4, created_at=at(2026, 4, 1))])
        s.commit()
        ids = {"orgs": {k: o.id for k, o in orgs.items()}, "x1": x1.id, "x2": x2.id}
    yield ids
