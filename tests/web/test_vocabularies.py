"""/admin/vocabularies: sectors and modalities with labels in four languages; add, edit labels, retire (never
delete); retired entries leave the forms and the API's code lists for new tags but stay on old records."""
from __future__ import annotations

import html

import pytest


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


LABELS = {"label_en": "Water supply", "label_es": "Abastecimiento de agua", "label_pt": "Abastecimento de água",
          "label_fr": "Approvisionnement en eau"}


@pytest.fixture
def vocabulary(app):
    """The reference tables outlive a test: put the sectors and modalities back as they were."""
    from kb.extensions import db
    from kb.models import Event, Modality, Sector

    with app.app_context():
        before = {m: {r.code: (r.labels(), r.retired) for r in db.session.query(m)} for m in (Sector, Modality)}
    yield
    with app.app_context():
        db.session.query(Event).delete()
        for model, rows in before.items():
            for row in db.session.query(model):
                if row.code not in rows:
                    db.session.delete(row)
                    continue
                labels, retired = rows[row.code]
                for lang, label in labels.items():
                    setattr(row, f"label_{lang}", label)
                row.retired = retired
        db.session.commit()


@pytest.fixture
def people(kb):
    return {"admin": kb.user("admin", country="AT"), "sec": kb.user("secretariat", country="AT"),
            "director": kb.user("director", country="EC"), "centre": kb.user("centre", country="CO"),
            "partner": kb.user("partner", country="ES")}


def test_only_the_admin_administers_vocabularies(kb, browser, people, vocabulary):
    for who, actor in people.items():
        client = browser(actor)
        expected = 200 if who == "admin" else 403
        assert client.get("/admin/vocabularies").status_code == expected, who
        if who != "admin":
            assert client.post("/admin/vocabularies/sectors", data={"code": "water-supply", **LABELS}).status_code == 403
            assert client.post("/admin/vocabularies/sectors/agriculture", data={"action": "retire"}).status_code == 403
    assert "water-supply" not in [s["code"] for s in kb.ok("GET", "/sectors")]
    assert not next(s for s in kb.ok("GET", "/sectors") if s["code"] == "agriculture")["retired"]


def test_admin_adds_a_sector_that_forms_the_api_and_the_openapi_document_follow(kb, browser, people, vocabulary):
    client = browser(people["admin"])
    page = text(client.get("/admin/vocabularies"))
    assert "Agriculture" in page and "Agricultura" in page and 'id="new-sectors-label_pt"' in page
    resp = client.post("/admin/vocabularies/sectors", data={"code": "Water Supply", "label_en": "Water supply"})
    page = text(resp)
    assert resp.status_code == 422 and "words joined by hyphens" in page and page.count('aria-invalid="true"') >= 4
    resp = client.post("/admin/vocabularies/sectors", data={"code": "water-supply", **LABELS})
    assert resp.status_code == 302
    assert client.post("/admin/vocabularies/sectors", data={"code": "water-supply", **LABELS}).status_code == 409
    sector = next(s for s in kb.ok("GET", "/sectors") if s["code"] == "water-supply")
    assert sector["labels"]["pt"] == "Abastecimento de água" and sector["retired"] is False
    enum = kb.ok("GET", "/openapi.json")["components"]["schemas"]["RequestIn"]["properties"]["sectors"]["items"]["enum"]
    assert "water-supply" in enum
    # The director's form offers it, in the director's language; a request takes it.
    director = browser(people["director"])
    director.post("/language", data={"lang": "pt", "next": "/"})
    assert "Abastecimento de água" in text(director.get("/my/requests/new"))
    rid = kb.ok("POST", "/requests", people["director"], kb.request_payload(sectors=["water-supply"]))["id"]
    assert kb.ok("GET", f"/requests/{rid}", people["director"])["sectors"] == ["water-supply"]
    events = kb.ok("GET", "/events?record_type=sector", people["admin"])["items"]
    assert any(e["action"] == "create" and e["details"]["code"] == "water-supply" for e in events)


def test_edited_labels_show_on_records_and_survive_a_new_seed(app, kb, browser, people, vocabulary):
    client = browser(people["admin"])
    labels = {"label_en": "Farming", "label_es": "Agricultura familiar", "label_pt": "Agricultura", "label_fr": "Agriculture"}
    resp = client.post("/admin/vocabularies/sectors/agriculture", data={"action": "labels", **labels})
    assert resp.status_code == 302
    assert client.post("/admin/vocabularies/sectors/agriculture", data={"action": "labels", **labels,
                                                                        "label_fr": ""}).status_code == 422
    req = kb.published_request(people["director"], people["sec"], sectors=["agriculture"])
    assert "Farming" in text(browser().get(f"/requests/{req['id']}"))
    event = [e for e in kb.ok("GET", "/events?record_type=sector&action=update", people["admin"])["items"]][-1]
    assert event["details"]["changes"]["label_en"] == {"from": "Agriculture", "to": "Farming"}
    result = app.test_cli_runner().invoke(args=["kb", "seed"])
    assert result.exit_code == 0, result.output
    assert next(s for s in kb.ok("GET", "/sectors") if s["code"] == "agriculture")["labels"]["en"] == "Farming"


def test_a_retired_sector_leaves_the_forms_but_stays_on_old_records(kb, browser, people, vocabulary):
    director = people["director"]
    rid = kb.ok("POST", "/requests", director, kb.request_payload(sectors=["agriculture", "livestock"]))["id"]
    admin = browser(people["admin"])
    page = text(admin.get("/admin/vocabularies"))
    assert "used by 1 record" in page
    assert admin.post("/admin/vocabularies/sectors/agriculture", data={"action": "retire"}).status_code == 302
    assert "Retired" in text(admin.get("/admin/vocabularies"))
    # No form offers it for a new record; the API refuses it on a new tag, naming the field.
    client = browser(director)
    assert 'value="agriculture"' not in text(client.get("/my/requests/new"))
    resp = kb.call("POST", "/requests", director, kb.request_payload(sectors=["agriculture"]))
    assert resp.status_code == 422 and "Retired sector: agriculture." in resp.get_json()["errors"]["sectors"][0]
    enum = kb.ok("GET", "/openapi.json")["components"]["schemas"]["RequestIn"]["properties"]["sectors"]["items"]["enum"]
    assert "agriculture" not in enum and "livestock" in enum
    # The old record keeps it: shown, offered (checked) on its edit form, kept by an edit.
    form = text(client.get(f"/my/requests/{rid}/edit"))
    assert 'value="agriculture" checked' in form
    record = kb.ok("PATCH", f"/requests/{rid}", director, {"title": "Cleaner production in small tanneries",
                                                            "sectors": ["agriculture", "livestock"]})
    assert record["sectors"] == ["agriculture", "livestock"]
    assert "Agriculture" in text(client.get(f"/my/requests/{rid}"))
    # Brought back, it is offered again. Nothing was deleted.
    assert admin.post("/admin/vocabularies/sectors/agriculture", data={"action": "restore"}).status_code == 302
    assert 'value="agriculture"' in text(client.get("/my/requests/new"))
    actions = [e["action"] for e in kb.ok("GET", "/events?record_type=sector", people["admin"])["items"]]
    assert actions == ["retire", "restore"]


def test_the_catalogue_filters_follow_a_label_edit_and_a_retirement(kb, browser, people, vocabulary):
    """The catalogue's filter fields are rendered once per language and reference revision (kb.web.display)."""
    visitor = browser(lang="es")
    assert '<option value="agriculture" >Agricultura</option>' in text(visitor.get("/offers"))
    admin = browser(people["admin"])
    labels = {"label_en": "Farming", "label_es": "Agricultura familiar", "label_pt": "Agricultura",
              "label_fr": "Agriculture"}
    assert admin.post("/admin/vocabularies/sectors/agriculture", data={"action": "labels", **labels}).status_code == 302
    assert '<option value="agriculture" >Agricultura familiar</option>' in text(visitor.get("/offers"))
    assert '<option value="agriculture" selected>Farming</option>' in \
        text(browser(lang="en").get("/offers?sector=agriculture"))
    assert admin.post("/admin/vocabularies/sectors/agriculture", data={"action": "retire"}).status_code == 302
    assert 'value="agriculture"' not in text(visitor.get("/offers"))


def test_unknown_entries_and_actions_are_refused(kb, browser, people, vocabulary):
    client = browser(people["admin"])
    assert client.post("/admin/vocabularies/sectors/no-such-sector", data={"action": "retire"}).status_code == 404
    assert client.post("/admin/vocabularies/sdgs", data={"code": "x", **LABELS}).status_code == 404
    assert client.post("/admin/vocabularies/sectors/agriculture", data={"action": "delete"}).status_code == 422
