"""Invariants the workflow keeps, checked in the services: dates of an exchange and its activities, offers
whose validity has passed, a party's figures. Each refusal is a 422 naming the field, in the caller's language,
and changes nothing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from dbstate import db_snapshot

from kb.extensions import db
from kb.models import Offer

ACTIVITY = {"kind": "training", "title": "Workshop for tannery owners", "start_date": "2026-03-02",
            "end_date": "2026-03-06", "place": "Quito", "participants_female": 12, "participants_male": 20}


class Scene:
    def __init__(self, kb) -> None:
        self.kb = kb
        self.sec = kb.user("secretariat", country="AT")
        self.director = kb.user("director", country="EC")
        self.centre = kb.user("centre", country="CO")

    def exchange(self) -> int:
        req = self.kb.published_request(self.director, self.sec)
        off = self.kb.published_offer(self.centre, self.sec)
        match = self.kb.ok("POST", "/matches", self.sec, {"request_id": req["id"], "offer_id": off["id"]})
        for who in (self.director, self.centre):
            self.kb.ok("POST", f"/matches/{match['id']}/transitions", who, {"action": "accept"}, 200)
        return self.kb.ok("POST", f"/matches/{match['id']}/transitions", self.sec, {"action": "approve"},
                          200)["exchange_id"]

    def step(self, xid: int, action: str, **extra):
        return self.kb.call("POST", f"/exchanges/{xid}/transitions", self.sec, {"action": action, **extra})

    def agreed(self, on: str = "2026-02-01") -> int:
        xid = self.exchange()
        assert self.step(xid, "agree", agreement_ref="KB-1", agreement_date=on).status_code == 200
        return xid

    def started(self, on: str = "2026-03-01") -> int:
        xid = self.agreed()
        assert self.step(xid, "start", start_date=on).status_code == 200
        return xid


@pytest.fixture
def scene(kb) -> Scene:
    return Scene(kb)


def refused(kb, resp, field: str, *, lang_message: str | None = None, status: int = 422) -> str:
    """A refusal (422 unless said) naming field; returns its message."""
    body = resp.get_json()
    assert resp.status_code == status, body
    assert list(body["errors"]) == [field], body
    message = body["errors"][field][0]
    if lang_message:
        assert message == lang_message, message
    return message


def test_an_exchange_cannot_start_before_its_agreement(kb, app, scene):
    xid = scene.agreed(on="2026-02-01")
    before = db_snapshot(app)
    message = refused(kb, scene.step(xid, "start", start_date="2026-01-31"), "start_date")
    assert message == "The exchange cannot start before its agreement was signed (Feb 1, 2026)."
    assert db_snapshot(app) == before
    resp = kb.call("POST", f"/exchanges/{xid}/transitions", scene.sec, {"action": "start", "start_date": "2026-01-31"},
                   headers={"Accept-Language": "fr"})
    assert resp.get_json()["errors"]["start_date"] == [
        "L’échange ne peut pas commencer avant la signature de son accord (1 févr. 2026)."]
    assert scene.step(xid, "start", start_date="2026-02-01").status_code == 200  # the same day is fine


def test_an_exchange_cannot_end_before_it_started_nor_before_its_last_activity(kb, app, scene):
    xid = scene.started(on="2026-03-01")
    kb.ok("POST", f"/exchanges/{xid}/activities", scene.centre, ACTIVITY)
    before = db_snapshot(app)
    message = refused(kb, scene.step(xid, "complete", completion_report="Done.", end_date="2026-02-28"), "end_date")
    assert message == "The exchange cannot end before it started (Mar 1, 2026)."
    message = refused(kb, scene.step(xid, "complete", completion_report="Done.", end_date="2026-03-05"), "end_date")
    assert message == "An activity of this exchange lasts until Mar 6, 2026; the exchange cannot end before."
    assert db_snapshot(app) == before
    done = scene.step(xid, "complete", completion_report="Done.", end_date="2026-03-06")
    assert done.status_code == 200 and done.get_json()["end_date"] == "2026-03-06"


def test_activities_are_dated_between_the_agreement_and_the_completion(kb, app, scene):
    xid = scene.started()
    before = db_snapshot(app)
    message = refused(kb, kb.call("POST", f"/exchanges/{xid}/activities", scene.centre,
                                  {**ACTIVITY, "start_date": "2026-01-20"}), "start_date")
    assert message == "An activity cannot be dated before the exchange was agreed (Feb 1, 2026)."
    assert db_snapshot(app) == before
    kb.ok("POST", f"/exchanges/{xid}/activities", scene.centre, {**ACTIVITY, "start_date": "2026-02-01"})
    assert scene.step(xid, "complete", completion_report="Done.", end_date="2026-04-30").status_code == 200
    before = db_snapshot(app)
    message = refused(kb, kb.call("POST", f"/exchanges/{xid}/activities", scene.sec,
                                  {**ACTIVITY, "start_date": "2026-04-28", "end_date": "2026-05-02"}), "end_date")
    assert message == "An activity cannot be dated after the exchange was completed (Apr 30, 2026)."
    assert db_snapshot(app) == before
    # Reported late but held within the exchange's dates: accepted.
    kb.ok("POST", f"/exchanges/{xid}/activities", scene.sec, {**ACTIVITY, "start_date": "2026-04-28",
                                                             "end_date": "2026-04-30"})


def test_an_offer_whose_validity_has_passed_can_be_neither_submitted_nor_published(kb, app, scene):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    oid = kb.ok("POST", "/offers", scene.centre, kb.offer_payload(valid_until=yesterday))["id"]  # a draft may
    before = db_snapshot(app)
    resp = kb.call("POST", f"/offers/{oid}/transitions", scene.centre, {"action": "submit"})
    assert refused(kb, resp, "valid_until", status=409) == "The offer's validity has passed; set a later date first."
    assert resp.get_json()["message"] == "An offer whose validity has passed cannot be submitted."
    assert db_snapshot(app) == before

    # Submitted while valid, expired before review: the secretariat cannot publish it.
    oid = kb.ok("POST", "/offers", scene.centre, kb.offer_payload())["id"]
    kb.ok("POST", f"/offers/{oid}/transitions", scene.centre, {"action": "submit"}, 200)
    with app.app_context():
        db.session.get(Offer, oid).valid_until = date.today() - timedelta(days=1)
        db.session.commit()
    before = db_snapshot(app)
    refused(kb, kb.call("POST", f"/offers/{oid}/transitions", scene.sec, {"action": "publish"}), "valid_until",
            status=409)
    assert db_snapshot(app) == before


def test_women_trained_cannot_exceed_people_trained_named_as_the_form_names_them(kb, app, scene):
    xid = scene.started()
    before = db_snapshot(app)
    resp = kb.call("POST", f"/exchanges/{xid}/results", scene.director, {"people_trained": 1200, "women_trained": 1300})
    assert refused(kb, resp, "women_trained") == "Cannot be more than “People trained” (1,200)."
    resp = kb.call("POST", f"/exchanges/{xid}/results", scene.director, {"people_trained": 1200, "women_trained": 1300},
                   headers={"Accept-Language": "es"})
    assert resp.get_json()["errors"]["women_trained"] == ["No puede superar «Personas capacitadas» (1.200)."]
    resp = kb.call("POST", f"/exchanges/{xid}/results", scene.director, {"people_trained": 1200, "women_trained": 1300},
                   headers={"Accept-Language": "pt"})
    assert resp.get_json()["errors"]["women_trained"] == ["Não pode ser maior que “Pessoas capacitadas” (1.200)."]
    assert db_snapshot(app) == before


def test_a_partys_figures_stay_consistent_across_its_reports(kb, app, scene):
    xid = scene.started()
    kb.ok("POST", f"/exchanges/{xid}/results", scene.director, {"people_trained": 10})
    kb.ok("POST", f"/exchanges/{xid}/results", scene.director, {"women_trained": 6})
    before = db_snapshot(app)
    resp = kb.call("POST", f"/exchanges/{xid}/results", scene.director, {"women_trained": 5, "feedback": "More"})
    assert refused(kb, resp, "women_trained") == (
        "With this party's earlier reports, “Of whom women” would come to 11, more than “People trained” (10).")
    assert db_snapshot(app) == before
    kb.ok("POST", f"/exchanges/{xid}/results", scene.director, {"people_trained": 5, "women_trained": 5})
    # Another party's figures are its own: the provider reports women trained with no total yet.
    kb.ok("POST", f"/exchanges/{xid}/results", scene.centre, {"women_trained": 40})


def test_activity_totals_are_derived_from_the_participants_by_sex(kb, scene):
    """An activity has no total of its own to disagree with its participants by sex: it is their sum."""
    xid = scene.started()
    resp = kb.call("POST", f"/exchanges/{xid}/activities", scene.centre, {**ACTIVITY, "participants_total": 5})
    assert resp.status_code == 422 and '"participants_total"' in resp.get_data(as_text=True)
    act = kb.ok("POST", f"/exchanges/{xid}/activities", scene.centre, {**ACTIVITY, "participants_other": 1})
    assert act["participants_total"] == 12 + 20 + 1
