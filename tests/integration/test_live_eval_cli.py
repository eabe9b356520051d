"""`flask kb eval --live`: the installation's own decisions scored, with a clear word when there are too few."""
from __future__ import annotations

import json
from datetime import date, timedelta

from kb.models import Offer, OrgKind, Request
from kb.services import admin, exchanges, records


def _user(role: str, kind: str, country: str):
    org = admin.create_organisation(None, {"name": f"{role} {country}", "kind": OrgKind(kind), "country_code": country})
    return admin.create_user(None, {"email": f"{role}.{country}@live.example", "password": "correct-horse-battery",
                                    "role": role, "organisation_id": org.id})


def _published(model, owner, sec, data):
    record = records.create_record(model, owner, data)
    records.transition_record(model, owner, record.id, "submit")
    records.transition_record(model, sec, record.id, "publish")
    return record


def test_without_decisions_it_says_there_is_nothing_to_report(app):
    result = app.test_cli_runner().invoke(args=["kb", "eval", "--live"])
    assert result.exit_code == 0, result.output
    assert "No decisions yet" in result.output
    assert json.loads(result.output.strip().splitlines()[-1])["pairs"] == 0


def test_without_live_the_benchmark_files_are_required(app):
    result = app.test_cli_runner().invoke(args=["kb", "eval"])
    assert result.exit_code != 0 and "Missing --offers, --requests, --qrels (or use --live)" in result.output


def test_it_scores_the_current_ranking_and_the_fit_on_the_decisions_made(app):
    with app.test_request_context():
        director, centre, sec = (_user("director", "ministry", "EC"), _user("centre", "competence-centre", "CO"),
                                 _user("secretariat", "un-agency", "AT"))
        req = _published(Request, director, sec, {
            "title": "Cleaner production in tanneries", "description": "Help to cut chrome pollution from small "
            "tanneries and to train inspectors in effluent treatment.", "text_lang": "en",
            "sectors": ["cleaner-production"], "modalities": ["expert-mission"], "languages": ["en"], "sdgs": [12]})
        offers = [_published(Offer, centre, sec, {
            "title": title, "description": description, "text_lang": "en", "sectors": sectors,
            "modalities": ["expert-mission"], "languages": ["en"], "valid_until": date.today() + timedelta(days=300)})
            for title, description, sectors in (
                ("Effluent treatment for tanneries", "Training of tannery staff and inspectors in chrome recovery "
                 "and effluent treatment.", ["cleaner-production"]),
                ("Solar pumping for irrigation", "Design and upkeep of solar water pumps for smallholder "
                 "irrigation.", ["renewable-energy"]))]
        good = exchanges.propose_match(sec, req.id, offers[0].id, from_suggestion=True)
        exchanges.transition_match(director, good.id, "accept")
        bad = exchanges.propose_match(sec, req.id, offers[1].id, from_suggestion=True)
        exchanges.transition_match(director, bad.id, "decline", reason="We need tannery expertise, not energy.")
    result = app.test_cli_runner().invoke(args=["kb", "eval", "--live"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert (report["decisions"], report["pairs"], report["decided"], report["pending"]) == (4, 2, 2, 0)
    assert report["ranking"]["requests"] == 1
    # The tannery offer ranks above the solar one: the only relevant judged pair comes first.
    assert report["ranking"]["ndcg@10"] == 1.0
    bands = report["acceptance"]
    assert sum(b["accepted"] for b in bands.values()) == 1 and sum(b["turned_down"] for b in bands.values()) == 1
    assert report["calibration"]["n"] == 2 and report["calibration"]["ece"] is not None
    assert report["enough"] == {"ranking": False, "decided": False}
    assert "too few: fewer than 5 requests" in result.output
    assert "too few: fewer than 20 decided pairs" in result.output
    assert "ECE (10 bins)" in result.output
