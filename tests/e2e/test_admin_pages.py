"""The administration in the browser: the admin opens each page (screenshots, weights), searches organisations,
and the secretariat sees the organisation list only."""
from __future__ import annotations

from e2e_support import PAGE_BUDGET, SECRETARIAT, measure

ADMIN = ("admin@kb.example", "admin-demo-2026")
PAGES = [("organisations", "/admin/organisations"), ("users", "/admin/users"),
         ("vocabularies", "/admin/vocabularies"), ("installation", "/admin/installation")]


def test_admin_pages(browser, server, session_factory):
    s = session_factory()
    s.sign_in(ADMIN)
    s.page.locator("header nav a", has_text="Administration").click()
    s.page.wait_for_load_state()
    assert s.page.url.endswith("/admin/organisations")
    s.page.locator("#f-q").fill("SENA")
    s.page.locator("main form button[type=submit]").first.click()
    s.page.wait_for_load_state()
    assert "Servicio Nacional de Aprendizaje" in s.page.locator("table").inner_text()
    for name, path in PAGES:
        s.goto(path)
        assert s.page.locator("h1").first.inner_text(), path
        s.shot(f"admin-{name}-en")
        w = measure(browser, server, f"admin {name}", path, storage_state=s.context.storage_state())
        assert w.total < PAGE_BUDGET
    s.choose_language("es")
    s.goto("/admin/vocabularies")
    s.shot("admin-vocabularies-es")
    s.choose_language("en")
    assert not s.errors


def test_secretariat_sees_the_organisations_only(session_factory):
    s = session_factory()
    s.sign_in(SECRETARIAT)
    assert s.goto("/admin/organisations").status == 200
    assert s.page.locator("main nav a", has_text="Users").count() == 0
    assert s.goto("/admin/users").status == 403
