"""Indicators (kb/services/indicators.py) on a hand-built scenario: every definition, every filter, empty periods.

Two exchanges, built row by row with known dates so that every expected figure can be worked out by hand:

- ex1 (2025): Ecuador requests agriculture (SDG 2, expert mission) from a Colombian centre; closed, evaluated;
  experts e1 (female, 5 days) and e2 (male, 3 days); a training 10 women / 5 men / 1 other and a mission 2 / 3 / 0;
  result: 12 trained of whom 8 women, a policy change, rating 5.
- ex2 (2026): Mozambique requests water (SDG 6, training course) from a Brazilian institute, Spain's agency
  co-finances 5000 EUR; in progress; expert e3 (female, 4 days); a training 7 / 3 / 0; result: 9 trained, 6
  women, a practice change, rating 4.
- a third match (Mozambique's request with the Colombian offer) declined "Too expensive"; a draft request.
"""
from __future__ import annotations

from datetime import date

import pytest
import reporting_scenario

from kb.extensions import db
from kb.models import Exchange
from kb.services import indicators as ind
from kb.services.indicators import Filters


@pytest.fixture
def scenario(app):
    """The scenario, with a request context open for the service calls of the test."""
    for ids in reporting_scenario.build(app):
        with app.test_request_context():
            yield ids


def test_every_indicator_without_a_filter(scenario):
    r = ind.compute(Filters())
    assert r["headline"] == {"exchanges": 2, "experts": 3, "countries": 4, "people_trained": 21, "offers": 2,
                             "requests": 0}
    assert r["exchanges_by_state"] == {"closed": 1, "in_progress": 1}
    assert r["requests_by_state"] == {"matched": 2, "draft": 1}
    assert r["offers_by_state"] == {"published": 2}
    assert {(c["country"], c["as_requester"], c["as_provider"]) for c in r["countries"]} == {
        ("EC", 1, 0), ("CO", 0, 1), ("MZ", 1, 0), ("BR", 0, 1)}
    assert {(f["provider_country"], f["requester_country"], f["exchanges"]) for f in r["flows"]} == {
        ("CO", "EC", 1), ("BR", "MZ", 1)}
    assert r["experts"] == {"mobilised": 3, "expert_days": 12.0, "in_kind_value": "4800.00", "in_kind_currency": "USD",
                            "daily_rate": "400.0", "by_sex": {"female": 2, "male": 1}}
    p = r["participants"]
    assert (p["female"], p["male"], p["other"], p["total"], p["activities"], p["training_programmes"]) == \
        (19, 11, 1, 31, 3, 2)
    assert {k["kind"]: k["total"] for k in p["by_kind"]} == {"training": 26, "expert-mission": 5}
    assert r["trained"] == {"people_trained": 21, "women_trained": 14, "reports": 2}
    c = r["contributions"]
    assert c["cofinancing"] == [{"partner_id": scenario["orgs"]["es"], "partner": "Org es", "currency": "EUR",
                                 "contributions": 1, "amount": "5000.00"}]
    assert {(k["kind"], k["role"], k["amount"], k["expert_days"]) for k in c["by_kind"]} == {
        ("money", "partner", "5000.00", 0.0), ("expert-days", "provider", None, 10.0)}
    assert r["pipeline"]["stages"] == {"submitted": 2, "published": 2, "proposed": 2, "approved": 2, "agreed": 2,
                                       "closed": 1}
    d = r["pipeline"]["durations"]
    assert d["to_publish"] == {"count": 2, "median_days": 1.0, "p90_days": 3.0}
    assert d["to_first_proposal"] == {"count": 2, "median_days": 5.0, "p90_days": 7.0}
    assert d["to_approval"] == {"count": 2, "median_days": 10.0, "p90_days": 10.0}
    pr = r["proposals"]
    assert (pr["proposed"], pr["decided"], pr["acceptance_rate"], pr["decline_rate"]) == (3, 3, 0.667, 0.333)
    assert pr["decline_reasons"] == [{"reason": "Too expensive", "matches": 1}]
    assert r["results"] == {"reports": 2, "policy_changes": 1, "practice_changes": 1, "rated": 2,
                            "average_rating": 4.5, "ratings": {4: 1, 5: 1}, "exchanges_evaluated": 1}
    assert {(a["role"], a["kind"], a["organisations"]) for a in r["actors"]} == {
        ("requester", "ministry", 2), ("provider", "competence-centre", 1), ("provider", "training-institute", 1),
        ("facilitator", "un-agency", 1), ("partner", "fund-donor", 1)}
    assert r["exposure"]["proposals"] == {"providers": 2, "total": 3, "top10_share": 1.0, "providers_with_one": 1}
    assert r["exposure"]["approved"] == {"providers": 2, "total": 2, "top10_share": 1.0, "providers_with_one": 2}


# Each filter keeps exactly one of the two exchanges: (filter, the exchange kept, its figures).
EX1 = {"experts": 2, "days": 8.0, "participants": 21, "trained": 12, "countries": 2}
EX2 = {"experts": 1, "days": 4.0, "participants": 10, "trained": 9, "countries": 2}


@pytest.mark.parametrize(("f", "kept"), [
    (Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)), EX1),
    (Filters(start=date(2026, 1, 1)), EX2),
    (Filters(end=date(2026, 2, 20)), None),  # both: the period's last day is included
    (Filters(region="CAN"), EX1),
    (Filters(region="SADC"), EX2),
    (Filters(country="CO"), EX1),  # as provider
    (Filters(country="MZ"), EX2),  # as requester
    (Filters(sector="water"), EX2),
    (Filters(sdg=2), EX1),
    (Filters(modality="training-course"), EX2),
])
def test_each_filter_applies_to_every_exchange_figure(scenario, f, kept):
    r = ind.compute(f)
    expected = kept or {"experts": 3, "days": 12.0, "participants": 31, "trained": 21, "countries": 4}
    assert r["experts"]["mobilised"] == expected["experts"]
    assert r["experts"]["expert_days"] == expected["days"]
    assert r["participants"]["total"] == expected["participants"]
    assert r["trained"]["people_trained"] == expected["trained"]
    assert r["headline"]["countries"] == expected["countries"]
    assert r["headline"]["experts"] == expected["experts"]
    assert sum(r["exchanges_by_state"].values()) == (2 if kept is None else 1)


def test_the_partner_filter_keeps_the_partners_exchanges_and_their_records(scenario):
    f = Filters().restricted_to_partner(scenario["orgs"]["es"])
    r = ind.compute(f)
    assert r["exchanges_by_state"] == {"in_progress": 1}
    assert r["participants"]["total"] == 10
    assert r["requests_by_state"] == {"matched": 1}
    assert r["offers_by_state"] == {"published": 1}
    assert r["proposals"]["proposed"] == 1  # the match that became the partner's exchange
    assert r["contributions"]["cofinancing"][0]["amount"] == "5000.00"
    assert ind.compute(Filters(partner=scenario["orgs"]["co"]))["exchanges_by_state"] == {}


def test_records_follow_their_own_country_tags_and_dates(scenario):
    assert ind.compute(Filters(country="EC"))["requests_by_state"] == {"matched": 1, "draft": 1}
    assert ind.compute(Filters(sector="water"))["requests_by_state"] == {"matched": 1, "draft": 1}
    assert ind.compute(Filters(region="CAN"))["offers_by_state"] == {"published": 1}
    assert ind.compute(Filters(start=date(2026, 1, 1)))["offers_by_state"] == {"published": 1}
    assert ind.compute(Filters(modality="expert-mission"))["pipeline"]["stages"]["submitted"] == 1


def test_an_empty_period_gives_zeros_and_no_quantiles(scenario):
    r = ind.compute(Filters(start=date(2020, 1, 1), end=date(2020, 12, 31)))
    assert r["headline"] == {"exchanges": 0, "experts": 0, "countries": 0, "people_trained": 0, "offers": 0,
                             "requests": 0}
    assert r["exchanges_by_state"] == {} and r["countries"] == [] and r["flows"] == []
    assert r["experts"]["mobilised"] == 0 and r["experts"]["in_kind_value"] == "0.00"
    assert r["participants"]["total"] == 0 and r["participants"]["by_kind"] == []
    assert r["pipeline"]["durations"]["to_publish"] == {"count": 0, "median_days": None, "p90_days": None}
    assert r["proposals"]["acceptance_rate"] is None
    assert r["results"]["average_rating"] is None
    assert r["exposure"]["approved"]["top10_share"] is None


def test_on_an_empty_database_everything_is_zero(app):
    with app.test_request_context():
        r = ind.compute(Filters())
    assert r["headline"]["exchanges"] == 0 and r["proposals"]["proposed"] == 0


def test_the_expert_day_value_follows_the_configured_rate(app, scenario):
    with app.test_request_context():
        app.config["KB_EXPERT_DAY_RATE"] = 250.5
        try:
            assert ind.experts(Filters())["in_kind_value"] == "3006.00"
        finally:
            app.config["KB_EXPERT_DAY_RATE"] = 400.0


def test_the_front_page_shows_the_indicators(app, client, scenario):
    with app.test_request_context():
        figures = ind.headline()
    html = client.get("/").get_data(as_text=True)
    assert figures["people_trained"] == 21  # reported in results, not the 31 participants
    for label in ("exchanges", "experts mobilised", "countries involved", "people trained"):
        assert label in html
    assert ">21<" in html and ">3<" in html and ">4<" in html and ">2<" in html


def test_the_exchange_page_agrees_with_the_indicators(app, client, scenario):
    """The exchange's own totals (participants, people trained, experts and their days) are the indicators
    filtered to that exchange's figures."""
    from kb.services.exchanges import exchange_totals

    with app.test_request_context():
        x = db.session.get(Exchange, scenario["x1"])
        totals = exchange_totals(x)
        r = ind.compute(Filters(end=date(2025, 12, 31)))
    assert totals["participants"] == r["participants"]["total"] == 21
    assert totals["women"] == r["participants"]["female"] == 12
    assert totals["people_trained"] == r["trained"]["people_trained"] == 12
    assert totals["experts"] == r["experts"]["mobilised"] == 2
    assert totals["expert_days"] == r["experts"]["expert_days"] == 8.0

