"""/admin/organisations and /admin/users: search, filters, forms, state changes, audit, refusals per role."""
from __future__ import annotations

import html

import pytest


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


@pytest.fixture
def people(kb):
    return {"admin": kb.user("admin", country="AT"), "sec": kb.user("secretariat", country="AT"),
            "director": kb.user("director", country="EC"), "centre": kb.user("centre", country="CO"),
            "partner": kb.user("partner", country="ES")}


def _events(kb, actor, record_type: str, record_id: int) -> list[dict]:
    return kb.ok("GET", f"/events?record_type={record_type}&record_id={record_id}", actor)["items"]


# --- refusals per role --------------------------------------------------------------------------

def test_who_may_open_which_administration_page(kb, browser, people):
    org = kb.org("ministry", "JM", name="Ministry of Industry")
    user = people["director"]
    pages = {"/admin/organisations": {"admin", "sec"}, "/admin/organisations/new": {"admin"},
             f"/admin/organisations/{org}": {"admin"}, "/admin/users": {"admin"}, f"/admin/users/{user.id}": {"admin"}}
    for who, actor in people.items():
        client = browser(actor)
        for url, allowed in pages.items():
            assert client.get(url).status_code == (200 if who in allowed else 403), (who, url)
    resp = browser().get("/admin/organisations")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    # Posted anyway by someone else: refused, nothing changes.
    for who in ("sec", "director", "centre", "partner"):
        client = browser(people[who])
        assert client.post(f"/admin/organisations/{org}/state", data={"action": "verify"}).status_code == 403
        assert client.post("/admin/organisations/new", data={"name": "Fake", "kind": "ngo",
                                                             "country_code": "FR"}).status_code == 403
        assert client.post(f"/admin/users/{user.id}", data={"role": "admin"}).status_code == 403
        assert client.post(f"/admin/users/{user.id}/state", data={"action": "deactivate"}).status_code == 403
    assert kb.ok("GET", f"/organisations/{org}")["verified"] is False
    assert kb.ok("GET", f"/users/{user.id}", people["admin"])["role"] == "director"
    assert kb.ok("GET", "/organisations?q=Fake")["total"] == 0


def test_the_header_links_administration_for_admin_and_secretariat_only(browser, people):
    for who in people:
        page = text(browser(people[who]).get("/home"))
        assert ('href="/admin/"' in page) == (who in ("admin", "sec")), who
    sec_page = text(browser(people["sec"]).get("/admin/organisations"))
    assert 'href="/admin/users"' not in sec_page and "Register an organisation" not in sec_page


# --- organisations ------------------------------------------------------------------------------

def test_organisations_are_searched_filtered_and_paged(kb, browser, people):
    kb.org("ministry", "JM", name="Ministry of Industry, Jamaica")
    kb.org("competence-centre", "BR", name="Instituto Nacional de Metrologia")
    for n in range(25):
        kb.org("ngo", "SN", name=f"Association {n:02d}")
    client = browser(people["sec"])
    page = text(client.get("/admin/organisations?q=metrolog"))
    assert "Instituto Nacional de Metrologia" in page and "Jamaica" not in page.split("<table")[1]
    page = text(client.get("/admin/organisations?country=JM&kind=ministry"))
    assert "Ministry of Industry, Jamaica" in page.split("<table")[1] and "Association" not in page.split("<table")[1]
    page = text(client.get("/admin/organisations?kind=ngo"))
    assert page.count("Association ") >= 20 and "Page 1 of 2" in page and 'rel="next"' in page
    assert "Association 24" in text(client.get("/admin/organisations?kind=ngo&page=2"))
    resp = client.get("/admin/organisations?kind=castle&country=Jamaica")
    assert resp.status_code == 422 and "Must be one of" in text(resp)


def test_admin_registers_edits_verifies_and_deactivates_an_organisation_audited(kb, browser, people, app):
    admin = people["admin"]
    client = browser(admin)
    form = text(client.get("/admin/organisations/new"))
    for name in ("name", "acronym", "kind", "country_code", "website", "contact_email"):
        assert f'id="f-{name}"' in form and f'for="f-{name}"' in form, name
    resp = client.post("/admin/organisations/new", data={"name": "", "kind": "ngo", "country_code": "XX"})
    page = text(resp)
    assert resp.status_code == 422 and 'id="e-name"' in page and 'id="e-country_code"' in page
    resp = client.post("/admin/organisations/new", data={"name": "Fundación Andina", "acronym": "FA", "kind": "ngo",
                                                         "country_code": "PE", "website": "https://fa.example"})
    assert resp.status_code == 302
    org_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    org = kb.ok("GET", f"/organisations/{org_id}")
    assert org["name"] == "Fundación Andina" and org["verified"] is False and org["active"] is True
    # Edit: a stale version is refused, a good one saved with its change log.
    resp = client.post(f"/admin/organisations/{org_id}", data={"name": "Fundación Andina de Desarrollo",
                                                               "kind": "ngo", "country_code": "PE", "version": "9"})
    assert resp.status_code == 409 and "reload it and try again" in text(resp)
    resp = client.post(f"/admin/organisations/{org_id}", data={"name": "Fundación Andina de Desarrollo", "acronym": "",
                                                               "kind": "ngo", "country_code": "PE", "website": "",
                                                               "version": str(org["version"])})
    assert resp.status_code == 302
    org = kb.ok("GET", f"/organisations/{org_id}")
    assert org["name"] == "Fundación Andina de Desarrollo" and org["acronym"] is None and org["website"] is None
    # Verify, then deactivate: its users are deactivated with it.
    member = kb.user("partner", org_id)
    assert client.post(f"/admin/organisations/{org_id}/state", data={"action": "verify",
                                                                     "version": str(org["version"])}).status_code == 302
    assert kb.ok("GET", f"/organisations/{org_id}")["verified"] is True
    assert client.post(f"/admin/organisations/{org_id}/state", data={"action": "deactivate"}).status_code == 302
    assert kb.ok("GET", f"/organisations/{org_id}")["active"] is False
    assert kb.ok("GET", f"/users/{member.id}", admin)["active"] is False
    assert kb.call("GET", "/requests", member).status_code == 401  # its token no longer works
    events = _events(kb, admin, "organisation", org_id)
    changes = [e["details"]["changes"] for e in events if e["action"] == "update"]
    assert changes[0]["name"] == {"from": "Fundación Andina", "to": "Fundación Andina de Desarrollo"}
    assert changes[0]["acronym"] == {"from": "FA", "to": None}
    assert any(c.get("verified") == {"from": False, "to": True} for c in changes)
    assert any(c.get("active") == {"from": True, "to": False} for c in changes)
    assert any(e["action"] == "update" and e["details"]["changes"]["active"] == {"from": True, "to": False}
               for e in _events(kb, admin, "user", member.id))
    # Reactivated: the organisation only.
    assert client.post(f"/admin/organisations/{org_id}/state", data={"action": "activate"}).status_code == 302
    assert kb.ok("GET", f"/organisations/{org_id}")["active"] is True
    assert kb.ok("GET", f"/users/{member.id}", admin)["active"] is False
    assert client.post(f"/admin/organisations/{org_id}/state", data={"action": "explode"}).status_code == 422


def test_admin_cannot_deactivate_its_own_organisation(kb, browser, people):
    resp = browser(people["admin"]).post(f"/admin/organisations/{people['admin'].org_id}/state",
                                         data={"action": "deactivate"})
    assert resp.status_code == 409 and "your own organisation" in text(resp)
    assert kb.ok("GET", f"/organisations/{people['admin'].org_id}")["active"] is True


# --- users --------------------------------------------------------------------------------------

def test_users_are_searched_and_filtered_by_role_organisation_and_state(kb, browser, people):
    client = browser(people["admin"])
    page = text(client.get(f"/admin/users?q={people['centre'].email[:8]}"))
    table = page.split("<table")[1]
    assert people["centre"].email in table and people["director"].email not in table
    table = text(client.get("/admin/users?role=partner")).split("<table")[1]
    assert people["partner"].email in table and people["centre"].email not in table
    table = text(client.get(f"/admin/users?organisation_id={people['director'].org_id}")).split("<table")[1]
    assert people["director"].email in table and people["partner"].email not in table
    assert client.get("/admin/users?role=king").status_code == 422


def test_admin_changes_a_users_role_and_organisation_and_deactivates_them_audited(kb, browser, people, app):
    admin, director = people["admin"], people["director"]
    client = browser(admin)
    other_org = kb.org("ministry", "PE", name="Ministerio de la Producción")
    before = kb.ok("GET", f"/users/{director.id}", admin)
    resp = client.post(f"/admin/users/{director.id}", data={"name": "Ana Pérez", "role": "centre",
                                                            "organisation_id": str(other_org), "language": "es",
                                                            "version": str(before["version"])})
    assert resp.status_code == 302
    after = kb.ok("GET", f"/users/{director.id}", admin)
    assert (after["role"], after["organisation_id"], after["name"], after["language"]) == \
        ("centre", other_org, "Ana Pérez", "es")
    details = [e for e in _events(kb, admin, "user", director.id) if e["action"] == "update"][-1]["details"]["changes"]
    assert details["role"] == {"from": "director", "to": "centre"}
    assert details["organisation_id"] == {"from": director.org_id, "to": other_org}
    resp = client.post(f"/admin/users/{director.id}", data={"role": "emperor", "organisation_id": "999999"})
    assert resp.status_code == 422 and 'id="e-role"' in text(resp)
    resp = client.post(f"/admin/users/{director.id}", data={"role": "centre", "organisation_id": "999999"})
    assert resp.status_code == 422 and "Unknown organisation" in text(resp)
    assert client.post(f"/admin/users/{director.id}/state", data={"action": "deactivate"}).status_code == 302
    assert kb.ok("GET", f"/users/{director.id}", admin)["active"] is False
    assert browser().post("/login", data={"email": director.email, "password": kb.PASSWORD}).status_code == 401
    assert client.post(f"/admin/users/{director.id}/state", data={"action": "activate"}).status_code == 302
    assert kb.ok("GET", f"/users/{director.id}", admin)["active"] is True
    # Nobody deactivates or demotes themselves.
    resp = client.post(f"/admin/users/{admin.id}/state", data={"action": "deactivate"})
    assert resp.status_code == 409 and kb.ok("GET", f"/users/{admin.id}", admin)["active"] is True


def test_admin_pages_in_spanish(kb, browser, people):
    client = browser(people["admin"])
    client.post("/language", data={"lang": "es", "next": "/admin/organisations"})
    page = text(client.get("/admin/organisations"))
    assert "Registrar una organización" in page and "Organizaciones" in page
    assert "Usuarios" in text(client.get("/admin/users"))


def test_users_page_offers_an_invitation(kb, browser, people):
    page = text(browser(people["admin"]).get("/admin/users"))
    assert 'href="/invite"' in page and "Invite someone" in page


def test_admin_sends_a_reset_link_audited_and_it_works(kb, browser, people, app):
    import re

    from kb.extensions import db
    from kb.models import Event, Notification

    admin, centre = people["admin"], people["centre"]
    client = browser(admin)
    assert "Send a reset link" in text(client.get(f"/admin/users/{centre.id}"))
    resp = client.post(f"/admin/users/{centre.id}/reset-link")
    assert resp.status_code == 302
    assert "is on its way to" in text(client.get(resp.headers["Location"]))
    with app.app_context():
        notes = db.session.query(Notification).filter_by(user_id=centre.id).all()
        mail = [n for n in notes if "set a new password" in n.subject]
        assert len(mail) == 1
        event = db.session.query(Event).filter_by(record_type="user", record_id=centre.id,
                                                  action="reset-link-sent").one()
        assert event.actor_id == admin.id
        link = re.search(r"/password/reset/\S+", mail[0].body).group(0)
    page = browser().get(link)
    assert page.status_code == 200
    # Refused to every other role, nothing sent; a deactivated user gets no link; an unknown one is 404.
    for who in ("sec", "director", "centre", "partner"):
        assert browser(people[who]).post(f"/admin/users/{centre.id}/reset-link").status_code == 403
    assert client.post(f"/admin/users/{people['partner'].id}/state", data={"action": "deactivate"}).status_code == 302
    resp = client.post(f"/admin/users/{people['partner'].id}/reset-link")
    assert resp.status_code == 409 and "reactivate them" in text(resp)
    assert client.post("/admin/users/999999/reset-link").status_code == 404
    with app.app_context():
        assert db.session.query(Event).filter_by(action="reset-link-sent").count() == 1
        assert db.session.query(Notification).filter(Notification.user_id.in_(
            [centre.id, people["partner"].id]), Notification.subject.contains("set a new password")).count() == 1
