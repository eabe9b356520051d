"""The secretariat's pages: the review queue and the matching desk."""
from __future__ import annotations

import pytest


@pytest.fixture
def people(kb):
    """A secretariat officer, a director in Ecuador and a centre in Colombia."""
    return {"sec": kb.user("secretariat", country="AT"), "director": kb.user("director", country="EC"),
            "centre": kb.user("centre", country="CO")}


def submitted(kb, kind: str, actor, **over) -> dict:
    payload = kb.request_payload(**over) if kind == "requests" else kb.offer_payload(**over)
    record = kb.ok("POST", f"/{kind}", actor, payload)
    return kb.ok("POST", f"/{kind}/{record['id']}/transitions", actor, {"action": "submit"}, 200)


def status_of(kb, kind: str, record_id: int, actor) -> str:
    return kb.ok("GET", f"/{kind}/{record_id}", actor)["status"]


def text(resp) -> str:
    return resp.get_data(as_text=True)


# --- review queue ----------------------------------------------------------------------------

def test_review_queue_lists_submitted_requests_and_offers_but_not_drafts(kb, browser, people):
    submitted(kb, "requests", people["director"], title="Tannery effluent treatment")
    submitted(kb, "offers", people["centre"], title="Metrology laboratory coaching")
    kb.ok("POST", "/requests", people["director"], kb.request_payload(title="A draft nobody should review"))
    page = text(browser(people["sec"]).get("/secretariat/review"))
    assert "Tannery effluent treatment" in page and "Metrology laboratory coaching" in page
    assert "A draft nobody should review" not in page
    assert 'for="request-' in page and "Reason (required to return or reject" in page


def test_secretariat_publishes_a_request_from_the_review_queue(kb, browser, people):
    req = submitted(kb, "requests", people["director"])
    client = browser(people["sec"])
    resp = client.post(f"/secretariat/review/request/{req['id']}", data={"action": "publish",
                                                                        "version": req["version"]})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/secretariat/review")
    assert status_of(kb, "requests", req["id"], people["sec"]) == "published"
    page = text(client.get("/secretariat/review"))
    assert "is now Published" in page and "Nothing is waiting." in page


def test_the_language_switcher_on_a_refused_form_goes_back_to_a_page_that_exists(kb, browser, people):
    """A refused form is shown at the address it was posted to, which takes forms only: the switcher sent the
    reader there with a GET, a 405 dead end."""
    offer = submitted(kb, "offers", people["centre"])
    client = browser(people["sec"])
    resp = client.post(f"/secretariat/review/offer/{offer['id']}", data={"action": "return"},
                       headers={"Referer": "http://localhost/secretariat/review"})
    assert resp.status_code == 422
    assert '<input type="hidden" name="next" value="/secretariat/review">' in text(resp)
    switched = client.post("/language", data={"lang": "es", "next": "/secretariat/review"})
    assert client.get(switched.headers["Location"]).status_code == 200
    resp = client.post(f"/secretariat/review/offer/{offer['id']}", data={"action": "return"},
                       headers={"Referer": "https://elsewhere.example/secretariat/review"})
    assert '<input type="hidden" name="next" value="/">' in text(resp)
    assert '<input type="hidden" name="next" value="/secretariat/review?status=x">' in text(
        client.get("/secretariat/review?status=x"))


def test_returning_or_rejecting_without_a_reason_is_refused_next_to_the_field(kb, browser, people):
    offer = submitted(kb, "offers", people["centre"])
    client = browser(people["sec"])
    for action in ("return", "reject"):
        resp = client.post(f"/secretariat/review/offer/{offer['id']}", data={"action": action, "reason": "  "})
        page = text(resp)
        assert resp.status_code == 422, action
        assert f"A reason is required to {action}." in page and 'aria-invalid="true"' in page
        # The banner points at the field rather than saying "Invalid input."
        assert "Please correct the fields marked below." in page and "Invalid input." not in page
    assert status_of(kb, "offers", offer["id"], people["sec"]) == "submitted"


def test_returning_with_a_reason_sends_the_record_back_and_keeps_the_reason(kb, browser, people):
    req = submitted(kb, "requests", people["director"])
    client = browser(people["sec"])
    resp = client.post(f"/secretariat/review/request/{req['id']}",
                       data={"action": "return", "reason": "Please name the beneficiaries."})
    assert resp.status_code == 302
    assert status_of(kb, "requests", req["id"], people["director"]) == "returned"
    events = kb.ok("GET", f"/events?record_type=request&record_id={req['id']}", people["sec"])["items"]
    assert events[-1]["action"] == "return" and events[-1]["reason"] == "Please name the beneficiaries."


def test_rejecting_with_a_reason_rejects_the_offer(kb, browser, people):
    offer = submitted(kb, "offers", people["centre"])
    resp = browser(people["sec"]).post(f"/secretariat/review/offer/{offer['id']}",
                                       data={"action": "reject", "reason": "Outside our mandate."})
    assert resp.status_code == 302
    assert status_of(kb, "offers", offer["id"], people["sec"]) == "rejected"


def test_a_too_long_reason_is_refused_with_the_input_kept(kb, browser, people):
    req = submitted(kb, "requests", people["director"])
    reason = "x" * 2001
    resp = browser(people["sec"]).post(f"/secretariat/review/request/{req['id']}",
                                       data={"action": "reject", "reason": reason})
    assert resp.status_code == 422 and reason in text(resp) and "Longer than maximum length" in text(resp)


def test_publishing_an_incomplete_request_says_what_is_missing(kb, browser, people):
    req = submitted(kb, "requests", people["director"], sectors=[])
    resp = browser(people["sec"]).post(f"/secretariat/review/request/{req['id']}", data={"action": "publish"})
    assert resp.status_code == 409 and "At least one sector is needed before publishing." in text(resp)
    assert status_of(kb, "requests", req["id"], people["sec"]) == "submitted"


def test_publishing_twice_is_an_invalid_transition(kb, browser, people):
    req = submitted(kb, "requests", people["director"])
    client = browser(people["sec"])
    assert client.post(f"/secretariat/review/request/{req['id']}", data={"action": "publish"}).status_code == 302
    resp = client.post(f"/secretariat/review/request/{req['id']}", data={"action": "publish"})
    assert resp.status_code == 409 and "Cannot publish a request that is published." in text(resp)


def test_a_stale_version_is_refused_with_409(kb, browser, people):
    req = submitted(kb, "requests", people["director"])
    resp = browser(people["sec"]).post(f"/secretariat/review/request/{req['id']}",
                                       data={"action": "publish", "version": req["version"] - 1})
    assert resp.status_code == 409 and "reload it and try again" in text(resp)


def test_the_review_queue_takes_only_its_own_actions_and_kinds(kb, browser, people):
    req = submitted(kb, "requests", people["director"])
    client = browser(people["sec"])
    resp = client.post(f"/secretariat/review/request/{req['id']}", data={"action": "withdraw"})
    assert resp.status_code == 422 and "Not an action of the review queue." in text(resp)
    assert client.post(f"/secretariat/review/expert/{req['id']}", data={"action": "publish"}).status_code == 404
    assert client.post("/secretariat/review/request/999999", data={"action": "publish"}).status_code == 404


@pytest.mark.parametrize("role", ["director", "centre", "partner", "admin"])
def test_secretariat_pages_are_refused_to_other_roles(kb, browser, people, role):
    actor = people.get(role) or kb.user(role)
    req = submitted(kb, "requests", people["director"])
    client = browser(actor)
    assert client.get("/secretariat/review").status_code == 403
    assert client.get("/secretariat/desk").status_code == 403
    assert client.post(f"/secretariat/review/request/{req['id']}", data={"action": "publish"}).status_code == 403
    assert status_of(kb, "requests", req["id"], people["sec"]) == "submitted"


def test_secretariat_pages_ask_visitors_to_sign_in(browser):
    resp = browser().get("/secretariat/review")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_other_roles_do_not_see_the_secretariat_links(kb, browser, people):
    page = text(browser(people["director"]).get("/matches"))
    assert "/secretariat/review" not in page and "/secretariat/desk" not in page


# --- matching desk ---------------------------------------------------------------------------

@pytest.fixture
def pair(kb, people):
    """A published request from Ecuador and a fitting published offer from Colombia."""
    req = kb.published_request(people["director"], people["sec"])
    offer = kb.published_offer(people["centre"], people["sec"])
    return req, offer


def test_desk_lists_published_requests_to_pick_from(kb, browser, people, pair):
    page = text(browser(people["sec"]).get("/secretariat/desk"))
    assert f'<option value="{pair[0]["id"]}"' in page and 'for="d-request_id"' in page


def test_desk_shows_a_request_beside_its_suggested_offers_with_explanations(kb, browser, people, pair):
    req, offer = pair
    page = text(browser(people["sec"]).get(f"/secretariat/desk?request_id={req['id']}&include_weak=true"))
    assert req["title"] in page and offer["title"] in page
    for piece in ("match · fit", "Details", "Component scores", "Keywords", "Shared sectors", "Cleaner production", "Shared modalities",
                  "Expert mission", "Working-language fit", "Matching terms", "Propose this match"):
        assert piece in page, piece


def test_the_component_scores_name_every_feature_of_the_score(kb, browser, people, pair, app):
    """Every pair feature the learnt weights use has a row with a label in the reader's language (none is left
    out of "Details", none is shown by its code)."""
    from kb.matching.ranking import SECOND_FEATURES
    from kb.web.helpers import COMPONENT_LABELS

    assert set(SECOND_FEATURES) <= set(COMPONENT_LABELS)
    req, _offer = pair
    sec = browser(people["sec"])
    page = text(sec.get(f"/secretariat/desk?request_id={req['id']}&include_weak=true"))
    for label in ("Meaning (against the other requests)", "Texts in the same language (adjusted)",
                  "The request has sectors"):
        assert f"<td>{label}</td>" in page, label
    sec.post("/language", data={"lang": "fr", "next": "/"})
    page = text(sec.get(f"/secretariat/desk?request_id={req['id']}&include_weak=true"))
    assert "<td>Similarité sémantique (par rapport aux autres demandes)</td>" in page
    assert "<td>dense_rc</td>" not in page


def test_desk_filters_are_validated_like_the_api(kb, browser, people, pair):
    resp = browser(people["sec"]).get(f"/secretariat/desk?request_id={pair[0]['id']}&k=0")
    assert resp.status_code == 422 and "Must be greater than or equal to 1" in text(resp)


def test_desk_filters_narrow_the_suggestions(kb, browser, people, pair):
    page = text(browser(people["sec"]).get(f"/secretariat/desk?request_id={pair[0]['id']}&sector=health"
                                          "&include_weak=true"))
    assert pair[1]["title"] not in page.split('id="h-suggestions"')[1]
    assert "No published offer fits this request with these filters." in page
    page = text(browser(people["sec"]).get(f"/secretariat/desk?request_id={pair[0]['id']}&sector=health"))
    assert "No strong match yet" in page and "weak suggestions are hidden" in page


def test_desk_for_an_unknown_request_is_404(browser, people):
    assert browser(people["sec"]).get("/secretariat/desk?request_id=999999").status_code == 404


def test_proposing_from_the_desk_creates_a_match_from_the_suggestion(kb, browser, people, pair):
    req, offer = pair
    client = browser(people["sec"])
    resp = client.post("/secretariat/desk/propose", data={"request_id": req["id"], "offer_id": offer["id"],
                                                          "from_suggestion": "true", "note": "Strong fit",
                                                          "include_weak": "true"})
    assert resp.status_code == 302 and f"request_id={req['id']}" in resp.headers["Location"]
    assert "include_weak=true" in resp.headers["Location"]
    [match] = kb.ok("GET", "/matches", people["sec"])["items"]
    assert (match["origin"], match["note"], match["status"]) == ("suggestion", "Strong fit", "proposed")
    assert match["score"] is not None and match["explanation"]["shared_sectors"] == ["cleaner-production"]
    page = text(client.get(resp.headers["Location"]))
    assert "Match proposed" in page and "Already proposed" in page


def test_proposing_the_same_pair_twice_is_a_conflict(kb, browser, people, pair):
    req, offer = pair
    client = browser(people["sec"])
    data = {"request_id": req["id"], "offer_id": offer["id"], "from_suggestion": "true"}
    assert client.post("/secretariat/desk/propose", data=data).status_code == 302
    resp = client.post("/secretariat/desk/propose", data=data)
    assert resp.status_code == 409 and "is already open" in text(resp)


def test_proposing_an_offer_from_the_requesting_country_is_refused(kb, browser, people):
    req = kb.published_request(people["director"], people["sec"])
    local = kb.user("centre", country="EC")
    offer = kb.published_offer(local, people["sec"])
    resp = browser(people["sec"]).post("/secretariat/desk/propose",
                                       data={"request_id": req["id"], "offer_id": offer["id"]})
    assert resp.status_code == 409 and "matches are between different countries" in text(resp)
    assert kb.ok("GET", "/matches", people["sec"])["total"] == 0


def test_proposing_without_an_offer_is_a_field_error(kb, browser, people, pair):
    resp = browser(people["sec"]).post("/secretariat/desk/propose", data={"request_id": pair[0]["id"]})
    assert resp.status_code == 422 and "Missing data for required field." in text(resp)


def test_a_centre_cannot_propose_through_the_desk(kb, browser, people, pair):
    resp = browser(people["centre"]).post("/secretariat/desk/propose",
                                          data={"request_id": pair[0]["id"], "offer_id": pair[1]["id"]})
    assert resp.status_code == 403
    assert kb.ok("GET", "/matches", people["sec"])["total"] == 0


def accepted_match(kb, people, pair) -> dict:
    match = kb.ok("POST", "/matches", people["sec"], {"request_id": pair[0]["id"], "offer_id": pair[1]["id"]})
    kb.ok("POST", f"/matches/{match['id']}/transitions", people["director"], {"action": "accept"}, 200)
    return kb.ok("POST", f"/matches/{match['id']}/transitions", people["centre"], {"action": "accept"}, 200)


def test_desk_lists_accepted_matches_and_approving_one_opens_the_exchange(kb, browser, people, pair):
    match = accepted_match(kb, people, pair)
    client = browser(people["sec"])
    page = text(client.get("/secretariat/desk"))
    assert f'id="match-{match["id"]}"' in page and "Approve" in page
    resp = client.post(f"/secretariat/desk/matches/{match['id']}", data={"action": "approve",
                                                                         "version": match["version"]})
    exchange_id = kb.ok("GET", f"/matches/{match['id']}", people["sec"])["exchange_id"]
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/exchanges/{exchange_id}")
    assert "No match is waiting for a decision." in text(client.get("/secretariat/desk"))


def test_rejecting_an_accepted_match_needs_a_reason(kb, browser, people, pair):
    match = accepted_match(kb, people, pair)
    client = browser(people["sec"])
    resp = client.post(f"/secretariat/desk/matches/{match['id']}", data={"action": "reject"})
    assert resp.status_code == 422 and "A reason is required to reject." in text(resp)
    resp = client.post(f"/secretariat/desk/matches/{match['id']}",
                       data={"action": "reject", "reason": "Budget cycle closed."})
    assert resp.status_code == 302
    assert kb.ok("GET", f"/matches/{match['id']}", people["sec"])["status"] == "rejected"


def test_approving_a_match_not_yet_accepted_is_an_invalid_transition(kb, browser, people, pair):
    match = kb.ok("POST", "/matches", people["sec"], {"request_id": pair[0]["id"], "offer_id": pair[1]["id"]})
    resp = browser(people["sec"]).post(f"/secretariat/desk/matches/{match['id']}", data={"action": "approve"})
    assert resp.status_code == 409 and "Cannot approve a match that is proposed." in text(resp)
    resp = browser(people["sec"]).post(f"/secretariat/desk/matches/{match['id']}", data={"action": "accept"})
    assert resp.status_code == 422 and "Not an action of the matching desk." in text(resp)


def test_review_queue_flags_likely_duplicates_and_compares_them_side_by_side(kb, browser, people):
    first = submitted(kb, "requests", people["director"])
    other_director = kb.user("director", country="JM")
    second = submitted(kb, "requests", other_director)  # the same text, from another organisation
    distinct = submitted(kb, "requests", other_director, title="Port logistics",
                         description="Container handling, customs windows and cold chain at sea ports.")
    client = browser(people["sec"])
    queue = text(client.get("/secretariat/review"))
    card = queue.split(f'id="request-{second["id"]}"')[1].split("</article>")[0]
    assert "Possible duplicates" in card and "another organisation" in card
    compare = f"/secretariat/compare/request/{second['id']}/{first['id']}"
    assert compare in card
    assert "Possible duplicates" not in queue.split(f'id="request-{distinct["id"]}"')[1].split("</article>")[0]
    page = text(client.get(compare))
    assert page.count(first["title"]) >= 2 and "Similarity of the two texts: 100%." in page
    assert "not close enough" in text(client.get(f"/secretariat/compare/request/{first['id']}/{distinct['id']}"))
    assert client.get(f"/secretariat/compare/request/{first['id']}/999999").status_code == 404
    assert browser(people["director"]).get(compare).status_code == 403


# --- the desk from an offer, requests without a proposal, unmet requests, suggested partners -----------------

def test_desk_from_an_offer_shows_its_suggested_requests_with_the_request_sides_fit(kb, browser, people, pair):
    req, offer = pair
    kb.published_offer(people["centre"], people["sec"], title="Port logistics", description="Crane scheduling "
                       "for seaports.", sectors=["ict-digital"])
    page = text(browser(people["sec"]).get(f"/secretariat/desk?offer_id={offer['id']}&include_weak=true"))
    assert f'<option value="{offer["id"]}" selected' in page and "Suggested requests" in page
    panel = page.split('id="h-suggestions"')[1]
    assert req["title"] in panel and 'name="side" value="offer"' in panel and "Propose this match" in panel
    # the same pair, the same fit, whichever side of the desk shows it
    from_request = kb.ok("GET", f"/requests/{req['id']}/suggestions?include_weak=true", people["sec"])["items"]
    from_offer = kb.ok("GET", f"/offers/{offer['id']}/suggestions?include_weak=true", people["sec"])["items"]
    fit = next(s["fit"] for s in from_request if s["id"] == offer["id"])
    assert next(s["fit"] for s in from_offer if s["id"] == req["id"]) == fit


def test_proposing_from_the_offer_side_returns_to_the_offer(kb, browser, people, pair):
    req, offer = pair
    client = browser(people["sec"])
    resp = client.post("/secretariat/desk/propose", data={"request_id": req["id"], "offer_id": offer["id"],
                                                          "side": "offer", "from_suggestion": "true"})
    assert resp.status_code == 302 and f"offer_id={offer['id']}" in resp.headers["Location"]
    [match] = kb.ok("GET", "/matches", people["sec"])["items"]
    assert (match["request"]["id"], match["offer"]["id"], match["origin"]) == (req["id"], offer["id"], "suggestion")
    page = text(client.get(resp.headers["Location"] + "&include_weak=true"))
    assert "Match proposed" in page and "Already proposed" in page.split('id="h-suggestions"')[1]
    resp = client.post("/secretariat/desk/propose", data={"request_id": req["id"], "offer_id": offer["id"],
                                                          "side": "offer", "from_suggestion": "true"})
    assert resp.status_code == 409 and "Suggested requests" in text(resp)  # refused on the side it came from


def test_desk_for_an_unknown_offer_is_404(browser, people):
    assert browser(people["sec"]).get("/secretariat/desk?offer_id=999999").status_code == 404


def test_desk_lists_requests_without_a_proposal_with_age_and_fit(kb, browser, people, pair):
    req, offer = pair
    client = browser(people["sec"])
    page = text(client.get("/secretariat/desk"))
    section = page.split('id="h-waiting"')[1].split("</section>")[0]
    assert f'id="waiting-{req["id"]}"' in section and "Days published" in section and "fit" in section
    assert "weakest best fit first" in section
    assert f'id="waiting-{req["id"]}"' in text(client.get("/secretariat/desk?waiting_order=fit"))
    kb.ok("POST", "/matches", people["sec"], {"request_id": req["id"], "offer_id": offer["id"]})
    page = text(client.get("/secretariat/desk"))
    assert f'id="waiting-{req["id"]}"' not in page and "Every published request has a proposed match." in page


def test_no_strong_match_says_the_secretariat_was_told_only_once_it_was(kb, app, browser, people):
    from kb.services import alerts

    kb.published_offer(people["centre"], people["sec"], title="Port logistics", description="Crane scheduling "
                       "for seaports.", sectors=["ict-digital"], modalities=["study-visit"])
    kb.published_offer(people["centre"], people["sec"], title="Customs single window", description="Customs "
                       "data exchange for ports.", sectors=["ict-digital"], modalities=["study-visit"])
    req = kb.published_request(people["director"], people["sec"])
    director = browser(people["director"])
    page = text(director.get(f"/my/requests/{req['id']}"))
    assert "No strong match yet." in page and "the secretariat has been told" not in page
    with app.app_context():
        assert alerts.alert_for("request", req["id"]).unmet
    page = text(director.get(f"/my/requests/{req['id']}"))
    assert "No strong match yet — the secretariat has been told." in page
    page = text(browser(people["sec"]).get(f"/secretariat/desk?request_id={req['id']}"))
    assert "listed among the requests without a strong match" in page and "the secretariat has been told" not in page
    inbox = text(browser(people["sec"]).get("/notifications"))
    assert req["title"] in inbox and "Published without a strong match" in inbox


def test_the_secretariat_sees_suggested_partners_on_the_exchange_and_the_request(kb, app, browser, people, pair):
    from kb.extensions import db
    from kb.models import Organisation

    req, offer = pair
    partner = kb.user("partner", country="ES")
    with app.app_context():
        org = db.session.get(Organisation, partner.org_id)
        org.name, org.priority_sectors = "Fund for clean industry", ["cleaner-production"]
        db.session.commit()
    xid = kb.approved_exchange(people["sec"], people["director"], people["centre"], request_id=req["id"],
                               offer_id=offer["id"])
    page = text(browser(people["sec"]).get(f"/exchanges/{xid}"))
    card = page.split('id="suggested-partners"')[1]
    assert "Fund for clean industry" in card and "Its priority sectors include cleaner production." in card
    assert 'id="suggested-partners"' not in text(browser(people["director"]).get(f"/exchanges/{xid}"))
    cofinanced = kb.published_request(people["director"], people["sec"], title="Chrome recovery", seeks_cofinancing=True,
                                      cofinancing_amount="9000.00", cofinancing_currency="USD",
                                      cofinancing_purpose="Laboratory equipment")
    page = text(browser(people["sec"]).get(f"/secretariat/desk?request_id={cofinanced['id']}"))
    assert "Fund for clean industry" in page.split('id="suggested-partners"')[1]


def test_the_catalogue_page_of_a_request_leads_the_secretariat_to_the_desk_and_its_partners(kb, app, browser, people):
    from kb.extensions import db
    from kb.models import Organisation

    partner = kb.user("partner", country="ES")
    with app.app_context():
        org = db.session.get(Organisation, partner.org_id)
        org.name, org.priority_countries = "Andean climate fund", ["EC"]
        db.session.commit()
    req = kb.published_request(people["director"], people["sec"], seeks_cofinancing=True,
                               cofinancing_amount="5000.00", cofinancing_currency="USD",
                               cofinancing_purpose="Travel")
    page = text(browser(people["sec"], lang="es").get(f"/requests/{req['id']}"))
    assert f"/secretariat/desk?request_id={req['id']}" in page
    card = page.split('id="suggested-partners"')[1]
    assert "Andean climate fund" in card and "Ecuador es uno de sus países prioritarios." in card
    page = text(browser(people["director"]).get(f"/requests/{req['id']}"))
    assert 'id="suggested-partners"' not in page and "/secretariat/desk" not in page


def test_the_desk_link_on_a_record_page_is_for_those_the_desk_admits(kb, browser, people, pair):
    """The desk is the secretariat's (an admin gets 403 there): only the secretariat is offered the link."""
    req, offer = pair
    admin = kb.user("admin")
    for path in (f"/requests/{req['id']}", f"/offers/{offer['id']}"):
        assert "Open on the matching desk" in text(browser(people["sec"]).get(path))
        assert "Open on the matching desk" not in text(browser(admin).get(path))
    assert browser(admin).get(f"/secretariat/desk?request_id={req['id']}").status_code == 403


def test_a_bad_order_or_page_of_the_waiting_list_is_a_422_naming_the_parameter(kb, browser, people, pair):
    for query, field in (("waiting_order=bogus", "waiting_order"), ("waiting_page=0", "waiting_page"),
                         ("waiting_page=abc", "waiting_page")):
        resp = browser(people["sec"]).get(f"/secretariat/desk?{query}")
        assert resp.status_code == 422, query
        assert f"{field}</code>:" in text(resp)
    assert browser(people["sec"]).get("/secretariat/desk?waiting_order=fit&waiting_page=1").status_code == 200


def test_a_desk_selection_that_is_not_a_record_id_is_a_422_naming_the_parameter(kb, browser, people, pair):
    """?request_id=abc used to show the desk without a selection, as if nothing had been asked."""
    req, offer = pair
    sec = browser(people["sec"])
    for query, field in (("request_id=abc", "request_id"), ("offer_id=abc", "offer_id"), ("offer_id=0", "offer_id"),
                         ("request_id=1.5", "request_id"), ("request_id=3000000000", "request_id"),
                         ("offer_id=99999999999999999999999", "offer_id")):
        resp = sec.get(f"/secretariat/desk?{query}")
        assert resp.status_code == 422, query
        assert f"<code>{field}</code>:" in text(resp), query
    sec.post("/language", data={"lang": "fr", "next": "/"})
    resp = sec.get("/secretariat/desk?request_id=abc")
    assert resp.status_code == 422 and "<code>request_id</code>: Ce n’est pas un nombre entier valide." in text(resp)
    sec.post("/language", data={"lang": "en", "next": "/"})
    for ok in (f"request_id={req['id']}", f"offer_id={offer['id']}", "request_id="):
        assert sec.get(f"/secretariat/desk?{ok}").status_code == 200, ok


def test_the_review_queue_and_desk_name_every_working_language_in_the_readers_language(kb, browser, people):
    """They wrote the four interface languages in their own names ("Text in Español" on an English page) and
    any other one as its code ("Working languages: ar, English"), unlike the record pages."""
    submitted(kb, "offers", people["centre"], languages=["ar", "fr", "es"], text_lang="es",
              title="Diagnóstico de producción más limpia")
    client = browser(people["sec"])
    page = text(client.get("/secretariat/review"))
    assert "Arabic, Spanish, French" in page and "Text in Spanish" in page
    assert "ar, " not in page and "Text in Español" not in page
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = text(client.get("/secretariat/review"))
    assert "Arabe, Espagnol, Français" in page and "Texte en espagnol" in page  # lower case inside a sentence
