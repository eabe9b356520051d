"""GET /api/v1/indicators: the same indicators and filters as the pages, for the secretariat, the admin and
partners (restricted to the exchanges they support); refused to others; bad filters named."""
from __future__ import annotations

from datetime import date

import pytest
import reporting_scenario

from kb.services import indicators
from kb.services.indicators import Filters


@pytest.fixture
def scenario(app):
    yield from reporting_scenario.build(app)


def test_the_api_gives_the_indicators_under_the_filter(kb, app, scenario):
    sec = kb.user("secretariat", country="AT")
    body = kb.ok("GET", "/indicators?start=2025-01-01&end=2025-12-31&sector=agriculture", sec)
    with app.test_request_context():
        expected = indicators.compute(Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), sector="agriculture"))
    assert body["headline"] == expected["headline"] and body["headline"]["exchanges"] == 1
    assert body["experts"] == expected["experts"] and body["participants"]["total"] == 21
    assert body["filters"]["start"] == "2025-01-01" and body["filters"]["sector"] == "agriculture"
    assert kb.ok("GET", "/indicators", kb.user("admin", country="AT"))["headline"]["exchanges"] == 2


def test_partners_get_their_exchanges_only_and_others_are_refused(kb, scenario):
    from kb.services.admin import create_user
    from kb.services.auth import issue_token

    with kb.app.app_context():
        create_user(None, {"email": "p@es.example", "password": kb.PASSWORD, "role": "partner",
                           "organisation_id": scenario["orgs"]["es"]})
        token, _ = issue_token("p@es.example", kb.PASSWORD)
    resp = kb.client.get(f"/api/v1/indicators?partner={scenario['orgs']['co']}",
                         headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert resp.get_json()["exchanges_by_state"] == {"in_progress": 1}
    assert resp.get_json()["filters"]["partner"] == scenario["orgs"]["es"]
    assert kb.call("GET", "/indicators", kb.user("director")).status_code == 403
    assert kb.call("GET", "/indicators", kb.user("centre")).status_code == 403
    assert kb.call("GET", "/indicators").status_code == 401


@pytest.mark.parametrize(("query", "field"), [
    ("start=2026-13-01", "start"), ("end=yesterday", "end"),
    ("region=NOPE", "region"), ("country=ecu", "country"), ("sector=space", "sector"), ("sdg=0", "sdg"),
    ("sdg=18", "sdg"), ("modality=x", "modality"), ("partner=0", "partner"), ("colour=red", "colour"),
])
def test_bad_filters_are_refused_naming_the_field(kb, query, field):
    resp = kb.call("GET", f"/indicators?{query}", kb.user("secretariat", country="AT"))
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["errors"]["query"], resp.get_json()
