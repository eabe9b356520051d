"""Partners as parties (issue #9 section 4): a request states the co-financing it seeks; a partner declares its
priorities in its organisation's profile and browses the published requests seeking co-financing that fit."""
from __future__ import annotations

import html

import pytest


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


SEEKING = {"seeks_cofinancing": True, "cofinancing_amount": "20000.00", "cofinancing_currency": "USD",
           "cofinancing_purpose": "Travel and per diem of two experts"}


@pytest.fixture
def people(kb):
    return {"sec": kb.user("secretariat", country="AT"), "director": kb.user("director", country="JM"),
            "director_sn": kb.user("director", country="SN"), "partner": kb.user("partner", country="ES"),
            "admin": kb.user("admin", country="AT")}


def _form(**over) -> dict:
    data = {"title": "Cane sugar for small producers", "description": "Help us design a profitable cane sugar "
            "system for small producers.", "text_lang": "en", "sectors": ["agro-industry"],
            "modalities": ["expert-mission"], "languages": ["en"], "seeks_cofinancing": "true",
            "cofinancing_amount": "15000", "cofinancing_currency": "EUR", "cofinancing_purpose": "Two study visits"}
    data.update(over)
    return data


def test_a_request_states_the_cofinancing_it_seeks(kb, browser, people):
    director = people["director"]
    client = browser(director)
    form = text(client.get("/my/requests/new"))
    for name in ("seeks_cofinancing", "cofinancing_amount", "cofinancing_currency", "cofinancing_purpose"):
        assert f'id="f-{name}"' in form and f'for="f-{name}"' in form, name
    resp = client.post("/my/requests/new", data=_form(cofinancing_purpose=""))
    assert resp.status_code == 409 and "Say what the co-financing would pay for." in text(resp)
    resp = client.post("/my/requests/new", data=_form(cofinancing_currency="euro"))
    assert resp.status_code == 422 and 'id="e-cofinancing_currency"' in text(resp)
    assert kb.ok("GET", "/requests", people["sec"])["total"] == 0
    resp = client.post("/my/requests/new", data=_form())
    assert resp.status_code == 302
    rid = int(resp.headers["Location"].rsplit("/", 1)[1])
    record = kb.ok("GET", f"/requests/{rid}", director)
    assert (record["seeks_cofinancing"], record["cofinancing_amount"], record["cofinancing_currency"],
            record["cofinancing_purpose"]) == (True, "15000.00", "EUR", "Two study visits")
    page = text(client.get(f"/my/requests/{rid}"))
    assert "Co-financing sought from partners" in page and "Two study visits" in page and "15,000.00" in page
    # The API refuses an amount without its currency, naming the field.
    resp = kb.call("POST", "/requests", director, kb.request_payload(cofinancing_amount="100.00"))
    assert resp.status_code == 409 and "cofinancing_currency" in resp.get_json()["errors"]
    # Editing it back to "no" through the form.
    resp = client.post(f"/my/requests/{rid}/edit", data=_form(seeks_cofinancing="false", cofinancing_amount="",
                                                              cofinancing_currency="", cofinancing_purpose=""))
    assert resp.status_code == 302
    assert kb.ok("GET", f"/requests/{rid}", director)["seeks_cofinancing"] is False


def test_a_partner_declares_its_priorities_audited(kb, browser, people):
    partner = people["partner"]
    client = browser(partner)
    page = text(client.get("/my/organisation"))
    assert 'name="priority_sectors"' in page and 'name="priority_regions"' in page
    resp = client.post("/my/organisation", data={"priority_sectors": ["no-such-sector"]})
    assert resp.status_code == 422 and "Unknown code: no-such-sector." in text(resp)
    resp = client.post("/my/organisation", data={"priority_sdgs": ["18"]})
    assert resp.status_code == 422
    resp = client.post("/my/organisation", data={
        "priority_sectors": ["agro-industry", "water"], "priority_regions": ["CARICOM"], "priority_countries": ["SN"],
        "priority_sdgs": ["2", "6"], "priority_contributions": ["money", "hosting"]})
    assert resp.status_code == 302
    page = text(client.get("/my/organisation"))
    assert 'value="agro-industry" checked' in page and 'value="CARICOM" checked' in page
    assert 'value="SN" selected' in page and 'value="money" checked' in page
    events = kb.ok("GET", f"/events?record_type=organisation&record_id={partner.org_id}", people["admin"])["items"]
    change = [e for e in events if e["action"] == "priorities"][-1]["details"]["changes"]
    assert set(change["priority_sectors"]["to"]) == {"agro-industry", "water"}
    # Another role sees its profile without the form, and may not post one.
    director = browser(people["director"])
    assert 'name="priority_sectors"' not in text(director.get("/my/organisation"))
    assert director.post("/my/organisation", data={"priority_sdgs": ["2"]}).status_code == 403


def test_partners_browse_published_requests_seeking_cofinancing_that_fit(kb, browser, people):
    sec = people["sec"]
    fits_sector_region = kb.published_request(people["director"], sec, title="Sugar mills in Jamaica",
                                              sectors=["agro-industry"], **SEEKING)
    other_sector = kb.published_request(people["director"], sec, title="Port logistics in Jamaica",
                                        sectors=["sme-development"], **SEEKING)
    other_region = kb.published_request(people["director_sn"], sec, title="Sugar mills in Senegal",
                                        sectors=["agro-industry"], **SEEKING)
    not_seeking = kb.published_request(people["director"], sec, title="Sugar refining in Jamaica",
                                       sectors=["agro-industry"])
    client = browser(people["partner"])
    client.post("/my/organisation", data={"priority_sectors": ["agro-industry"], "priority_regions": ["CARICOM"]})
    page = text(client.get("/cofinancing"))
    assert "Sugar mills in Jamaica" in page and "Travel and per diem of two experts" in page
    for r in (other_sector, other_region, not_seeking):
        assert r["title"] not in page, r["title"]
    everything = text(client.get("/cofinancing?all=1"))
    assert all(r["title"] in everything for r in (fits_sector_region, other_sector, other_region))
    assert not_seeking["title"] not in everything
    assert f'href="/requests/{fits_sector_region["id"]}"' in text(client.get("/home"))
    # A country named directly fits too.
    client.post("/my/organisation", data={"priority_sectors": ["agro-industry"], "priority_countries": ["SN"]})
    page = text(client.get("/cofinancing"))
    assert "Sugar mills in Senegal" in page and "Sugar mills in Jamaica" not in page
    # The secretariat sees them all.
    assert all(r["title"] in text(browser(sec).get("/cofinancing")) for r in (fits_sector_region, other_region))
