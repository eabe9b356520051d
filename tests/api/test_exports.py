"""Exports: IATI 2.03 XML validated against the official XSD and codelists, CSV and XLSX whose totals equal the
indicators, SIDICSS rows, and who may export what."""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import reporting_scenario
from lxml import etree
from openpyxl import load_workbook

from kb.config import ROOT
from kb.services import indicators
from kb.services.indicators import Filters

IATI_DIR = Path(ROOT).parent / "shared" / "standards" / "iati-2.03"  # ../shared beside the repository
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def scenario(app):
    yield from reporting_scenario.build(app)


@pytest.fixture
def iati_ref(app):
    app.config["KB_IATI_ORG_REF"] = "XM-DAC-41123"
    yield
    app.config["KB_IATI_ORG_REF"] = ""


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(IATI_DIR / "iati-activities-schema.xsd")))


def codelist(name: str) -> set[str]:
    tree = etree.parse(str(IATI_DIR / "codelists" / f"{name}.xml"))
    return {c.text for c in tree.iter("code")}


def _figures(app, f: Filters) -> dict:
    with app.test_request_context():
        return indicators.compute(f)


def _csv(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


# --- IATI ----------------------------------------------------------------------------------------------

def test_the_iati_export_is_valid_against_the_official_schema_and_codelists(kb, app, scenario, iati_ref, schema):
    resp = kb.call("GET", "/exports/iati.xml", kb.user("secretariat", country="AT"))
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    doc = etree.fromstring(resp.get_data())
    schema.assertValid(doc)
    activities = doc.findall("iati-activity")
    assert len(activities) == 2
    checks = {"participating-org/@role": "OrganisationRole", "participating-org/@type": "OrganisationType",
              "reporting-org/@type": "OrganisationType", "activity-status/@code": "ActivityStatus",
              "activity-date/@type": "ActivityDateType", "recipient-country/@code": "Country",
              "sector/@vocabulary": "SectorVocabulary", "sector[@vocabulary='1']/@code": "Sector",
              "tag/@vocabulary": "TagVocabulary", "tag[@vocabulary='2']/@code": "UNSDG-Goals",
              "collaboration-type/@code": "CollaborationType", "result/@type": "ResultType",
              "result/indicator/@measure": "IndicatorMeasure"}
    for path, name in checks.items():
        values = {v for a in activities for v in a.xpath(path)}
        assert values, path
        assert values <= codelist(name), (path, values - codelist(name))
    languages = {n.get(XML_LANG) for n in doc.iter("narrative") if n.get(XML_LANG)} | \
        {a.get(XML_LANG) for a in activities}
    assert languages <= {c.lower() for c in codelist("Language")}, languages
    for a in activities:  # sector percentages add up to 100 per vocabulary (an IATI rule the XSD cannot state)
        for vocabulary in ("1", "99"):
            shares = [float(p) for p in a.xpath(f"sector[@vocabulary='{vocabulary}']/@percentage")]
            assert abs(sum(shares) - 100) < 1e-9, (vocabulary, shares)
        assert a.findtext("iati-identifier").startswith("XM-DAC-41123-KB-")
        assert a.find("reporting-org").get("ref") == "XM-DAC-41123"


def test_the_iati_mapping_of_roles_collaboration_and_results(kb, app, scenario, iati_ref):
    doc = etree.fromstring(kb.call("GET", "/exports/iati.xml", kb.user("secretariat", country="AT")).get_data())
    by_id = {a.findtext("iati-identifier").rsplit("-", 1)[1]: a for a in doc.findall("iati-activity")}
    x1, x2 = by_id[str(scenario["x1"])], by_id[str(scenario["x2"])]
    assert x1.find("collaboration-type").get("code") == "1" and x2.find("collaboration-type").get("code") == "8"
    assert x1.find("activity-status").get("code") == "4" and x2.find("activity-status").get("code") == "2"
    assert sorted(x2.xpath("participating-org/@role")) == ["1", "2", "3", "4", "4"]  # partner funds
    assert x2.find("recipient-country").get("code") == "MZ"
    assert x1.xpath("sector[@vocabulary='1']/@code") == ["31120"]
    assert x1.xpath("tag/@code") == ["2"] and x1.find("title/narrative").get(XML_LANG) == "es"
    figures = _figures(app, Filters())
    totals = {title: sum(int(v) for a in doc.findall("iati-activity")
                         for v in a.xpath(f"result/indicator[title/narrative='{title}']/period/actual[not(dimension)]/@value"))
              for title in ("Participants in activities", "People trained (reported in results)")}
    assert totals["Participants in activities"] == figures["participants"]["total"] == 31
    assert totals["People trained (reported in results)"] == figures["trained"]["people_trained"] == 21
    women = sum(int(v) for v in doc.xpath("//indicator[title/narrative='Participants in activities']"
                                          "/period/actual[dimension/@value='female']/@value"))
    assert women == figures["participants"]["female"]


def test_the_iati_export_needs_the_reporting_organisation_and_an_exchange(kb, scenario):
    sec = kb.user("secretariat", country="AT")
    resp = kb.call("GET", "/exports/iati.xml", sec)
    assert resp.status_code == 409 and "KB_IATI_ORG_REF" in resp.get_json()["message"]


def test_an_iati_export_of_nothing_is_a_404(kb, app, iati_ref, scenario):
    resp = kb.call("GET", "/exports/iati.xml?start=2020-01-01&end=2020-12-31", kb.user("secretariat", country="AT"))
    assert resp.status_code == 404


# --- CSV and XLSX round trips -----------------------------------------------------------------------------

@pytest.mark.parametrize("query, f", [("", Filters()), ("?region=CAN", Filters(region="CAN")),
                                      ("?start=2026-01-01", Filters(start=date(2026, 1, 1))),
                                      ("?sector=water", Filters(sector="water"))])
def test_the_exchanges_csv_totals_equal_the_indicators(kb, app, scenario, query, f):
    rows = _csv(kb.call("GET", f"/exports/exchanges.csv{query}", kb.user("secretariat", country="AT")))
    figures = _figures(app, f)
    assert len(rows) == sum(figures["exchanges_by_state"].values())
    assert sum(int(r["participants_total"]) for r in rows) == figures["participants"]["total"]
    assert sum(int(r["participants_female"]) for r in rows) == figures["participants"]["female"]
    assert sum(int(r["people_trained"]) for r in rows) == figures["trained"]["people_trained"]
    assert sum(float(r["expert_days"]) for r in rows) == figures["experts"]["expert_days"]
    assert sum(int(r["training_programmes"]) for r in rows) == figures["participants"]["training_programmes"]
    assert sum(int(r["policy_changes"]) for r in rows) == figures["results"]["policy_changes"]


def test_the_exchange_row_has_its_parties_contributions_and_results(kb, scenario):
    rows = {r["id"]: r for r in _csv(kb.call("GET", "/exports/exchanges.csv", kb.user("secretariat", country="AT")))}
    x2 = rows[str(scenario["x2"])]
    assert (x2["requester"], x2["provider"], x2["partners"], x2["partner_countries"]) == \
        ("Org mz", "Org br", "Org es", "ES")
    assert x2["money"] == "EUR 5000.00" and x2["cofinancing"] == "EUR 5000.00"
    assert x2["declared_expert_days"] == "10.0" and x2["sectors"] == "water" and x2["dac_sectors"] == "14010"


def test_requests_offers_and_indicator_tables_as_csv(kb, app, scenario):
    sec = kb.user("secretariat", country="AT")
    figures = _figures(app, Filters())
    assert len(_csv(kb.call("GET", "/exports/requests.csv", sec))) == sum(figures["requests_by_state"].values())
    offers = _csv(kb.call("GET", "/exports/offers.csv?country=BR", sec))
    assert [o["title"] for o in offers] == ["Water offer"]
    flows = _csv(kb.call("GET", "/exports/indicators/flows.csv", sec))
    assert sum(int(r["exchanges"]) for r in flows) == 2
    assert kb.call("GET", "/exports/indicators/nothing.csv", sec).status_code == 404


def test_the_xlsx_workbook_holds_every_table_and_a_data_dictionary(kb, app, scenario):
    resp = kb.call("GET", "/exports/exchanges.xlsx?region=SADC", kb.user("secretariat", country="AT"))
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.get_data()), read_only=True)
    figures = _figures(app, Filters(region="SADC"))
    assert {"exchanges", "requests", "offers", "headline", "flows", "pipeline", "data dictionary"} <= \
        set(book.sheetnames)
    rows = list(book["exchanges"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 1 == sum(figures["exchanges_by_state"].values())
    assert sum(r[header.index("participants_total")] for r in data) == figures["participants"]["total"] == 10
    headline = {k: v for k, v in list(book["headline"].iter_rows(values_only=True))[1:]}
    assert headline == figures["headline"]
    dictionary = list(book["data dictionary"].iter_rows(values_only=True))
    assert ("exchanges", "participants_total", "Participants (all)") in dictionary


# --- SIDICSS -------------------------------------------------------------------------------------------

def test_the_sidicss_csv_has_modality_roles_costs_and_sdgs(kb, scenario):
    rows = {r["initiative_id"]: r for r in _csv(kb.call("GET", "/exports/sidicss.csv",
                                                        kb.user("secretariat", country="AT")))}
    x1, x2 = rows[str(scenario["x1"])], rows[str(scenario["x2"])]
    assert (x1["modality"], x1["offering_country"], x1["receiving_country"], x1["second_offering_party"]) == \
        ("bilateral", "CO", "EC", "")
    assert (x2["modality"], x2["second_offering_party"], x2["currency"], x2["budgeted_cost_second_offering"]) == \
        ("triangular", "ES", "EUR", "5000.00")
    assert x2["executed_cost_second_offering"] == ""  # in progress: nothing executed yet
    assert x1["initiative_type"] == "project" and x2["initiative_type"] == "action"
    assert x1["sdgs"] == "2" and x1["dac_sector"] == "31120" and x1["approval_date"] == "2025-03-20"


# --- who may export --------------------------------------------------------------------------------------

def test_exports_are_for_the_secretariat_admin_and_partners_restricted(kb, scenario, iati_ref):
    from kb.services.admin import create_user
    from kb.services.auth import issue_token

    with kb.app.app_context():
        create_user(None, {"email": "p@es.example", "password": kb.PASSWORD, "role": "partner",
                           "organisation_id": scenario["orgs"]["es"]})
        token, _ = issue_token("p@es.example", kb.PASSWORD)
    rows = _csv(kb.client.get("/api/v1/exports/exchanges.csv", headers={"Authorization": f"Bearer {token}"}))
    assert [r["id"] for r in rows] == [str(scenario["x2"])]
    for path in ("/exports/exchanges.csv", "/exports/exchanges.xlsx", "/exports/iati.xml", "/exports/sidicss.csv",
                 "/exports/requests.csv", "/exports/indicators/headline.csv"):
        assert kb.call("GET", path, kb.user("director")).status_code == 403, path
        assert kb.call("GET", path).status_code == 401, path
    assert kb.call("GET", "/exports/exchanges.csv?sdg=99", kb.user("admin", country="AT")).status_code == 422
