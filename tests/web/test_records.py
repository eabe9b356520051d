"""A director's requests, a centre's offers and expert roster: forms, workflow buttons, suggestions, interest."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest


def _page(resp) -> str:
    return resp.get_data(as_text=True)


def _request_form(**over) -> dict:
    data = {"title": "Cane sugar for small producers", "description": "Help us design a profitable cane sugar "
            "system for small producers.", "text_lang": "es", "sectors": ["agro-industry"],
            "modalities": ["expert-mission", "training-course"], "languages": ["es"], "sdgs": ["8", "12"],
            "beneficiaries_count": "110", "beneficiaries_kind": "producers and technicians",
            "duration_months": "2", "wished_start": "2027-03-01", "wished_end": "2027-04-30",
            "cofinancing": "Local transport and venues", "contact_name": "Ana Pérez",
            "contact_email": "ana@ministry.example"}
    data.update(over)
    return data


def _offer_form(**over) -> dict:
    data = {"title": "Panela mill diagnostics", "description": "Energy diagnostics of panela furnaces and "
            "training of technicians.", "text_lang": "es", "sectors": ["agro-industry"],
            "modalities": ["expert-mission"], "languages": ["es", "en"], "terms": "in-kind",
            "valid_until": "2099-12-31", "capacity": "2 experts"}
    data.update(over)
    return data


def _record(kb, actor, kind: str, record_id: int) -> dict:
    return kb.ok("GET", f"/{kind}/{record_id}", actor)


def _new_id(resp, kind: str) -> int:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    return int(re.search(rf"/my/{kind}/(\d+)$", resp.headers["Location"]).group(1))


# --- access -----------------------------------------------------------------------------------

def test_my_pages_need_a_signed_in_user(browser):
    for url in ("/my/requests", "/my/offers", "/my/experts", "/my/requests/new"):
        resp = browser().get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url


def test_a_director_cannot_open_centre_pages_nor_a_centre_director_pages(browser, kb):
    director, centre = kb.user("director"), kb.user("centre", country="CO")
    d, c = browser(director), browser(centre)
    for url in ("/my/offers", "/my/offers/new", "/my/experts", "/my/experts/new"):
        assert d.get(url).status_code == 403, url
    assert d.post("/my/offers/new", data=_offer_form()).status_code == 403
    for url in ("/my/requests", "/my/requests/new"):
        assert c.get(url).status_code == 403, url
    assert c.post("/my/requests/new", data=_request_form()).status_code == 403
    assert kb.ok("GET", "/offers", kb.user("secretariat"))["total"] == 0  # nothing was created


def test_the_navigation_links_each_role_to_its_own_pages(browser, kb):
    director_page = _page(browser(kb.user("director")).get("/my/requests"))
    assert 'href="/my/requests"' in director_page and 'href="/my/experts"' not in director_page
    centre_page = _page(browser(kb.user("centre")).get("/my/offers"))
    assert 'href="/my/experts"' in centre_page and 'href="/my/requests"' not in centre_page


def test_the_navigation_marks_the_section_of_the_page(browser, kb):
    """Nothing in the header said where one was (the admin's sub-navigation set aria-current, unstyled)."""
    def current(page: str) -> list[str]:
        nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
        return re.findall(r'<a href="([^"]+)" aria-current="page">', nav)

    director = browser(kb.user("director"))
    rid = _new_id(director.post("/my/requests/new", data=_request_form()), "requests")
    assert current(_page(director.get(f"/my/requests/{rid}"))) == ["/my/requests"]
    assert current(_page(director.get("/requests"))) == ["/requests"]
    assert current(_page(director.get("/home"))) == ["/home"]
    assert current(_page(browser(kb.user("secretariat", country="AT")).get("/admin/organisations"))) == ["/admin/"]
    assert current(_page(director.get("/account/password"))) == []


# --- director: requests ---------------------------------------------------------------------------

def test_a_director_creates_a_request_through_the_form(browser, kb):
    director = kb.user("director")
    client = browser(director)
    form = _page(client.get("/my/requests/new"))
    for name in ("title", "description", "text_lang", "beneficiaries_count", "wished_start", "contact_email"):
        assert f'id="f-{name}"' in form and f'for="f-{name}"' in form, name  # every input has its label
    rid = _new_id(client.post("/my/requests/new", data=_request_form()), "requests")
    saved = _record(kb, director, "requests", rid)
    assert saved["status"] == "draft" and saved["sectors"] == ["agro-industry"]
    assert saved["sdgs"] == [8, 12] and saved["beneficiaries_count"] == 110
    assert saved["wished_start"] == "2027-03-01" and saved["contact_email"] == "ana@ministry.example"
    listing = _page(client.get("/my/requests"))
    assert "Cane sugar for small producers" in listing and "Draft" in listing


def test_bad_input_keeps_the_values_and_shows_errors_next_to_the_fields(browser, kb):
    director = kb.user("director")
    client = browser(director)
    resp = client.post("/my/requests/new", data=_request_form(
        title="ab", beneficiaries_count="-5", wished_start="2027-13-45", contact_email="not-an-email"))
    assert resp.status_code == 422
    page = _page(resp)
    for name in ("title", "beneficiaries_count", "wished_start", "contact_email"):
        assert f'id="e-{name}"' in page, name
    assert "Help us design a profitable cane sugar" in page and 'value="not-an-email"' in page
    assert re.search(r'value="agro-industry" checked', page)  # ticked boxes stay ticked
    assert kb.ok("GET", "/requests", director)["total"] == 0


def test_errors_found_by_the_service_are_shown_on_the_form(browser, kb):
    client = browser(kb.user("director"))
    resp = client.post("/my/requests/new", data=_request_form(wished_start="2027-05-01", wished_end="2027-04-01"))
    assert resp.status_code == 422 and 'id="e-wished_end"' in _page(resp)
    resp = client.post("/my/requests/new", data=_request_form(sectors=["no-such-sector"]))
    assert resp.status_code == 422 and "Unknown sector" in _page(resp)


def test_a_director_edits_a_draft_and_a_stale_form_is_refused(browser, kb):
    director = kb.user("director")
    client = browser(director)
    rid = _new_id(client.post("/my/requests/new", data=_request_form()), "requests")
    form = _page(client.get(f"/my/requests/{rid}/edit"))
    assert 'value="Cane sugar for small producers"' in form and 'name="version" value="1"' in form
    resp = client.post(f"/my/requests/{rid}/edit", data=_request_form(title="Better cane sugar", version="1",
                                                                        contact_name="", sectors=[""]))
    assert resp.status_code == 302
    saved = _record(kb, director, "requests", rid)
    assert saved["title"] == "Better cane sugar" and saved["contact_name"] is None and saved["sectors"] == []
    resp = client.post(f"/my/requests/{rid}/edit", data=_request_form(title="Lost update", version="1"))
    assert resp.status_code == 409 and 'value="Lost update"' in _page(resp)
    assert _record(kb, director, "requests", rid)["title"] == "Better cane sugar"


def test_someone_elses_draft_is_not_found(browser, kb):
    owner = kb.user("director")
    rid = kb.ok("POST", "/requests", owner, kb.request_payload())["id"]
    colleague_elsewhere = browser(kb.user("director"))
    assert colleague_elsewhere.get(f"/my/requests/{rid}").status_code == 404
    assert colleague_elsewhere.get(f"/my/requests/{rid}/edit").status_code == 404
    assert colleague_elsewhere.post(f"/my/requests/{rid}/edit", data=_request_form()).status_code == 404
    assert colleague_elsewhere.post(f"/my/requests/{rid}/transition", data={"action": "withdraw"}).status_code == 404
    assert _record(kb, owner, "requests", rid)["status"] == "draft"


def test_another_organisations_published_request_is_not_mine(browser, kb):
    secretariat = kb.user("secretariat")
    req = kb.published_request(kb.user("director"), secretariat)
    assert browser(kb.user("director")).get(f"/my/requests/{req['id']}").status_code == 404


def test_only_allowed_actions_are_shown_and_others_are_refused(browser, kb):
    director = kb.user("director")
    client = browser(director)
    rid = _new_id(client.post("/my/requests/new", data=_request_form()), "requests")
    page = _page(client.get(f"/my/requests/{rid}"))
    assert 'value="submit"' in page and 'value="withdraw"' in page and "/edit" in page
    assert 'value="publish"' not in page and 'value="reject"' not in page
    resp = client.post(f"/my/requests/{rid}/transition", data={"action": "submit", "version": "1"})
    assert resp.status_code == 302
    assert _record(kb, director, "requests", rid)["status"] == "submitted"
    page = _page(client.get(f"/my/requests/{rid}"))
    assert 'value="submit"' not in page and f"/my/requests/{rid}/edit" not in page
    assert 'value="withdraw"' in page
    # Posted anyway: refused by the server, nothing changes, the page explains why.
    resp = client.post(f"/my/requests/{rid}/transition", data={"action": "publish"})
    assert resp.status_code == 403 and "may not publish" in _page(resp)
    resp = client.post(f"/my/requests/{rid}/transition", data={"action": "submit"})
    assert resp.status_code == 409
    assert client.get(f"/my/requests/{rid}/edit").status_code == 409
    resp = client.post(f"/my/requests/{rid}/transition", data={"action": "fly"})
    assert resp.status_code == 422
    assert _record(kb, director, "requests", rid)["status"] == "submitted"
    assert client.post(f"/my/requests/{rid}/transition", data={"action": "withdraw"}).status_code == 302
    assert _record(kb, director, "requests", rid)["status"] == "withdrawn"


def test_a_workflow_button_confirms_where_the_record_now_is(browser, kb):
    """The confirmation named the button ("Done: Submit.", "Hecho: Archivar."), not what became of the record."""
    director = kb.user("director")
    client = browser(director)
    rid = _new_id(client.post("/my/requests/new", data=_request_form()), "requests")
    client.post(f"/my/requests/{rid}/transition", data={"action": "submit", "version": "1"})
    page = _page(client.get(f"/my/requests/{rid}"))
    assert "“Cane sugar for small producers” is now Submitted." in page and "Done: Submit." not in page
    client.post("/language", data={"lang": "es", "next": "/"})
    client.post(f"/my/requests/{rid}/transition", data={"action": "withdraw"})
    assert "«Cane sugar for small producers» pasa al estado «Retirado»." in html.unescape(
        _page(client.get(f"/my/requests/{rid}")))


def test_an_incomplete_draft_can_still_be_submitted_for_review(browser, kb):
    director = kb.user("director")
    client = browser(director)
    rid = _new_id(client.post("/my/requests/new", data=_request_form(sectors=[""], languages=[""])), "requests")
    assert client.post(f"/my/requests/{rid}/transition", data={"action": "submit"}).status_code == 302


def test_a_published_request_shows_suggested_offers_with_their_explanations(browser, kb):
    secretariat = kb.user("secretariat")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, secretariat)
    off = kb.published_offer(centre, secretariat)
    other = kb.published_offer(kb.user("centre", country="BR"), secretariat,
                               title="Port logistics for container terminals",
                               description="Crane scheduling and customs data exchange for seaports.",
                               sectors=["ict-digital"], modalities=["study-visit"])
    bands = {s["id"]: s["band"] for s in
             kb.ok("GET", f"/requests/{req['id']}/suggestions?include_weak=true", director)["items"]}
    assert bands[other["id"]] == "weak" and bands[off["id"]] != "weak"  # the port offer shares nothing
    page = _page(browser(director).get(f"/my/requests/{req['id']}"))
    # A weak suggestion is hidden by default; the page says when nothing is strong.
    assert off["title"] in page and other["title"] not in page
    assert ("No strong match yet" in page) == (bands[off["id"]] != "strong")
    page = _page(browser(director).get(f"/my/requests/{req['id']}?include_weak=true"))
    assert off["title"] in page and f'href="/offers/{off["id"]}"' in page and other["title"] in page
    assert "Weak match" in page and "fit" in page and "%" in page
    assert "Shared sectors" in page and "Cleaner production" in page
    assert "Shared modalities" in page and "Expert mission" in page
    assert "Working languages" in page and "shared" in page
    assert "Matching terms" in page
    assert "Express interest" not in page  # a director cannot propose matches
    # Filters narrow the suggestions; a bad filter is a 422 on the field.
    assert off["title"] not in _page(browser(director).get(f"/my/requests/{req['id']}?include_weak=true&sector=health"))
    assert browser(director).get(f"/my/requests/{req['id']}?language=zz").status_code == 422
    # A director cannot express interest even by posting the form.
    assert browser(director).post(f"/my/offers/{off['id']}/interest",
                                  data={"request_id": req["id"]}).status_code == 403


def test_a_draft_has_no_suggestions_yet(browser, kb):
    director = kb.user("director")
    rid = kb.ok("POST", "/requests", director, kb.request_payload())["id"]
    page = _page(browser(director).get(f"/my/requests/{rid}"))
    assert "Suggestions appear once the secretariat has published" in page


# --- centre: offers, roster, interest ---------------------------------------------------------------

def test_a_centre_keeps_its_roster(browser, kb):
    centre = kb.user("centre", country="CO")
    client = browser(centre)
    resp = client.post("/my/experts/new", data={"name": "Luz Ortega", "expertise": "", "email": "bad",
                                                "languages": ["es"], "active": "true"})
    assert resp.status_code == 422
    page = _page(resp)
    assert 'id="e-expertise"' in page and 'id="e-email"' in page and 'value="Luz Ortega"' in page
    resp = client.post("/my/experts/new", data={"name": "Luz Ortega", "expertise": "Panela furnaces",
                                                "email": "luz@sena.example", "languages": ["es", "en"],
                                                "active": "true"})
    assert resp.status_code == 302
    roster = kb.ok("GET", "/experts", centre)["items"]
    assert len(roster) == 1 and roster[0]["languages"] == ["es", "en"] and roster[0]["active"] is True
    eid = roster[0]["id"]
    page = _page(client.get("/my/experts"))
    assert "Luz Ortega" in page and "luz@sena.example" in page
    form = _page(client.get(f"/my/experts/{eid}/edit"))
    assert 'value="Luz Ortega"' in form
    # Unticking "active" sends only the hidden "false".
    resp = client.post(f"/my/experts/{eid}/edit", data={"name": "Luz M. Ortega", "expertise": "Panela furnaces",
                                                        "languages": ["es"], "active": "false", "version": "1"})
    assert resp.status_code == 302
    saved = kb.ok("GET", f"/experts/{eid}", centre)
    assert saved["name"] == "Luz M. Ortega" and saved["active"] is False and saved["languages"] == ["es"]
    resp = client.post(f"/my/experts/{eid}/edit", data={"name": "Stale", "expertise": "x", "version": "1"})
    assert resp.status_code == 409
    other_centre = browser(kb.user("centre", country="BR"))
    assert other_centre.get(f"/my/experts/{eid}/edit").status_code == 404
    assert "Luz" not in _page(other_centre.get("/my/experts"))


def test_a_centre_creates_links_experts_and_submits_an_offer(browser, kb):
    centre = kb.user("centre", country="CO")
    eid = kb.ok("POST", "/experts", centre, {"name": "Luz Ortega", "expertise": "Panela"})["id"]
    client = browser(centre)
    form = _page(client.get("/my/offers/new"))
    assert "Luz Ortega" in form and 'name="expert_ids"' in form and 'id="f-terms"' in form
    oid = _new_id(client.post("/my/offers/new", data=_offer_form(expert_ids=[str(eid)])), "offers")
    saved = _record(kb, centre, "offers", oid)
    assert saved["expert_ids"] == [eid] and saved["valid_until"] == "2099-12-31" and saved["terms"] == "in-kind"
    resp = client.post(f"/my/offers/{oid}/edit", data=_offer_form(terms="free", version="1"))
    assert resp.status_code == 422 and 'id="e-terms"' in _page(resp)
    page = _page(client.get(f"/my/offers/{oid}"))
    assert 'value="submit"' in page and 'value="archive"' in page and 'value="renew"' not in page
    assert client.post(f"/my/offers/{oid}/transition", data={"action": "submit"}).status_code == 302
    assert _record(kb, centre, "offers", oid)["status"] == "submitted"
    assert "Submitted" in _page(client.get("/my/offers"))


def test_a_centre_cannot_link_another_centres_expert(browser, kb):
    centre = kb.user("centre", country="CO")
    foreign = kb.ok("POST", "/experts", kb.user("centre", country="BR"), {"name": "Someone", "expertise": "x"})
    resp = browser(centre).post("/my/offers/new", data=_offer_form(expert_ids=[str(foreign["id"])]))
    assert resp.status_code == 409 and 'roster' in _page(resp)


def test_a_centre_renews_an_expiring_offer_and_archives_it(browser, kb, app):
    secretariat = kb.user("secretariat")
    centre = kb.user("centre", country="CO")
    off = kb.published_offer(centre, secretariat, valid_until=(date.today() + timedelta(days=10)).isoformat())
    client = browser(centre)
    page = _page(client.get(f"/my/offers/{off['id']}"))
    assert 'value="renew"' in page and 'id="f-renew-until"' in page and 'value="archive"' in page
    assert 'value="submit"' not in page and "/edit" not in page
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    resp = client.post(f"/my/offers/{off['id']}/transition", data={"action": "renew", "valid_until": yesterday})
    assert resp.status_code == 422 and 'id="e-valid_until"' in _page(resp)
    resp = client.post(f"/my/offers/{off['id']}/transition", data={"action": "renew", "valid_until": "2030-06-30"})
    assert resp.status_code == 302
    assert _record(kb, centre, "offers", off["id"])["valid_until"] == "2030-06-30"
    assert client.post(f"/my/offers/{off['id']}/transition", data={"action": "archive"}).status_code == 302
    assert _record(kb, centre, "offers", off["id"])["status"] == "archived"


def test_an_expired_offer_asks_for_renewal_instead_of_suggesting(browser, kb, app):
    from kb.extensions import db
    from kb.models import Offer

    secretariat = kb.user("secretariat")
    centre = kb.user("centre", country="CO")
    off = kb.published_offer(centre, secretariat)
    with app.app_context():
        db.session.get(Offer, off["id"]).valid_until = date.today() - timedelta(days=1)
        db.session.commit()
    client = browser(centre)
    page = _page(client.get(f"/my/offers/{off['id']}"))
    assert "renew it to be matched again" in page and "Express interest" not in page
    assert "Expired" in _page(client.get("/my/offers"))


def test_a_centre_expresses_interest_in_a_fitting_request(browser, kb):
    secretariat = kb.user("secretariat")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, secretariat)
    off = kb.published_offer(centre, secretariat)
    client = browser(centre)
    page = _page(client.get(f"/my/offers/{off['id']}?include_weak=true"))
    assert req["title"] in page and "Express interest" in page and "Shared sectors" in page
    assert f'name="request_id" value="{req["id"]}"' in page
    resp = client.post(f"/my/offers/{off['id']}/interest", data={"request_id": req["id"]})
    assert resp.status_code == 302
    matches = kb.ok("GET", "/matches", secretariat)["items"]
    assert len(matches) == 1
    match = matches[0]
    assert match["status"] == "accepted_by_provider" and match["origin"] == "interest"
    assert match["request"]["id"] == req["id"] and match["offer"]["id"] == off["id"]
    page = _page(client.get(f"/my/offers/{off['id']}?include_weak=true"))
    assert "Interest expressed" in page
    # The suggestion now says so, linking to the match, instead of offering a button that can only be refused.
    assert f'name="request_id" value="{req["id"]}"' not in page
    assert "Already proposed" in page and f'href="/matches?offer_id={off["id"]}#match-{match["id"]}"' in page
    # Twice is refused with a message, not a crash.
    resp = client.post(f"/my/offers/{off['id']}/interest?include_weak=true", data={"request_id": req["id"]})
    assert resp.status_code == 409 and "Already proposed" in _page(resp)
    assert kb.ok("GET", "/matches", secretariat)["total"] == 1


@pytest.mark.parametrize("data, status", [({}, 422), ({"request_id": "abc"}, 422), ({"request_id": "999999"}, 422)])
def test_interest_with_a_bad_request_id_is_refused(browser, kb, data, status):
    secretariat = kb.user("secretariat")
    centre = kb.user("centre", country="CO")
    off = kb.published_offer(centre, secretariat)
    resp = browser(centre).post(f"/my/offers/{off['id']}/interest", data=data)
    assert resp.status_code == status and 'class="flash error"' in _page(resp)
    assert kb.ok("GET", "/matches", secretariat)["total"] == 0


def test_a_centre_cannot_express_interest_with_another_centres_offer(browser, kb):
    secretariat = kb.user("secretariat")
    req = kb.published_request(kb.user("director", country="EC"), secretariat)
    off = kb.published_offer(kb.user("centre", country="CO"), secretariat)
    resp = browser(kb.user("centre", country="BR")).post(f"/my/offers/{off['id']}/interest",
                                                          data={"request_id": req["id"]})
    assert resp.status_code == 404
    assert kb.ok("GET", "/matches", secretariat)["total"] == 0


def test_a_centre_expresses_interest_from_a_requests_catalogue_page(browser, kb):
    secretariat = kb.user("secretariat")
    req = kb.published_request(kb.user("director", country="EC"), secretariat)
    centre = kb.user("centre", country="CO")
    off = kb.published_offer(centre, secretariat)
    kb.ok("POST", "/offers", centre, kb.offer_payload(title="Unpublished draft offer"))
    client = browser(centre)
    page = _page(client.get(f"/requests/{req['id']}"))
    assert f'<option value="{off["id"]}">' in page and "Unpublished draft offer" not in page
    for other in (None, kb.user("director", country="PE"), kb.user("partner")):
        assert "Express interest" not in _page(browser(other).get(f"/requests/{req['id']}"))
    resp = client.post("/my/interest", data={"offer_id": off["id"], "request_id": req["id"]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/my/offers/{off['id']}")
    [match] = kb.ok("GET", "/matches", secretariat)["items"]
    assert match["status"] == "accepted_by_provider"
    # The offer is no longer offered for this request: interest again could only be refused.
    page = _page(client.get(f"/requests/{req['id']}"))
    assert f'<option value="{off["id"]}">' not in page and "Express interest" not in page
    assert client.post("/my/interest", data={"request_id": req["id"]}).status_code == 404
    assert browser(kb.user("director")).post("/my/interest", data={"offer_id": off["id"],
                                                                   "request_id": req["id"]}).status_code == 403


def test_the_offer_form_warns_when_the_validity_has_passed_and_submitting_is_refused(browser, kb):
    centre = kb.user("centre", country="CO")
    client = browser(centre)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    oid = _new_id(client.post("/my/offers/new", data=_offer_form(valid_until=yesterday)), "offers")  # a draft may
    warning = "This date has passed: the offer cannot be submitted or published until you set a later one."
    form = _page(client.get(f"/my/offers/{oid}/edit"))
    assert 'id="w-valid_until"' in form and warning in form
    page = html.unescape(_page(client.get(f"/my/offers/{oid}")))
    assert "The offer's validity has passed: edit it and set a later date before submitting it." in page
    resp = client.post(f"/my/offers/{oid}/transition", data={"action": "submit"})
    assert resp.status_code == 409  # the record, not the form, is at fault
    assert "The offer's validity has passed; set a later date first." in html.unescape(_page(resp))
    assert _record(kb, centre, "offers", oid)["status"] == "draft"
    # In the user's language, too.
    client.post("/language", data={"lang": "fr", "next": "/"})
    resp = client.post(f"/my/offers/{oid}/transition", data={"action": "submit"})
    assert resp.status_code == 409
    assert "La validité de l’offre est dépassée ; indiquez d’abord une date ultérieure." in _page(resp)
    # A later date: no warning, and the offer goes to review.
    assert client.post(f"/my/offers/{oid}/edit", data=_offer_form(valid_until="2099-12-31")).status_code == 302
    assert 'id="w-valid_until"' not in _page(client.get(f"/my/offers/{oid}/edit"))
    assert client.post(f"/my/offers/{oid}/transition", data={"action": "submit"}).status_code == 302
    assert _record(kb, centre, "offers", oid)["status"] == "submitted"


def test_the_roster_form_keeps_sex_nationality_sectors_experience_and_cv(browser, kb):
    centre = kb.user("centre", country="CO")
    client = browser(centre)
    form = {"name": "Luz Ortega", "expertise": "Panela furnaces", "sex": "female", "nationality_code": "CO",
            "sectors": ["", "agro-industry", "energy-efficiency"], "years_experience": "15",
            "cv": "Twenty furnace audits.", "languages": [""], "active": "true"}
    resp = client.post("/my/experts/new", data={**form, "years_experience": "-3"})
    assert resp.status_code == 422 and 'id="e-years_experience"' in _page(resp)
    assert client.post("/my/experts/new", data=form).status_code == 302
    expert = kb.ok("GET", "/experts", centre)["items"][0]
    assert (expert["sex"], expert["nationality_code"], expert["sectors"], expert["years_experience"], expert["cv"]) \
        == ("female", "CO", ["agro-industry", "energy-efficiency"], 15, "Twenty furnace audits.")
    page = _page(client.get(f"/my/experts/{expert['id']}/edit"))
    assert 'value="15"' in page and "Twenty furnace audits." in page
    assert '<option value="female" selected>' in page and 'value="agro-industry" checked' in page
    # Clearing the experience and the CV stores nothing for them.
    assert client.post(f"/my/experts/{expert['id']}/edit",
                       data={**form, "years_experience": "", "cv": "", "version": "1"}).status_code == 302
    expert = kb.ok("GET", f"/experts/{expert['id']}", centre)
    assert expert["years_experience"] is None and expert["cv"] is None


def test_the_form_detects_the_language_of_the_text_and_lets_the_author_correct_it(browser, kb):
    director = kb.user("director")
    client = browser(director)
    form = _page(client.get("/my/requests/new"))
    select = re.search(r'<select id="f-text_lang".*?</select>', form, re.S).group(0)
    assert '<option value="">Detect from the title and description</option>' in select
    assert " selected" not in select  # no longer the interface language by default
    resp = client.post("/my/requests/new", data=_request_form(
        text_lang="", title="Réduire les déchets des tanneries",
        description="Nous souhaitons un accompagnement en production plus propre pour les tanneries artisanales."))
    assert resp.status_code == 302 and "/edit?detected=fr" in resp.headers["Location"]
    page = _page(client.get(resp.headers["Location"]))
    assert "Language of the text detected: French" in page
    assert re.search(r'<option value="fr" selected>[^<]*\(detected\)</option>', page)
    rid = int(re.search(r"/my/requests/(\d+)/edit", resp.headers["Location"]).group(1))
    assert _record(kb, director, "requests", rid)["text_lang"] == "fr"


def test_a_draft_warns_its_author_of_possible_duplicates_before_submitting(browser, kb):
    secretariat = kb.user("secretariat")
    director, other = kb.user("director", country="EC"), kb.user("director", country="JM")
    published = kb.published_request(other, secretariat)
    draft = kb.ok("POST", "/requests", director, kb.request_payload())
    page = _page(browser(director).get(f"/my/requests/{draft['id']}"))
    warning = page.split('id="h-dups"')[1].split("</section>")[0]
    assert published["title"] in warning and f'href="/requests/{published["id"]}"' in warning
    assert "another organisation" in warning and "Check them before submitting" in warning
    assert 'id="h-dups"' not in _page(browser(other).get(f"/my/requests/{published['id']}"))  # published: no warning


def test_the_draft_warning_counts_another_organisations_record_in_review_without_naming_it(browser, kb):
    director, other = kb.user("director", country="EC"), kb.user("director", country="JM")
    in_review = kb.ok("POST", "/requests", other, kb.request_payload(title="Our confidential tannery plan"))
    kb.ok("POST", f"/requests/{in_review['id']}/transitions", other, {"action": "submit"}, 200)
    draft = kb.ok("POST", "/requests", director, kb.request_payload())
    warning = _page(browser(director).get(f"/my/requests/{draft['id']}")).split('id="h-dups"')[1].split("</section>")[0]
    assert "A record of another organisation, still in review" in warning
    assert "Our confidential tannery plan" not in warning and f"/requests/{in_review['id']}" not in warning
