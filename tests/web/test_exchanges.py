"""Matches to answer, the exchanges board, the exchange page and its forms, and the whole journey in pages."""
from __future__ import annotations

import re

import pytest


def text(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture
def people(kb):
    """The secretariat, a director in Ecuador, a centre in Colombia, a partner in Spain, and outsiders."""
    return {"sec": kb.user("secretariat", country="AT"), "director": kb.user("director", country="EC"),
            "centre": kb.user("centre", country="CO"), "partner": kb.user("partner", country="ES"),
            "other_director": kb.user("director", country="SN"), "other_centre": kb.user("centre", country="BR")}


@pytest.fixture
def match(kb, people) -> dict:
    """A proposed match between the director's published request and the centre's published offer."""
    req = kb.published_request(people["director"], people["sec"])
    offer = kb.published_offer(people["centre"], people["sec"])
    return kb.ok("POST", "/matches", people["sec"], {"request_id": req["id"], "offer_id": offer["id"],
                                                      "note": "Same tanning processes"})


def approve(kb, people, match: dict) -> int:
    return kb.approved_exchange(people["sec"], people["director"], people["centre"], match_id=match["id"])


@pytest.fixture
def exchange_id(kb, people, match) -> int:
    """A planned exchange between the director (requester) and the centre (provider)."""
    return approve(kb, people, match)


def started(kb, people, xid: int) -> int:
    kb.ok("POST", f"/exchanges/{xid}/transitions", people["sec"],
          {"action": "agree", "agreement_ref": "KB-7", "agreement_date": "2026-02-01"}, 200)
    kb.ok("POST", f"/exchanges/{xid}/transitions", people["sec"], {"action": "start", "start_date": "2026-03-01"}, 200)
    return xid


ACTIVITY = {"kind": "training", "title": "Workshop for tannery owners", "start_date": "2026-03-02",
            "end_date": "2026-03-06", "place": "Quito", "participants_female": "12", "participants_male": "20",
            "participants_other": "1", "participant_kinds": "owners, inspectors", "expert_days": "10"}


# --- matches ---------------------------------------------------------------------------------

def test_parties_see_a_proposed_match_with_accept_and_decline(kb, browser, people, match):
    for who in ("director", "centre"):
        page = text(browser(people[who]).get("/matches"))
        waiting = page.split('id="h-waiting"')[1].split('id="h-others"')[0]
        assert match["request"]["title"] in waiting and "Same tanning processes" in waiting, who
        assert 'value="accept"' in waiting and 'value="decline"' in waiting
        assert "Reason (required to decline or reject)" in waiting
        assert 'value="approve"' not in page


def test_outsiders_do_not_see_the_match_and_cannot_answer_it(kb, browser, people, match):
    client = browser(people["other_director"])
    assert match["request"]["title"] not in text(client.get("/matches"))
    assert client.post(f"/matches/{match['id']}", data={"action": "accept"}).status_code == 404
    assert kb.ok("GET", f"/matches/{match['id']}", people["sec"])["status"] == "proposed"


def test_partners_have_no_matches_page(browser, people, match):
    client = browser(people["partner"])
    assert client.get("/matches").status_code == 403
    assert client.post(f"/matches/{match['id']}", data={"action": "accept"}).status_code == 403


def test_declining_needs_a_reason_and_then_ends_the_match(kb, browser, people, match):
    client = browser(people["centre"])
    resp = client.post(f"/matches/{match['id']}", data={"action": "decline"})
    assert resp.status_code == 422 and "A reason is required to decline." in text(resp)
    assert 'aria-invalid="true"' in text(resp)
    resp = client.post(f"/matches/{match['id']}", data={"action": "decline", "reason": "No experts free in May"})
    assert resp.status_code == 302
    data = kb.ok("GET", f"/matches/{match['id']}", people["sec"])
    assert (data["status"], data["provider_reason"]) == ("declined", "No experts free in May")
    page = text(client.get("/matches"))
    assert "No experts free in May" in page and "Nothing is waiting for your answer." in page


def test_answering_twice_is_an_invalid_transition(kb, browser, people, match):
    client = browser(people["director"])
    assert client.post(f"/matches/{match['id']}", data={"action": "accept"}).status_code == 302
    resp = client.post(f"/matches/{match['id']}", data={"action": "accept"})
    assert resp.status_code == 409 and "Cannot accept a match that is accepted by the requester." in text(resp)


def test_a_party_may_not_approve(kb, browser, people, match):
    resp = browser(people["director"]).post(f"/matches/{match['id']}", data={"action": "approve"})
    assert resp.status_code == 403 and "You may not approve this match." in text(resp)


def test_the_secretariat_approves_on_the_matches_page(kb, browser, people, match):
    for who in ("director", "centre"):
        assert browser(people[who]).post(f"/matches/{match['id']}", data={"action": "accept"}).status_code == 302
    client = browser(people["sec"])
    waiting = text(client.get("/matches")).split('id="h-waiting"')[1]
    assert 'value="approve"' in waiting and 'value="reject"' in waiting
    resp = client.post(f"/matches/{match['id']}", data={"action": "approve"})
    xid = kb.ok("GET", f"/matches/{match['id']}", people["sec"])["exchange_id"]
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/exchanges/{xid}")


def test_matches_can_be_filtered_by_state_and_bad_filters_are_reported(kb, browser, people, match):
    client = browser(people["sec"])
    assert match["request"]["title"] not in text(client.get("/matches?status=approved"))
    assert match["request"]["title"] in text(client.get("/matches?status=proposed"))
    page = text(client.get("/matches?status=nonsense"))
    assert "Must be one of" in page and match["request"]["title"] in page


def test_a_match_s_form_keeps_the_list_s_filters_so_a_refusal_comes_back_on_the_same_page(kb, browser, people, match):
    client = browser(people["director"])
    page = text(client.get(f"/matches?status=proposed&request_id={match['request']['id']}"))
    assert f'action="/matches/{match["id"]}?status=proposed&amp;request_id={match["request"]["id"]}#match-' in page
    refused = client.post(f"/matches/{match['id']}?status=proposed&request_id={match['request']['id']}",
                          data={"action": "decline"})  # no reason: refused, the filtered list drawn again
    assert refused.status_code == 422 and match["request"]["title"] in text(refused)


# --- board -----------------------------------------------------------------------------------

def test_board_groups_exchanges_by_state_for_the_secretariat(kb, browser, people, exchange_id):
    page = text(browser(people["sec"]).get("/exchanges"))
    assert 'id="h-planned"' in page and f'/exchanges/{exchange_id}"' in page


def test_board_shows_parties_their_own_exchanges_only(kb, browser, people, exchange_id):
    assert f'/exchanges/{exchange_id}"' in text(browser(people["director"]).get("/exchanges"))
    assert f'/exchanges/{exchange_id}"' in text(browser(people["centre"]).get("/exchanges"))
    page = text(browser(people["other_director"]).get("/exchanges"))
    assert f'/exchanges/{exchange_id}"' not in page and "No exchange yet." in page


def test_board_shows_partners_the_exchanges_open_to_co_financing(kb, browser, people, exchange_id):
    page = text(browser(people["partner"]).get("/exchanges"))
    assert f'/exchanges/{exchange_id}"' in page and "Open to co-financing" in page
    kb.ok("POST", f"/exchanges/{exchange_id}/transitions", people["sec"], {"action": "cancel", "reason": "No budget"},
          200)
    assert f'/exchanges/{exchange_id}"' not in text(browser(people["partner"]).get("/exchanges"))


# --- exchange page ---------------------------------------------------------------------------

def test_someone_elses_exchange_is_not_found(kb, browser, people, exchange_id):
    for who in ("other_director", "other_centre"):
        client = browser(people[who])
        assert client.get(f"/exchanges/{exchange_id}").status_code == 404, who
        assert client.post(f"/exchanges/{exchange_id}/results", data={"feedback": "x"}).status_code == 404
    assert browser(people["sec"]).get("/exchanges/999999").status_code == 404


def test_exchange_page_shows_parties_and_only_the_steps_the_user_may_take(kb, browser, people, exchange_id):
    sec_page = text(browser(people["sec"]).get(f"/exchanges/{exchange_id}"))
    assert "Requester" in sec_page and "Provider" in sec_page and "Facilitator" in sec_page
    assert 'id="t-agree-agreement_ref"' in sec_page and 'id="t-cancel-reason"' in sec_page
    director_page = text(browser(people["director"]).get(f"/exchanges/{exchange_id}"))
    assert "t-agree" not in director_page and "t-cancel" not in director_page
    assert "No step is yours to take now." in director_page
    assert "Report an activity" not in director_page  # not started, and a director never reports activities


def test_a_party_may_not_take_a_secretariat_step(kb, browser, people, exchange_id):
    resp = browser(people["director"]).post(f"/exchanges/{exchange_id}/transitions",
                                            data={"action": "agree", "agreement_ref": "KB-1"})
    assert resp.status_code == 403 and "You may not agree this exchange." in text(resp)
    assert kb.ok("GET", f"/exchanges/{exchange_id}", people["sec"])["status"] == "planned"


def test_agreeing_needs_the_agreement_reference(kb, browser, people, exchange_id):
    client = browser(people["sec"])
    resp = client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "agree", "agreement_date": "2026-02-01"})
    page = text(resp)
    assert resp.status_code == 422 and "The agreement reference is required to agree." in page
    assert 'value="2026-02-01"' in page  # the date typed is kept
    resp = client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "agree", "agreement_ref": "KB-9",
                                                                      "agreement_date": "2026-02-01"})
    assert resp.status_code == 302
    ex = kb.ok("GET", f"/exchanges/{exchange_id}", people["sec"])
    assert (ex["status"], ex["agreement_ref"], ex["agreement_date"]) == ("agreed", "KB-9", "2026-02-01")


def test_a_malformed_date_is_a_field_error(kb, browser, people, exchange_id):
    resp = browser(people["sec"]).post(f"/exchanges/{exchange_id}/transitions",
                                       data={"action": "agree", "agreement_ref": "KB-9", "agreement_date": "soon"})
    assert resp.status_code == 422 and "Not a valid date." in text(resp)


def test_steps_out_of_order_are_invalid_transitions(kb, browser, people, exchange_id):
    resp = browser(people["sec"]).post(f"/exchanges/{exchange_id}/transitions", data={"action": "close"})
    assert resp.status_code == 409 and "Cannot close an exchange that is planned." in text(resp)


def test_cancelling_needs_a_reason_and_reopens_the_request(kb, browser, people, match, exchange_id):
    client = browser(people["sec"])
    resp = client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "cancel"})
    assert resp.status_code == 422 and "A reason is required to cancel." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "cancel", "reason": "Funding withdrawn"})
    assert resp.status_code == 302
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "This exchange is over." in page and "Funding withdrawn" in page
    assert kb.ok("GET", f"/requests/{match['request']['id']}", people["sec"])["status"] == "published"


def test_the_provider_starts_and_reports_an_activity(kb, browser, people, exchange_id):
    kb.ok("POST", f"/exchanges/{exchange_id}/transitions", people["sec"],
          {"action": "agree", "agreement_ref": "A", "agreement_date": "2026-02-01"}, 200)
    client = browser(people["centre"])
    assert 'id="t-start-start_date"' in text(client.get(f"/exchanges/{exchange_id}"))
    assert client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "start",
                                                                      "start_date": "2026-03-01"}).status_code == 302
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "Report an activity" in page and 'for="activity-participants_female"' in page
    resp = client.post(f"/exchanges/{exchange_id}/activities", data=ACTIVITY)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#activities")
    [activity] = kb.ok("GET", f"/exchanges/{exchange_id}/activities", people["sec"])
    assert (activity["participants_total"], activity["expert_days"], activity["participant_kinds"]) == \
        (33, 10.0, "owners, inspectors")
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "Workshop for tannery owners" in page and "33 participants (of whom 12 women)" in page


def test_activity_form_errors_keep_the_input(kb, browser, people, exchange_id):
    started(kb, people, exchange_id)
    client = browser(people["centre"])
    resp = client.post(f"/exchanges/{exchange_id}/activities", data={**ACTIVITY, "title": "", "participants_male": "-3"})
    page = text(resp)
    assert resp.status_code == 422
    assert "Missing data for required field." in page and "Must be greater than or equal to 0 and" in page
    assert 'value="Quito"' in page and 'value="-3"' in page and "<details class=\"card\" open>" in page
    resp = client.post(f"/exchanges/{exchange_id}/activities", data={**ACTIVITY, "end_date": "2026-03-01"})
    assert resp.status_code == 422 and "Must not be before start_date." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/activities", data={**ACTIVITY, "place": ""})
    assert resp.status_code == 422 and "Give the place, or mark the activity as virtual." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/activities", data={**ACTIVITY, "place": "", "virtual": "y"})
    assert resp.status_code == 302
    assert kb.ok("GET", f"/exchanges/{exchange_id}/activities", people["sec"])[0]["virtual"] is True


def test_activities_wait_for_the_start_and_belong_to_provider_and_secretariat(kb, browser, people, exchange_id):
    resp = browser(people["sec"]).post(f"/exchanges/{exchange_id}/activities", data=ACTIVITY)
    assert resp.status_code == 409 and "Activities are reported once the exchange has started" in text(resp)
    started(kb, people, exchange_id)
    client = browser(people["director"])
    assert "Report an activity" not in text(client.get(f"/exchanges/{exchange_id}"))
    resp = client.post(f"/exchanges/{exchange_id}/activities", data=ACTIVITY)
    assert resp.status_code == 403 and "Only the secretariat or the providing centre report activities." in text(resp)


def test_the_provider_records_roster_experts_with_their_expert_days(kb, browser, people, exchange_id):
    started(kb, people, exchange_id)
    luz = kb.ok("POST", "/experts", people["centre"], {"name": "Luz Ortega", "expertise": "Tanning"})["id"]
    ana = kb.ok("POST", "/experts", people["centre"], {"name": "Ana Ruiz", "expertise": "Effluents"})["id"]
    foreign = kb.ok("POST", "/experts", people["other_centre"], {"name": "Not Theirs", "expertise": "x"})["id"]
    client = browser(people["centre"])
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "No expert recorded yet." in page and "Record an expert who took part" in page
    assert f'<option value="{luz}" >Luz Ortega' in page and f'<option value="{ana}" >Ana Ruiz' in page
    assert "Not Theirs" not in page
    resp = client.post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(luz), "expert_days": "7.5"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#experts")
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert re.search(r"<td>Luz Ortega</td>\s*<td>[^<]+</td>\s*<td>7.5</td>", page)
    assert ">Luz Ortega ·" not in page and f'<option value="{ana}" >Ana Ruiz' in page  # recorded once
    assert "1 expert mobilised (7.5 expert-days)" in page and "Expert recorded" in page  # summary and timeline
    assert kb.ok("GET", f"/exchanges/{exchange_id}/experts", people["sec"])[0]["expert_days"] == 7.5
    # Bad input: a 4xx naming the field, the input kept, nothing changed.
    resp = client.post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(ana), "expert_days": "-1"})
    page = text(resp)
    assert resp.status_code == 422 and 'id="expert-e-expert_days"' in page and 'value="-1"' in page
    resp = client.post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(foreign), "expert_days": "3"})
    assert resp.status_code in (404, 422) and 'id="expert-e-expert_id"' in text(resp)
    assert f"No expert {foreign} on the provider&#39;s roster." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(luz), "expert_days": "2"})
    assert resp.status_code == 409 and "This expert is already recorded on the exchange." in text(resp)
    assert len(kb.ok("GET", f"/exchanges/{exchange_id}/experts", people["sec"])) == 1


def test_experts_are_recorded_by_provider_and_secretariat_only_and_named_to_those_who_see_the_roster(
        kb, browser, people, exchange_id):
    luz = kb.ok("POST", "/experts", people["centre"], {"name": "Luz Ortega", "expertise": "Tanning"})["id"]
    resp = browser(people["sec"]).post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(luz),
                                                                                  "expert_days": "3"})
    assert resp.status_code == 409 and "Activities are reported once the exchange has started" in text(resp)
    started(kb, people, exchange_id)
    director = browser(people["director"])
    assert "Record an expert who took part" not in text(director.get(f"/exchanges/{exchange_id}"))
    resp = director.post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(luz), "expert_days": "3"})
    assert resp.status_code == 403 and "Only the secretariat or the providing centre report activities." in text(resp)
    assert kb.ok("GET", f"/exchanges/{exchange_id}/experts", people["sec"]) == []
    assert browser(people["sec"]).post(f"/exchanges/{exchange_id}/experts",
                                       data={"expert_id": str(luz), "expert_days": "3"}).status_code == 302
    page = text(director.get(f"/exchanges/{exchange_id}"))  # the requester does not see the provider's roster
    assert "Luz Ortega" not in page and "An expert of the roster" in page and "1 expert mobilised" in page
    director.post("/language", data={"lang": "pt", "next": "/"})
    resp = director.post(f"/exchanges/{exchange_id}/experts", data={"expert_id": str(luz), "expert_days": "2"})
    assert resp.status_code == 403 and "Só o Secretariado ou o centro ofertante relatam atividades." in text(resp)
    assert "Especialistas mobilizados" in text(resp) and "Um especialista da lista" in text(resp)


def test_results_are_validated_and_shown(kb, browser, people, exchange_id):
    started(kb, people, exchange_id)
    client = browser(people["director"])
    resp = client.post(f"/exchanges/{exchange_id}/results", data={})
    assert resp.status_code == 422 and "Report at least one result or some feedback." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/results", data={"people_trained": "10", "women_trained": "12"})
    assert resp.status_code == 422 and "Cannot be more than “People trained” (10)." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/results", data={"rating": "9"})
    assert resp.status_code == 422 and "Must be greater than or equal to 1 and less than or equal to 5." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/results", data={
        "people_trained": "32", "women_trained": "12", "practice_changes": "Chrome recovery in 4 tanneries",
        "feedback": "Very useful", "rating": "5"})
    assert resp.status_code == 302
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "Chrome recovery in 4 tanneries" in page and "5 out of 5" in page and "32 people trained" in page


def test_dates_and_figures_that_disagree_are_refused_next_to_their_field_in_the_users_language(
        kb, browser, people, exchange_id):
    kb.ok("POST", f"/exchanges/{exchange_id}/transitions", people["sec"],
          {"action": "agree", "agreement_ref": "KB-7", "agreement_date": "2026-02-01"}, 200)
    client = browser(people["sec"])
    client.post("/language", data={"lang": "es", "next": "/"})
    resp = client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "start", "start_date": "2026-01-15"})
    page = text(resp)
    assert resp.status_code == 422 and 'id="t-start-e-start_date"' in page
    assert "El intercambio no puede comenzar antes de la firma de su acuerdo (1 feb 2026)." in page
    assert 'value="2026-01-15"' in page  # the date typed is kept
    assert client.post(f"/exchanges/{exchange_id}/transitions",
                       data={"action": "start", "start_date": "2026-03-01"}).status_code == 302
    resp = client.post(f"/exchanges/{exchange_id}/activities", data={**ACTIVITY, "start_date": "2026-01-20"})
    page = text(resp)
    assert resp.status_code == 422 and 'id="activity-e-start_date"' in page
    assert "Una actividad no puede tener fecha anterior al acuerdo del intercambio (1 feb 2026)." in page
    resp = client.post(f"/exchanges/{exchange_id}/results", data={"people_trained": "10", "women_trained": "12"})
    page = text(resp)
    assert resp.status_code == 422 and 'id="result-e-women_trained"' in page
    assert "No puede superar «Personas capacitadas» (10)." in page
    assert kb.ok("GET", f"/exchanges/{exchange_id}", people["sec"])["results"] == []


def test_parties_declare_contributions(kb, browser, people, exchange_id):
    client = browser(people["centre"])
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "Declare a contribution" in page and 'id="contribution-party_id"' not in page
    resp = client.post(f"/exchanges/{exchange_id}/contributions", data={"kind": "money", "amount": "500"})
    assert resp.status_code == 422 and "A money contribution needs an amount and a currency." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/contributions", data={"kind": "gold"})
    assert resp.status_code == 422 and "Must be one of" in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/contributions",
                       data={"kind": "expert-days", "expert_days": "14", "description": "Two experts, one week"})
    assert resp.status_code == 302
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "14 expert-days" in page and "Two experts, one week" in page
    assert "Expert days: 14" not in page  # the count names its kind


def test_the_secretariat_declares_for_any_party(kb, browser, people, exchange_id):
    client = browser(people["sec"])
    page = text(client.get(f"/exchanges/{exchange_id}"))
    options = dict((label.split(" · ")[1], value) for value, label in
                   re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>',
                              page.split('id="contribution-party_id"')[1].split("</select>")[0]))
    resp = client.post(f"/exchanges/{exchange_id}/contributions",
                       data={"party_id": options["Requester"], "kind": "hosting", "description": "Venue in Quito"})
    assert resp.status_code == 302
    parties = {p["role"]: p for p in kb.ok("GET", f"/exchanges/{exchange_id}/parties", people["sec"])}
    assert parties["requester"]["contributions"][0]["kind"] == "hosting"


def test_a_partner_offers_a_contribution_the_secretariat_accepts_or_declines(kb, browser, people, exchange_id):
    client = browser(people["partner"])
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "Offer a contribution as co-financing partner" in page and "Declare a contribution" not in page
    resp = client.post(f"/exchanges/{exchange_id}/join", data={"kind": "money", "amount": "15000"})
    assert resp.status_code == 422 and "A money contribution needs an amount and a currency." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/join", data={"kind": "money", "amount": "15000", "currency": "eur"})
    assert resp.status_code == 302
    page = text(client.get(f"/exchanges/{exchange_id}"))
    offers = page.split('id="contribution-offers"')[1]
    assert "15,000" in offers and "Offered" in offers and 'value="withdraw"' in offers
    assert "Declare a contribution" not in page  # not a party until the secretariat accepts
    resp = client.post(f"/exchanges/{exchange_id}/join", data={"kind": "hosting"})
    assert resp.status_code == 409 and "waits for the secretariat" in text(resp)
    # The secretariat declines without a reason: refused, naming it; then accepts.
    offer_id = kb.ok("GET", "/contribution-offers", people["sec"])["items"][0]["id"]
    sec = browser(people["sec"])
    assert 'value="accept"' in text(sec.get(f"/exchanges/{exchange_id}"))
    resp = sec.post(f"/contribution-offers/{offer_id}", data={"action": "decline"})
    assert resp.status_code == 422 and "A reason is required to" in text(resp)
    assert client.post(f"/contribution-offers/{offer_id}", data={"action": "accept"}).status_code == 403
    assert sec.post(f"/contribution-offers/{offer_id}", data={"action": "accept"}).status_code == 302
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert "Declare a contribution" in page and "Offer a contribution as co-financing partner" in page
    parties = {p["role"]: p for p in kb.ok("GET", f"/exchanges/{exchange_id}/parties", people["director"])}
    assert parties["partner"]["contributions"][0]["amount"] == "15000.00"
    assert f'/exchanges/{exchange_id}"' in text(client.get("/exchanges"))


def test_only_partners_offer_contributions(kb, browser, people, exchange_id):
    page = text(browser(people["director"]).get(f"/exchanges/{exchange_id}"))
    assert "Offer a contribution as co-financing partner" not in page
    resp = browser(people["director"]).post(f"/exchanges/{exchange_id}/join", data={"kind": "hosting"})
    assert resp.status_code == 403 and "Only partners" in text(resp)


def test_completing_without_an_activity_is_refused(kb, browser, people, exchange_id):
    started(kb, people, exchange_id)
    client = browser(people["sec"])
    resp = client.post(f"/exchanges/{exchange_id}/transitions", data={"action": "complete"})
    assert resp.status_code == 422 and "A completion report is required to complete." in text(resp)
    resp = client.post(f"/exchanges/{exchange_id}/transitions",
                       data={"action": "complete", "completion_report": "Done."})
    assert resp.status_code == 409 and "Record at least one activity before completing the exchange." in text(resp)
    assert "Done." in text(resp)  # the report typed is kept


def test_pages_are_in_the_users_language(kb, browser, people, exchange_id):
    client = browser(people["sec"])
    client.post("/language", data={"lang": "es", "next": "/"})
    page = text(client.get(f"/exchanges/{exchange_id}"))
    assert '<html lang="es">' in page and "Planificado" in page and "Próximos pasos" in page
    assert "Next steps" not in page


# --- the whole journey -------------------------------------------------------------------------

def test_the_whole_journey_through_the_pages(kb, browser, people):
    sec, director, centre = browser(people["sec"]), browser(people["director"]), browser(people["centre"])
    # The director's request and the centre's offer wait in the review queue; the secretariat publishes both.
    req = kb.ok("POST", "/requests", people["director"], kb.request_payload(title="Curtiembres más limpias"))
    kb.ok("POST", f"/requests/{req['id']}/transitions", people["director"], {"action": "submit"}, 200)
    offer = kb.ok("POST", "/offers", people["centre"], kb.offer_payload())
    kb.ok("POST", f"/offers/{offer['id']}/transitions", people["centre"], {"action": "submit"}, 200)
    queue = text(sec.get("/secretariat/review"))
    assert "Curtiembres más limpias" in queue and offer["title"] in queue
    assert sec.post(f"/secretariat/review/request/{req['id']}", data={"action": "publish"}).status_code == 302
    assert sec.post(f"/secretariat/review/offer/{offer['id']}", data={"action": "publish"}).status_code == 302

    # The desk suggests the offer for the request; the secretariat proposes it.
    desk = text(sec.get(f"/secretariat/desk?request_id={req['id']}&include_weak=true"))
    assert offer["title"] in desk and "Shared sectors" in desk
    assert sec.post("/secretariat/desk/propose", data={"request_id": req["id"], "offer_id": offer["id"],
                                                       "from_suggestion": "true", "note": "Strong fit"}).status_code == 302
    [m] = kb.ok("GET", "/matches", people["sec"])["items"]

    # Director and centre accept on the matches page; the secretariat approves.
    assert director.post(f"/matches/{m['id']}", data={"action": "accept"}).status_code == 302
    assert centre.post(f"/matches/{m['id']}", data={"action": "accept"}).status_code == 302
    resp = sec.post(f"/matches/{m['id']}", data={"action": "approve"})
    assert resp.status_code == 302
    page_url = resp.headers["Location"]
    xid = int(page_url.rsplit("/", 1)[1])

    def step(data: dict) -> None:
        r = sec.post(f"/exchanges/{xid}/transitions", data=data)
        assert r.status_code == 302, (data, text(r)[:2000])

    # The secretariat records the agreement, starts, records an activity and results, and runs it to its close.
    step({"action": "agree", "agreement_ref": "KB-2026-01", "agreement_date": "2026-02-01"})
    step({"action": "start", "start_date": "2026-03-01"})
    assert sec.post(f"/exchanges/{xid}/activities", data=ACTIVITY).status_code == 302
    assert sec.post(f"/exchanges/{xid}/results", data={"people_trained": "33", "women_trained": "12",
                                                       "feedback": "Action plans adopted", "rating": "5"}).status_code == 302
    step({"action": "complete", "completion_report": "One workshop held; four tanneries recover chrome."})
    step({"action": "evaluate"})
    step({"action": "close"})

    ex = kb.ok("GET", f"/exchanges/{xid}", people["sec"])
    assert ex["status"] == "closed" and ex["agreement_ref"] == "KB-2026-01"
    assert kb.ok("GET", f"/requests/{req['id']}", people["sec"])["status"] == "closed"

    # The timeline on the page shows every step, in order, to the secretariat and to the director.
    page = text(sec.get(f"/exchanges/{xid}"))
    timeline = page.split('id="h-timeline"')[1]
    labels = re.findall(r"<li>\s*<strong>([^<]+)</strong>", timeline)
    # In the past tense, as a history reads (it said "Submit", "Accept", "Close", like the buttons).
    assert labels == ["Created", "Submitted", "Published", "Proposed", "Accepted by requester", "Accepted",
                      "Approved", "Created", "Matched", "Agreed", "In progress", "Activity reported",
                      "Results reported", "Completed", "Evaluated", "Closed", "Closed"]
    assert "KB-2026-01" in timeline and "“Strong fit”" in timeline
    assert "This exchange is over." in page and "four tanneries recover chrome" in page
    director_page = text(director.get(f"/exchanges/{xid}"))
    assert "Agreed" in director_page and "Activity reported" in director_page
    assert "No step is yours to take now." not in director_page and "This exchange is over." in director_page
    closed = text(sec.get("/exchanges")).split('id="h-closed"')[1]
    assert f'/exchanges/{xid}"' in closed


def test_forms_are_csrf_protected(app, kb, browser, people, match):
    client = browser(people["director"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = client.post(f"/matches/{match['id']}", data={"action": "accept"})
        page = text(client.get("/matches"))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert resp.status_code == 400
    assert kb.ok("GET", f"/matches/{match['id']}", people["sec"])["status"] == "proposed"
    assert 'name="csrf_token"' in page


def test_the_secretariat_waits_only_for_accepted_matches_but_may_reject_open_ones(kb, browser, people, match):
    client = browser(people["sec"])
    page = text(client.get("/matches"))
    waiting, others = page.split('id="h-waiting"')[1].split('id="h-others"')
    assert f'id="match-{match["id"]}"' in others and 'value="reject"' in others
    assert "Nothing is waiting for your answer." in waiting
    resp = client.post(f"/matches/{match['id']}", data={"action": "reject", "reason": "Duplicate of another"})
    assert resp.status_code == 302
    assert kb.ok("GET", f"/matches/{match['id']}", people["sec"])["decision_reason"] == "Duplicate of another"


def test_the_exchange_history_shows_e_mail_addresses_only_to_staff_and_the_same_organisation(kb, browser, people,
                                                                                            exchange_id):
    sec, director, centre = people["sec"], people["director"], people["centre"]
    page = text(browser(director).get(f"/exchanges/{exchange_id}"))
    assert director.email in page and sec.email not in page and centre.email not in page
    page = text(browser(centre).get(f"/exchanges/{exchange_id}"))
    assert centre.email in page and sec.email not in page and director.email not in page
    page = text(browser(sec).get(f"/exchanges/{exchange_id}"))
    assert sec.email in page and director.email in page and centre.email in page


def test_amounts_and_expert_days_read_the_same_in_the_parties_table_and_the_partners_offers(
        kb, browser, people, exchange_id):
    """The parties table wrote "18,000 EUR" where the partners' offers below wrote "€18,000.00", and an offer of
    expert-days was a bare number ("Contribution in kind: 12")."""
    partner = browser(people["partner"])
    assert partner.post(f"/exchanges/{exchange_id}/join",
                        data={"kind": "money", "amount": "18000", "currency": "EUR"}).status_code == 302
    offer_id = kb.ok("GET", "/contribution-offers", people["sec"])["items"][0]["id"]
    assert browser(people["sec"]).post(f"/contribution-offers/{offer_id}", data={"action": "accept"}).status_code == 302
    assert partner.post(f"/exchanges/{exchange_id}/join",
                        data={"kind": "expert-days", "expert_days": "12"}).status_code == 302
    page = text(browser(people["sec"]).get(f"/exchanges/{exchange_id}"))
    parties = page.split('id="h-parties"')[1].split("</table>")[0]
    offers = page.split('id="contribution-offers"')[1]
    assert "€18,000.00" in parties and "18,000 EUR" not in parties
    assert "€18,000.00" in offers and "12 expert-days" in offers
    browser(people["sec"]).post("/language", data={"lang": "fr", "next": "/"})
    page = text(browser(people["sec"]).get(f"/exchanges/{exchange_id}"))
    assert "18\u202f000,00\xa0€" in page.split('id="h-parties"')[1].split("</table>")[0]
