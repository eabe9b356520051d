"""/reports, /transparency and /countries/<ISO2> per role: who sees what, partners restricted, no personal data on
public pages, charts as SVG images followed by their tables, CSV downloads equal to the indicators."""
from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace

import pytest
import reporting_scenario

from kb.services import indicators
from kb.services.indicators import Filters


@pytest.fixture
def scenario(app):
    yield from reporting_scenario.build(app)


def _page(resp) -> str:
    return resp.get_data(as_text=True)


def _partner_user(kb, scenario):
    from kb.services.admin import create_user

    with kb.app.app_context():
        create_user(None, {"email": "partner@es.example", "password": kb.PASSWORD, "role": "partner",
                           "organisation_id": scenario["orgs"]["es"]})
    return SimpleNamespace(email="partner@es.example")


def test_reports_are_for_the_secretariat_admin_and_partners(browser, kb, scenario):
    assert browser().get("/reports").status_code == 302  # to sign in
    assert browser(kb.user("director")).get("/reports").status_code == 403
    assert browser(kb.user("centre")).get("/reports/tables/headline.csv").status_code == 403
    for role in ("secretariat", "admin"):
        resp = browser(kb.user(role, country="AT")).get("/reports")
        assert resp.status_code == 200, role
    page = _page(resp)
    assert "Experts mobilised" in page and "People trained (reported in results)" in page
    assert page.count('class="chart"') == 5 and page.count("<table>") >= 20


def test_the_report_shows_the_indicators_and_each_table_downloads_as_csv(app, browser, kb, scenario):
    client = browser(kb.user("secretariat", country="AT"))
    page = _page(client.get("/reports?region=CAN"))
    assert 'href="/reports/tables/flows.csv?region=CAN"' in page
    assert 'src="/reports/charts/by_year.svg?region=CAN&amp;lang=en"' in page
    rows = list(csv.reader(io.StringIO(_page(client.get("/reports/tables/headline.csv?region=CAN")))))
    with app.test_request_context():
        headline = indicators.headline(Filters(region="CAN"))
    assert rows[0] == ["measure", "value"]
    assert {k: int(v) for k, v in rows[1:]} == headline
    assert headline["exchanges"] == 1 and headline["people_trained"] == 12
    flows = list(csv.reader(io.StringIO(_page(client.get("/reports/tables/flows.csv")))))
    assert flows == [["provider_country", "requester_country", "exchanges"], ["BR", "MZ", "1"], ["CO", "EC", "1"]]
    assert client.get("/reports/tables/nothing.csv").status_code == 404


def test_charts_are_svg_images_with_their_own_narrow_policy(browser, kb, scenario):
    client = browser(kb.user("secretariat", country="AT"))
    for name in ("by_year", "pipeline", "participants", "by_sector", "countries"):
        resp = client.get(f"/reports/charts/{name}.svg?start=2025-01-01")
        assert resp.status_code == 200 and resp.mimetype == "image/svg+xml", name
        assert resp.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg")), name
        policy = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy, policy
    assert "default-src 'self'" in client.get("/reports").headers["Content-Security-Policy"]
    assert client.get("/reports/charts/other.svg").status_code == 404


def test_a_chart_is_fetched_again_in_the_language_just_chosen(browser, kb, scenario):
    """Charts are cached by the browser for a minute: the same address after a change of language showed the
    chart of the language before (English titles and country names on a Portuguese page)."""
    client = browser(kb.user("secretariat", country="AT"))
    english = re.findall(r'<img class="chart" src="([^"]+)"', _page(client.get("/reports")))
    client.post("/language", data={"lang": "pt", "next": "/"})
    portuguese = re.findall(r'<img class="chart" src="([^"]+)"', _page(client.get("/reports")))
    assert len(english) == len(portuguese) == 5 and not set(english) & set(portuguese)
    svg = _page(client.get(portuguese[0].replace("&amp;", "&")))
    assert "<title>Intercâmbios" in svg or "Intercâmbios" in svg
    public = re.findall(r'<img class="chart" src="([^"]+)"', _page(client.get("/transparency")))
    assert public and all(src.endswith("lang=pt") for src in public)


def test_a_bad_filter_is_refused_by_name_in_the_users_language(browser, kb, scenario):
    client = browser(kb.user("secretariat", country="AT"))
    client.post("/language", data={"lang": "es", "next": "/reports"})
    resp = client.get("/reports?sdg=18&region=NOPE")
    assert resp.status_code == 422
    page = _page(resp)
    assert 'id="e-sdg"' in page and 'id="e-region"' in page and 'lang="es"' in page
    resp = client.get("/reports?start=2026-05-01&end=2026-01-01")  # an empty period: nothing in it
    assert resp.status_code == 200 and "Nada en este período." in _page(resp)
    assert client.get("/reports/tables/headline.csv?sdg=0").status_code == 422
    assert client.get("/reports/charts/by_year.svg?end=x").status_code == 422


def test_a_partner_sees_only_the_exchanges_it_supports(browser, kb, scenario):
    partner = browser(_partner_user(kb, scenario))
    rows = list(csv.reader(io.StringIO(_page(partner.get("/reports/tables/exchanges_by_state.csv")))))
    assert rows == [["state", "exchanges"], ["in_progress", "1"]]
    # Asking for another partner's figures still gives its own.
    rows = list(csv.reader(io.StringIO(_page(partner.get(
        f"/reports/tables/exchanges_by_state.csv?partner={scenario['orgs']['co']}")))))
    assert rows == [["state", "exchanges"], ["in_progress", "1"]]
    page = _page(partner.get("/reports"))
    assert "The figures of the exchanges your organisation supports." in page
    assert 'name="partner"' not in page


def test_transparency_is_public_with_aggregates_only(client, scenario):
    resp = client.get("/transparency")
    assert resp.status_code == 200
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", _page(resp))  # a random token may hold anything
    for private in ("Org es", "Org co", "E1", "E2", "E3", "Too expensive", "@"):
        assert private not in page, private
    assert "Exchanges and people reached by year" in page and "South-South flows" in page
    assert client.get("/transparency/charts/by_year.svg").status_code == 200
    assert client.get("/transparency/charts/pipeline.svg").status_code == 404  # not a public chart
    assert client.get("/transparency/tables/cofinancing.csv").status_code == 404  # names partners
    assert client.get("/transparency/tables/flows.csv").status_code == 200


def test_a_country_profile_shows_what_it_requested_offered_and_its_exchanges(client, scenario):
    page = _page(client.get("/countries/mz"))
    assert "Mozambique" in page and "Water" in page  # its exchange (the request's title)
    assert "Org mz" not in page
    page = _page(client.get("/countries/CO"))
    assert "Agri offer" in page and "Agri" in page
    assert client.get("/countries/XX").status_code == 404
    assert client.get("/countries/ECU").status_code == 404


def test_the_report_downloads_as_one_workbook_under_its_filter(browser, kb, scenario):
    from openpyxl import load_workbook

    client = browser(kb.user("secretariat", country="AT"))
    assert 'href="/reports/export.xlsx?region=SADC"' in _page(client.get("/reports?region=SADC"))
    resp = client.get("/reports/export.xlsx?region=SADC")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    assert len(list(book["exchanges"].iter_rows(values_only=True))) == 2  # the header and Mozambique's exchange
    assert browser(kb.user("director")).get("/reports/export.xlsx").status_code == 403


def test_charts_of_counts_mark_their_scale_in_whole_numbers():
    """Two countries with one exchange each: the scale read 0, 0.1, 0.2 ... 1 ("0.3 exchanges")."""
    from kb.web import charts

    def marks(svg: str) -> set[str]:
        return set(re.findall(r"<text[^>]*>([0-9.]+)</text>", svg))

    svg = charts.bars("Countries", ["Colombia", "Ecuador"], [("As requester", [0, 1]), ("As provider", [1, 0])],
                      horizontal=True, stacked=True)
    assert marks(svg) == {"0", "1"}
    svg = charts.bars("By year", ["2025", "2026"], [("Exchanges", [3, 57]), ("Participants", [120, 7])])
    assert {m for m in marks(svg) if "." in m} == set() and {"0", "120"} <= marks(svg)
    assert "0.5" in marks(charts.bars("Pipeline", ["a"], [("Days", [0.5])]))  # not counts: left to pygal
    svg = charts.bars("Participants", ["a", "b"], [("People", [123, 4])])  # 1, 2 or 5 x 10^k: not 0, 13, 26 ...
    assert {"0", "20", "40", "140"} <= marks(svg) and "13" not in marks(svg)
